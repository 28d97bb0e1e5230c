"""Pages that draw on every register: the home page and an enterprise's profile (the progress pages are in
``views_progress``).

They live here because targets is the one app allowed to import all the registers
(core <- geo_indications <- brands <- certifications <- awards <- targets).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brands.selectors import public_brands, public_trademarks
from certifications.selectors import public_certifications, public_zones
from core.selectors import public_enterprises
from geo_indications.selectors import enterprise_gi_mark_uses, public_gi_products
from targets.models import Comparator, Plan
from targets.selectors import TargetProgress, plan_progress

HEADLINE_GROUPS = ("brand_building", "certification")
# Units for which "% of target" reads as nonsense (a rate of 95% against 96% is not "99% done").
NO_BAR_UNITS = {"percent", "yes/no"}


@dataclass(frozen=True)
class ProgressRow:
    """One target as a page shows it: the measured value judged against the goal in force."""

    progress: TargetProgress
    goal: Decimal | None  # the plan's value, a league/city's allocation, or None (no allocation)
    percent: float | None
    met: bool | None
    overdue: bool

    @property
    def target(self):
        return self.progress.target

    @property
    def show_bar(self) -> bool:
        return self.percent is not None and self.target.unit not in NO_BAR_UNITS

    @property
    def bar_percent(self) -> int:
        return max(0, min(100, round(self.percent or 0)))

    @property
    def state(self) -> str:
        if not self.progress.has_data:
            return "no_data"
        if self.met is None:
            return "no_goal"
        if self.met:
            return "met"
        return "not_met" if self.overdue else "not_yet_met"


def judge(progress: TargetProgress, goal: Decimal | None, today: datetime.date) -> ProgressRow:
    value, comparator = progress.value, progress.target.comparator
    percent = met = None
    if value is not None and goal is not None:
        if comparator == Comparator.AT_LEAST:
            met = value >= goal
            percent = float(value) / float(goal) * 100 if goal else None
        elif comparator == Comparator.AT_MOST:
            met = value <= goal
        else:
            met = value == goal
    return ProgressRow(progress, goal, percent, met, overdue=progress.target.deadline < today)


def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    plan = Plan.objects.current()
    headline = []
    if plan is not None:
        for code in HEADLINE_GROUPS:
            rows = [judge(p, p.target.value, today) for p in plan_progress(plan, as_of=today, group=code)]
            if rows:
                headline.append({"group": rows[0].target.group, "rows": rows})
    registers = [
        (_("Brands"), public_brands().count(), reverse("brands:brand_list")),
        (_("Trademarks"), public_trademarks().count(), reverse("brands:trademark_list")),
        (_("GI products"), public_gi_products().count(), reverse("geo_indications:gi_list")),
        (_("Certifications"), public_certifications().count(), reverse("certifications:certification_list")),
        (_("Demonstration zones"), public_zones().count(), reverse("certifications:zone_list")),
        (_("Enterprises"), public_enterprises().count(), reverse("core:enterprise_list")),
    ]
    context = {"plan": plan, "today": today, "headline": headline, "registers": registers}
    return render(request, "targets/home.html", context)


def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(public_enterprises(), pk=pk)
    context = {
        "enterprise": enterprise,
        "brands": public_brands().filter(enterprise=enterprise),
        "trademarks": public_trademarks().filter(enterprise=enterprise),
        "certifications": public_certifications().filter(enterprise=enterprise),
        "gi_mark_uses": enterprise_gi_mark_uses(enterprise),
    }
    return render(request, "targets/enterprise_detail.html", context)
