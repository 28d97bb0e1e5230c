"""Fill a PostgreSQL database with the reference data and a synthetic registry at scale (DESIGN section 9).

    createdb -h 127.0.0.1 -U postgres registry_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/generate.py [--scale 1.0] [--reset] [--seed 2015]

At scale 1: 50,000 enterprises, 100,000 brands, 1,000,000 certifications, 30,000 trademarks, 3,000
demonstration zones, 600 GI products with 10,000 authorised mark users, 5,000 brand-recognition
applications with their decision history, allocations of the current plan's registry targets to every
league/city and yearly measurements of its reported targets. Records are spread over every county
(weighted, so leagues/cities differ in size) and over 2015..today, with status mixes that follow the
rules of decision 0002 (recognised, lapsed, suspended, revoked, cancelled ...).

Rows go in through PostgreSQL COPY (psycopg's ``cursor.copy()``), with ids assigned here and the
sequences moved past them; the reference data goes through the project's own loaders (the
``load_reference`` command). SQLite is refused. ``--reset`` empties the registers first (TRUNCATE ...
CASCADE, which also empties the tables that refer to them: users, audit events, awards), and is refused
on a database whose name does not contain "bench" unless ``--force``; without it, a second run adds
as many rows again (names and numbers follow the ids).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.utils import timezone  # noqa: E402

from awards.models import Application, AwardProgramme, Decision  # noqa: E402
from awards.workflow import State  # noqa: E402
from brands.models import Brand, BrandStatus, Trademark, TrademarkStatus, TrademarkTier  # noqa: E402
from certifications.models import (  # noqa: E402
    Certification,
    CertificationKind,
    DemonstrationZone,
    ZoneKind,
    ZoneStage,
)
from core.models import Enterprise, Industry, Region, RegionLevel, Role, User  # noqa: E402
from core.validators import uscc_check_character  # noqa: E402
from geo_indications.models import GIMarkUser, GIProduct, ProtectionType  # noqa: E402
from targets.models import MeasuredBy, Measurement, Plan, RegionalAllocation  # noqa: E402

FIRST_DAY = datetime.date(2015, 1, 1)
BASE = {
    Enterprise: 50_000,
    Brand: 100_000,
    Certification: 1_000_000,
    Trademark: 30_000,
    DemonstrationZone: 3_000,
    GIProduct: 600,
    GIMarkUser: 10_000,
    Application: 5_000,
}
# Kind -> (share of certificates, years of validity, first year issued, last year issued or None for today).
CERT_KINDS = {
    CertificationKind.ORGANIC: (0.08, 1, 2015, None),
    CertificationKind.GREEN_FOOD: (0.22, 3, 2015, None),
    CertificationKind.POLLUTION_FREE: (0.10, 3, 2015, 2018),  # the scheme closed in 2018
    CertificationKind.LOW_CARBON: (0.03, 3, 2016, None),
    CertificationKind.CCC: (0.25, 5, 2015, None),
    CertificationKind.QMS: (0.20, 3, 2015, None),
    CertificationKind.EMS: (0.08, 3, 2015, None),
    CertificationKind.OTHER: (0.04, 3, 2015, None),
}


class Copier:
    """COPY rows of a model into its table, filling the columns not given with their defaults."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        # The ids are consistent by construction: skip the per-row foreign-key triggers while loading
        # (superuser only; the constraints stay declared and the benchmark never writes through them). This
        # also silences the registry-version triggers: the version is changed once at the end.
        with self.raw.cursor() as cur:
            cur.execute("SET session_replication_role = replica")
        self.now = timezone.now()
        self.total_rows = 0
        self.total_seconds = 0.0

    def _defaults(self, model: type[models.Model], given: Sequence[str]) -> tuple[list[str], tuple]:
        columns, values = [], []
        for field in model._meta.concrete_fields:
            if field.name in given or field.attname in given or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            elif isinstance(field, models.CharField | models.TextField | models.FileField):
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{field.name} needs a value")
            columns.append(field.column)
            values.append(value)
        return columns, tuple(values)

    def copy(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
        meta = model._meta
        given = [meta.get_field(f).column if f != "id" else "id" for f in fields]
        extra_columns, extra = self._defaults(model, fields)
        columns = [*given, *extra_columns]
        with self.raw.cursor() as cur:  # binary COPY needs every column's type (4-6 x faster than text here)
            cur.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [meta.db_table],
            )
            oids = dict(cur.fetchall())
        started, n = time.perf_counter(), 0
        names = ", ".join(f'"{c}"' for c in columns)
        with (
            self.raw.cursor() as cur,
            cur.copy(f'COPY "{meta.db_table}" ({names}) FROM STDIN (FORMAT BINARY)') as copy,
        ):
            copy.set_types([oids[c] for c in columns])
            for row in rows:
                copy.write_row(row + extra)
                n += 1
        self.raw.commit()
        seconds = time.perf_counter() - started
        self.total_rows += n
        self.total_seconds += seconds
        rate = n / max(seconds, 1e-9)
        print(f"  {meta.db_table:40} {n:>10,} rows {seconds:7.2f} s {rate:>10,.0f} rows/s", flush=True)
        return n


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1


