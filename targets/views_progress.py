"""The leadership group's pages: the progress dashboard, one target, the leagues/cities and one league/city.

Every number comes from the progress engine (``targets.progress``), which counts in a fixed number of
queries whatever the number of targets or leagues/cities; charts come from ``targets.charts`` as inline
SVG, each with its numbers in a table next to it. All filters are GET forms (no JavaScript needed).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from awards.models import Application
from awards.workflow import OPEN_STATES, State
from core.errors import DomainError
from core.memo import Memo
from core.models import Region, RegionLevel
from core.templatetags.registry_tags import unit_label
from targets.charts import Chart, bars_table, league_bars, to_svg, trend_chart, trend_table
from targets.forms import MeasurementForm, ProgressFilterForm
from targets.models import MeasuredBy, Measurement, Plan, RegionalAllocation, Target
from targets.progress import (
    LeagueTable,
    TargetStatus,
    Trajectory,
    league_dashboard,
    league_table,
    target_statuses,
    yearly_series,
)
from targets.services import can_record_measurements, measurement_record

# Badge tone of each trajectory category; the category's name is always printed next to the colour.
TRAJECTORY_TONES = {
    Trajectory.ON_TRACK: "ok",
    Trajectory.NEEDS_ACCELERATION: "warn",
    Trajectory.LIMITED_PROGRESS: "limited",
    Trajectory.REGRESSION: "bad",
}
# Units for which "% of target" reads as nonsense (a rate of 95% against 96% is not "99% done").
NO_BAR_UNITS = {"percent", "yes/no"}


@dataclass(frozen=True)
class StatusRow:
    """One target as the pages show it (what includes/_progress_bar.html and _target_state.html expect)."""

    status: TargetStatus

    @property
    def target(self) -> Target:
        return self.status.target

    @property
    def percent(self) -> float | None:
        return self.status.percent

    @property
    def bar_percent(self) -> int:
        return self.status.bar_percent

    @property
    def show_bar(self) -> bool:
        return self.status.percent is not None and self.target.unit not in NO_BAR_UNITS

    @property
    def state(self) -> str:
        if not self.status.has_data:
            return "no_data"
        if self.status.met is None:
            return "no_goal"
        if self.status.met:
            return "met"
        return "not_met" if self.status.overdue else "not_yet_met"

    @property
    def tone(self) -> str:
        return TRAJECTORY_TONES.get(self.status.trajectory, "muted")


def plan_or_404(code: str | None) -> Plan:
    if code:
        return get_object_or_404(Plan, code=code)
    plan = Plan.objects.current()
    if plan is None:
        raise Http404("No plan has been loaded.")
    return plan


def trajectory_summary(statuses: list[TargetStatus]) -> list[dict]:
    """How many targets fall in each trajectory category (and how many are not assessed)."""
    counts = Counter(s.trajectory for s in statuses)
    summary = [
        {"value": t.value, "label": t.label, "tone": TRAJECTORY_TONES[t], "count": counts.get(t, 0)} for t in Trajectory
    ]
    summary.append({"value": "none", "label": _("Not assessed"), "tone": "muted", "count": counts.get(None, 0)})
    return summary


def svg(chart) -> SafeString:
    # to_svg serialises through the DOM, which escapes every text and attribute.
    return mark_safe(to_svg(chart))


# Charts already drawn by this process, by what they were drawn from. Oldest first out.
_chart_svgs = Memo(512)


def chart_svg(draw: Callable[..., Chart], data: Sequence, **options: Any) -> SafeString:
    """``svg(draw(data, **options))``, remembered under its inputs: a chart depends on nothing else (its title
    and unit come in as text, already in the page's language), and serialising one to SVG costs several
    milliseconds, a league/city's page a dozen of them, while the figures only change with the registers."""
    key = (draw.__name__, tuple(data), tuple(sorted((name, str(value)) for name, value in options.items())))
    if (drawn := _chart_svgs.get(key)) is None:
        drawn = _chart_svgs.remember(key, svg(draw(data, **options)))
    return drawn


# --- the dashboard -----------------------------------------------------------------------------------------


def progress(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    plan = plan_or_404(request.GET.get("plan"))
    form = ProgressFilterForm(request.GET, plan=plan, today=today)
    form.is_valid()
    as_of = form.value_of("as_of", today)
    league = form.value_of("league")
    group = form.value_of("group")
    statuses = target_statuses(plan, as_of=as_of, league=league, group=group.code if group else None)
    context = {
        "plan": plan,
        "form": form,
        "region": league,
        "group": group,
        "as_of": as_of,
        "today": today,
        "rows": [StatusRow(s) for s in statuses],
        "summary": trajectory_summary(statuses),
        "show_plan_choice": len(form.fields["plan"].choices) > 1,
        "as_of_query": "" if as_of == today else urlencode({"as_of": as_of.isoformat()}),
    }
    return render(request, "targets/progress.html", context)


# --- one target ---------------------------------------------------------------------------------------------


def league_comparison(target: Target, *, as_of: datetime.date) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """(league/city name, value on ``as_of``, allocation) for every league/city.

    Registry targets are counted per league/city by the engine; reported ones take each league/city's
    latest own measurement on or before the date."""
    if target.measured_by == MeasuredBy.REGISTRY:
        table = league_table(target.plan, as_of=as_of, group=target.group_id)
        row = next(r for r in table.rows if r.target.pk == target.pk)
        return [(c.league.name, c.value, c.allocation) for c in row.cells]
    leagues = list(Region.objects.filter(level=RegionLevel.PREFECTURE).order_by("code"))
    allocations = dict(RegionalAllocation.objects.filter(target=target).values_list("region_id", "value"))
    latest: dict[str, Decimal] = {}
    measured = target.measurements.filter(region__isnull=False, measured_on__lte=as_of)
    for region_id, value in measured.order_by("measured_on", "id").values_list("region_id", "value"):
        latest[region_id] = value  # ascending: the last one wins
    if not latest and not allocations:
        return []
    return [(league.name, latest.get(league.code), allocations.get(league.code)) for league in leagues]


def open_applications(target: Target) -> list[tuple[str, int]]:
    """(stage label, open applications now) of the award programmes that count toward the target's metric."""
    if target.measured_by != MeasuredBy.REGISTRY:
        return []
    counts = dict(
        Application.objects.filter(programme__counts_toward_metric=target.metric, state__in=OPEN_STATES)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    order = [State.SUBMITTED, State.MORE_INFORMATION, State.EXPERT_REVIEW, State.COMMITTEE_REVIEW, State.PUBLIC_NOTICE]
    return [(state.label, counts.get(state.value, 0)) for state in order if state in OPEN_STATES]


def target_detail(request: HttpRequest, plan: str, code: str) -> HttpResponse:
    today = timezone.localdate()
    target = get_object_or_404(Target.objects.select_related("plan", "group"), plan__code=plan, code=code)
    plan_obj = target.plan
    may_record = can_record_measurements(request.user) and target.measured_by == MeasuredBy.REPORTED

    measurement_form = None
    if request.method == "POST":
        if not can_record_measurements(request.user):
            raise PermissionDenied
        measurement_form = MeasurementForm(request.POST, target=target, today=today)
        if measurement_form.is_valid():
            data = measurement_form.cleaned_data
            try:
                measurement_record(
                    actor=request.user,
                    target=target,
                    measured_on=data["measured_on"],
                    value=data["value"],
                    source=data["source"],
                    region=data["region"],
                )
            except ValidationError as exc:
                add_errors(measurement_form, exc)
            except DomainError as exc:
                measurement_form.add_error(None, exc.message)
            else:
                messages.success(request, _("The measurement was recorded."))
                return redirect(request.get_full_path())
    elif may_record:
        measurement_form = MeasurementForm(target=target, today=today, initial={"measured_on": today})

    form = ProgressFilterForm(request.GET, plan=plan_obj, today=today, keep=("as_of",))
    form.is_valid()
    as_of = form.value_of("as_of", today)
    status = next(s for s in target_statuses(plan_obj, as_of=as_of, group=target.group_id) if s.target.pk == target.pk)
    points = yearly_series(plan_obj, until=as_of, targets=[target])[target.pk]
    unit = str(unit_label(target.unit))
    trend = chart_svg(
        trend_chart,
        points,
        goal=target.value,
        deadline=target.deadline,
        title=_("%(target)s by year") % {"target": target.name},
        unit=unit,
    )
    comparison = league_comparison(target, as_of=as_of)
    bars = None
    if comparison:
        bars = chart_svg(
            league_bars,
            comparison,
            title=_("%(target)s by league/city on %(day)s") % {"target": target.name, "day": as_of.isoformat()},
            unit=unit,
        )
    history = []
    if target.measured_by == MeasuredBy.REPORTED:
        history = list(
            Measurement.objects.filter(target=target).select_related("region", "entered_by").order_by("-measured_on")
        )
    context = {
        "plan": plan_obj,
        "target": target,
        "row": StatusRow(status),
        "status": status,
        "form": form,
        "as_of": as_of,
        "today": today,
        "trend_svg": trend,
        "trend_rows": trend_table(points),
        "bars_svg": bars,
        "bars_rows": bars_table(comparison),
        "open_applications": open_applications(target),
        "history": history,
        "is_office": can_record_measurements(request.user),
        "measurement_form": measurement_form,  # None unless the office may record (or has just posted)
        "dashboard_query": urlencode({"plan": plan_obj.code, "as_of": as_of.isoformat()}),
    }
    return render(request, "targets/target_detail.html", context)


def add_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on its field when the form has it, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- leagues and cities -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    rank: int | None
    league: Region
    score: Decimal | None
    met: int
    allocated: int


def ranking_rows(table: LeagueTable) -> list[RankRow]:
    """The assessment ranking with how many allocated targets each league/city has met."""
    met: Counter[str] = Counter()
    allocated: Counter[str] = Counter()
    for row in table.rows:
        for cell in row.cells:
            if cell.allocation is not None:
                allocated[cell.league.code] += 1
                met[cell.league.code] += bool(cell.met)
    return [RankRow(r.rank, r.league, r.score, met[r.league.code], allocated[r.league.code]) for r in table.ranking]


def leagues(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    plan = plan_or_404(request.GET.get("plan"))
    form = ProgressFilterForm(request.GET, plan=plan, today=today, keep=("plan", "as_of"))
    form.is_valid()
    as_of = form.value_of("as_of", today)
    table = league_table(plan, as_of=as_of)
    ranking = ranking_rows(table)
    scored = [(r.league.name, r.score, None) for r in ranking if r.score is not None]
    score_chart = None
    if scored:
        score_chart = chart_svg(
            league_bars, scored, title=_("Assessment score by league/city on %(day)s") % {"day": as_of}, unit="0-100"
        )
    context = {
        "plan": plan,
        "form": form,
        "as_of": as_of,
        "today": today,
        "table": table,
        "ranking": ranking,
        "score_svg": score_chart,
        "show_plan_choice": len(form.fields["plan"].choices) > 1,
        "query": urlencode({"plan": plan.code, "as_of": as_of.isoformat()}),
    }
    return render(request, "targets/leagues.html", context)


def league_detail(request: HttpRequest, code: str) -> HttpResponse:
    today = timezone.localdate()
    league = get_object_or_404(Region, code=code, level=RegionLevel.PREFECTURE)
    plan = plan_or_404(request.GET.get("plan"))
    form = ProgressFilterForm(request.GET, plan=plan, today=today, keep=("plan", "as_of"))
    form.is_valid()
    as_of = form.value_of("as_of", today)
    # Its statuses, the table (for its rank) and its trends, from one per-region count of the registers.
    dashboard = league_dashboard(plan, as_of=as_of, league=league)
    statuses, table, series = dashboard.statuses, dashboard.table, dashboard.series
    rank = next((r for r in ranking_rows(table) if r.league.code == league.code), None)
    # A trend chart for every registry target allocated to the league/city; with no allocation, for every
    # registry target it has records for.
    registry = [s for s in statuses if s.target.measured_by == MeasuredBy.REGISTRY]
    charted = [s for s in registry if s.goal is not None] or [s for s in registry if s.value]
    charts = []
    for s in charted:
        points = series[s.target.pk]
        chart = chart_svg(
            trend_chart,
            points,
            goal=s.goal,
            deadline=s.target.deadline,
            title=_("%(target)s in %(league)s") % {"target": s.target.name, "league": league.name},
            unit=str(unit_label(s.target.unit)),
            width=420,
        )
        charts.append({"target": s.target, "svg": chart, "rows": trend_table(points)})
    rows = [StatusRow(s) for s in statuses]
    allocated = [r for r in rows if r.status.goal is not None]
    others = [r for r in rows if r.status.goal is None]
    admin_url = None
    if request.user.is_staff and request.user.has_perm("targets.change_regionalallocation"):
        admin_url = (
            reverse("admin:targets_regionalallocation_changelist")
            + "?"
            + urlencode({"region__code__exact": league.code, "target__plan__id__exact": plan.pk})
        )
    context = {
        "plan": plan,
        "league": league,
        "form": form,
        "as_of": as_of,
        "today": today,
        "parts": [
            part
            for part in (
                {"label": _("Allocated to %(name)s") % {"name": league.name}, "rows": allocated},
                {"label": _("Not allocated"), "rows": others},
            )
            if part["rows"]
        ],
        "summary": trajectory_summary(statuses),
        "rank": rank,
        "ranked": sum(1 for r in table.ranking if r.rank is not None),
        "charts": charts,
        "admin_url": admin_url,
        "show_plan_choice": len(form.fields["plan"].choices) > 1,
        "as_of_query": urlencode({"as_of": as_of.isoformat()}),
    }
    return render(request, "targets/league_detail.html", context)
