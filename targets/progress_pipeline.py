"""The pipeline (DESIGN section 6): open applications by state x the historical approval rate of that state.

An award programme says which registry metric its grants add to (``AwardProgramme.counts_toward_metric``,
data: e.g. brand recognition -> ``brands_recognised``). The name is checked here, since awards may not
import targets: a programme naming an unknown metric is left out with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from awards.models import Application, Decision
from awards.workflow import FINAL_STATES, OPEN_STATES, State
from targets.freshness import registry_cached
from targets.metrics import METRICS

log = logging.getLogger(__name__)

# Fewer finished applications than this in a state: the programme's overall approval rate instead.
MIN_HISTORY = 5
OPEN_STATE_VALUES = sorted(s.value for s in OPEN_STATES)


@dataclass(frozen=True)
class ProgrammePipeline:
    """The open applications of one award programme and what they are expected to add to its metric."""

    programme_id: int
    metric: str
    open: dict[str, int]  # open state -> applications in it now (within the area if one was asked)
    finished: int  # finished applications that were submitted (granted, rejected, withdrawn)
    granted: int
    rates: dict[str, Decimal] | None  # open state -> approval rate; None with no finished application
    expected: Decimal | None  # sum of open x rate over the open states


def _ever_in(state: str) -> Q:
    decisions = Decision.objects.filter(application=OuterRef("pk"))
    return Q(Exists(decisions.filter(Q(from_state=state) | Q(to_state=state))))


def _subject_in(codes: list[str]) -> Q:
    """Applications whose subject is in the regions ``codes``: a brand's region, else the applicant's."""
    return Q(brand__isnull=False, brand__region__in=codes) | Q(brand__isnull=True, enterprise__region__in=codes)


def _approval_rates(row: dict) -> dict[str, Decimal] | None:
    finished, granted = row["finished"], row["granted"]
    if not finished:
        return None
    overall = Decimal(granted) / Decimal(finished)
    rates = {}
    for state in OPEN_STATE_VALUES:
        n, g = row[f"ever_{state}"], row[f"ever_{state}_granted"]
        rates[state] = Decimal(g) / Decimal(n) if n >= MIN_HISTORY else overall
    return rates


@registry_cached
def programme_pipelines(*, codes: list[str] | None = None) -> list[ProgrammePipeline]:
    """The pipeline of every programme that counts toward a known metric, in one query.

    Expected additions = sum over the open states of (open applications of the programme in that state,
    within the regions ``codes`` when given: the brand's region, else the applicant's) x (approval rate
    of that state). The approval rate of a state is the share granted among the programme's finished
    applications (granted, rejected, withdrawn) that were ever in that state (from the decision history;
    for "submitted", every finished application that was submitted); with fewer than ``MIN_HISTORY`` of
    them, the programme's overall rate (granted among the finished applications that were submitted).
    A programme with no finished application has no rate and no expected additions (None). Rates are
    always the programme's, whatever the area.
    """
    finished = Q(state__in=FINAL_STATES, submitted_at__isnull=False)
    granted = Q(state=State.GRANTED)
    local = _subject_in(codes) if codes is not None else Q()
    aggregates = {"finished": Count("pk", filter=finished), "granted": Count("pk", filter=granted)}
    for state in OPEN_STATE_VALUES:
        aggregates[f"open_{state}"] = Count("pk", filter=Q(state=state) & local)
        ever = finished if state == State.SUBMITTED else finished & _ever_in(state)
        aggregates[f"ever_{state}"] = Count("pk", filter=ever)
        aggregates[f"ever_{state}_granted"] = Count("pk", filter=ever & granted)
    rows = (
        Application.objects.exclude(programme__counts_toward_metric="")
        .values("programme_id", "programme__counts_toward_metric")
        .annotate(**aggregates)
        .order_by("programme_id")
    )
    result = []
    for row in rows:
        metric = row["programme__counts_toward_metric"]
        if metric not in METRICS:
            log.warning("Award programme %s counts toward unknown metric %r: ignored", row["programme_id"], metric)
            continue
        rates = _approval_rates(row)
        open_now = {state: row[f"open_{state}"] for state in OPEN_STATE_VALUES}
        expected = None
        if rates is not None:
            expected = sum((open_now[state] * rates[state] for state in OPEN_STATE_VALUES), Decimal(0))
        result.append(
            ProgrammePipeline(row["programme_id"], metric, open_now, row["finished"], row["granted"], rates, expected)
        )
    return result


def pipelines(metrics: Iterable[str], *, codes: list[str] | None = None) -> dict[str, Decimal | None]:
    """Metric name -> expected additions from the open applications of the programmes counting toward it
    (see ``programme_pipelines``), to 0.01; None when none of them has any history. One query."""
    wanted = set(metrics)
    if not wanted:
        return {}
    result: dict[str, Decimal | None] = {}
    for p in programme_pipelines(codes=codes):
        if p.metric not in wanted:
            continue
        if p.expected is None:
            result.setdefault(p.metric, None)
        else:
            result[p.metric] = (result.get(p.metric) or Decimal(0)) + p.expected
    return {metric: None if v is None else v.quantize(Decimal("0.01")) for metric, v in result.items()}