def reset_sequences(tables: Iterable[str]) -> None:
    with connection.cursor() as cur:
        for table in tables:
            # Table names come from the models, never from input.
            highest = f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1'  # noqa: S608
            cur.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), {highest}, false)", [table])


class World:
    def __init__(self, scale: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.counts = {model: max(1, round(n * scale)) for model, n in BASE.items()}
        counties = list(Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent"))
        if not counties:
            raise SystemExit("No regions: the reference data did not load.")
        # Leagues/cities of different sizes: a weight per league, shared by its counties.
        league_weight = {c.parent_id: self.rng.uniform(0.3, 3.0) for c in counties}
        self.counties = counties
        self.county_weights = [league_weight[c.parent_id] * self.rng.uniform(0.5, 1.5) for c in counties]
        self.leagues = sorted({c.parent_id for c in counties})
        self.league_weight = league_weight
        self.enterprise_region: list[str] = []  # index = enterprise id - first id
        self.first_enterprise = 0
        self.cultivating_brands: list[tuple[int, int]] = []  # (brand id, enterprise id)

    def day(self, first: datetime.date = FIRST_DAY, last: datetime.date | None = None) -> datetime.date:
        last = last or self.today
        span = max((last - first).days, 0)
        return first + datetime.timedelta(days=self.rng.randint(0, span))

    def between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return self.day(first, max(first, min(last, self.today)))

    # --- enterprises -----------------------------------------------------------------------------------------

    def enterprises(self, first: int) -> Iterator[tuple]:
        n = self.counts[Enterprise]
        self.first_enterprise = first
        regions = self.rng.choices(self.counties, weights=self.county_weights, k=n)
        industries = Industry.values
        for i, region in enumerate(regions):
            body = f"91{region.code}{700_000_000 + self.first_enterprise + i:09d}"
            self.enterprise_region.append(region.code)
            yield (
                self.first_enterprise + i,
                f"基准企业{first + i:06d}有限公司",
                body + uscc_check_character(body),
                region.code,
                self.rng.choice(industries),
                "A" if self.rng.random() < 0.9 else self.rng.choice("BCD"),
            )

    def enterprise(self) -> tuple[int, str]:
        i = self.rng.randrange(len(self.enterprise_region))
        return self.first_enterprise + i, self.enterprise_region[i]

    # --- brands and trademarks -------------------------------------------------------------------------------

    def brands(self, first: int) -> Iterator[tuple]:
        league_of = {c.code: c.parent_id for c in self.counties}
        for i in range(self.counts[Brand]):
            enterprise_id, region = self.enterprise()
            if self.rng.random() < 0.05:
                region = league_of[region]  # a brand registered at league/city level
            r = self.rng.random()
            recognised = suspended = revoked = valid_until = None
            if r < 0.35:
                status = BrandStatus.CULTIVATING
                self.cultivating_brands.append((first + i, enterprise_id))
            else:
                recognised = self.day()
                valid_until = recognised + datetime.timedelta(days=3 * 365)
                status = BrandStatus.RECOGNISED
                if r < 0.38:
                    status, suspended = BrandStatus.SUSPENDED, self.between(recognised, valid_until)
                elif r < 0.40:
                    status, revoked = BrandStatus.REVOKED, self.between(recognised, valid_until)
                elif valid_until < self.today and self.rng.random() < 0.6:
                    status = BrandStatus.EXPIRED  # closed after re-examination; the rest still say recognised
            yield (
                first + i,
                f"基准品牌{first + i:06d}",
                enterprise_id,
                self.rng.choice(("product", "product", "enterprise", "regional")),
                region,
                status,
                recognised,
                valid_until,
                suspended,
                revoked,
            )

    def trademarks(self, first: int) -> Iterator[tuple]:
        for i in range(self.counts[Trademark]):
            enterprise_id, region = self.enterprise()
            if self.rng.random() < 0.1:
                enterprise_id, region = None, None  # owner known only by name
            r = self.rng.random()
            tier, recognised, until = TrademarkTier.REGISTERED, None, None
            if r < 0.08:
                tier, recognised = TrademarkTier.FAMOUS, self.day(datetime.date(2012, 1, 1))
                until = recognised + datetime.timedelta(days=3 * 365)
            elif r < 0.10:
                tier, recognised = TrademarkTier.WELL_KNOWN, self.day(datetime.date(2008, 1, 1))
            status = self.rng.choices(TrademarkStatus.values, weights=(90, 7, 3))[0]
            registered = self.day(datetime.date(2005, 1, 1))
            yield (
                first + i,
                f"{20_000_000 + first + i}",
                f"基准商标{first + i:06d}",
                enterprise_id,
                "" if enterprise_id else f"基准商标持有人{i}",
                region,
                registered,
                registered + datetime.timedelta(days=10 * 365),
                status,
                tier,
                recognised,
                until,
            )

    # --- certifications --------------------------------------------------------------------------------------

    def certifications(self, first: int) -> Iterator[tuple]:
        kinds = list(CERT_KINDS)
        weights = [CERT_KINDS[k][0] for k in kinds]
        rng = self.rng
        for i, kind in enumerate(rng.choices(kinds, weights=weights, k=self.counts[Certification])):
            _share, years, first_year, last_year = CERT_KINDS[kind]
            last = datetime.date(last_year, 12, 31) if last_year else self.today
            issued = self.day(datetime.date(first_year, 1, 1), last)
            expires = issued + datetime.timedelta(days=365 * years - 1)
            status, reason = "valid", ""
            suspended_on = suspended_until = revoked_on = cancelled_on = None
            r = rng.random()
            if r < 0.02:
                status, revoked_on, reason = "revoked", self.between(issued, expires), "监督抽查不合格"
            elif r < 0.05:
                status, cancelled_on = "cancelled", self.between(issued, expires)
            elif r < 0.07:
                status, suspended_on = "suspended", self.between(issued, expires)
                if rng.random() < 0.7:
                    suspended_until = suspended_on + datetime.timedelta(days=rng.randint(30, 180))
            holder, holder_region = self.enterprise()
            yield (
                first + i,
                kind,
                f"B{kind[:3].upper()}{first + i:09d}",
                holder,
                "基准产品",
                "基准认证机构",
                issued,
                expires,
                status,
                suspended_on,
                suspended_until,
                revoked_on,
                reason,
                cancelled_on,
                holder_region,
            )

    # --- zones and GI ----------------------------------------------------------------------------------------

    def zones(self, first: int) -> Iterator[tuple]:
        for i in range(self.counts[DemonstrationZone]):
            region = self.rng.choices(self.counties, weights=self.county_weights)[0]
            code = region.code if self.rng.random() < 0.6 else region.parent_id
            applied = self.day()
            stage = self.rng.choices(ZoneStage.values, weights=(20, 20, 10, 45, 5))[0]
            approved = self.between(applied, applied + datetime.timedelta(days=400)) if stage != "applied" else None
            named = revoked = None
            if stage in (ZoneStage.NAMED, ZoneStage.REVOKED):
                named = self.between(approved, approved + datetime.timedelta(days=900))
            if stage == ZoneStage.REVOKED:
                revoked = self.between(named, named + datetime.timedelta(days=1500))
            kind = self.rng.choice(ZoneKind.values)
            yield (
                first + i,
                f"基准示范区{first + i:05d}",
                kind,
                code,
                "基准牵头单位",
                stage,
                applied,
                approved,
                named,
                revoked,
            )

    def gi_products(self, first: int) -> Iterator[tuple]:
        self.first_gi = first
        for i in range(self.counts[GIProduct]):
            region = self.rng.choices(self.counties, weights=self.county_weights)[0]
            announced = self.day(datetime.date(2005, 1, 1)) if self.rng.random() < 0.8 else None
            year = None if announced else self.rng.randint(2005, self.today.year)
            revoked = self.between(announced, self.today) if announced and self.rng.random() < 0.03 else None
            yield (
                first + i,
                f"基准地标{first + i:04d}",
                self.rng.choice(ProtectionType.values),
                region.parent_id if self.rng.random() < 0.5 else region.code,
                announced,
                year,
                "revoked" if revoked else "protected",
                revoked,
            )

    def gi_mark_users(self) -> Iterator[tuple]:
        seen: set[tuple[int, int]] = set()
        while len(seen) < self.counts[GIMarkUser]:
            pair = (self.first_gi + self.rng.randrange(self.counts[GIProduct]), self.enterprise()[0])
            if pair in seen:
                continue
            seen.add(pair)
            yield (*pair, "authorised", self.day())


def application_rows(world: World, user_id: int, committee_id: int) -> tuple[list[tuple], list[tuple]]:
    """Brand-recognition applications in every state, with the decisions that got them there."""
    programme = AwardProgramme.objects.get(code="brand-recognition")
    first, rng = next_id(Application), world.rng
    paths = {
        State.SUBMITTED: [],
        State.EXPERT_REVIEW: [State.EXPERT_REVIEW],
        State.COMMITTEE_REVIEW: [State.EXPERT_REVIEW, State.COMMITTEE_REVIEW],
        State.MORE_INFORMATION: [State.EXPERT_REVIEW, State.MORE_INFORMATION],
        State.PUBLIC_NOTICE: [State.EXPERT_REVIEW, State.COMMITTEE_REVIEW, State.PUBLIC_NOTICE],
        State.GRANTED: [State.EXPERT_REVIEW, State.COMMITTEE_REVIEW, State.PUBLIC_NOTICE, State.GRANTED],
        State.REJECTED: [State.EXPERT_REVIEW, State.REJECTED],
        State.WITHDRAWN: [State.WITHDRAWN],
        State.DRAFT: [],
    }
    weights = {"submitted": 4, "expert_review": 6, "committee_review": 3, "more_information": 2}
    weights |= {"public_notice": 2, "granted": 45, "rejected": 25, "withdrawn": 8, "draft": 5}
    brands = world.cultivating_brands[:]
    rng.shuffle(brands)
    apps, decisions = [], []
    now = timezone.now()
    for i in range(min(world.counts[Application], len(brands))):
        state = rng.choices(list(weights), weights=list(weights.values()))[0]
        brand_id, enterprise_id = brands[i]
        submitted = None if state == State.DRAFT else now - datetime.timedelta(days=rng.randint(1, 2000))
        apps.append((first + i, programme.pk, enterprise_id, brand_id, state, user_id, submitted))
        before = State.SUBMITTED
        for after in paths[State(state)]:
            if after != State.WITHDRAWN:
                decisions.append((first + i, "bench", before, after, committee_id, now))
            before = after
    return apps, decisions


def plan_rows(world: World) -> tuple[list[tuple], list[tuple]]:
    """Allocations of the current plan's registry targets to every league/city, in proportion to its size,
    and yearly measurements of its reported targets, for the region and each league/city."""
    plan = Plan.objects.current()
    allocations, measurements = [], []
    if plan is None:
        return allocations, measurements
    total = sum(world.league_weight.values())
    for target in plan.targets.all():
        if target.measured_by == MeasuredBy.REGISTRY:
            for league in world.leagues:
                share = target.value * Decimal(world.league_weight[league] / total)
                allocations.append((target.pk, league, share.quantize(Decimal("0.01"))))
            continue
        for year in range(plan.period_start.year - 1, world.today.year):
            for region in [None, *world.leagues]:
                value = min(Decimal(100), target.value * Decimal(world.rng.uniform(0.9, 1.05)))
                if target.unit != "percent":
                    value = target.value * Decimal(world.rng.uniform(0.5, 1.1))
                measurements.append(
                    (target.pk, value.quantize(Decimal("0.01")), datetime.date(year, 12, 31), "基准年报", region)
                )
    return allocations, measurements


REGISTER_TABLES = [
    Certification,
    Trademark,
    Brand,
    DemonstrationZone,
    GIMarkUser,
    GIProduct,
    Enterprise,
    Application,
    Decision,
    RegionalAllocation,
    Measurement,
]


def reset() -> None:
    tables = ", ".join(f'"{m._meta.db_table}"' for m in REGISTER_TABLES)
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {tables} CASCADE")
    print("registers emptied (TRUNCATE ... CASCADE)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every row count (default 1.0)")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--reset", action="store_true", help="empty the registers first")
    parser.add_argument("--force", action="store_true", help="allow --reset on a database not named *bench*")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        print("bench/generate.py needs PostgreSQL: set DATABASE_URL=postgres://... (SQLite is refused).")
        return 2
    name = connection.settings_dict["NAME"]
    if args.reset and "bench" not in name and not args.force:
        print(f"Refusing to empty {name!r}: its name does not contain 'bench' (use --force).")
        return 2
    started = time.perf_counter()
    if args.reset:
        reset()
    call_command("load_reference", stdout=io.StringIO())
    print(f"reference data loaded ({Region.objects.count()} regions); database {name}, scale {args.scale}")
    world = World(args.scale, args.seed)
    copier = Copier()
    # Ids are taken before each COPY: no other statement may run on the connection while one is open.
    copier.copy(
        Enterprise, ["id", "name", "uscc", "region", "industry", "credit_grade"], world.enterprises(next_id(Enterprise))
    )
    copier.copy(
        Brand,
        [
            *("id", "name", "enterprise", "kind", "region", "status"),
            *("recognised_on", "valid_until", "suspended_on", "revoked_on"),
        ],
        world.brands(next_id(Brand)),
    )
    copier.copy(
        Trademark,
        [
            *("id", "registration_number", "mark_text", "enterprise", "owner_name", "region"),
            *("registered_on", "expires_on", "status", "tier", "tier_recognised_on", "tier_valid_until"),
        ],
        world.trademarks(next_id(Trademark)),
    )
    copier.copy(
        Certification,
        [
            *("id", "kind", "certificate_number", "enterprise", "product", "certifying_body", "issued_on"),
            *("expires_on", "status", "suspended_on", "suspended_until", "revoked_on", "revocation_reason"),
            *("cancelled_on", "region"),  # the holder's (the replica role silences the trigger that would set it)
        ],
        world.certifications(next_id(Certification)),
    )
    copier.copy(
        DemonstrationZone,
        ["id", "name", "kind", "region", "lead_body", "stage", "applied_on", "approved_on", "named_on", "revoked_on"],
        world.zones(next_id(DemonstrationZone)),
    )
    copier.copy(
        GIProduct,
        ["id", "name_zh", "protection_type", "region", "announced_on", "year", "status", "revoked_on"],
        world.gi_products(next_id(GIProduct)),
    )
    copier.copy(GIMarkUser, ["gi_product", "enterprise", "status", "authorised_on"], world.gi_mark_users())
    applicant, _ = User.objects.get_or_create(username="bench-applicant", defaults={"role": Role.ENTERPRISE})
    committee, _ = User.objects.get_or_create(username="bench-committee", defaults={"role": Role.COMMITTEE})
    apps, decisions = application_rows(world, applicant.pk, committee.pk)
    copier.copy(Application, ["id", "programme", "enterprise", "brand", "state", "created_by", "submitted_at"], apps)
    copier.copy(Decision, ["application", "action", "from_state", "to_state", "decided_by", "decided_at"], decisions)
    allocations, measurements = plan_rows(world)
    RegionalAllocation.objects.filter(target__plan=Plan.objects.current()).delete()
    copier.copy(RegionalAllocation, ["target", "region", "value"], allocations)
    Measurement.objects.filter(source="基准年报").delete()
    copier.copy(Measurement, ["target", "value", "measured_on", "source", "region"], measurements)
    reset_sequences(m._meta.db_table for m in REGISTER_TABLES)
    # The replica role also kept the registry-version triggers quiet: cached progress figures must go.
    with connection.cursor() as cur:
        cur.execute("UPDATE targets_registryversion SET version = nextval('targets_registry_version_seq') WHERE id = 1")
    print(
        f"copied {copier.total_rows:,} rows in {copier.total_seconds:.1f} s "
        f"({copier.total_rows / max(copier.total_seconds, 1e-9):,.0f} rows/s, generation included)"
    )
    analyse_started = time.perf_counter()
    with connection.cursor() as cur:
        for model in REGISTER_TABLES:
            cur.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
    print(f"VACUUM ANALYZE {time.perf_counter() - analyse_started:.1f} s; total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
