"""The leadership group in chromium: the dashboard's league/city filter and "as of" date change the numbers."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.models import Region
from targets.models import RegionalAllocation, Target
from tests.factories import BrandFactory, EnterpriseFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def registry(reference_data):
    """Recognised brands in force (target BR-01) with known dates, in Hohhot and Baotou.

                 2018-12-31   2020-06-30   today
    whole region      2            3          4
    Hohhot            2            2          3   (allocated 6)
    Baotou            0            1          1   (allocated 1)
    """
    hohhot = EnterpriseFactory(name="呼和浩特乳业有限公司", region=Region.objects.get(code="150102"))
    baotou = EnterpriseFactory(name="包头稀土制品有限公司", region=Region.objects.get(code="150202"))

    def brand(enterprise, recognised_on, valid_until=datetime.date(2030, 12, 31)):
        BrandFactory(enterprise=enterprise, recognised=True, recognised_on=recognised_on, valid_until=valid_until)

    brand(hohhot, datetime.date(2017, 3, 1))
    brand(hohhot, datetime.date(2017, 3, 1))
    brand(hohhot, datetime.date(2023, 6, 1))
    brand(baotou, datetime.date(2019, 1, 1), valid_until=datetime.date(2021, 1, 1))
    brand(baotou, datetime.date(2024, 1, 1))
    br01 = Target.objects.get(plan__code="plan-2015", code="BR-01")
    RegionalAllocation.objects.create(target=br01, region_id="150100", value=6)
    RegionalAllocation.objects.create(target=br01, region_id="150200", value=1)


def show(page: Page, *, league: str | None = None, as_of: str | None = None) -> None:
    form = page.locator("form.progress-filters")
    if league is not None:
        form.locator("select[name=league]").select_option(league)
    if as_of is not None:
        form.locator("input[name=as_of]").fill(as_of)
    form.locator("button[type=submit]").click()


def test_the_league_filter_and_the_date_change_the_numbers_of_a_target(page: Page, registry):
    today = timezone.localdate().isoformat()
    page.goto("/progress/")
    row = page.locator("#target-BR-01")
    value = row.locator(".value-cell")
    goal = row.locator(".goal-cell")

    # The whole region today: 4 recognised brands against the plan's 500.
    expect(page.locator("input[name=as_of]")).to_have_value(today)
    expect(value).to_have_attribute("data-value", "4")
    expect(value.locator("strong")).to_have_text(re.compile(r"^4\b"))
    expect(goal).to_contain_text("500")

    # Hohhot today: 3 brands against its allocation of 6, half of it.
    show(page, league="150100")
    expect(page).to_have_url(re.compile(r"league=150100"))
    expect(value).to_have_attribute("data-value", "3")
    expect(goal).to_contain_text("6")
    expect(row.locator("progress")).to_have_attribute("value", "50")
    expect(row.locator(".meter__text")).to_contain_text("50%")

    # Hohhot at the end of 2018: 2 of 6.
    show(page, as_of="2018-12-31")
    expect(page).to_have_url(re.compile(r"as_of=2018-12-31"))
    expect(page.locator("input[name=as_of]")).to_have_value("2018-12-31")
    expect(value).to_have_attribute("data-value", "2")
    expect(row.locator("progress")).to_have_attribute("value", "33")

    # Baotou in mid-2020: its one brand of then, which met its allocation of 1.
    show(page, league="150200", as_of="2020-06-30")
    expect(value).to_have_attribute("data-value", "1")
    expect(row.locator("progress")).to_have_attribute("value", "100")
    expect(row.locator(".state--met")).to_have_count(1)

    # The whole region again, on the same day: 3.
    show(page, league="")
    expect(value).to_have_attribute("data-value", "3")
    expect(goal).to_contain_text("500")

    # A date in the future: the date picker stops at today (max), and the server refuses it too (a link
    # or an old bookmark), with the message in the form and today's numbers.
    future = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    show(page, as_of=future)
    assert page.locator("input[name=as_of]").evaluate("input => input.validity.rangeOverflow")
    expect(page).to_have_url(re.compile(r"as_of=2020-06-30"))
    page.goto(f"/progress/?as_of={future}")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(".field--error .errorlist")).to_contain_text(future)
    expect(page.locator(".field--error input[name=as_of]")).to_have_attribute("aria-invalid", "true")
    expect(value).to_have_attribute("data-value", "4")

    # The target's page: its yearly numbers next to the chart.
    show(page, as_of="2020-06-30")
    row.locator("th a").click()
    expect(page).to_have_url(re.compile(r"/progress/plans/plan-2015/targets/BR-01/\?as_of=2020-06-30$"))
    expect(page.locator("#trend-chart svg")).to_be_visible()
    last = page.locator("#trend-table tbody tr").last
    expect(last.locator("th")).to_have_text("2020-06-30")
    expect(last.locator("td")).to_have_text("3")
