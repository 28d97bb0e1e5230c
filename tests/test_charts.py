"""Server-drawn charts (targets/charts.py): one drawing, as inline SVG for pages and as a PDF flowable."""

from __future__ import annotations

import datetime
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from pypdf import PdfReader
from reportlab.graphics import renderPDF
from reportlab.platypus import SimpleDocTemplate

from core.pdf import CJK_FONT
from targets import views_progress
from targets.charts import (
    axis_ticks,
    bars_table,
    format_number,
    league_bars,
    to_svg,
    trend_chart,
    trend_table,
)

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal


def year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


POINTS = [
    (year_end(2016), D(120)),
    (year_end(2017), D(210)),
    (year_end(2018), None),
    (year_end(2019), D(380)),
    (year_end(2020), D("455.5")),
    (datetime.date(2021, 6, 30), D(1234)),
]
ROWS = [("呼和浩特市", D(30), D(40)), ("包头市", D(45), None), ("兴安盟", None, D(10))]


def trend(**overrides):
    kwargs = {"goal": D(500), "deadline": year_end(2020), "title": "BR-01 品牌", "unit": "个 brands"}
    return trend_chart(POINTS, **(kwargs | overrides))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def svg_root(chart) -> ET.Element:
    return parse(to_svg(chart))


def texts(root: ET.Element) -> list[str]:
    return [node.text or "" for node in root.iter(f"{SVG}text")]


def test_trend_chart_svg_is_well_formed_and_named_by_its_title():
    svg = to_svg(trend())
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert not svg.startswith("<?xml") and "<!DOCTYPE" not in svg
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("height") is None
    assert root.get("viewBox") == "0 0 480 210"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "BR-01 品牌"
    assert root.get("aria-labelledby") == title.get("id")


def test_trend_chart_labels_every_value_the_goal_and_the_deadline():
    labels = texts(svg_root(trend()))
    for value in ("120", "210", "380", "455.5", "1,234"):
        assert value in labels
    assert {"2016", "2017", "2018", "2019", "2020", "2021"} <= set(labels)
    assert "至 06-30" in labels  # a point that is not a year end says so
    assert "目标 Goal 500" in labels
    assert "期限 Deadline 2020-12-31" in labels
    assert "单位 Unit: 个 brands" in labels


def test_a_deadline_after_the_last_point_is_marked_at_the_edge():
    labels = texts(svg_root(trend(deadline=datetime.date(2030, 12, 31))))
    assert "期限 Deadline 2030-12-31 →" in labels


def test_a_trend_without_values_says_so():
    labels = texts(svg_root(trend_chart([(year_end(2020), None)], goal=None, deadline=None, title="t", unit="")))
    assert "无数据 No data" in labels


def test_league_bars_label_each_league_with_value_and_allocation():
    root = svg_root(league_bars(ROWS, title="BR-01 by league/city", unit="个"))
    labels = texts(root)
    assert {"呼和浩特市", "包头市", "兴安盟"} <= set(labels)
    assert "30 / 40" in labels and "45" in labels and "— / 10" in labels
    assert root.find(f"{SVG}title").text == "BR-01 by league/city"


def test_hostile_labels_come_out_escaped_in_the_svg():
    hostile = '<script>alert("x")</script> & <b>'
    chart = league_bars([(hostile, D(1), None)], title=hostile, unit="&")
    svg = to_svg(chart)
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg
    root = parse(svg)  # still well-formed
    assert root.find(f"{SVG}title").text == hostile
    assert not list(root.iter(f"{SVG}script"))
    assert any(hostile[:8] in text for text in texts(root))  # the label, cut to fit, printed literally


def test_the_svg_has_no_style_attribute_so_the_content_security_policy_allows_it():
    root = parse(to_svg(trend()))
    assert all(node.get("style") is None for node in root.iter())
    assert any(node.get("fill") for node in root.iter())


