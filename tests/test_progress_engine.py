"""The progress engine (targets.progress): counts as of any date equal a recount by hand, each trajectory
category where it belongs, and a query count that does not grow with targets, leagues/cities or years."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from brands.models import Brand, BrandStatus, Trademark, TrademarkStatus, TrademarkTier
from brands.reference import load_nice_classes
from certifications.models import (
    Certification,
    CertificationKind,
    CertificationStatus,
    DemonstrationZone,
    ZoneKind,
    ZoneStage,
)
from core.models import Enterprise, Region, RegionLevel
from geo_indications.models import GIProduct, GIStatus
from targets.metrics import METRICS, get_metric
from targets.models import Comparator, MeasuredBy, RegionalAllocation
from targets.progress import (
    Trajectory,
    classify,
    league_table,
    target_statuses,
    year_ends,
    yearly_series,
)
from targets.progress_counts import area_codes, registry_counts, registry_counts_by_region
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    EnterpriseFactory,
    GIProductFactory,
    TrademarkFactory,
    make_uscc,
)
from tests.factories_api import MeasurementFactory, PlanFactory, TargetFactory

pytestmark = pytest.mark.django_db
D = datetime.date
T = Trajectory


# ---------------------------------------------------------------------------------------------
# classify(): the categories, table-driven

START, DEADLINE = D(2021, 1, 1), D(2021, 7, 20)  # 200 days
MID = D(2021, 4, 11)  # 100 days in: half the growth is needed by now
AT_LEAST, AT_MOST, EQUAL = Comparator.AT_LEAST, Comparator.AT_MOST, Comparator.EQUAL

CLASSIFY_CASES = [
    # (comparator, baseline, goal, value, as_of, expected category, expected pace)
    (AT_LEAST, 10, 20, 15, MID, T.ON_TRACK, 1.0),
    (AT_LEAST, 10, 20, "14.75", MID, T.ON_TRACK, 0.95),  # exactly 95%
    (AT_LEAST, 10, 20, "14.7", MID, T.NEEDS_ACCELERATION, 0.94),
    (AT_LEAST, 10, 20, 13, MID, T.NEEDS_ACCELERATION, 0.6),  # exactly 60%
    (AT_LEAST, 10, 20, "12.9", MID, T.LIMITED_PROGRESS, 0.58),
    (AT_LEAST, 10, 20, 10, MID, T.LIMITED_PROGRESS, 0.0),
    (AT_LEAST, 10, 20, 9, MID, T.REGRESSION, -0.2),
    (AT_LEAST, 10, 20, 10, START, T.ON_TRACK, None),  # elapsed 0: nothing needed yet
    (AT_LEAST, 10, 20, 10, D(2020, 6, 1), T.ON_TRACK, None),  # before the start
    (AT_LEAST, 10, 20, 9, START, T.REGRESSION, None),  # nothing needed, but moved away
    (AT_LEAST, 10, 20, 19, D(2022, 1, 1), T.NEEDS_ACCELERATION, 0.9),  # past the deadline: all of it needed
    (AT_LEAST, 10, 20, 20, D(2022, 1, 1), T.ON_TRACK, 1.0),  # met
    (AT_LEAST, 10, 20, 25, MID, T.ON_TRACK, 3.0),  # met early
    (AT_LEAST, 25, 20, 24, MID, T.ON_TRACK, None),  # the baseline already met the goal, still met
    (AT_LEAST, 25, 20, 18, MID, T.REGRESSION, None),  # ... and it fell below the goal
    (AT_LEAST, 20, 20, 19, MID, T.REGRESSION, None),
    (AT_LEAST, 0, 4, "1.5", MID, T.NEEDS_ACCELERATION, 0.75),  # 1.5 of 2 needed by now
    (AT_MOST, 10, 2, 6, MID, T.ON_TRACK, 1.0),  # growth is the fall: 4 of the 4 needed by now
    (AT_MOST, 10, 2, 7, MID, T.NEEDS_ACCELERATION, 0.75),
    (AT_MOST, 10, 2, 8, MID, T.LIMITED_PROGRESS, 0.5),
    (AT_MOST, 10, 2, 11, MID, T.REGRESSION, -0.25),
    (AT_MOST, 10, 2, 2, MID, T.ON_TRACK, 2.0),  # met
    (AT_MOST, 1, 2, 3, MID, T.REGRESSION, None),  # the baseline met it; now above the ceiling
    (AT_MOST, 10, 2, 10, START, T.ON_TRACK, None),
]


@pytest.mark.parametrize(("comparator", "baseline", "goal", "value", "as_of", "category", "pace"), CLASSIFY_CASES)
def test_classify(comparator, baseline, goal, value, as_of, category, pace):
    got = classify(
        value=Decimal(value),
        baseline=Decimal(baseline),
        goal=Decimal(goal),
        comparator=comparator,
        start=START,
        deadline=DEADLINE,
        as_of=as_of,
    )
    assert got[0] == category
    assert (got[1] is None) if pace is None else got[1] == pytest.approx(pace)


@pytest.mark.parametrize(
    ("value", "baseline", "goal", "comparator", "expected"),
    [
        (None, 1, 5, AT_LEAST, (None, None)),  # no data
        (3, 1, None, AT_LEAST, (None, None)),  # no goal (a league/city without allocation)
        (3, 1, 3, EQUAL, (None, None)),  # '=' has no direction
        (5, None, 5, AT_LEAST, (T.ON_TRACK, None)),  # no baseline but met
        (4, None, 5, AT_LEAST, (None, None)),
    ],
)
def test_classify_without_enough_to_judge(value, baseline, goal, comparator, expected):
    kwargs = {"start": START, "deadline": DEADLINE, "as_of": MID}
    assert classify(value=value, baseline=baseline, goal=goal, comparator=comparator, **kwargs) == expected


def test_a_deadline_on_the_start_needs_everything_at_once():
    assert classify(value=15, baseline=10, goal=20, comparator=AT_LEAST, start=START, deadline=START, as_of=START) == (
        T.LIMITED_PROGRESS,
        0.5,
    )


# ---------------------------------------------------------------------------------------------
# Each category where it should appear, from a registry history built here


def _brand(recognised_on, **kwargs):
    fields = {"status": BrandStatus.RECOGNISED, "recognised_on": recognised_on, "valid_until": D(2030, 1, 1)}
    return BrandFactory(**{**fields, **kwargs})


def _cert(kind, issued_on, **kwargs):
    return CertificationFactory(**{"kind": kind, "issued_on": issued_on, "expires_on": D(2030, 1, 1), **kwargs})


@pytest.fixture
def small_history(regions):
    """At START (2021-01-01) and at MID (2021-04-11), in Hohhot unless said otherwise."""
    load_nice_classes()
    baotou = EnterpriseFactory(region=Region.objects.get(code="150202"))
    # Brands: 14 at the start, 17 at MID (+3 of the 3 needed by now) -> on track.
    for _ in range(10):
        _brand(D(2019, 5, 1))
    for _ in range(5):
        _brand(D(2021, 2, 1), enterprise=baotou)
    _brand(D(2021, 4, 12))  # a day too late
    _brand(D(2020, 1, 1), status=BrandStatus.SUSPENDED, suspended_on=D(2021, 3, 1))  # counted then, not now
    _brand(D(2020, 1, 1), status=BrandStatus.REVOKED, revoked_on=D(2021, 3, 1))
    _brand(D(2020, 1, 1), status=BrandStatus.SUSPENDED, suspended_on=D(2021, 5, 1))  # still counted
    _brand(D(2020, 1, 1), status=BrandStatus.REVOKED, revoked_on=D(2021, 5, 1))
    BrandFactory()  # cultivating
    # Organic/green food: 11 at the start, 14 at MID (+3 of 4.5) -> needs acceleration.
    for _ in range(10):
        _cert(CertificationKind.GREEN_FOOD, D(2019, 1, 1))
    for _ in range(4):
        _cert(CertificationKind.ORGANIC, D(2021, 3, 1))
    _cert(CertificationKind.CCC, D(2021, 3, 1))  # another kind
    _cert(CertificationKind.ORGANIC, D(2019, 1, 1), expires_on=D(2021, 4, 10))  # replaced by one of the 14 ...
    _cert(CertificationKind.ORGANIC, D(2021, 2, 1), expires_on=D(2021, 4, 10))  # ... and one that lapsed
    # Low-carbon (at most 1 enterprise): 5 at the start, 4 at MID (-1 of the 2 needed) -> limited progress.
    holders = [EnterpriseFactory() for _ in range(5)]
    for n, holder in enumerate(holders):
        revoked = {"revoked_on": D(2021, 3, 1), "status": CertificationStatus.REVOKED} if n == 0 else {}
        _cert(CertificationKind.LOW_CARBON, D(2020, 1, 1), enterprise=holder, **revoked)
    _cert(CertificationKind.LOW_CARBON, D(2020, 1, 1), enterprise=holders[1])  # the same enterprise twice
    # Quality cities: 0 -> 2 of 20 (10 needed by now) -> limited progress.
    for _ in range(2):
        DemonstrationZoneFactory(kind=ZoneKind.QUALITY_CITY, named_on=D(2021, 2, 1))
    DemonstrationZoneFactory(kind=ZoneKind.QUALITY_CITY, stage=ZoneStage.APPROVED, named_on=None)
    # Famous trademarks: 6 -> 4 (two lapsed) -> regression.
    for n in range(6):
        until = D(2021, 3, 1) if n < 2 else D(2023, 1, 1)
        TrademarkFactory(tier=TrademarkTier.FAMOUS, tier_recognised_on=D(2018, 1, 1), tier_valid_until=until)
    # GI products: 2 -> 3 of 3 -> met (on track); one known only by its year counts from Jan 1 of it.
    GIProductFactory(announced_on=D(2016, 1, 1))
    GIProductFactory(announced_on=None, year=2021)
    GIProductFactory(announced_on=D(2021, 3, 1))
    GIProductFactory(announced_on=D(2015, 1, 1), status=GIStatus.REVOKED, revoked_on=D(2020, 1, 1))
    # Export-food zones (at most 0): 1 -> 2 -> regression.
    DemonstrationZoneFactory(kind=ZoneKind.EXPORT_FOOD_DEMO, named_on=D(2020, 1, 1))
    DemonstrationZoneFactory(kind=ZoneKind.EXPORT_FOOD_DEMO, named_on=D(2021, 2, 1))


def _small_plan():
    plan = PlanFactory(period_start=START, period_end=D(2025, 12, 31))

    def target(code, value, *, metric="", comparator=AT_LEAST, **kwargs):
        registry = {"measured_by": MeasuredBy.REGISTRY, "metric": metric} if metric else {}
        fields = {"deadline": DEADLINE, **registry, **kwargs}
        return TargetFactory(plan=plan, code=code, value=Decimal(value), comparator=comparator, **fields)

    target("BR", 20, metric="brands_recognised")
    target("CE", 20, metric="certifications_organic_green_pollution_free")
    target("LC", 1, metric="certifications_low_carbon_enterprises", comparator=AT_MOST)
    target("QC", 20, metric="zones_named:quality_city")
    target("TM", 10, metric="trademarks_famous")
    target("GI", 3, metric="gi_products_protected")
    target("EX", 0, metric="zones_named:export_food_demo", comparator=AT_MOST)
    target("EQ", 15, metric="brands_recognised", comparator=EQUAL)
    rate = target("PQ", 96)  # reported: 90 at the start, 92.4 by MID (2.4 of the 3 needed) -> needs acceleration
    MeasurementFactory(target=rate, value=Decimal("88"), measured_on=D(2019, 12, 31))
    MeasurementFactory(target=rate, value=Decimal("90"), measured_on=D(2020, 12, 31))
    MeasurementFactory(target=rate, value=Decimal("92.4"), measured_on=D(2021, 3, 31), source="季报")
    MeasurementFactory(target=rate, value=Decimal("99"), measured_on=D(2021, 6, 30))  # after MID
    target("NO", 50)  # reported, never measured
    return plan


def test_each_target_falls_in_its_category(small_history):
    plan = _small_plan()
    rows = {s.target.code: s for s in target_statuses(plan, as_of=MID)}
    got = {
        code: (s.baseline, s.value, s.trajectory, None if s.pace is None else round(s.pace, 4))
        for code, s in rows.items()
    }
    assert got == {
        "BR": (14, 17, T.ON_TRACK, 1.0),  # +3 of the 3 needed by now
        "CE": (11, 14, T.NEEDS_ACCELERATION, 0.6667),  # +3 of the 4.5 needed by now
        "LC": (5, 4, T.LIMITED_PROGRESS, 0.5),
        "QC": (0, 2, T.LIMITED_PROGRESS, 0.2),
        "TM": (6, 4, T.REGRESSION, -1.0),
        "GI": (2, 3, T.ON_TRACK, 2.0),  # met
        "EX": (1, 2, T.REGRESSION, -2.0),
        "EQ": (14, 17, None, None),
        "PQ": (Decimal("90"), Decimal("92.4"), T.NEEDS_ACCELERATION, 0.8),
        "NO": (None, None, None, None),
    }
    assert (rows["GI"].met, rows["GI"].percent) == (True, 100.0)
    assert (rows["BR"].met, rows["BR"].percent, rows["BR"].source, rows["BR"].measured_on) == (
        False,
        85.0,
        "registry",
        MID,
    )
    assert (rows["LC"].met, rows["LC"].percent) == (False, None)  # no "% of target" for an at-most target
    assert (rows["PQ"].measured_on, rows["PQ"].source, rows["PQ"].baseline_on) == (
        D(2021, 3, 31),
        "季报",
        D(2020, 12, 31),
    )
    assert (rows["NO"].has_data, rows["NO"].met, rows["NO"].goal) == (False, None, Decimal(50))
    assert all(s.pipeline is None and s.expected_at_deadline is None for s in rows.values())  # a past date


def test_a_league_is_judged_against_its_allocation(small_history):
    plan = _small_plan()
    brands = plan.targets.get(code="BR")
    RegionalAllocation.objects.create(target=brands, region=Region.objects.get(code="150200"), value=Decimal(4))
    baotou = {s.target.code: s for s in target_statuses(plan, as_of=MID, league=Region.objects.get(code="150200"))}
    assert (baotou["BR"].value, baotou["BR"].baseline, baotou["BR"].goal) == (5, 0, 4)
    assert (baotou["BR"].met, baotou["BR"].percent, baotou["BR"].trajectory) == (True, 125.0, T.ON_TRACK)
    # Not allocated to Baotou: no goal, nothing to judge (not the region-wide value).
    assert (baotou["CE"].goal, baotou["CE"].met, baotou["CE"].trajectory) == (None, None, None)
    assert baotou["PQ"].value is None  # Baotou reported nothing
    hohhot = {s.target.code: s for s in target_statuses(plan, as_of=MID, league=Region.objects.get(code="150100"))}
    assert (hohhot["BR"].value, hohhot["BR"].goal) == (12, None)


def test_yearly_series_ends_on_the_day_asked(small_history):
    plan = _small_plan()
    series = yearly_series(plan, until=D(2023, 6, 30))
    by_code = {t.code: series[t.pk] for t in plan.targets.all()}
    assert [day for day, _ in by_code["BR"]] == [D(2021, 12, 31), D(2022, 12, 31), D(2023, 6, 30)]
    assert [v for _, v in by_code["TM"]] == [4, 4, 0]  # lapsed on 2023-01-01
    assert [v for _, v in by_code["PQ"]] == [Decimal("99"), Decimal("99"), Decimal("99")]
    assert [v for _, v in by_code["NO"]] == [None, None, None]
    assert year_ends(D(2021, 1, 1), D(2021, 12, 31)) == [D(2021, 12, 31)]
    assert year_ends(D(2021, 1, 1), D(2020, 6, 1)) == [D(2020, 6, 1)]


# ---------------------------------------------------------------------------------------------
# Every count equals a recount by hand (decision 0002), for the region and each league/city


def build_history(seed: int = 2015) -> None:
    """Records in every register over 2014-2025 across counties and leagues/cities, with every life-cycle mix."""
    rng = random.Random(seed)
    counties = list(Region.objects.counties())
    leagues = list(Region.objects.leagues())

    def day(first: int = 2014, last: int = 2025) -> datetime.date:
        return D(first, 1, 1) + datetime.timedelta(days=rng.randrange((D(last, 12, 31) - D(first, 1, 1)).days))

    def maybe(p: float, value):
        return value if rng.random() < p else None

    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"历史企业{n}", uscc=make_uscc(c.code, 900000 + n), region=c)
        for n, c in enumerate(rng.choice(counties) for _ in range(40))
    )
    brands = []
    for n in range(150):
        enterprise = rng.choice(enterprises)
        status = rng.choice(list(BrandStatus))
        start = day(2014, 2024)
        brand = Brand(
            name=f"历史品牌{n}",
            enterprise=enterprise,
            region=rng.choice([enterprise.region, enterprise.region.parent]),
            status=status,
            recognised_on=None if status == BrandStatus.CULTIVATING else start,
            valid_until=maybe(0.85, start + datetime.timedelta(days=3 * 365)),
        )
        if status == BrandStatus.SUSPENDED:
            brand.suspended_on = start + datetime.timedelta(days=rng.randrange(1, 1200))
        if status == BrandStatus.REVOKED:
            brand.revoked_on = start + datetime.timedelta(days=rng.randrange(1, 1200))
        brands.append(brand)
    Brand.objects.bulk_create(brands)
    kinds = [*CertificationKind.values[:-1]]
    certs = []
    for n in range(250):
        issued = day(2014, 2024)
        cert = Certification(
            kind=rng.choice(kinds),
            certificate_number=f"H-{n}",
            enterprise=rng.choice(enterprises),
            product="产品",
            certifying_body="机构",
            issued_on=issued,
            expires_on=issued + datetime.timedelta(days=rng.choice([364, 730, 1095, 1825])),
        )
        fate = rng.random()
        if fate < 0.1:
            cert.status, cert.revoked_on, cert.revocation_reason = "revoked", day(issued.year, 2025), "抽检不合格"
        elif fate < 0.2:
            cert.status, cert.cancelled_on = "cancelled", day(issued.year, 2025)
        elif fate < 0.35:
            cert.status, cert.suspended_on = "suspended", day(issued.year, 2025)
            cert.suspended_until = maybe(0.8, cert.suspended_on + datetime.timedelta(days=rng.randrange(1, 400)))
        certs.append(cert)
    Certification.objects.bulk_create(certs)
    zones = []
    for n in range(80):
        stage = rng.choice(list(ZoneStage))
        named = day() if stage in (ZoneStage.NAMED, ZoneStage.REVOKED) else None
        zones.append(
            DemonstrationZone(
                name=f"历史示范区{n}",
                kind=rng.choice(ZoneKind.values),
                region=rng.choice(counties + leagues),
                lead_body="局",
                stage=stage,
                named_on=named,
                revoked_on=named + datetime.timedelta(days=rng.randrange(1, 2000)) if stage == "revoked" else None,
            )
        )
    DemonstrationZone.objects.bulk_create(zones)
    trademarks = []
    for n in range(120):
        recognised = maybe(0.8, day())
        enterprise = maybe(0.8, rng.choice(enterprises))
        trademarks.append(
            Trademark(
                registration_number=f"{30000000 + n}",
                mark_text=f"历史商标{n}",
                enterprise=enterprise,
                region=enterprise.region if enterprise else maybe(0.5, rng.choice(leagues)),
                status=rng.choice([*TrademarkStatus.values, TrademarkStatus.VALID, TrademarkStatus.VALID]),
                tier=rng.choice(TrademarkTier.values),
                tier_recognised_on=recognised,
                tier_valid_until=maybe(0.7, (recognised or day()) + datetime.timedelta(days=3 * 365)),
            )
        )
    Trademark.objects.bulk_create(trademarks)
    gi = []
    for n in range(60):
        announced = maybe(0.7, day())
        gi.append(
            GIProduct(
                name_zh=f"历史地标{n}",
                protection_type="gi_product",
                region=rng.choice(counties + leagues),
                announced_on=announced,
                year=None if announced else maybe(0.7, rng.randrange(2014, 2026)),
                status="revoked" if rng.random() < 0.15 else "protected",
            )
        )
        if gi[-1].status == "revoked":
            gi[-1].revoked_on = day()
    GIProduct.objects.bulk_create(gi)


def _brand_counts(b: Brand, d: datetime.date) -> bool:
    return (
        b.status != BrandStatus.CULTIVATING
        and b.recognised_on is not None
        and b.recognised_on <= d
        and (b.valid_until is None or b.valid_until >= d)
        and (b.revoked_on is None or b.revoked_on > d)
        and not (b.status == BrandStatus.SUSPENDED and b.suspended_on is not None and b.suspended_on <= d)
    )


def _cert_counts(c: Certification, d: datetime.date) -> bool:
    suspended = c.suspended_on is not None and c.suspended_on <= d and not (c.suspended_until and c.suspended_until < d)
    return (
        c.issued_on <= d <= c.expires_on
        and (c.revoked_on is None or c.revoked_on > d)
        and (c.cancelled_on is None or c.cancelled_on > d)
        and not suspended
    )


def _tm_counts(tier: str):
    return lambda t, d: (
        t.tier == tier
        and t.status != TrademarkStatus.CANCELLED
        and (t.tier_recognised_on is None or t.tier_recognised_on <= d)
        and (t.tier_valid_until is None or t.tier_valid_until >= d)
    )


def _gi_counts(g: GIProduct, d: datetime.date) -> bool:
    started = g.announced_on <= d if g.announced_on is not None else (g.year is None or g.year <= d.year)
    return started and (g.revoked_on is None or g.revoked_on > d)


def _league_code(region: Region | None) -> str | None:
    if region is None:
        return None
    if region.level == RegionLevel.PREFECTURE:
        return region.code
    return region.parent_id if region.level == RegionLevel.COUNTY else None


def naive_counts(days: list[datetime.date]) -> dict[tuple[str, datetime.date], dict[str | None, int]]:
    """(metric, day) -> league code (None: the whole region) -> count, by iterating over every record."""
    food = {CertificationKind.ORGANIC, CertificationKind.GREEN_FOOD, CertificationKind.POLLUTION_FREE}
    brands = list(Brand.objects.select_related("region"))
    certs = list(Certification.objects.select_related("enterprise__region"))
    zones = list(DemonstrationZone.objects.select_related("region"))
    trademarks = list(Trademark.objects.select_related("region"))
    gis = list(GIProduct.objects.select_related("region"))
    rules = {
        "brands_recognised": (brands, _brand_counts, lambda r: r.region),
        "gi_products_protected": (gis, _gi_counts, lambda r: r.region),
        "trademarks_well_known": (trademarks, _tm_counts(TrademarkTier.WELL_KNOWN), lambda r: r.region),
        "trademarks_famous": (trademarks, _tm_counts(TrademarkTier.FAMOUS), lambda r: r.region),
        "certifications_organic_green_pollution_free": (
            certs,
            lambda c, d: c.kind in food and _cert_counts(c, d),
            lambda r: r.enterprise.region,
        ),
    }
    for kind in ZoneKind.values:
        rules[f"zones_named:{kind}"] = (
            zones,
            lambda z, d, kind=kind: (
                z.kind == kind and z.named_on is not None and z.named_on <= d and (not z.revoked_on or z.revoked_on > d)
            ),
            lambda r: r.region,
        )
    result: dict[tuple[str, datetime.date], dict[str | None, int]] = {}
    for d in days:
        for name, (records, rule, region_of) in rules.items():
            counts: dict[str | None, int] = defaultdict(int)
            for record in records:
                if rule(record, d):
                    counts[None] += 1
                    if league := _league_code(region_of(record)):
                        counts[league] += 1
            result[(name, d)] = counts
        holders: dict[str | None, set[int]] = defaultdict(set)
        for c in certs:
            if c.kind == CertificationKind.LOW_CARBON and _cert_counts(c, d):
                holders[None].add(c.enterprise_id)
                holders[_league_code(c.enterprise.region)].add(c.enterprise_id)
        result[("certifications_low_carbon_enterprises", d)] = defaultdict(int, {k: len(v) for k, v in holders.items()})
    return result


PAST_DAYS = [
    D(2014, 12, 31),
    D(2015, 6, 30),
    D(2016, 12, 31),
    D(2018, 3, 15),
    D(2019, 12, 31),
    D(2021, 1, 1),
    D(2022, 7, 1),
    D(2024, 12, 31),
]


@pytest.fixture
def history(regions):
    build_history()
    # Boundary days taken from the records themselves (a record starts or ends on them).
    brands = Brand.objects.exclude(revoked_on=None).order_by("pk")[:2]
    certs = Certification.objects.exclude(suspended_until=None).order_by("pk")[:2]
    edges = [b.revoked_on for b in brands] + [c.suspended_until for c in certs] + [c.issued_on for c in certs]
    return sorted(set(PAST_DAYS + edges))


@pytest.mark.usefixtures("progress_uncached")
def test_counts_as_of_past_dates_equal_a_recount_by_hand(history, django_assert_num_queries):
    days = history
    naive = naive_counts(days)
    pairs = [(name, d) for name in METRICS for d in days]
    with django_assert_num_queries(6):  # one per register, and distinct enterprises on their own
        region_wide = registry_counts(pairs)
    assert {p: region_wide[p] for p in pairs} == {p: naive[p][None] for p in pairs}
    assert sum(region_wide.values()) > 500  # the history is not empty
    for league in Region.objects.leagues():
        codes = area_codes(league)
        with django_assert_num_queries(6):
            counts = registry_counts(pairs, codes=codes)
        assert counts == {p: naive[p][league.code] for p in pairs}, league.code
    with django_assert_num_queries(6):
        by_region = registry_counts_by_region(pairs)
    league_of = {r.code: _league_code(r) for r in Region.objects.all()}
    for pair in pairs:
        per_league: dict[str, int] = defaultdict(int)
        for code, n in by_region[pair].items():
            if code and league_of[code]:
                per_league[league_of[code]] += n
        assert sum(by_region[pair].values()) == naive[pair][None], pair
        assert per_league == {k: v for k, v in naive[pair].items() if k and v}, pair


def test_the_registers_querysets_and_the_conditions_agree_with_the_recount(history):
    days = history[::3]
    naive = naive_counts(days)
    hohhot = Region.objects.get(code="150100")
    for name, metric in METRICS.items():
        for d in days:
            assert metric.count(as_of=d) == metric.count_by_condition(as_of=d) == naive[(name, d)][None], (name, d)
            assert metric.count(as_of=d, region=hohhot) == naive[(name, d)]["150100"], (name, d)


def test_the_engine_tables_equal_the_recount(history):
    plan = PlanFactory(period_start=D(2015, 1, 1), period_end=D(2020, 12, 31))
    targets = [
        TargetFactory(plan=plan, registry=True, metric=name, deadline=D(2020, 12, 31), value=Decimal(10))
        for name in METRICS
    ]
    days = year_ends(plan.period_start, D(2022, 7, 1))
    naive = naive_counts([*days, plan.period_start])
    series = yearly_series(plan, until=D(2022, 7, 1))
    assert {t.metric: [v for _, v in series[t.pk]] for t in targets} == {
        t.metric: [naive[(t.metric, d)][None] for d in days] for t in targets
    }
    baotou = Region.objects.get(code="150200")
    series = yearly_series(plan, until=D(2022, 7, 1), league=baotou, targets=targets)
    assert {t.metric: [v for _, v in series[t.pk]] for t in targets} == {
        t.metric: [naive[(t.metric, d)]["150200"] for d in days] for t in targets
    }
    table = league_table(plan, as_of=D(2022, 7, 1))
    assert [league.code for league in table.leagues] == list(Region.objects.leagues().values_list("code", flat=True))
    for row in table.rows:
        pair = (row.target.metric, D(2022, 7, 1))
        assert row.total == naive[pair][None]
        assert {c.league.code: c.value for c in row.cells} == {
            league.code: naive[pair][league.code] for league in table.leagues
        }
        assert {c.league.code: c.baseline for c in row.cells} == {
            league.code: naive[(row.target.metric, plan.period_start)][league.code] for league in table.leagues
        }
    statuses = {s.target.metric: s for s in target_statuses(plan, as_of=D(2022, 7, 1), league=baotou)}
    assert {m: s.value for m, s in statuses.items()} == {m: naive[(m, D(2022, 7, 1))]["150200"] for m in METRICS}


def test_every_metric_is_a_known_register_family():
    assert {m.family for m in METRICS.values()} == {
        "brands.brand",
        "brands.trademark",
        "geo_indications.giproduct",
        "certifications.certification",
        "certifications.demonstrationzone",
    }
    # A certification's region is its holder's, stored on the certification (tests/test_holder_region.py).
    assert get_metric("certifications_low_carbon_enterprises").region_field == "region"
