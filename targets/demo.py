"""Deterministic demo data: enterprises, brands, trademarks, certifications, zones, GI mark users,
measurements of reported targets, and one account per role.

Every value is drawn from ``random.Random(2015)`` in a fixed order, so each run builds the same
records, and each record is upserted on its natural key, so a second run changes nothing. Dates are
of two sorts: historical ones are fixed (before ``DEMO_EPOCH``); those that decide whether something
is in force *now* (a current recognition, a valid certificate) are offsets back from today, so the
demo looks right whenever it is loaded. Identifiers (USCCs, certificate and registration numbers)
never depend on today, and the random stream is consumed the same way whatever today is.
"""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from awards.certificates.models import Certificate
from awards.models import Application
from brands.models import Brand, BrandEvaluation, BrandKind, BrandStatus, NiceClass, Trademark, TrademarkStatus
from brands.models import TrademarkTier as Tier
from certifications.models import Certification, DemonstrationZone, ZoneKind, ZoneLevel, ZoneStage
from certifications.models import CertificationKind as CK
from certifications.models import CertificationStatus as CS
from core.models import (
    CreditRecord,
    CreditRecordKind,
    CreditRecordSeverity,
    Enterprise,
    Region,
    RegionLevel,
    Role,
    User,
)
from core.models import Industry as Ind
from core.validators import USCC_ALPHABET, uscc_check_character
from geo_indications.models import GIMarkUser, GIMarkUserStatus, GIProduct
from targets.demo_vocabulary import (
    ACCOUNTS,
    AREA_CODES,
    BRAND_SUFFIXES,
    CCC_PRODUCTS,
    CERT_PLAN,
    COMMENDATIONS,
    FOOD,
    FORMS,
    GIVEN,
    LEAGUE_FOCUS,
    MEASURED,
    PROFILES,
    REGISTRATION_NUMBERS,
    REVOCATION_REASONS,
    STREETS,
    SURNAMES,
    TRADE_WORDS,
    VIOLATIONS,
    ZONE_PLAN,
)
from targets.demo_workflow import build_workflow
from targets.models import Measurement, Plan

SEED = 2015
DEMO_EPOCH = datetime.date(2026, 1, 1)  # fixed dates fall before it; identifiers are derived from it
DEMO_PASSWORD = "nmg-demo-2015"  # noqa: S105 - published dev password; load_demo refuses to run with DEBUG off
DAY = datetime.timedelta(days=1)


class MissingReferenceData(Exception):
    """The reference data (regions, Nice classes, GI sample, plans) has not been loaded."""


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def term_end(start: datetime.date, years: int) -> datetime.date:
    """Last day of a term of ``years`` from ``start`` (recognised 2025-03-01: valid until 2028-02-29)."""
    return add_years(start, years) - DAY


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class DemoResult:
    today: datetime.date
    tallies: dict[str, Tally] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, scope
    certificates: list[tuple[str, str, str]] = field(default_factory=list)  # number, status, holder


@dataclass
class _Ent:
    obj: Enterprise
    word: str  # the trade name inside the company name, reused for its brands
    products: list[str]
    gi: GIProduct | None = None
    association: bool = False


def _validated(obj: models.Model) -> models.Model:
    """Field validators and ``clean()``, without full_clean's per-row queries (FK existence, uniqueness)."""
    obj.clean_fields(exclude=[f.name for f in obj._meta.concrete_fields if f.is_relation])
    obj.clean()
    return obj


def _upsert(model: type[models.Model], rows: list, key: tuple[str, ...], scope: models.QuerySet) -> tuple[Tally, dict]:
    """Create missing rows and update changed ones, matched on ``key``; return the tally and key -> pk."""
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if not (f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]
    keys = [tuple(getattr(o, k) for k in key) for o in rows]
    if len(set(keys)) != len(keys):
        raise ValueError(f"Demo {model._meta.verbose_name_plural}: duplicate natural keys {key}")
    existing = {tuple(getattr(o, k) for k in key): o for o in scope}
    new, changed, changed_fields, tally = [], [], set(), Tally()
    for obj, k in zip(rows, keys, strict=True):
        old = existing.get(k)
        if old is None:
            new.append(obj)
            continue
        obj.pk = old.pk
        if differing := {n for n in names if getattr(obj, n) != getattr(old, n)}:
            changed.append(obj)
            changed_fields |= differing
        else:
            tally.unchanged += 1
    model.objects.bulk_create(new, batch_size=500)
    if changed:
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            now = timezone.now()
            for obj in changed:
                obj.updated_at = now
            changed_fields.add("updated_at")
        # Only the fields that changed: bulk_update writes a CASE expression per field and row.
        model.objects.bulk_update(changed, sorted(changed_fields), batch_size=500)
    tally.created, tally.updated = len(new), len(changed)
    return tally, {tuple(getattr(o, k) for k in key): o.pk for o in scope.all()}


