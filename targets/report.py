"""The annual progress report (DESIGN section 6): ``render_annual_report(plan, year=, as_of=) -> bytes``.

A pure renderer (STYLE habit 11): it reads the progress engine (``targets.progress``) once, writes nothing,
and the same data on the same date give the same bytes (``invariant=1``), so the stored SHA-256 recognises
the file. ``annual_report_generate`` (at the end) is the one function that stores a rendering.

The report, A4 portrait, in Chinese with English:
  a cover; a summary table of every target of the plan, colour-coded by trajectory; one page per registry
  target (its yearly trend, the goal and the deadline; the leagues/cities compared); the assessment ranking;
  one page per league/city (its values against its allocations, its rank, a chart).
Every chart has its numbers printed in a table next to it. Text from data goes into Paragraph markup only
through ``escape_markup``; plain table cells are drawn as literal strings.
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.audit import audit
from core.models import Region, RegionLevel
from core.pdf import CJK_FONT, escape_markup, register_cjk_font
from core.templatetags.registry_tags import UNIT_LABELS
from targets.charts import INK, LINE, RED, format_number, league_bars, trend_chart
from targets.charts import INK_3 as GREY
from targets.models import AnnualReport, Comparator, MeasuredBy, Measurement, Plan, RegionalAllocation, Target
from targets.progress import (
    LeagueTable,
    TargetStatus,
    Trajectory,
    against_goal,
    classify,
    league_table,
    target_statuses,
    yearly_series,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 22 * mm, 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CHART_WIDTH, SIDE_WIDTH = 328, FRAME_WIDTH - 335

BLUE_900 = HexColor("#0b2f5b")
BLUE_800 = HexColor("#0b3a6e")
# The palette shared with the charts (targets.charts); the report adds its table colours.
ZEBRA = HexColor("#f3f7fc")
GROUP_BG = HexColor("#e6eef8")

# Category -> (Chinese, English, background, text colour): the label is always printed, colour only repeats it.
# Besides the four trajectories: no value yet, no goal (a league/city without an allocation), not assessed
# (an "equal to" target, or no baseline).
NO_DATA, NO_GOAL, NOT_ASSESSED = "no_data", "no_goal", "not_assessed"
TRAJECTORIES: dict[str, tuple[str, str, Color, Color]] = {
    Trajectory.ON_TRACK: ("进展顺利", "On track", HexColor("#e2f2e6"), HexColor("#1c6331")),
    Trajectory.NEEDS_ACCELERATION: ("需加快进度", "Needs acceleration", HexColor("#fff0d1"), HexColor("#7a4a00")),
    Trajectory.LIMITED_PROGRESS: ("进展有限", "Limited progress", HexColor("#fde2cc"), HexColor("#8a3b00")),
    Trajectory.REGRESSION: ("倒退", "Regression", HexColor("#fde8e8"), HexColor("#9b1c1c")),
    NOT_ASSESSED: ("无法判断", "Not assessed", HexColor("#eceef1"), HexColor("#4f5660")),
    NO_GOAL: ("无分配目标", "No allocation", HexColor("#eceef1"), HexColor("#4f5660")),
    NO_DATA: ("无数据", "No data", HexColor("#eceef1"), HexColor("#4f5660")),
}


def category(trajectory: Trajectory | None, value: Decimal | None, goal: Decimal | None) -> str:
    if trajectory is not None:
        return trajectory
    if value is None:
        return NO_DATA
    return NO_GOAL if goal is None else NOT_ASSESSED


COMPARATORS = {Comparator.AT_LEAST: "≥", Comparator.AT_MOST: "≤", Comparator.EQUAL: "="}


class ReportError(ValueError):
    """The report cannot be made as asked (a year the date does not fall in)."""


# --- what is printed -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeagueLine:
    """One target in one league/city, as its page prints it."""

    target: Target
    value: Decimal | None
    allocation: Decimal | None
    percent: float | None
    trajectory: Trajectory | None
    share: float | None  # of the whole region's value, in percent


@dataclass
class ReportData:
    """Everything the report prints, read from the progress engine once."""

    plan: Plan
    year: int
    as_of: datetime.date
    statuses: list[TargetStatus]
    series: dict[int, list[tuple[datetime.date, Decimal | None]]]
    leagues: LeagueTable
    league_lines: dict[str, list[LeagueLine]] = field(default_factory=dict)


def _reported_league_lines(plan: Plan, as_of: datetime.date) -> dict[str, list[LeagueLine]]:
    """Reported targets measured by league/city (latest on or before ``as_of``), two queries for all."""
    rows = (
        Measurement.objects.filter(target__plan=plan, region__level=RegionLevel.PREFECTURE, measured_on__lte=as_of)
        .select_related("target__group")
        .order_by("region_id", "target__order", "target__code", "measured_on", "id")
    )
    allocations = {
        (target_id, region_id): value
        for target_id, region_id, value in RegionalAllocation.objects.filter(target__plan=plan).values_list(
            "target_id", "region_id", "value"
        )
    }
    history: dict[tuple[str, int], list[Measurement]] = defaultdict(list)
    for measurement in rows:
        history[(measurement.region_id, measurement.target_id)].append(measurement)
    lines: dict[str, list[LeagueLine]] = defaultdict(list)
    for (league, target_id), measurements in history.items():
        target, latest = measurements[-1].target, measurements[-1]
        # The baseline as the engine takes it: the latest value on or before the plan's start, else the first.
        before = [m for m in measurements if m.measured_on <= plan.period_start]
        baseline = (before[-1] if before else measurements[0]).value
        goal = allocations.get((target_id, league))
        percent, _met = against_goal(latest.value, goal, target.comparator)
        trajectory, _pace = classify(
            value=latest.value,
            baseline=baseline,
            goal=goal,
            comparator=target.comparator,
            start=plan.period_start,
            deadline=target.deadline,
            as_of=as_of,
        )
        lines[league].append(LeagueLine(target, latest.value, goal, percent, trajectory, None))
    return lines


def collect(plan: Plan, *, year: int, as_of: datetime.date) -> ReportData:
    if as_of.year != year:
        raise ReportError(f"The report for {year} takes a date in {year}, not {as_of.isoformat()}.")
    statuses = target_statuses(plan, as_of=as_of)
    registry = [s.target for s in statuses if s.target.measured_by == MeasuredBy.REGISTRY]
    series = yearly_series(plan, until=as_of, targets=registry) if registry else {}
    table = league_table(plan, as_of=as_of)
    lines: dict[str, list[LeagueLine]] = defaultdict(list)
    for row in table.rows:
        for cell in row.cells:
            share = float(cell.value) / float(row.total) * 100 if row.total else None
            lines[cell.league.code].append(
                LeagueLine(row.target, cell.value, cell.allocation, cell.percent, cell.trajectory, share)
            )
    for league, reported in _reported_league_lines(plan, as_of).items():
        lines[league] += reported
    for league_lines in lines.values():
        league_lines.sort(key=lambda line: (line.target.group.order, line.target.order, line.target.code))
    return ReportData(plan, year, as_of, statuses, series, table, dict(lines))


# --- text ---------------------------------------------------------------------------------------------------


def _style(name: str, size: float, leading: float, *, color: Color = INK, **kwargs) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=CJK_FONT, fontSize=size, leading=leading, textColor=color, **kwargs)


STYLES = {
    "cover_plan": _style("cover_plan", 17, 24, color=BLUE_900, wordWrap="CJK"),
    "cover_plan_en": _style("cover_plan_en", 10.5, 14, color=GREY),
    "cover_title": _style("cover_title", 30, 38, color=RED),
    "cover_title_en": _style("cover_title_en", 14, 20, color=GREY),
    "cover_issuer": _style("cover_issuer", 13, 18, wordWrap="CJK"),
    "cover_issuer_en": _style("cover_issuer_en", 8.5, 11, color=GREY),
    "h1": _style("h1", 15, 21, color=BLUE_900, spaceAfter=4, wordWrap="CJK"),
    "h1_en": _style("h1_en", 9.5, 12, color=GREY, spaceAfter=8),
    "h2": _style("h2", 10.5, 14, color=BLUE_900, spaceBefore=8, spaceAfter=4, wordWrap="CJK"),
    "body": _style("body", 8.5, 12.5, wordWrap="CJK", spaceAfter=4),
    "note": _style("note", 7.5, 10.5, color=GREY, spaceAfter=4),
    "note_zh": _style("note_zh", 7.5, 10.5, color=GREY, spaceAfter=1, wordWrap="CJK"),
    "cell": _style("cell", 7.5, 9.5, wordWrap="CJK"),
}


def e(text: object) -> str:
    return escape_markup(text)


def en(text: str, size: float = 6.5) -> str:
    """A second, smaller grey line for the English (already escaped by the caller)."""
    return f'<br/><font size="{size}" color="#5b6570">{text}</font>' if text else ""


def unit_label(unit: str) -> str:
    """Chinese measure word and the plan's English unit: '个 brands', '%'."""
    if unit == "percent":
        return "%"
    if unit == "yes/no":
        return ""
    with translation.override("zh-hans"):
        zh = str(UNIT_LABELS.get(unit, ""))
    return f"{zh} {unit}".strip() if zh and zh != unit else unit