def test_two_charts_on_one_page_have_distinct_ids():
    first, second = svg_root(trend()), svg_root(league_bars(ROWS, title="x", unit=""))
    ids = [node.get("id") for root in (first, second) for node in root.iter() if node.get("id")]
    assert len(ids) == len(set(ids))
    clip = next(node for node in first.iter(f"{SVG}clipPath"))
    group = next(node for node in first.iter(f"{SVG}g") if node.get("clip-path"))
    assert group.get("clip-path") == f"url(#{clip.get('id')})"


def test_svg_text_is_anchored_by_the_browser_in_a_font_stack():
    root = svg_root(trend())
    anchored = [node for node in root.iter(f"{SVG}text") if node.get("text-anchor") in ("middle", "end")]
    assert anchored  # axis labels are centred or right-aligned by the browser, not pre-shifted
    assert all("sans-serif" in node.get("font-family") for node in root.iter(f"{SVG}text"))


def test_the_same_drawing_renders_into_a_pdf():
    chart = trend()
    pdf = renderPDF.drawToString(chart)
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "455.5" in text and "Goal 500" in text


def test_charts_are_flowables_in_a_platypus_document():
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, initialFontName=CJK_FONT).build([trend(), league_bars(ROWS, title="bars", unit="")])
    reader = PdfReader(buffer)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "呼和浩特市" in text and "BR-01" in text
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:  # every font embedded: no reader falls back to boxes for the Chinese labels
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "—"), (D(1234), "1,234"), (D("96.50"), "96.5"), (D("0.25"), "0.25"), (7.0, "7")],
)
def test_numbers_are_printed_without_trailing_zeros(value, expected):
    assert format_number(value) == expected


def test_axis_ticks_are_round_and_cover_the_range():
    assert axis_ticks(0, 555) == [0, 200, 400, 600]
    assert axis_ticks(0, 3, whole=True) == [0, 1, 2, 3]
    ticks = axis_ticks(92.1, 97.5)
    assert ticks[0] <= 92.1 and ticks[-1] >= 97.5 and len(ticks) <= 7


def test_tables_give_the_charts_numbers():
    assert trend_table(POINTS) == [
        ("2016", "120"),
        ("2017", "210"),
        ("2018", "—"),
        ("2019", "380"),
        ("2020", "455.5"),
        ("2021-06-30", "1,234"),
    ]
    assert bars_table(ROWS) == [
        ("呼和浩特市", "30", "40", "75%"),
        ("包头市", "45", "—", "—"),
        ("兴安盟", "—", "10", "—"),
    ]


def test_dashed_lines_stay_dashed_in_the_svg():
    root = svg_root(trend())
    dashed = [node for node in root.iter() if node.get("stroke-dasharray")]
    assert len(dashed) >= 2  # the goal and the deadline
    assert all(node.tag == f"{SVG}polyline" for node in dashed)  # open: a closed path strokes back over the gaps


def test_a_page_chart_is_drawn_once_per_input(monkeypatch):
    points = [(datetime.date(2024, 12, 31), Decimal(3)), (datetime.date(2025, 12, 31), Decimal(5))]
    options = {"goal": Decimal(10), "deadline": datetime.date(2025, 12, 31), "title": "品牌 by year", "unit": "个"}
    drawn = []
    real = views_progress.trend_chart

    def counting(*args, **kwargs):
        drawn.append(1)
        return real(*args, **kwargs)

    counting.__name__ = real.__name__
    monkeypatch.setattr(views_progress, "_chart_svgs", views_progress.Memo(8))
    first = views_progress.chart_svg(counting, points, **options)
    assert first == views_progress.svg(real(points, **options))
    assert views_progress.chart_svg(counting, points, **options) == first
    assert len(drawn) == 1
    # Any change of the data or of an option is another chart.
    changed = views_progress.chart_svg(counting, [*points[:1], (points[1][0], Decimal(6))], **options)
    retitled = views_progress.chart_svg(counting, points, **{**options, "title": "Brands by year"})
    assert len(drawn) == 3 and len({first, changed, retitled}) == 3
