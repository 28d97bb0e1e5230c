"""Charts drawn on the server (DESIGN section 6): one ReportLab drawing for the page (as inline SVG) and for
the PDF report (as a flowable), so the two never disagree.

The chart functions take plain data (no models) and return a ``Chart``: a ReportLab ``Drawing`` that also
carries its title, which ``to_svg`` turns into the SVG's accessible name. A chart is never the only place its
numbers appear: ``trend_table`` and ``bars_table`` give the same numbers as rows for a table next to it.

Text is never markup here: ReportLab draws ``String`` text literally into the PDF, and ``to_svg`` serialises
through the DOM, which escapes ``<`` and ``&`` in text and attributes.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from reportlab.graphics import renderSVG
from reportlab.graphics.renderbase import renderScaledDrawing
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.validators import isString
from reportlab.pdfbase.pdfmetrics import stringWidth

from core.pdf import CJK_FONT, register_cjk_font

# The site's palette (static/css/site.css).
INK = HexColor("#1b1f24")
INK_3 = HexColor("#5b6570")
LINE = HexColor("#d5dbe3")
LINE_STRONG = HexColor("#aab4c0")
BLUE = HexColor("#14508c")
BLUE_LIGHT = HexColor("#c9d9ee")
RED = HexColor("#b3171e")
GREEN = HexColor("#1c6331")

# What a browser uses for the chart's text: ReportLab writes the font it measured with, which pages do not load.
SVG_FONT_STACK = (
    "'WenQuanYi Micro Hei', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
)

TREND_HEADERS = (_("Year"), _("Value"))
BARS_HEADERS = (_("League / city"), _("Value"), _("Allocation"), _("Share of allocation"))

Point = tuple[datetime.date, Decimal | None]
BarRow = tuple[str, Decimal | None, Decimal | None]


class Chart(Drawing):
    """A drawing with a title (the SVG's accessible name; the PDF prints it in the drawing)."""

    _attrMap = AttrMap(BASE=Drawing, title=AttrMapValue(isString, desc="accessible name of the chart"))

    def __init__(self, width: float, height: float, *, title: str) -> None:
        super().__init__(width, height, initialFontName=CJK_FONT)  # not Helvetica, which is never embedded
        self.title = title


# --- numbers ---------------------------------------------------------------------------------------------


def format_number(value: Decimal | float | int | None) -> str:
    """'1,234', '96.5', '0.25'; an em dash for no value."""
    if value is None:
        return "—"
    number = Decimal(str(value)).quantize(Decimal("0.01"))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


def _nice_step(span: float, count: int, *, whole: bool) -> float:
    raw = span / count if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * 1.0000001)
    return max(step, 1.0) if whole else step


def axis_ticks(low: float, high: float, *, count: int = 4, whole: bool = False) -> list[float]:
    """Round tick values covering [low, high], about ``count`` intervals."""
    if high <= low:
        high = low + (abs(low) * 0.1 or 1)
    step = _nice_step(high - low, count, whole=whole)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    n = round((end - start) / step)
    return [round(start + i * step, 10) for i in range(n + 1)]


def _value_range(values: list[float]) -> tuple[float, float]:
    """Start at zero unless the values sit far from it (a rate between 90% and 99% would be a flat line)."""
    low, high = min(values), max(values)
    if low >= 0 and (high == 0 or low <= 0.5 * high):
        return 0.0, high
    pad = (high - low) * 0.15 or abs(high) * 0.05 or 1
    return (max(0.0, low - pad) if low >= 0 else low - pad), high + pad