def amount(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "yes/no":
        return "是 Yes" if value else "否 No"
    return format_number(value) + ("%" if unit == "percent" else "")


def share(percent: float | None) -> str:
    """Whole percents, one decimal under 10% where it still tells something (4.4%, not 4%)."""
    if percent is None:
        return "—"
    return f"{percent:.0f}%" if percent >= 10 or percent == 0 else f"{percent:.1f}%"


def percent_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{format_number(value)}%"


def share_of_region(percent: float | None) -> Decimal | None:
    """A league/city's share of the region's total, to one decimal (as the chart and its table print it)."""
    return None if percent is None else Decimal(f"{percent:.1f}")


def goal_text(target: Target, goal: Decimal | None) -> str:
    return "—" if goal is None else f"{COMPARATORS.get(target.comparator, '')} {amount(goal, target.unit)}"


def _hex(color: Color) -> str:
    return "#" + color.hexval()[2:]


def _trajectory_cell(key: str, row: int, col: int) -> tuple[str, list]:
    """The category's label and the style commands colouring its cell."""
    zh, english, bg, fg = TRAJECTORIES[key]
    cell = (col, row)
    return f"{zh}\n{english}", [("BACKGROUND", cell, cell, bg), ("TEXTCOLOR", cell, cell, fg)]


def _name(target: Target) -> Paragraph:
    return Paragraph(e(target.name_zh) + en(e(target.name_en)), STYLES["cell"])


def _head(*labels: tuple[str, str]) -> list[str]:
    """Header cells, Chinese over English."""
    return [f"{zh}\n{english}" for zh, english in labels]


# Every table sets the embedded font, even around flowables: ReportLab sets each cell's font before drawing it,
# and its default (Helvetica) would land in the PDF as a font that is never embedded.
CJK_CELLS = [("FONT", (0, 0), (-1, -1), CJK_FONT, 7.5, 9)]


def _table(
    rows: list[list], widths: list[float], *, right: tuple[int, ...] = (), extra: list | None = None, repeat: int = 1
) -> Table:
    """A table with a header row; the columns in ``right`` hold numbers and align right.

    Cells are plain strings (drawn literally, never parsed as markup, and fast) except where text must wrap
    or mix sizes, which take a Paragraph."""
    table = Table(rows, colWidths=widths, repeatRows=repeat)
    style = [
        *CJK_CELLS,
        ("FONT", (0, 0), (-1, repeat - 1), CJK_FONT, 7, 8.5),
        *[("ALIGN", (col, 0), (col, -1), "RIGHT") for col in right],
        ("BACKGROUND", (0, 0), (-1, repeat - 1), BLUE_800),
        ("TEXTCOLOR", (0, 0), (-1, repeat - 1), white),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, repeat), (-1, -1), 0.4, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    table.setStyle(TableStyle(style + (extra or [])))
    return table


class Heading(Paragraph):
    """A paragraph that is also an entry in the PDF's outline (bookmarks)."""

    def __init__(self, markup: str, style: ParagraphStyle, *, outline: str, level: int = 0) -> None:
        super().__init__(markup, style)
        self.outline, self.level = outline, level


# --- pages ----------------------------------------------------------------------------------------------------


def _cover(data: ReportData) -> list[Flowable]:
    plan, registry = data.plan, sum(1 for s in data.statuses if s.target.measured_by == MeasuredBy.REGISTRY)
    facts = [
        ("数据截至", "Data as of", data.as_of.isoformat()),
        ("规划期", "Plan period", f"{plan.period_start.isoformat()} — {plan.period_end.isoformat()}"),
        (
            "目标",
            "Targets",
            f"{len(data.statuses)}（登记簿统计 {registry}，报送 {len(data.statuses) - registry}）"
            f" / {registry} counted from the registry, {len(data.statuses) - registry} reported",
        ),
        ("盟市", "Leagues and cities", str(len(data.leagues.leagues))),
    ]
    rows = [
        [Paragraph(f"{zh}{en(english, 7)}", STYLES["cell"]), Paragraph(e(v), STYLES["body"])]
        for zh, english, v in facts
    ]
    facts_table = Table(rows, colWidths=[90, FRAME_WIDTH - 90])
    facts_table.setStyle(
        TableStyle([*CJK_CELLS, ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    )
    return [
        Spacer(1, 60 * mm),
        Heading(e(plan.name_zh), STYLES["cover_plan"], outline=f"{plan.name_zh} {data.year}"),
        Paragraph(e(plan.name_en), STYLES["cover_plan_en"]),
        Spacer(1, 14 * mm),
        Paragraph(f"{data.year} 年度进展报告", STYLES["cover_title"]),
        Paragraph(f"Annual progress report {data.year}", STYLES["cover_title_en"]),
        Spacer(1, 14 * mm),
        facts_table,
        Spacer(1, 40 * mm),
        Paragraph(e(settings.CERTIFICATE_ISSUER_ZH), STYLES["cover_issuer"]),
        Paragraph(e(settings.CERTIFICATE_ISSUER_EN), STYLES["cover_issuer_en"]),
        NextPageTemplate("body"),
        PageBreak(),
    ]


def _summary(data: ReportData) -> list[Flowable]:
    counts: dict[str, int] = defaultdict(int)
    for status in data.statuses:
        counts[category(status.trajectory, status.value, status.goal)] += 1
    legend_cells, legend_style = [], []
    shown = [key for key in TRAJECTORIES if key in Trajectory.values or counts[key]]
    for i, key in enumerate(shown):
        zh, english, bg, fg = TRAJECTORIES[key]
        legend_cells.append(
            Paragraph(f'<font size="12" color="{_hex(fg)}">{counts[key]}</font>  {zh}{en(english)}', STYLES["cell"])
        )
        legend_style.append(("BACKGROUND", (i, 0), (i, 0), bg))
    legend = Table([legend_cells], colWidths=[FRAME_WIDTH / len(shown)] * len(shown))
    legend.setStyle(
        TableStyle(
            [*CJK_CELLS, *legend_style, ("BOX", (0, 0), (-1, -1), 0.4, LINE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        )
    )

    widths = [36, 163, 54, 54, 36, 80, 70]
    rows: list[list] = [
        _head(
            ("代码", "Code"),
            ("目标", "Target"),
            ("目标值", "Goal"),
            ("现值", "Value"),
            ("完成", "% of goal"),
            ("进度类别", "Trajectory"),
            ("期末预计", "Expected at deadline"),
        )
    ]
    extra: list = []
    group = None
    for status in data.statuses:
        target = status.target
        if target.group_id != group:
            group = target.group_id
            rows.append(
                [
                    Paragraph(
                        e(target.group.name_zh) + "  " + en(e(target.group.name_en)).replace("<br/>", ""),
                        STYLES["cell"],
                    )
                ]
            )
            rows[-1] += [""] * (len(widths) - 1)
            extra += [
                ("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)),
                ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), GROUP_BG),
            ]
        value = amount(status.value, target.unit)
        if status.value is not None and status.source != "registry" and status.measured_on:
            value += f"\n{status.measured_on.isoformat()}"
        trajectory, colours = _trajectory_cell(category(status.trajectory, status.value, status.goal), len(rows), 5)
        rows.append(
            [
                target.code,
                _name(target),
                goal_text(target, status.goal),
                value,
                share(status.percent),
                trajectory,
                amount(status.expected_at_deadline, target.unit),
            ]
        )
        extra += colours
    explanation = (
        "进度类别比较实际增长与按期完成所需的增长：达到所需进度的 95% 及以上为进展顺利，60%–95% 为需加快进度，"
        "低于 60% 为进展有限，低于基期值为倒退。期末预计 = 现值 + 在办申请数 × 历史通过率。"
    )
    explanation_en = (
        "The trajectory compares actual growth since the start of the plan with the growth needed by now to meet "
        "the target by its deadline: at least 95% of the needed pace is on track, 60-95% needs acceleration, under "
        "60% is limited progress, below the baseline is regression. Expected at deadline = value now + open "
        "applications x their historical approval rate (registry targets with an award programme)."
    )
    return [
        Heading("一、目标完成情况总表", STYLES["h1"], outline="一、目标完成情况总表 Summary of all targets"),
        Paragraph("Summary of all targets", STYLES["h1_en"]),
        Paragraph(explanation, STYLES["body"]),
        Paragraph(explanation_en, STYLES["note"]),
        Spacer(1, 4),
        legend,
        Spacer(1, 8),
        _table(rows, widths, right=(2, 3, 4, 6), extra=extra),
    ]


def _chart_with_numbers(chart: Flowable, numbers: Table) -> Table:
    holder = Table([[chart, numbers]], colWidths=[FRAME_WIDTH - SIDE_WIDTH, SIDE_WIDTH])
    holder.setStyle(
        TableStyle(
            [
                *CJK_CELLS,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return holder


def _target_page(data: ReportData, status: TargetStatus, *, new_page: bool = True) -> list[Flowable]:
    target, unit = status.target, unit_label(status.target.unit)
    points = data.series.get(target.pk, [])
    zh, english, _bg, _fg = TRAJECTORIES[category(status.trajectory, status.value, status.goal)]
    facts = (
        f"目标 Goal {goal_text(target, status.goal)} · 期限 Deadline {target.deadline.isoformat()} · "
        f"现值 Value {amount(status.value, target.unit)} · 完成 {share(status.percent)} · "
        f"{zh} {english}"
    )
    if status.pipeline is not None:
        facts += f" · 在办申请预计新增 Pipeline +{format_number(status.pipeline)}"
    trend = trend_chart(
        points,
        goal=status.goal,
        deadline=target.deadline,
        title=f"年度趋势 Yearly trend · {target.code}",
        unit=unit,
        width=CHART_WIDTH,
        height=185,
    )
    trend_rows: list[list] = [_head(("年份", "Year"), ("数值", "Value"))]
    for day, value in points:
        label = str(day.year) if (day.month, day.day) == (12, 31) else f"{day.year}（至 {day.month:02d}-{day.day:02d}）"
        trend_rows.append([label, amount(value, target.unit)])
    trend_rows.append(["目标 Goal", goal_text(target, status.goal)])

    row = next((r for r in data.leagues.rows if r.target.pk == target.pk), None)
    flow: list[Flowable] = [
        Heading(
            f"{e(target.code)}  {e(target.name_zh)}", STYLES["h1"], outline=f"{target.code} {target.name_zh}", level=1
        ),
        Paragraph(e(target.name_en), STYLES["h1_en"]),
        Paragraph(e(facts), STYLES["body"]),
        Spacer(1, 6),
        _chart_with_numbers(trend, _table(trend_rows, [SIDE_WIDTH * 0.5, SIDE_WIDTH * 0.5], right=(1,))),
    ]
    if row is not None:
        bars = league_bars(
            [(c.league.name_zh, c.value, c.allocation) for c in row.cells],
            title=f"盟市比较 Leagues and cities · {target.code}",
            unit=unit,
            width=CHART_WIDTH,
        )
        bar_rows: list[list] = [_head(("盟市", "League/city"), ("数值", "Value"), ("分配", "Alloc."), ("完成", "%"))]
        for cell in row.cells:
            bar_rows.append(
                [cell.league.name_zh, format_number(cell.value), format_number(cell.allocation), share(cell.percent)]
            )
        bar_rows.append(["全区 Total", format_number(row.total), "", ""])
        w = SIDE_WIDTH
        numbers = _table(bar_rows, [w * 0.37, w * 0.21, w * 0.21, w * 0.21], right=(1, 2, 3))
        flow += [Spacer(1, 10), _chart_with_numbers(bars, numbers)]
        flow += [
            Paragraph("全区合计含未落在任何盟市的记录。", STYLES["note_zh"]),
            Paragraph("The region's total includes records not located in a league or city.", STYLES["note"]),
        ]
    return [PageBreak(), *flow] if new_page else flow


def _ranking(data: ReportData) -> list[Flowable]:
    rows: list[list] = [
        _head(("名次", "Rank"), ("盟市", "League/city"), ("得分", "Score"), ("计分目标数", "Targets scored"))
    ]
    for rank in data.leagues.ranking:
        rows.append(
            [
                "—" if rank.rank is None else str(rank.rank),
                f"{rank.league.name_zh}\n{rank.league.name_en}",
                format_number(rank.score),
                str(rank.targets_scored),
            ]
        )
    return [
        PageBreak(),
        Heading("三、盟市考核排名", STYLES["h1"], outline="三、盟市考核排名 Assessment of the leagues and cities"),
        Paragraph("Assessment of the leagues and cities", STYLES["h1_en"]),
        Paragraph(
            "得分为各分配目标完成比例（封顶 100%）的平均值；得分相同者名次相同；无分配目标的盟市不参与排名。",
            STYLES["body"],
        ),
        Paragraph(
            "A league or city scores the mean, over the targets allocated to it, of min(value / allocation, 1) x 100; "
            "equal scores share a rank; a league or city with no allocation is not ranked.",
            STYLES["note"],
        ),
        Spacer(1, 6),
        _table(rows, [50, 200, 110, FRAME_WIDTH - 360], right=(2, 3)),
    ]


def _league_page(data: ReportData, league: Region) -> list[Flowable]:
    rank = next((r for r in data.leagues.ranking if r.league.code == league.code), None)
    scored = [r for r in data.leagues.ranking if r.rank is not None]
    if rank is None or rank.rank is None:
        standing = "未排名：没有分配目标。Not ranked: no target is allocated to it."
    else:
        standing = (
            f"考核排名 第 {rank.rank} 名（共 {len(scored)} 个）· 得分 {format_number(rank.score)} · "
            f"Rank {rank.rank} of {len(scored)}, score {format_number(rank.score)} on {rank.targets_scored} targets"
        )
    lines = data.league_lines.get(league.code, [])
    rows: list[list] = [
        _head(
            ("代码", "Code"),
            ("目标", "Target"),
            ("现值", "Value"),
            ("分配目标", "Allocation"),
            ("完成", "% of alloc."),
            ("进度类别", "Trajectory"),
            ("占全区", "Share of region"),
        )
    ]
    goals = {status.target.pk: status.target.value for status in data.statuses}
    allotted: dict[int, Decimal] = {}  # the allocation as a share of the plan's goal (the chart's red tick)
    for line in lines:
        # Counts only: a rate allocated to a league (96%) is not a share of the region's goal.
        if line.target.measured_by != MeasuredBy.REGISTRY:
            continue
        if line.allocation is not None and goals.get(line.target.pk):
            allotted[line.target.pk] = (line.allocation / goals[line.target.pk] * 100).quantize(Decimal("0.1"))
    extra: list = []
    for line in lines:
        allocation = goal_text(line.target, line.allocation)
        if line.target.pk in allotted:
            allocation += f"\n占目标 {percent_text(allotted[line.target.pk])}"
        key = category(line.trajectory, line.value, line.allocation)
        trajectory, colours = _trajectory_cell(key, len(rows), 5)
        rows.append(
            [
                line.target.code,
                Paragraph(e(line.target.name_zh), STYLES["cell"]),
                amount(line.value, line.target.unit),
                allocation,
                share(line.percent),
                trajectory,
                percent_text(share_of_region(line.share)),
            ]
        )
        extra += colours
    flow: list[Flowable] = [
        PageBreak(),
        Heading(e(league.name_zh), STYLES["h1"], outline=f"{league.name_zh} {league.name_en}", level=1),
        Paragraph(e(league.name_en), STYLES["h1_en"]),
        Paragraph(e(standing), STYLES["body"]),
        Spacer(1, 4),
        _table(rows, [36, 168, 54, 60, 44, 76, FRAME_WIDTH - 438], right=(2, 3, 4, 6), extra=extra),
    ]
    registry = [line for line in lines if line.target.measured_by == MeasuredBy.REGISTRY]
    if registry:
        chart_rows = [
            (f"{line.target.code} {line.target.name_zh}", share_of_region(line.share), allotted.get(line.target.pk))
            for line in registry
        ]
        chart = league_bars(
            chart_rows,
            title=f"{league.name_zh}占全区的比重 Share of the region's total",
            unit="%",
            width=FRAME_WIDTH,
            row_height=13,
        )
        flow += [
            CondPageBreak(chart.height + 30),
            Spacer(1, 10),
            chart,
            Paragraph(
                "蓝条：本盟市数值占全区合计的比重（上表最后一栏）；红线：分配给本盟市的目标占规划目标值的比重。",
                STYLES["note_zh"],
            ),
            Paragraph(
                "Bar: the league or city's share of the region's total (the last column above); red tick: its "
                "allocation as a share of the plan's goal (under the allocation above).",
                STYLES["note"],
            ),
        ]
    return flow


# --- the document ---------------------------------------------------------------------------------------------


class _Document(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, data: ReportData) -> None:
        plan = data.plan
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"{plan.name_zh} {data.year}年度进展报告 / {plan.name_en} annual progress report {data.year}",
            author=f"{settings.CERTIFICATE_ISSUER_ZH} / {settings.CERTIFICATE_ISSUER_EN}",
            subject=f"annual progress report {data.year}",
            keywords=f"plan={plan.code} year={data.year} as_of={data.as_of.isoformat()}",
            creator="Inner Mongolia brand registry",
            invariant=1,
            initialFontName=CJK_FONT,
            pageCompression=1,
        )
        self.data = data
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM, id="body")
        self.addPageTemplates(
            [
                PageTemplate("cover", [frame], onPage=self._draw_cover),
                PageTemplate("body", [frame], onPage=self._draw_page),
            ]
        )

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Heading):
            key = f"h{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.outline, key, level=flowable.level, closed=True)

    def _draw_cover(self, canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFillColor(BLUE_800)
        canvas.rect(0, PAGE_HEIGHT - 40 * mm, PAGE_WIDTH, 40 * mm, stroke=0, fill=1)
        canvas.setFillColor(RED)
        canvas.rect(0, PAGE_HEIGHT - 42 * mm, PAGE_WIDTH, 2 * mm, stroke=0, fill=1)
        canvas.setFillColor(white)
        canvas.setFont(CJK_FONT, 11)
        canvas.drawString(MARGIN_X, PAGE_HEIGHT - 22 * mm, "质量强区规划目标监测 · Monitoring of the plan's targets")
        canvas.restoreState()

    def _draw_page(self, canvas, doc) -> None:
        data = self.data
        canvas.saveState()
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        top = PAGE_HEIGHT - MARGIN_TOP + 8
        canvas.line(MARGIN_X, top - 3, PAGE_WIDTH - MARGIN_X, top - 3)
        canvas.setFillColor(GREY)
        canvas.setFont(CJK_FONT, 7.5)
        canvas.drawString(MARGIN_X, top, data.plan.name_zh[:48])
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN_X, top, f"{data.year} 年度进展报告 · Annual progress report {data.year}"
        )
        bottom = MARGIN_BOTTOM - 14
        canvas.line(MARGIN_X, bottom + 10, PAGE_WIDTH - MARGIN_X, bottom + 10)
        canvas.drawString(MARGIN_X, bottom, f"数据截至 {data.as_of.isoformat()} · Data as of {data.as_of.isoformat()}")
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, bottom, f"第 {doc.page} 页 · Page {doc.page}")
        canvas.restoreState()


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    pages: int


def build_annual_report(plan: Plan, *, year: int, as_of: datetime.date) -> RenderedReport:
    """The report and its page count (see ``render_annual_report``)."""
    register_cjk_font()
    data = collect(plan, year=year, as_of=as_of)
    story: list[Flowable] = [*_cover(data), *_summary(data)]
    registry = [s for s in data.statuses if s.target.measured_by == MeasuredBy.REGISTRY]
    if registry:
        story += [
            PageBreak(),
            Heading("二、登记簿统计目标", STYLES["h1"], outline="二、登记簿统计目标 Targets counted from the registry"),
            Paragraph(
                "Targets counted from the registry: yearly trend and the leagues and cities compared", STYLES["h1_en"]
            ),
            Paragraph(
                "以下每页一个目标：上图为历年年末数值（当年为截至报告日期的数值），红色虚线为目标值，灰色虚线为期限；"
                "下图比较各盟市的数值，红线为分配给该盟市的目标。每幅图右侧的表格列出图中的全部数值。",
                STYLES["body"],
            ),
            Paragraph(
                "One page per target: above, the value at each year end (this year: on the report's date), the goal as "
                "a red dashed line and the deadline as a grey one; below, the leagues and cities, with the red tick at "
                "each one's allocation. The table beside each chart lists its numbers.",
                STYLES["note"],
            ),
        ]
        for i, status in enumerate(registry):
            story += _target_page(data, status, new_page=i > 0)  # the first one under the section's heading
    story += _ranking(data)
    for league in data.leagues.leagues:
        story += _league_page(data, league)
    buffer = io.BytesIO()
    document = _Document(buffer, data)
    document.build(story)
    return RenderedReport(buffer.getvalue(), document.page)


def render_annual_report(plan: Plan, *, year: int, as_of: datetime.date) -> bytes:
    """The annual progress report of ``plan`` for ``year``, with the data as of ``as_of`` (a day in ``year``),
    as an A4 PDF. Writes nothing."""
    return build_annual_report(plan, year=year, as_of=as_of).pdf


# --- storing ----------------------------------------------------------------------------------------------------


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment (a container, a cron job)
        return "system"


def annual_report_generate(*, plan: Plan, year: int, as_of: datetime.date, generated_by: str = "") -> AnnualReport:
    """Render the report and store it: one row per plan and year, whose file and stamp a new rendering replaces.

    The new file is written under a new name before the row points to it; the old file is deleted once the
    change is committed, so the row never points to a missing file."""
    rendered = build_annual_report(plan, year=year, as_of=as_of)
    label = generated_by or f"manage.py annual_report ({_system_user()})"
    with transaction.atomic():
        report = AnnualReport.objects.select_for_update().filter(plan=plan, year=year).first()
        old_name = report.file.name if report is not None else ""
        report = report or AnnualReport(plan=plan, year=year)
        report.as_of = as_of
        report.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
        report.size = len(rendered.pdf)
        report.pages = rendered.pages
        report.generated_at = timezone.now()
        report.generated_by = label[:150]
        report.file.save(f"{plan.code}-{year}.pdf", ContentFile(rendered.pdf), save=False)
        report.save()
        audit(
            actor=None,
            actor_label=report.generated_by,
            action="annual_report.generate",
            obj=report,
            after={"as_of": as_of.isoformat(), "sha256": report.sha256, "pages": report.pages},
        )
        if old_name and old_name != report.file.name:
            storage = report.file.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return report