class _Demo:
    def __init__(self, today: datetime.date) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - reproducible demo content, not security
        self.today, self.result = today, DemoResult(today=today)
        self.serials: dict[tuple, int] = {}
        self.usccs: set[str] = set()
        self.regions = {r.code: r for r in Region.objects.all()}
        self.leagues = sorted(c for c, r in self.regions.items() if r.level == RegionLevel.PREFECTURE)
        self.counties = {lg: sorted(c for c, r in self.regions.items() if r.parent_id == lg) for lg in self.leagues}
        if len(self.leagues) < 12 or sum(map(len, self.counties.values())) < 103:
            raise MissingReferenceData("the regions (GB/T 2260 tree)")
        self.gi_products = sorted(GIProduct.objects.all(), key=lambda g: (g.name_zh, g.protection_type))
        self.plan = Plan.objects.filter(code="plan-2015").first()
        if not self.gi_products or NiceClass.objects.count() < 45 or self.plan is None:
            raise MissingReferenceData("the Nice classes, the GI product sample or the 2015 plan")

    # -- helpers ---------------------------------------------------------------------------------
    def day_in(self, first_year: int, last_year: int, *, growing: bool = False) -> datetime.date:
        """A day in the years given; ``growing``: more of them in later years, as registers grow."""
        start, u = datetime.date(first_year, 1, 1), self.rng.random()
        return start + int((u**0.5 if growing else u) * ((datetime.date(last_year, 12, 31) - start).days + 1)) * DAY

    def ago(self, days: int) -> datetime.date:
        return self.today - days * DAY

    def spread(self, weights: dict, n: int) -> list:
        """``n`` values drawn by weight, every value at least once, in shuffled order."""
        values = [*weights, *self.rng.choices(list(weights), weights=list(weights.values()), k=n - len(weights))]
        self.rng.shuffle(values)
        return values

    def serial(self, key: tuple, start: int = 1) -> int:
        self.serials[key] = self.serials.get(key, start) + self.rng.randint(1, 9)
        return self.serials[key]

    def uscc(self, county: str, category: str) -> str:
        """Category, county code, a GB 11714 organisation code (with its own check) and the check character."""
        if self.rng.random() < 0.4:  # registered before 2015: a numeric organisation code
            org = "".join(self.rng.choice("0123456789") for _ in range(8))
        else:
            org = "MA0" + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(5))
        total = sum(int(ch, 36) * w for ch, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        body = f"{category}{county}{org}{'0123456789X0'[11 - total % 11]}"
        code = body + uscc_check_character(body)
        if code in self.usccs:
            return self.uscc(county, category)
        self.usccs.add(code)
        return code

    def tally(self, label: str, tally: Tally) -> None:
        self.result.tallies[label] = tally

    # -- enterprises and their credit ------------------------------------------------------------
    def enterprise(self, county: str, industry: str, *, name: str = "", grade: str = "", category: str = "91") -> _Ent:
        """``category``: 91 company, 93 farmers' co-operative, 51 association (USCC positions 1-2)."""
        rng, region = self.rng, self.regions[county]
        league, profile, word = self.regions[region.parent_id], PROFILES[industry], rng.choice(TRADE_WORDS)
        if category == "93":
            raw = {Ind.DAIRY: "奶牛养殖", Ind.FOOD: "肉羊养殖"}.get(industry, rng.choice(("马铃薯", "杂粮")) + "种植")
            name = f"{region.name_zh}{word}{raw}农民专业合作社"
        elif not name:
            prefix = rng.choice(("内蒙古", league.name_zh, region.name_zh))
            name = f"{prefix}{word}{rng.choice(profile.nouns)}{rng.choice(FORMS)}"
        while name in self.names:  # a given name without the trade word gets a distinguishing suffix
            name = name.replace(word, word + rng.choice("源兴盛达"), 1) if word in name else f"{name}{len(self.names)}"
        self.names.add(name)
        obj = Enterprise(
            name=name,
            uscc=self.uscc(county, category),
            region=region,
            industry=industry,
            address=f"{league.name_zh}{region.name_zh}{rng.choice(STREETS)}{rng.randint(1, 299)}号",
            contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            contact_phone=f"{AREA_CODES[league.code]}-{rng.randint(2000000, 6999999)}",
            contact_email=f"contact{len(self.ents) + 1:03d}@example.cn",
            credit_grade=grade or rng.choices("ABCD", weights=(62, 28, 6, 4))[0],
        )
        ent = _Ent(_validated(obj), word, rng.sample(profile.products, 2))
        self.ents.append(ent)
        return ent

    def any_enterprise(self, league: str, county: str | None = None) -> _Ent:
        weights = [p.weight + (40 if ind in LEAGUE_FOCUS[league] else 0) for ind, p in PROFILES.items()]
        industry = self.rng.choices(list(PROFILES), weights=weights)[0]
        coop = industry in FOOD and self.rng.random() < 0.1
        county = county or self.rng.choice(self.counties[league])
        return self.enterprise(county, industry, category="93" if coop else "91")

    @staticmethod
    def gi_industry(gi: GIProduct) -> str:
        pairs = (("纺织", Ind.TEXTILE), ("乳", Ind.DAIRY), ("药", Ind.MEDICINE), ("畜", Ind.FOOD), ("酒", Ind.FOOD))
        return next((industry for keyword, industry in pairs if keyword in gi.category), Ind.AGRICULTURE)

    def build_enterprises(self) -> None:
        rng, self.ents, self.names = self.rng, [], set()
        self.demo_ent = self.enterprise("150105", Ind.DAIRY, name="呼和浩特市敕勒川乳业有限公司", grade="A")
        self.demo_ent.products, self.demo_ent.word = ["纯牛奶", "酸奶", "奶酪"], "敕勒川"
        # Regional public brands are held by industry associations (social organisations: USCC 51...).
        unique_names = sorted({g.name_zh: g for g in self.gi_products}.values(), key=lambda g: g.name_zh)
        for gi in rng.sample(unique_names, 16):
            region = self.regions[gi.region_id]
            county = gi.region_id if region.level == RegionLevel.COUNTY else self.counties[region.code][0]
            product = gi.name_zh.removeprefix(region.name_zh).removeprefix(region.name_zh.rstrip("市盟旗县区"))
            name = f"{region.name_zh}{product}产业协会"
            ent = self.enterprise(county, self.gi_industry(gi), name=name, grade="A", category="51")
            ent.gi, ent.association = gi, True
        for gi in self.gi_products:  # producers authorised to use the GI special mark, in its area
            region = self.regions[gi.region_id]
            for _ in range(rng.choice((1, 2))):
                county = gi.region_id if region.level == RegionLevel.COUNTY else rng.choice(self.counties[region.code])
                ent = self.enterprise(county, self.gi_industry(gi), category="93" if rng.random() < 0.15 else "91")
                ent.gi, ent.products = gi, [gi.name_zh, *ent.products]
        covered = {e.obj.region_id for e in self.ents}
        for league in self.leagues:  # at least one enterprise in every county-level region
            for county in self.counties[league]:
                if county not in covered:
                    self.any_enterprise(league, county)
        while len(self.ents) < 256:
            self.any_enterprise(
                rng.choices(self.leagues, weights=[len(self.counties[lg]) + 6 for lg in self.leagues])[0]
            )
        objs = [e.obj for e in self.ents]
        tally, pks = _upsert(Enterprise, objs, ("uscc",), Enterprise.objects.filter(uscc__in=[o.uscc for o in objs]))
        for obj in objs:
            obj.pk = pks[(obj.uscc,)]
        self.tally("enterprises", tally)

    def build_credit_records(self) -> None:
        """A and B mostly clean (some commendations); C with violations; D with an open serious one."""
        rng, rows = self.rng, []
        for ent in self.ents:
            e, draw, day = ent.obj, rng.random(), self.day_in(2019, 2025)
            closed_on = min(day + rng.randint(30, 200) * DAY, DEMO_EPOCH)
            record = CreditRecord(enterprise=e, kind=CreditRecordKind.VIOLATION, recorded_on=day, closed_on=closed_on)
            record.authority = f"{self.regions[e.region.parent_id].name_zh}市场监督管理局"
            if e.credit_grade == "D" or (e.credit_grade == "C" and draw < 0.5):
                record.severity = CreditRecordSeverity.SERIOUS
                record.closed_on = closed_on if e.credit_grade == "C" else None
            elif e.credit_grade in "BC" and draw < 0.6:
                record.severity = CreditRecordSeverity.MINOR
                record.closed_on = closed_on if draw < 0.4 else None
            elif e.credit_grade == "A" and draw < 0.25:
                record.kind, record.closed_on = CreditRecordKind.COMMENDATION, None
                record.authority = "内蒙古自治区市场监督管理局"
            else:
                continue
            pool = COMMENDATIONS if record.kind == CreditRecordKind.COMMENDATION else VIOLATIONS[record.severity]
            record.description = rng.choice(pool)
            rows.append(_validated(record))
        scope = CreditRecord.objects.filter(enterprise__in=[e.obj for e in self.ents])
        self.tally("credit records", _upsert(CreditRecord, rows, ("enterprise_id", "kind", "recorded_on"), scope)[0])

    # -- brands, trademarks, evaluations ---------------------------------------------------------
    def brand_dates(self, intent: str) -> dict:
        rng = self.rng
        offset, lapse, revoked_after = rng.randint(20, 1060), rng.randint(1100, 1300), rng.randint(120, 900)
        fixed = self.day_in(2015, 2022, growing=True)
        if intent == "cultivating":
            return {"status": BrandStatus.CULTIVATING}
        start = {"recognised": self.ago(offset), "suspended": self.ago(max(offset, 200)), "lapsed": self.ago(lapse)}
        start = start.get(intent, fixed)  # expired and revoked: fixed historical dates
        return {
            # "lapsed": still recognised, but its term is over and re-examination is pending (shown as expired)
            "status": BrandStatus.RECOGNISED if intent == "lapsed" else intent,
            "recognised_on": start,
            "valid_until": term_end(start, 3),
            "revoked_on": start + revoked_after * DAY if intent == "revoked" else None,
            "suspended_on": min(start + revoked_after * DAY, self.ago(30)) if intent == "suspended" else None,
        }

    def build_brands(self) -> None:
        rng, specs = self.rng, []  # (enterprise, name, kind, GI product, region)
        for ent in self.ents:
            e = ent.obj
            if ent.association:
                specs.append((ent, ent.gi.name_zh, BrandKind.REGIONAL, ent.gi, ent.gi.region_id))
                continue
            if ent.gi:
                specs.append((ent, f"{ent.word}牌{ent.gi.name_zh}", BrandKind.PRODUCT, ent.gi, e.region_id))
            elif rng.random() < 0.25:
                name = f"{ent.word}{PROFILES[e.industry].nouns[0]}"
                specs.append((ent, name, BrandKind.ENTERPRISE, None, e.region_id))
            else:
                specs.append((ent, f"{ent.word}{rng.choice(BRAND_SUFFIXES)}", BrandKind.PRODUCT, None, e.region_id))
            name = f"{rng.choice(TRADE_WORDS)}{rng.choice(BRAND_SUFFIXES)}"
            if (rng.random() < 0.35 or ent is self.demo_ent) and name != specs[-1][1]:
                specs.append((ent, name, BrandKind.PRODUCT, None, e.region_id))
        weights = {"cultivating": 18, "recognised": 48, "lapsed": 3, "expired": 20, "suspended": 6, "revoked": 5}
        self.brands: list[tuple[Brand, _Ent]] = []
        for (ent, name, kind, gi, region), intent in zip(specs, self.spread(weights, len(specs)), strict=True):
            if ent.association or ent is self.demo_ent:  # the demo account's first brand: recognised, then one to apply
                intent = "recognised" if ent.association or name.startswith("敕勒川") else "cultivating"
            elif ent.obj.credit_grade == "D" and intent != "cultivating":
                intent = "revoked"
            brand = Brand(name=name, enterprise=ent.obj, kind=kind, industry=ent.obj.industry, region_id=region)
            brand.gi_product, brand.description = gi, f"主要产品：{'、'.join(ent.products)}。"
            for attribute, value in self.brand_dates(intent).items():
                setattr(brand, attribute, value)
            self.brands.append((_validated(brand), ent))
        objs = [b for b, _ in self.brands]
        # A brand that has been through the workflow (demo applications) keeps the state the workflow gave
        # it: it is not written again. The generator's own objects stay as drawn, so that later draws
        # (trademarks, certifications) come out the same on every run.
        owned = {
            (enterprise, name): pk
            for enterprise, name, pk in Brand.objects.filter(applications__isnull=False)
            .distinct()
            .values_list("enterprise_id", "name", "pk")
        }
        scope = Brand.objects.filter(enterprise__in=[e.obj for e in self.ents]).exclude(pk__in=owned.values())
        tally, pks = _upsert(
            Brand, [b for b in objs if (b.enterprise_id, b.name) not in owned], ("enterprise_id", "name"), scope
        )
        tally.unchanged += len(owned)
        for b in objs:
            b.pk = owned.get((b.enterprise_id, b.name)) or pks[(b.enterprise_id, b.name)]
        self.tally("brands", tally)

    def registration_number(self, year: int) -> str:
        (y0, n0), (y1, n1) = next(p for p in itertools.pairwise(REGISTRATION_NUMBERS) if p[0][0] <= year <= p[1][0])
        number = n0 + (n1 - n0) * (year - y0) // (y1 - y0) + self.rng.randint(0, 400_000)
        while str(number) in self.tm_numbers:
            number += 1
        self.tm_numbers.add(str(number))
        return str(number)

    def build_trademarks(self) -> None:
        rng, rows, classes, self.tm_numbers = self.rng, [], {}, set()
        candidates = [(b, ent) for b, ent in self.brands if ent.association or rng.random() < 0.8]
        tiers = self.spread({Tier.REGISTERED: 76, Tier.FAMOUS: 20, Tier.WELL_KNOWN: 3}, len(candidates))
        for (brand, ent), tier in zip(candidates, tiers, strict=True):
            tier = Tier.REGISTERED if ent.association else tier
            old = tier != Tier.REGISTERED  # famous and well-known marks are older registrations
            registered = self.day_in(1996, 2010) if old else self.day_in(2003, 2024)
            renewed, cancelled = rng.random() < 0.85, rng.random() < 0.03
            terms = 1
            while renewed and term_end(registered, 10 * terms) < self.today:
                terms += 1
            expires = term_end(registered, 10 * terms)
            status = TrademarkStatus.EXPIRED if expires < self.today else TrademarkStatus.VALID
            last = 2017 if tier == Tier.FAMOUS else 2021
            recognised = self.day_in(max(registered.year + 1, 2006), last) if old else None
            authority = {Tier.FAMOUS: "内蒙古自治区工商行政管理局", Tier.REGISTERED: ""}.get(tier)
            if authority is None:  # well-known
                authority = "国家工商行政管理总局商标局" if recognised.year < 2018 else "国家知识产权局"
            tm = Trademark(
                registration_number=self.registration_number(registered.year),
                mark_text=brand.name,
                enterprise=ent.obj,
                region_id=ent.obj.region_id,
                brand=brand,
                registered_on=registered,
                expires_on=expires,
                status=TrademarkStatus.CANCELLED if cancelled and not old else status,
                tier=tier,
                tier_recognised_on=recognised,
                # Famous (provincial) recognitions lasted 3 years and are no longer awarded; well-known ones last.
                tier_valid_until=term_end(recognised, 3) if tier == Tier.FAMOUS else None,
                tier_authority=authority,
                source="演示数据（虚构）",
            )
            classes[tm.registration_number] = sorted(rng.sample(PROFILES[ent.obj.industry].nice, rng.randint(1, 3)))
            rows.append(_validated(tm))
        scope = Trademark.objects.filter(registration_number__in=[t.registration_number for t in rows])
        tally, pks = _upsert(Trademark, rows, ("registration_number",), scope)
        self.tally("trademarks", tally)
        through = Trademark.nice_classes.through
        wanted = {(pks[(number,)], c) for number, cs in classes.items() for c in cs}
        have = set(
            through.objects.filter(trademark_id__in={t for t, _ in wanted}).values_list("trademark_id", "niceclass_id")
        )
        through.objects.bulk_create([through(trademark_id=t, niceclass_id=c) for t, c in sorted(wanted - have)])
        for t, c in have - wanted:
            through.objects.filter(trademark_id=t, niceclass_id=c).delete()
        self.tally("trademark Nice classes", Tally(len(wanted - have), len(have - wanted), len(wanted & have)))

    def build_evaluations(self) -> None:
        rng, rows = self.rng, []
        recognised = [b for b, _ in self.brands if b.status == BrandStatus.RECOGNISED and b.kind != BrandKind.REGIONAL]
        for brand in rng.sample(recognised, 30):
            value = Decimal(rng.randint(8_000, 900_000))
            for year in sorted(rng.sample(range(2019, 2026), rng.randint(1, 3))):
                value = (value * Decimal(1 + rng.randint(3, 18) / 100)).quantize(Decimal("0.01"))
                evaluation = BrandEvaluation(brand=brand, year=year, value_cny_10k=value, rank=rng.randint(1, 600))
                evaluation.evaluator = "中国品牌建设促进会"
                rows.append(_validated(evaluation))
        scope = BrandEvaluation.objects.filter(brand__in=[b for b, _ in self.brands])
        self.tally("brand evaluations", _upsert(BrandEvaluation, rows, ("brand_id", "year", "evaluator"), scope)[0])

    # -- certifications --------------------------------------------------------------------------
    def cert_dates(self, intent: str, years: int, historical: tuple[int, int]) -> tuple[dict, datetime.date]:
        """Dates for a certificate, and the date its number is derived from (never today-dependent)."""
        rng, span, (first, last) = self.rng, years * 365, historical
        offset, pause, until = rng.randint(10, span - 90), rng.randint(5, 60), rng.randint(30, 180)
        after = rng.randint(30, span - 5)
        fixed = self.day_in(first, min(last, 2025 - years if intent in ("valid", "expired") else 2024), growing=True)
        current = intent in ("valid", "suspended") and last >= 2025
        if current:  # in force today: issued ``offset`` days ago (a suspended one a little longer)
            issued = self.ago(offset + (80 if intent == "suspended" else 0))
            nominal = DEMO_EPOCH - (self.today - issued)
        else:  # expired (status valid, expires_on in the past), revoked, cancelled, or pollution-free
            issued = nominal = fixed
        dates = {"issued_on": issued, "expires_on": term_end(issued, years)}
        stop = min(issued + after * DAY, DEMO_EPOCH - DAY)
        if intent == "suspended":
            start, end = (self.ago(pause), self.today + until * DAY) if current else (stop, stop + until * DAY)
            dates.update(status=CS.SUSPENDED, suspended_on=start, suspended_until=end)
        elif intent == "revoked":
            dates.update(status=CS.REVOKED, revoked_on=stop, revocation_reason=rng.choice(REVOCATION_REASONS))
        elif intent == "cancelled":
            dates.update(status=CS.CANCELLED, cancelled_on=stop)
        return dates, nominal

    def certificate_number(self, kind: str, body: str, ent: _Ent, nominal: datetime.date) -> str:
        """A number in the kind's published format (see data/README.md), unique by its serial."""
        rng, yy, county = self.rng, nominal.year % 100, ent.obj.region_id
        draw = rng.random()
        if kind == CK.ORGANIC:  # certifying body + OP + year + serial (sub-certificates add -k)
            sub = f"-{int(draw * 30) + 1}" if draw < 0.1 else ""
            return f"{body}OP{yy:02d}{self.serial((kind, body, yy), 100):05d}{sub}"
        if kind == CK.GREEN_FOOD and (nominal.year >= 2019 or draw < 0.5):  # enterprise code with its county
            return f"GF{county}{yy:02d}{self.serial((kind, county, yy)):04d}"
        if kind == CK.GREEN_FOOD:  # the older product number
            return f"LB-{int(draw * 100) % 57 + 1:02d}-{yy:02d}{nominal.month:02d}15{self.serial((kind, yy), 100):05d}A"
        if kind == CK.CCC:  # year + certifying body + product class + serial
            cls = CCC_PRODUCTS[ent.obj.industry][0]
            return f"{nominal.year}{body}{cls}{self.serial((kind, nominal.year, body, cls), 1000):06d}"
        if kind == CK.POLLUTION_FREE:
            return f"WGH-NM-{yy:02d}-{self.serial((kind, yy), 100):05d}"
        if kind == CK.LOW_CARBON:
            return f"CQC{yy:02d}LC{self.serial((kind, yy)):06d}"
        letter = {CK.QMS: "Q", CK.EMS: "E"}.get(kind, "H")
        return f"{body}{yy:02d}{letter}{self.serial((kind, body, yy), 10):05d}R{int(draw * 3)}M"

    def certificate_product(self, kind: str, ent: _Ent) -> str:
        product = self.rng.choice(ent.products)
        return {
            CK.ORGANIC: f"有机{product}",
            CK.CCC: CCC_PRODUCTS.get(ent.obj.industry, ("", ""))[1],
            CK.LOW_CARBON: f"低碳产品：{product}",
            CK.QMS: f"{product}的设计、生产和服务",
            CK.EMS: f"{product}生产及相关环境管理活动",
            CK.OTHER: f"危害分析与关键控制点（HACCP）体系：{product}",
        }.get(kind, product)

    def build_certifications(self) -> None:
        rng, rows = self.rng, []
        holders = [e for e in self.ents if not e.association]
        weights = {"valid": 55, "expired": 22, "suspended": 6, "revoked": 6, "cancelled": 11}
        for kind, (count, years, industries, bodies) in CERT_PLAN.items():
            eligible = [e for e in holders if e.obj.industry in industries]
            historical = (2013, 2017) if kind == CK.POLLUTION_FREE else (2015, 2025)  # stopped on 2018-01-01
            for n, intent in enumerate(self.spread(weights, count)):
                demo_cert = n == 0 and kind in (CK.ORGANIC, CK.GREEN_FOOD, CK.QMS)  # valid ones for the demo account
                ent = self.demo_ent if demo_cert else rng.choice(eligible)
                intent = "valid" if demo_cert else intent
                intent = "revoked" if ent.obj.credit_grade == "D" and intent == "valid" else intent
                code, body = rng.choice(bodies)
                dates, nominal = self.cert_dates(intent, years, historical)
                cert = Certification(
                    kind=kind,
                    enterprise=ent.obj,
                    region_id=ent.obj.region_id,  # the holder's, as the database keeps it (holder_region)
                    product=self.certificate_product(kind, ent),
                    **dates,
                )
                cert.certifying_body, cert.certificate_number = body, self.certificate_number(kind, code, ent, nominal)
                rows.append(_validated(cert))
        scope = Certification.objects.filter(certificate_number__in=[c.certificate_number for c in rows])
        self.tally("certifications", _upsert(Certification, rows, ("certificate_number",), scope)[0])

    # -- zones, GI mark users, measurements, accounts --------------------------------------------
    def build_zones(self) -> None:
        rng, rows, names = self.rng, [], set()
        cities = [c for c in self.leagues if self.regions[c].name_zh.endswith("市")]
        weights = dict(zip(ZoneStage, (10, 12, 13, 55, 10), strict=True))  # applied ... revoked
        stages = iter(self.spread(weights, sum(n for _, n, _, _ in ZONE_PLAN)))
        for kind, count, pattern, topics in ZONE_PLAN:
            for _ in range(count):
                stage, name = next(stages), ""
                while not name or name in names:
                    league = rng.choice(cities if kind == ZoneKind.QUALITY_CITY else self.leagues)
                    whole = kind == ZoneKind.QUALITY_CITY or rng.random() < 0.3
                    place = league if whole else rng.choice(self.counties[league])
                    name = pattern.format(place=self.regions[place].name_zh, topic=rng.choice(topics))
                names.add(name)
                early = stage in (ZoneStage.NAMED, ZoneStage.REVOKED)  # applied long enough ago to be named
                applied = self.day_in(2015, 2019) if early else self.day_in(2021, 2024)
                approved = applied + rng.randint(60, 300) * DAY
                named = approved + rng.randint(365, 900) * DAY
                revoked = min(named + rng.randint(365, 1500) * DAY, DEMO_EPOCH - DAY)
                regional = kind == ZoneKind.AGRI_STANDARDIZATION_DEMO and rng.random() < 0.5
                zone = DemonstrationZone(
                    name=name,
                    kind=kind,
                    level=ZoneLevel.REGIONAL if regional else ZoneLevel.NATIONAL,
                    region_id=place,
                    lead_body=f"{self.regions[place].name_zh}人民政府",
                    stage=stage,
                    applied_on=applied,
                    approved_on=approved if stage != ZoneStage.APPLIED else None,
                    named_on=named if early else None,
                    revoked_on=revoked if stage == ZoneStage.REVOKED else None,
                    description=f"{name}（演示数据）",
                )
                rows.append(_validated(zone))
        scope = DemonstrationZone.objects.filter(name__in=names)
        self.tally("demonstration zones", _upsert(DemonstrationZone, rows, ("name", "kind"), scope)[0])

    def build_gi_mark_users(self) -> None:
        producers = [e for e in self.ents if e.gi and not e.association]
        weights = {GIMarkUserStatus.AUTHORISED: 85, GIMarkUserStatus.SUSPENDED: 8, GIMarkUserStatus.REVOKED: 7}
        rows = []
        for ent, status in zip(producers, self.spread(weights, len(producers)), strict=True):
            authorised = self.day_in(2016, 2024)
            revoked = min(authorised + self.rng.randint(200, 1200) * DAY, DEMO_EPOCH - DAY)
            user = GIMarkUser(gi_product=ent.gi, enterprise=ent.obj, status=status, authorised_on=authorised)
            user.revoked_on = revoked if status == GIMarkUserStatus.REVOKED else None
            rows.append(_validated(user))
        scope = GIMarkUser.objects.filter(enterprise__in=[e.obj for e in producers])
        self.tally("GI mark users", _upsert(GIMarkUser, rows, ("gi_product_id", "enterprise_id"), scope)[0])

    def build_measurements(self) -> None:
        rng, rows = self.rng, []
        targets = {t.code: t for t in self.plan.targets.all()}

        def add(code: str, year: int, value: float, source: str, league: str | None = None) -> None:
            day = datetime.date(year, 12, 31)
            measurement = Measurement(target=targets[code], value=Decimal(f"{value:.2f}"), measured_on=day)
            measurement.source, measurement.region_id = source, league
            rows.append(_validated(measurement))

        for code, value, step, cap, source in MEASURED:
            for year in range(2016, 2026):
                value += step * rng.uniform(0.4, 1.6)
                if year in (2016, 2020, 2025) or rng.random() < 0.75:
                    add(code, year, min(value, cap - 0.1) if cap else value, source.format(y=year))
        for year, league in itertools.product((2020, 2024), self.leagues):  # one target by league/city
            source = f"{self.regions[league].name_zh}市场监督管理局 {year} 年监测通报"
            add("PQ-01", year, rng.uniform(93.5, 99.5), source, league)
        scope = Measurement.objects.filter(target__plan=self.plan)
        self.tally("measurements", _upsert(Measurement, rows, ("target_id", "measured_on", "region_id"), scope)[0])

    def build_workflow(self) -> None:
        created = build_workflow(self.today)
        existing = Application.objects.count() - created
        self.tally("applications", Tally(created=created, unchanged=existing))
        for certificate in Certificate.objects.order_by("number"):
            self.result.certificates.append(
                (certificate.number, str(certificate.get_effective_status_display()), certificate.holder_name)
            )

    def build_accounts(self) -> None:
        tally, password_hash = Tally(), ""
        for username, role, extra in ACCOUNTS:
            values = {"role": role, "email": f"{username}@example.cn", "is_staff": False, "is_superuser": False,
                      "enterprise": self.demo_ent.obj if role == Role.ENTERPRISE else None, "jurisdiction_id": None,
                      **extra}  # fmt: skip
            user = User.objects.filter(username=username).first()
            if user is None:
                # Only on creation, so a changed password stays changed; hashed once (PBKDF2 is slow on purpose).
                password_hash = password_hash or make_password(DEMO_PASSWORD)
                user = User.objects.create(username=username, password=password_hash, **values)
                tally.created += 1
            elif any(getattr(user, k) != v for k, v in values.items()):
                User.objects.filter(pk=user.pk).update(**values)
                user.refresh_from_db()
                tally.updated += 1
            else:
                tally.unchanged += 1
            scope = user.enterprise.name if user.enterprise else ""
            if user.jurisdiction_id:
                scope = f"{self.regions[user.jurisdiction_id].name_zh} ({user.jurisdiction_id})"
            self.result.accounts.append((username, str(Role(role).label), scope))
        self.tally("accounts", tally)


@transaction.atomic
def load_demo(*, today: datetime.date | None = None) -> DemoResult:
    """Build (or bring up to date) the demo data set. Needs the reference data (``load_reference``)."""
    demo = _Demo(today or timezone.localdate())
    demo.build_enterprises()
    demo.build_credit_records()
    demo.build_brands()
    demo.build_trademarks()
    demo.build_evaluations()
    demo.build_certifications()
    demo.build_zones()
    demo.build_gi_mark_users()
    demo.build_measurements()
    demo.build_accounts()
    demo.build_workflow()
    return demo.result