def _text(x: float, y: float, text: str, *, size: float = 7.5, color: Color = INK, anchor: str = "start") -> String:
    return String(x, y, text, fontName=CJK_FONT, fontSize=size, fillColor=color, textAnchor=anchor)


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis to ``width`` points (labels must not run into the plot)."""
    if stringWidth(text, CJK_FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", CJK_FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _header(chart: Chart, title: str, unit: str) -> None:
    chart.add(_text(0, chart.height - 12, _fit(title, chart.width * 0.72, 10), size=10))
    if unit:
        label = _fit(f"单位 Unit: {unit}", chart.width * 0.26, 7)
        chart.add(_text(chart.width, chart.height - 11, label, size=7, color=INK_3, anchor="end"))


# --- the trend of one target --------------------------------------------------------------------------------


def _slot_x(day: datetime.date, days: list[datetime.date], xs: list[float]) -> float | None:
    """Where ``day`` falls on the axis of points (between two points by date); None beyond the last one."""
    if day < days[0]:
        return xs[0]
    for (d0, x0), (d1, x1) in itertools.pairwise(zip(days, xs, strict=True)):
        if d0 <= day <= d1:
            span = (d1 - d0).days or 1
            return x0 + (x1 - x0) * (day - d0).days / span
    return xs[-1] if day == days[-1] else None


def trend_chart(
    points: Sequence[Point],
    *,
    goal: Decimal | None,
    deadline: datetime.date | None,
    title: str,
    unit: str,
    width: float = 480,
    height: float = 210,
) -> Chart:
    """The values at each date (a line with labelled points), the goal as a dashed line, the deadline marked.

    One slot per point, labelled with its year (and month-day when it is not a year end, as for "so far this
    year"). A missing value leaves a gap."""
    register_cjk_font()
    chart = Chart(width, height, title=title)
    _header(chart, title, unit)
    points = sorted(points, key=lambda p: p[0])
    left, right, bottom, top = 46.0, width - 12.0, 32.0, height - 34.0
    values = [float(v) for _d, v in points if v is not None]
    if not points or not values:
        chart.add(_text(left, (bottom + top) / 2, "无数据 No data", size=9, color=INK_3))
        return chart
    whole = all(float(v).is_integer() for v in values) and (goal is None or float(goal).is_integer())
    ticks = axis_ticks(*_value_range(values + ([float(goal)] if goal is not None else [])), whole=whole)
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom + (value - low) / (high - low) * (top - bottom)

    for tick in ticks:
        y = y_of(tick)
        chart.add(Line(left, y, right, y, strokeColor=LINE if tick else LINE_STRONG, strokeWidth=0.5))
        chart.add(_text(left - 4, y - 2.5, format_number(tick), size=7, color=INK_3, anchor="end"))
    chart.add(Line(left, bottom, right, bottom, strokeColor=LINE_STRONG, strokeWidth=0.8))

    slot = (right - left) / len(points)
    xs = [left + slot * (i + 0.5) for i in range(len(points))]
    days = [d for d, _v in points]
    for x, day in zip(xs, days, strict=True):
        chart.add(Line(x, bottom, x, bottom - 3, strokeColor=LINE_STRONG, strokeWidth=0.5))
        chart.add(_text(x, bottom - 12, str(day.year), size=7, color=INK, anchor="middle"))
        if (day.month, day.day) != (12, 31):
            chart.add(_text(x, bottom - 21, f"至 {day.month:02d}-{day.day:02d}", size=6, color=INK_3, anchor="middle"))

    if deadline is not None:
        x = _slot_x(deadline, days, xs)
        label = f"期限 Deadline {deadline.isoformat()}"
        if x is None:
            x, label = right, f"期限 Deadline {deadline.isoformat()} →"
        chart.add(Line(x, bottom, x, top + 6, strokeColor=INK_3, strokeWidth=0.8, strokeDashArray=[2, 2]))
        anchor = "end" if x > (left + right) / 2 else "start"
        chart.add(_text(x + (-3 if anchor == "end" else 3), top + 2, label, size=6.5, color=INK_3, anchor=anchor))

    if goal is not None:
        y = y_of(float(goal))
        chart.add(Line(left, y, right, y, strokeColor=RED, strokeWidth=1, strokeDashArray=[5, 3]))
        goal_label = f"目标 Goal {format_number(goal)}"
        chart.add(_text(left + 3, y + 3, goal_label, size=7, color=RED))

    run: list[float] = []
    for x, (_day, value) in zip(xs, points, strict=True):
        if value is None:
            if len(run) > 2:
                chart.add(PolyLine(run, strokeColor=BLUE, strokeWidth=1.6))
            run = []
            continue
        run += [x, y_of(float(value))]
    if len(run) > 2:
        chart.add(PolyLine(run, strokeColor=BLUE, strokeWidth=1.6))
    for x, (_day, value) in zip(xs, points, strict=True):
        if value is None:
            continue
        y = y_of(float(value))
        chart.add(Circle(x, y, 2.2, fillColor=white, strokeColor=BLUE, strokeWidth=1.2))
        label = format_number(value)
        label_w = stringWidth(label, CJK_FONT, 6.5)
        # White under the label: it stays legible where the goal or deadline line passes behind it.
        chart.add(Rect(x - label_w / 2 - 1, y + 4, label_w + 2, 7.5, fillColor=white, strokeColor=None))
        chart.add(_text(x, y + 5.5, label, size=6.5, color=BLUE, anchor="middle"))
    return chart


def trend_table(points: Sequence[Point]) -> list[tuple[str, str]]:
    """The chart's numbers as rows (date label, value), for a table next to it."""
    rows = []
    for day, value in sorted(points, key=lambda p: p[0]):
        label = str(day.year) if (day.month, day.day) == (12, 31) else day.isoformat()
        rows.append((label, format_number(value)))
    return rows


# --- leagues/cities side by side ---------------------------------------------------------------------------


def league_bars(
    rows: Sequence[BarRow],
    *,
    title: str,
    unit: str,
    width: float = 480,
    row_height: float = 15,
) -> Chart:
    """One horizontal bar per league/city (its value), its allocation marked by a red tick where there is one."""
    register_cjk_font()
    legend_h, axis_h, head_h = 14.0, 18.0, 22.0
    height = head_h + legend_h + row_height * max(len(rows), 1) + axis_h
    chart = Chart(width, height, title=title)
    _header(chart, title, unit)
    label_w = min(max((stringWidth(name, CJK_FONT, 7.5) for name, _v, _a in rows), default=40) + 6, width * 0.3)
    left, right = label_w, width - 44.0
    top = height - head_h - legend_h
    bottom = axis_h

    # The legend, under the title: what the bar and the tick mean.
    ly = height - head_h - 8
    chart.add(Rect(left, ly, 10, 6, fillColor=BLUE, strokeColor=None))
    chart.add(_text(left + 13, ly, "数值 Value", size=7, color=INK_3))
    lx = left + 13 + stringWidth("数值 Value", CJK_FONT, 7) + 14
    chart.add(Line(lx + 4, ly - 2, lx + 4, ly + 8, strokeColor=RED, strokeWidth=1.6))
    chart.add(_text(lx + 10, ly, "分配目标 Allocation", size=7, color=INK_3))

    amounts = [float(x) for _n, v, a in rows for x in (v, a) if x is not None]
    if not rows or not amounts:
        chart.add(_text(left, (bottom + top) / 2, "无数据 No data", size=9, color=INK_3))
        return chart
    whole = all(x.is_integer() for x in amounts)
    ticks = axis_ticks(min(0.0, min(amounts)), max(amounts), whole=whole)
    low, high = ticks[0], ticks[-1]

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    for tick in ticks:
        x = x_of(tick)
        chart.add(Line(x, bottom, x, top, strokeColor=LINE if tick else LINE_STRONG, strokeWidth=0.5))
        chart.add(_text(x, bottom - 10, format_number(tick), size=6.5, color=INK_3, anchor="middle"))

    bar_h = row_height * 0.62
    for i, (name, value, allocation) in enumerate(rows):
        middle = top - row_height * (i + 0.5)
        chart.add(_text(left - 5, middle - 2.6, _fit(name, label_w - 6, 7.5), size=7.5, anchor="end"))
        if value is None:
            chart.add(_text(x_of(0) + 3, middle - 2.5, "无数据 no data", size=6.5, color=INK_3))
        else:
            x0, x1 = sorted((x_of(0), x_of(float(value))))
            chart.add(Rect(x0, middle - bar_h / 2, max(x1 - x0, 0.6), bar_h, fillColor=BLUE, strokeColor=None))
        end = x_of(float(value)) if value is not None else x_of(0)
        if allocation is not None:
            ax = x_of(float(allocation))
            y0, y1 = middle - bar_h / 2 - 2.5, middle + bar_h / 2 + 2.5
            chart.add(Line(ax, y0, ax, y1, strokeColor=white, strokeWidth=3.6))  # a halo: red on blue reads poorly
            chart.add(Line(ax, y0, ax, y1, strokeColor=RED, strokeWidth=1.8))
            end = max(end, ax)
        if value is not None or allocation is not None:
            label = format_number(value)
            if allocation is not None:
                label += f" / {format_number(allocation)}"
            chart.add(_text(end + 4, middle - 2.5, label, size=6.5, color=INK))
    return chart


def bars_table(rows: Sequence[BarRow]) -> list[tuple[str, str, str, str]]:
    """The bars' numbers as rows (name, value, allocation, share of the allocation)."""
    table = []
    for name, value, allocation in rows:
        share = "—"
        if value is not None and allocation:
            share = f"{float(value) / float(allocation) * 100:.0f}%"
        table.append((name, format_number(value), format_number(allocation), share))
    return table


# --- SVG for pages -------------------------------------------------------------------------------------------


class _SVGRenderer(renderSVG._SVGRenderer):
    """ReportLab's SVG renderer with two corrections for pages.

    Text is aligned by the browser (``text-anchor``): ReportLab would shift it by its width in the embedded
    font, which the page does not use. A line is an open polyline: ReportLab writes "M a L b Z", whose closing
    stroke runs back over the dashes and makes a dashed line look solid."""

    def drawLine(self, line: Line) -> None:
        if self._canvas._strokeColor:
            self._canvas.polyLine([(line.x1, line.y1), (line.x2, line.y2)])

    def drawString(self, stringObj: String) -> None:
        anchor = self._tracker.getState()["textAnchor"]
        attrs = {"text-anchor": anchor} if anchor in ("middle", "end") else {}
        self._canvas.drawString(stringObj.text, stringObj.x, stringObj.y, text_anchor="start", **attrs)


def _style_to_attributes(element, style: str) -> None:
    """The site's Content-Security-Policy refuses ``style`` attributes; SVG presentation attributes (fill,
    stroke, font-family, clip-path, ...) say the same and are allowed, so each declaration becomes one."""
    if element.hasAttribute("style"):
        element.removeAttribute("style")
    for declaration in style.split(";"):
        name, separator, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if separator and name and value and not element.hasAttribute(name):
            element.setAttribute(name, value)


def to_svg(drawing: Drawing, *, id_prefix: str | None = None) -> str:
    """The drawing as an ``<svg>`` element to put inline in HTML: no XML declaration or doctype, scaled to the
    width of its container, named by its title (``role="img"`` with ``aria-labelledby``), with ids unique to
    the chart (ReportLab names its clip path "clip" in every drawing)."""
    register_cjk_font()
    title = str(getattr(drawing, "title", "") or "")
    canvas = renderSVG.SVGCanvas((drawing.width, drawing.height))
    _SVGRenderer().draw(renderScaledDrawing(drawing), canvas, 0, 0, showBoundary=False)
    svg = canvas.svg
    if id_prefix is None:
        digest = hashlib.sha1(svg.toxml().encode(), usedforsecurity=False).hexdigest()[:10]
        id_prefix = f"chart-{digest}"
    for element in svg.getElementsByTagName("*"):
        if element.getAttribute("id"):
            element.setAttribute("id", f"{id_prefix}-{element.getAttribute('id')}")
        style = element.getAttribute("style")
        if "url(#clip)" in style:
            style = style.replace("url(#clip)", f"url(#{id_prefix}-clip)")
        elif element.tagName == "text":
            style = style.replace(f"font-family: {CJK_FONT};", f"font-family: {SVG_FONT_STACK};")
        _style_to_attributes(element, style)
    for name in ("width", "height", "version"):
        svg.removeAttribute(name)
    svg.setAttribute("width", "100%")
    svg.setAttribute("role", "img")
    svg.setAttribute("aria-labelledby", f"{id_prefix}-title")
    svg.setAttribute("class", "chart")
    title_node = svg.getElementsByTagName("title")[0]
    title_node.setAttribute("id", f"{id_prefix}-title")
    title_node.firstChild.data = title
    for desc in svg.getElementsByTagName("desc"):
        svg.removeChild(desc)
    return svg.toxml()
