"""The leadership group's pages: the dashboard's filters and "as of" date, a second plan, one target (chart,
table, history, the programme office's measurement form), the leagues/cities ranking and one league/city;
and a query count that does not grow with the number of targets or of leagues/cities with data."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent, Region, Role
from targets.models import MeasuredBy, Measurement, Plan, RegionalAllocation, Target, TargetGroup
from targets.progress import target_statuses
from tests.factories import BrandFactory, CertificationFactory, EnterpriseFactory, UserFactory
from tests.factories_site import MeasurementFactory, parse
from tests.factories_workflow import ApplicationFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HOHHOT, BAOTOU = "150100", "150200"


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def office(reference_data):
    return UserFactory(username="office", role=Role.STAFF, is_staff=True)


def brand(enterprise, recognised_on: datetime.date, valid_until: datetime.date = datetime.date(2030, 12, 31)):
    return BrandFactory(enterprise=enterprise, recognised=True, recognised_on=recognised_on, valid_until=valid_until)


@pytest.fixture
def registry(reference_data):
    """Five recognised brands with known dates, in Hohhot (county 150102) and Baotou (county 150202).

    BR-01 (recognised brands in force):     2016 2017 2018 2019 2020 2021 2022 2023 2024 today
        whole region                           0    2    2    3    3    2    2    3    4    4
        Hohhot                                 0    2    2    2    2    2    2    3    3    3
        Baotou                                 0    0    0    1    1    0    0    0    1    1
    BR-01 is allocated 6 to Hohhot and 1 to Baotou, CA-02 (low-carbon enterprises, none) 1 to Hohhot.
    """
    hohhot = EnterpriseFactory(region=Region.objects.get(code="150102"))
    baotou = EnterpriseFactory(region=Region.objects.get(code="150202"))
    brand(hohhot, datetime.date(2017, 3, 1))
    brand(hohhot, datetime.date(2017, 3, 1))
    brand(hohhot, datetime.date(2023, 6, 1))
    brand(baotou, datetime.date(2019, 1, 1), valid_until=datetime.date(2021, 1, 1))
    brand(baotou, datetime.date(2024, 1, 1))
    br01 = Target.objects.get(plan__code="plan-2015", code="BR-01")
    ca02 = Target.objects.get(plan__code="plan-2015", code="CA-02")
    RegionalAllocation.objects.create(target=br01, region_id=HOHHOT, value=6)
    RegionalAllocation.objects.create(target=br01, region_id=BAOTOU, value=1)
    RegionalAllocation.objects.create(target=ca02, region_id=HOHHOT, value=1)
    return {"hohhot": hohhot, "baotou": baotou}


def values(page) -> dict[str, str]:
    """Target code -> the data-value of its value cell (only rows with data)."""
    found = {}
    for row in page.find("main").find_all("tr"):
        code = (row.attrs.get("id") or "").removeprefix("target-")
        cell = row.find("td", class_="value-cell")
        if row.attrs.get("id", "").startswith("target-") and cell is not None and "data-value" in cell.attrs:
            found[code] = cell.attrs["data-value"]
    return found


def row_codes(page) -> list[str]:
    return [r.attrs["id"].removeprefix("target-") for r in page.find("main").find_all("tr") if r.attrs.get("id")]


def field_errors(page, name: str) -> str:
    field = page.find(id=f"id_{name}")
    assert field is not None, f"no field {name}"
    wrapper = field.parent
    errors = wrapper.find("ul", class_="errorlist")
    return errors.text() if errors else ""


def selected(page, name: str) -> str:
    options = page.find("select", name=name).find_all("option")
    return next(o.attrs["value"] for o in options if "selected" in o.attrs)


def dashboard(client, **params):
    response = client.get("/progress/", params)
    assert response.status_code == 200
    return parse(response)


# --- the dashboard: filters and the "as of" date ------------------------------------------------------------


def test_the_dashboard_defaults_to_the_current_plan_and_today(client, registry):
    page = dashboard(client)

    assert len(page.find_all("h1")) == 1
    as_of = page.find("input", name="as_of")
    assert as_of.attrs["type"] == "date" and as_of.attrs["value"] == TODAY.isoformat()
    assert as_of.attrs["min"] == "2015-01-01" and as_of.attrs["max"] == TODAY.isoformat()
    assert page.find("form", class_="progress-filters").attrs["method"] == "get"
    assert values(page)["BR-01"] == "4"
    assert set(row_codes(page)) == set(Plan.objects.get(code="plan-2015").targets.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2016-12-31", "0"), ("2018-12-31", "2"), ("2020-06-30", "3"), ("2022-01-01", "2"), (TODAY.isoformat(), "4")],
)
def test_the_as_of_date_counts_the_registry_on_that_day(client, registry, as_of, expected):
    page = dashboard(client, as_of=as_of)

    assert values(page)["BR-01"] == expected
    assert f"Value on {as_of}" in page.find("table", class_="dashboard-table").find("thead").text()
    assert page.find("input", name="as_of").attrs["value"] == as_of


@pytest.mark.parametrize(
    ("league", "as_of", "expected"),
    [
        (HOHHOT, "2018-12-31", "2"),
        (HOHHOT, TODAY.isoformat(), "3"),
        (BAOTOU, "2020-06-30", "1"),
        (BAOTOU, "2022-06-30", "0"),
    ],
)
def test_league_and_date_together(client, registry, league, as_of, expected):
    page = dashboard(client, league=league, as_of=as_of)

    assert values(page)["BR-01"] == expected
    assert selected(page, "league") == league


def test_a_date_in_the_future_is_refused_in_the_form_and_today_is_shown(client, registry):
    tomorrow = TODAY + datetime.timedelta(days=1)

    page = dashboard(client, as_of=tomorrow.isoformat(), league=HOHHOT)

    assert "is in the future" in field_errors(page, "as_of")
    assert page.find("input", name="as_of").attrs.get("aria-invalid") == "true"
    assert page.find("div", role="alert") is not None
    assert values(page)["BR-01"] == "3"  # today, in the league still chosen


def test_a_date_before_the_plan_starts_is_refused(client, registry):
    page = dashboard(client, as_of="2014-12-31")

    assert field_errors(page, "as_of") == "The plan starts on 2015-01-01: choose a day on or after it."
    assert values(page)["BR-01"] == "4"


def test_a_date_that_does_not_exist_is_refused(client, registry):
    page = dashboard(client, as_of="2024-02-30")

    assert field_errors(page, "as_of") == "Enter a valid date."
    assert values(page)["BR-01"] == "4"


def test_the_group_filter_shows_that_group_only(client, registry):
    page = dashboard(client, group="brand_building")

    codes = row_codes(page)
    assert codes and all(code.startswith("BR-") for code in codes)
    assert len(codes) == Target.objects.filter(plan__code="plan-2015", group_id="brand_building").count()
    options = [o.attrs["value"] for o in page.find("select", name="group").find_all("option")]
    assert options[0] == "" and "brand_building" in options


def test_in_a_league_the_goal_is_its_allocation_or_not_allocated(client, registry):
    page = dashboard(client, league=HOHHOT)

    row = page.by_id("target-BR-01")
    assert "at least 6 brands" in row.find("td", class_="goal-cell").text()
    assert "50% of target" in row.text()
    assert "Not allocated" in page.by_id("target-BR-02").find("td", class_="goal-cell").text()
    assert row.find("a").attrs["href"] == "/progress/plans/plan-2015/targets/BR-01/"


def test_a_reported_target_shows_the_measurement_in_force_on_the_date_with_its_source(client, registry):
    target = Target.objects.get(plan__code="plan-2015", code="PQ-01")
    MeasurementFactory(target=target, value=95, measured_on=datetime.date(2019, 12, 31), source="2019 年通报")
    MeasurementFactory(target=target, value="97.50", measured_on=datetime.date(2020, 12, 31), source="2020 年通报")

    then = dashboard(client, as_of="2020-06-30").by_id("target-PQ-01")
    now = dashboard(client).by_id("target-PQ-01")

    assert then.find("td", class_="value-cell").attrs["data-value"] == "95"
    assert "reported 2019-12-31, source: 2019 年通报" in then.text()
    assert now.find("td", class_="value-cell").attrs["data-value"] == "97.5"
    assert "reported 2020-12-31, source: 2020 年通报" in now.text()


def test_each_target_shows_its_trajectory_as_a_named_badge_and_the_summary_counts_them(client, registry):
    def measure(code, day, value):
        target = Target.objects.get(plan__code="plan-2015", code=code)
        MeasurementFactory(target=target, measured_on=day, value=value, source="通报")

    measure("PQ-01", datetime.date(2015, 1, 1), 97)  # goal >= 96: fell below the baseline and the goal
    measure("PQ-01", datetime.date(2017, 12, 31), 94)
    measure("ST-02", datetime.date(2015, 1, 1), 0)  # goal >= 1800 standards: 700 of about 900 needed by now
    measure("ST-02", datetime.date(2017, 12, 31), 700)
    measure("PQ-03", datetime.date(2016, 12, 31), 91)  # goal >= 90: met

    page = dashboard(client, as_of="2018-01-01")

    def badge(code):
        return page.by_id(f"target-{code}").find("td", class_="trajectory-cell").find("span", class_="badge")

    assert badge("PQ-01").text() == "Regression" and "badge--bad" in badge("PQ-01").attrs["class"]
    assert badge("ST-02").text() == "Needs acceleration" and "badge--warn" in badge("ST-02").attrs["class"]
    assert "78% of the growth needed by now" in page.by_id("target-ST-02").text()
    assert badge("PQ-03").text() == "On track" and "badge--ok" in badge("PQ-03").attrs["class"]
    assert badge("BR-01").text() == "Limited progress"  # 2 brands of about 250 needed by now
    assert badge("PQ-04").text() == "Not assessed"  # no data
    shown = Counter(row.attrs["data-trajectory"] for row in page.find_all("tr") if row.attrs.get("id"))
    summary = {
        item.attrs["data-trajectory"]: int(item.find("span", class_="trajectory-summary__count").text())
        for item in page.find("ul", class_="trajectory-summary").find_all("li")
    }
    assert summary == {key: shown.get(key, 0) for key in summary}
    statuses = target_statuses(Plan.objects.get(code="plan-2015"), as_of=datetime.date(2018, 1, 1))
    assert sum(summary.values()) == len(statuses) == 42
    assert summary["regression"] >= 1 and summary["needs_acceleration"] >= 1


def test_the_expected_value_at_the_deadline_adds_the_pipeline(client, reference_data):
    plan = Plan.objects.create(
        code="plan-2026",
        name_zh="品牌五年计划",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2030, 12, 31),
    )
    Target.objects.create(
        plan=plan,
        code="B-1",
        group_id="brand_building",
        name_zh="认定品牌",
        value=20,
        unit="brands",
        deadline=datetime.date(2030, 12, 31),
        measured_by=MeasuredBy.REGISTRY,
        metric="brands_recognised",
    )
    ApplicationFactory(granted=True)
    ApplicationFactory(rejected=True)  # an approval rate of 1/2
    ApplicationFactory.create_batch(2, submitted=True)  # 2 open x 1/2 = 1 expected

    row = dashboard(client, plan="plan-2026").by_id("target-B-1")

    expected = row.find("td", class_="expected-cell")
    assert expected.attrs["data-value"] == "1"  # 0 recognised now + 1 expected
    assert "of which 1 expected from open applications" in expected.text()
    past = dashboard(client, plan="plan-2026", as_of="2026-01-31").by_id("target-B-1")
    assert "data-value" not in past.find("td", class_="expected-cell").attrs


def test_an_unknown_plan_is_404(client, registry):
    assert client.get("/progress/", {"plan": "plan-1999"}).status_code == 404


# --- a second plan --------------------------------------------------------------------------------------------


@pytest.fixture
def plan_2021(reference_data):
    """The 2021-2025 plan as the programme office enters it in the admin: a plan and its own targets."""
    plan = Plan(
        code="plan-2021",
        name_zh="内蒙古自治区“十四五”质量强区规划",
        name_en="Quality-strong region plan (2021-2025)",
        period_start=datetime.date(2021, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        source="十四五规划",
    )
    plan.full_clean()
    plan.save()
    group = TargetGroup.objects.create(code="brands_2021", name_zh="品牌建设（十四五）", name_en="Brands 2021-2025")
    for code, name, value, unit, measured_by, metric in [
        ("NB-01", "认定的内蒙古品牌", 300, "brands", MeasuredBy.REGISTRY, "brands_recognised"),
        ("NB-02", "低碳认证企业", 40, "enterprises", MeasuredBy.REGISTRY, "certifications_low_carbon_enterprises"),
        ("NQ-01", "产品质量合格率", 97, "percent", MeasuredBy.REPORTED, ""),
    ]:
        target = Target(
            plan=plan,
            code=code,
            group=group,
            name_zh=name,
            value=value,
            unit=unit,
            deadline=datetime.date(2025, 12, 31),
            measured_by=measured_by,
            metric=metric,
        )
        target.full_clean()
        target.save()
    return plan


def test_the_dashboard_switches_to_a_second_plan_and_shows_its_targets_only(client, registry, plan_2021):
    current = dashboard(client)
    options = [o.attrs["value"] for o in current.find("select", name="plan").find_all("option")]
    assert set(options) == {"plan-2015", "plan-2021"}

    page = dashboard(client, plan="plan-2021", as_of="2024-12-31")

    assert sorted(row_codes(page)) == ["NB-01", "NB-02", "NQ-01"]
    assert "Quality-strong region plan (2021-2025)" in page.find("p", class_="lead").text()
    assert selected(page, "plan") == "plan-2021"
    assert values(page)["NB-01"] == "4"  # the same registry, counted on 2024-12-31
    assert "at least 300 brands" in page.by_id("target-NB-01").text()
    assert [o.attrs["value"] for o in page.find("select", name="group").find_all("option")] == ["", "brands_2021"]
    link = page.by_id("target-NB-01").find("a").attrs["href"]
    assert link == "/progress/plans/plan-2021/targets/NB-01/?as_of=2024-12-31"


def test_a_date_before_the_second_plan_is_refused_for_it_only(client, registry, plan_2021):
    refused = dashboard(client, plan="plan-2021", as_of="2020-06-30")
    accepted = dashboard(client, plan="plan-2015", as_of="2020-06-30")

    assert field_errors(refused, "as_of") == "The plan starts on 2021-01-01: choose a day on or after it."
    assert field_errors(accepted, "as_of") == ""


# --- one target -----------------------------------------------------------------------------------------------


def target_page(client, code="BR-01", plan="plan-2015", **params):
    response = client.get(f"/progress/plans/{plan}/targets/{code}/", params)
    assert response.status_code == 200
    return parse(response)


def table_rows(table) -> list[list[str]]:
    return [
        [cell.text() for cell in row.find_all() if cell.tag in ("th", "td")]
        for row in table.find("tbody").find_all("tr")
    ]


def test_the_target_page_has_the_trend_chart_and_its_numbers_in_a_table(client, registry):
    page = target_page(client)

    assert [h1.text() for h1 in page.find_all("h1")] == [
        "Inner Mongolia brands with domestic market competitiveness BR-01 · Brand building · "
        "Inner Mongolia quality-strong region plan (2015-2020)"
    ]
    chart = page.by_id("trend-chart").find("svg")
    assert chart.attrs["role"] == "img" and chart.find("title").text().endswith("by year")
    assert table_rows(page.by_id("trend-table")) == [
        ["2015", "0"],
        ["2016", "0"],
        ["2017", "2"],
        ["2018", "2"],
        ["2019", "3"],
        ["2020", "3"],
        ["2021", "2"],
        ["2022", "2"],
        ["2023", "3"],
        ["2024", "4"],
        ["2025", "4"],
        [TODAY.isoformat(), "4"],
    ]
    assert page.by_id("target-value").attrs["data-value"] == "4"


def test_the_target_page_as_of_a_past_date_ends_the_trend_there(client, registry):
    page = target_page(client, as_of="2020-06-30")

    rows = table_rows(page.by_id("trend-table"))
    assert rows[-2:] == [["2019", "3"], ["2020-06-30", "3"]]
    assert page.by_id("target-value").attrs["data-value"] == "3"


def test_the_target_page_compares_leagues_and_cities_with_their_allocations(client, registry):
    page = target_page(client)

    assert page.by_id("league-chart").find("svg") is not None
    rows = {row[0]: row[1:] for row in table_rows(page.by_id("league-table"))}
    assert len(rows) == 12
    assert rows["Hohhot"] == ["3", "6", "50%"]
    assert rows["Baotou"] == ["1", "1", "100%"]
    assert rows["Wuhai"] == ["0", "—", "—"]


def test_the_target_page_shows_the_pipeline_of_open_applications(client, registry):
    ApplicationFactory(submitted=True)
    ApplicationFactory(expert_review=True)

    page = target_page(client)

    rows = dict(table_rows(page.by_id("pipeline-table")))
    assert rows["Submitted, in league/city pre-review"] == "1" and rows["In expert review"] == "1"
    assert page.by_id("history-table") is None  # a registry target has no measurements


def test_an_unknown_target_or_a_target_of_another_plan_is_404(client, registry, plan_2021):
    assert client.get("/progress/plans/plan-2015/targets/XX-99/").status_code == 404
    assert client.get("/progress/plans/plan-2021/targets/BR-01/").status_code == 404
    assert client.get("/progress/plans/plan-2021/targets/NB-01/").status_code == 200


@pytest.fixture
def pass_rate(registry, office):
    target = Target.objects.get(plan__code="plan-2015", code="PQ-01")
    MeasurementFactory(target=target, value=96, measured_on=datetime.date(2019, 12, 31), source="2019 年通报")
    MeasurementFactory(
        target=target,
        value=94,
        measured_on=datetime.date(2020, 12, 31),
        source="呼市通报",
        region_id=HOHHOT,
        entered_by=office,
    )
    return target


def test_the_measurement_history_shows_who_entered_a_value_to_the_office_only(client, pass_rate, office):
    public = target_page(client, "PQ-01")

    assert table_rows(public.by_id("history-table")) == [
        ["2020-12-31", "94%", "Hohhot", "呼市通报"],
        ["2019-12-31", "96%", "Whole autonomous region", "2019 年通报"],
    ]
    assert "Entered by" not in public.by_id("history-table").text()
    assert public.find("form", method="post", class_="filter-form") is None

    client.force_login(office)
    staff = target_page(client, "PQ-01")
    assert table_rows(staff.by_id("history-table"))[0] == ["2020-12-31", "94%", "Hohhot", "呼市通报", "office"]
    assert table_rows(staff.by_id("history-table"))[1][-1] == "—"


def post_measurement(client, target="PQ-01", **overrides):
    data = {"measured_on": "2024-12-31", "value": "97.25", "source": "2024 年质量通报", "region": ""}
    data.update(overrides)
    return client.post(f"/progress/plans/plan-2015/targets/{target}/", data)


def test_the_office_records_a_measurement_from_the_target_page(client, pass_rate, office):
    client.force_login(office)
    form = target_page(client, "PQ-01").by_id("id_measured_on")
    assert form.attrs["type"] == "date" and form.attrs["max"] == TODAY.isoformat()

    response = post_measurement(client, region=BAOTOU)

    assert response.status_code == 302 and response["Location"] == "/progress/plans/plan-2015/targets/PQ-01/"
    recorded = Measurement.objects.get(target=pass_rate, measured_on=datetime.date(2024, 12, 31))
    assert (recorded.value, recorded.region_id, recorded.entered_by, recorded.source) == (
        Decimal("97.25"),
        BAOTOU,
        office,
        "2024 年质量通报",
    )
    assert AuditEvent.objects.filter(action="measurement.record", object_id=str(recorded.pk)).exists()
    page = parse(client.get(response["Location"]))
    assert "The measurement was recorded." in page.find("ul", class_="messages").text()
    assert table_rows(page.by_id("history-table"))[0] == ["2024-12-31", "97.25%", "Baotou", "2024 年质量通报", "office"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"value": "120"}, "value", "A percentage must be between 0 and 100."),
        ({"value": "abc"}, "value", "Enter a number."),
        ({"measured_on": (TODAY + datetime.timedelta(days=3)).isoformat()}, "measured_on", "in the future"),
        ({"measured_on": "2019-12-31"}, "measured_on", "already recorded"),  # the whole region, that day
        ({"measured_on": "2020-12-31", "region": HOHHOT}, "measured_on", "already recorded"),
        ({"source": ""}, "source", "This field is required."),
        ({"region": "150102"}, "region", "Select a valid choice."),  # a county
    ],
)
def test_a_bad_measurement_is_refused_with_a_message_on_its_field(client, pass_rate, office, overrides, field, message):
    client.force_login(office)
    before = Measurement.objects.count()

    response = post_measurement(client, **overrides)

    assert response.status_code == 200
    page = parse(response)
    assert message in field_errors(page, field)
    assert "The measurement was not recorded." in page.find("section", class_="record-measurement").text()
    assert Measurement.objects.count() == before
    assert not AuditEvent.objects.filter(action="measurement.record").exists()


def test_a_registry_target_has_no_form_and_refuses_a_posted_value(client, registry, office):
    client.force_login(office)

    assert target_page(client, "BR-01").find("section", class_="record-measurement") is None
    response = post_measurement(client, "BR-01", value="12")

    assert response.status_code == 200
    assert "counted from the registry" in parse(response).find("section", class_="record-measurement").text()
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("role", [None, Role.ENTERPRISE, Role.REVIEWER, Role.COMMITTEE, Role.LEADERSHIP])
def test_no_one_but_the_office_sees_the_form_and_a_post_from_them_is_403(client, pass_rate, role):
    if role is not None:
        client.force_login(UserFactory(role=role, is_staff=role == Role.COMMITTEE))
    before = Measurement.objects.count()

    assert target_page(client, "PQ-01").find("section", class_="record-measurement") is None
    assert post_measurement(client).status_code == 403
    assert Measurement.objects.count() == before


# --- leagues and cities ---------------------------------------------------------------------------------------


def test_the_ranking_scores_each_league_on_its_allocations(client, registry):
    response = client.get("/progress/leagues/")

    assert response.status_code == 200
    page = parse(response)
    assert len(page.find_all("h1")) == 1
    ranking = table_rows(page.by_id("ranking-table"))
    # Baotou: 1 of 1 brand -> 100. Hohhot: 3 of 6 brands (50) and 0 of 1 low-carbon enterprise (0) -> 25.
    assert ranking[0] == ["1", "Baotou", "100.00", "1 / 1"]
    assert ranking[1] == ["2", "Hohhot", "25.00", "0 / 2"]
    assert all(row[0] == "—" and row[2] == "not ranked" for row in ranking[2:]) and len(ranking) == 12
    assert page.by_id("score-chart").find("svg") is not None


def test_the_ranking_on_a_past_date(client, registry):
    page = parse(client.get("/progress/leagues/", {"as_of": "2018-12-31"}))

    ranking = table_rows(page.by_id("ranking-table"))
    # Hohhot: 2 of 6 (33.33) and 0 of 1 -> 16.67; Baotou: 0 of 1 -> 0.
    assert ranking[:2] == [["1", "Hohhot", "16.67", "0 / 2"], ["2", "Baotou", "0.00", "0 / 1"]]


def test_the_breakdown_shows_every_registry_target_per_league_with_its_allocation(client, registry):
    page = parse(client.get("/progress/leagues/"))

    registry_codes = set(
        Target.objects.filter(plan__code="plan-2015", measured_by=MeasuredBy.REGISTRY).values_list("code", flat=True)
    )
    table = page.by_id("breakdown-table")
    assert {r.attrs["id"].removeprefix("breakdown-") for r in table.find("tbody").find_all("tr")} == registry_codes
    row = page.by_id("breakdown-BR-01")
    hohhot = row.find("td", data_league=HOHHOT)
    baotou = row.find("td", data_league=BAOTOU)
    assert hohhot.attrs["data-value"] == "3" and hohhot.text() == "3 / 6"
    assert baotou.attrs["data-value"] == "1" and baotou.text() == "1 / 1 met"
    assert row.find("td", class_="total").text() == "4"
    assert len(table.find("thead").find_all("th")) == 1 + 12 + 1


def test_a_league_page_shows_its_values_allocations_rank_and_charts(client, registry):
    response = client.get(f"/progress/leagues/{HOHHOT}/")

    assert response.status_code == 200
    page = parse(response)
    assert [h1.text() for h1 in page.find_all("h1")] == ["Hohhot Inner Mongolia quality-strong region plan (2015-2020)"]
    assert page.by_id("league-rank").text() == "2 of 2"
    assert page.by_id("league-score").text() == "25.00"
    assert page.by_id("league-met").text() == "0 / 2"
    br01 = page.by_id("target-BR-01")
    assert br01.find("td", class_="value-cell").attrs["data-value"] == "3"
    assert "at least 6 brands" in br01.text() and "50% of target" in br01.text()
    assert "Not allocated" in page.by_id("target-BR-02").text()
    charted = {div.attrs["id"] for div in page.find_all("div", class_="chart-card")}
    assert charted == {"chart-BR-01", "chart-CA-02"}  # the targets allocated to it
    assert page.by_id("chart-BR-01").find("svg") is not None
    numbers = table_rows(page.by_id("chart-BR-01").find("table"))
    assert numbers[2] == ["2017", "2"] and numbers[-1] == [TODAY.isoformat(), "3"]
    assert page.find("p", class_="staff-link") is None


def test_no_link_to_the_admin_without_the_permission_to_edit_allocations(client, registry, office):
    client.force_login(office)  # programme office staff, not (yet) given the admin permission

    assert parse(client.get(f"/progress/leagues/{HOHHOT}/")).find("p", class_="staff-link") is None


def test_the_office_finds_a_link_to_edit_the_allocations(client, registry, staff_user):
    client.force_login(staff_user)

    page = parse(client.get(f"/progress/leagues/{HOHHOT}/"))

    link = page.find("p", class_="staff-link").find("a").attrs["href"]
    plan = Plan.objects.get(code="plan-2015")
    assert link == f"/admin/targets/regionalallocation/?region__code__exact={HOHHOT}&target__plan__id__exact={plan.pk}"
    assert client.get(link).status_code == 200


def test_a_league_page_as_of_a_past_date(client, registry):
    page = parse(client.get(f"/progress/leagues/{BAOTOU}/", {"as_of": "2020-06-30"}))

    assert page.by_id("target-BR-01").find("td", class_="value-cell").attrs["data-value"] == "1"
    assert page.by_id("league-score").text() == "100.00"


@pytest.mark.parametrize("code", ["999999", "150102", "150000"])
def test_only_a_league_or_city_has_a_page(client, registry, code):
    assert client.get(f"/progress/leagues/{code}/").status_code == 404


def test_the_league_pages_refuse_a_future_date_in_the_form(client, registry):
    future = (TODAY + datetime.timedelta(days=30)).isoformat()
    for url in ("/progress/leagues/", f"/progress/leagues/{HOHHOT}/", "/progress/plans/plan-2015/targets/BR-01/"):
        response = client.get(url, {"as_of": future})
        assert response.status_code == 200
        assert "is in the future" in field_errors(parse(response), "as_of")


# --- query counts ---------------------------------------------------------------------------------------------


METRICS = ["brands_recognised", "certifications_low_carbon_enterprises", "certifications_organic_green_pollution_free"]


def plan_with(code: str, n: int) -> Plan:
    """A plan of ``n`` targets from the same registers (brands, certifications) and reported ones, each with
    an allocation to Hohhot and a whole-region and a Hohhot measurement for the reported ones."""
    plan = Plan.objects.create(
        code=code, name_zh=code, period_start=datetime.date(2021, 1, 1), period_end=datetime.date(2030, 12, 31)
    )
    for i in range(n):
        reported = i % 3 == 2
        target = Target.objects.create(
            plan=plan,
            code=f"T-{i:02d}",
            # The first three (both registers and a reported one) in one group, so that a group filter
            # reads the same registers in both plans.
            group_id="certification" if i < 3 or i % 2 else "brand_building",
            name_zh=f"指标{i}",
            value=10,
            unit="percent" if reported else "brands",
            deadline=datetime.date(2030, 12, 31),
            measured_by=MeasuredBy.REPORTED if reported else MeasuredBy.REGISTRY,
            metric="" if reported else METRICS[i % 3],
        )
        RegionalAllocation.objects.create(target=target, region_id=HOHHOT, value=5)
        if reported:
            MeasurementFactory(target=target, value=50, measured_on=datetime.date(2022, 12, 31))
            MeasurementFactory(target=target, value=40, measured_on=datetime.date(2022, 12, 31), region_id=HOHHOT)
    return plan


def queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.usefixtures("progress_uncached")
def test_the_query_count_does_not_grow_with_the_number_of_targets(client, registry):
    small, large = plan_with("plan-3", 3), plan_with("plan-30", 30)

    for params in ({}, {"league": HOHHOT}, {"as_of": "2024-06-30"}, {"group": "certification"}):
        assert queries(client, "/progress/", {"plan": small.code, **params}) == queries(
            client, "/progress/", {"plan": large.code, **params}
        ), params
    for url in ("/progress/leagues/", f"/progress/leagues/{HOHHOT}/"):
        assert queries(client, url, {"plan": small.code}) == queries(client, url, {"plan": large.code}), url


def spread_over(league_codes: list[str]) -> None:
    """Brands, low-carbon certificates, allocations and league measurements in each of these leagues/cities."""
    plan = Plan.objects.get(code="plan-2015")
    br01, ca02, pq01 = (plan.targets.get(code=c) for c in ("BR-01", "CA-02", "PQ-01"))
    counties = {r.parent_id: r for r in Region.objects.filter(level="county", parent_id__in=league_codes)}
    for code in league_codes:
        enterprise = EnterpriseFactory(region=counties[code])
        brand(enterprise, datetime.date(2018, 1, 1))
        CertificationFactory(enterprise=enterprise, kind="low_carbon", certificate_number=f"LC-{code}")
        RegionalAllocation.objects.update_or_create(target=br01, region_id=code, defaults={"value": 3})
        RegionalAllocation.objects.update_or_create(target=ca02, region_id=code, defaults={"value": 1})
        MeasurementFactory(target=pq01, value=95, measured_on=datetime.date(2020, 12, 31), region_id=code)


def league_page_counts(client) -> list[int]:
    return [
        queries(client, "/progress/", {"league": HOHHOT}),
        queries(client, "/progress/leagues/"),
        queries(client, "/progress/leagues/", {"as_of": "2020-12-31"}),
        queries(client, f"/progress/leagues/{HOHHOT}/"),
        queries(client, "/progress/plans/plan-2015/targets/BR-01/"),
        queries(client, "/progress/plans/plan-2015/targets/PQ-01/"),
    ]


def test_the_query_count_does_not_grow_with_the_leagues_that_have_data(client, reference_data):
    codes = list(Region.objects.filter(level="prefecture").order_by("code").values_list("code", flat=True))
    assert len(codes) == 12

    spread_over(codes[:2])
    two = league_page_counts(client)
    spread_over(codes[2:])
    twelve = league_page_counts(client)

    assert two == twelve
    ranked = table_rows(parse(client.get("/progress/leagues/")).by_id("ranking-table"))
    assert [row[0] for row in ranked] == ["1"] * 12  # the same record everywhere: equal scores share a rank
