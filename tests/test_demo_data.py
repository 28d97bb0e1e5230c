"""manage.py load_demo: enough varied, valid records, deterministic and idempotent."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from brands.models import Brand, BrandEvaluation, BrandKind, BrandStatus, Trademark, TrademarkTier
from certifications.models import (
    Certification,
    CertificationKind,
    CertificationStatus,
    DemonstrationZone,
    ZoneKind,
    ZoneStage,
    validate_certificate_number,
)
from core.models import CreditRecord, CreditRecordSeverity, Enterprise, Region, RegionLevel, Role, User, region_q
from core.validators import validate_trademark_number, validate_uscc
from geo_indications.models import GIMarkUser, GIMarkUserStatus
from targets import demo
from targets.demo import DEMO_PASSWORD, load_demo, term_end
from targets.models import Measurement

pytestmark = pytest.mark.django_db
MODELS = [Enterprise, CreditRecord, Brand, Trademark, Trademark.nice_classes.through, BrandEvaluation,
          Certification, DemonstrationZone, GIMarkUser, Measurement, User]  # fmt: skip


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in MODELS}


def sample(model, n: int = 40) -> list:
    """Every k-th record, so the sample spans the whole set."""
    rows = list(model.objects.order_by("pk"))
    return rows[:: max(1, len(rows) // n)]


def values(queryset, field: str) -> set:
    return set(queryset.values_list(field, flat=True))


def test_load_demo_builds_a_varied_valid_registry(reference_data):
    out = StringIO()
    call_command("load_demo", "--force", stdout=out)
    today = timezone.localdate()

    enterprises = Enterprise.objects.select_related("region")
    assert enterprises.count() >= 220
    for e in enterprises:
        validate_uscc(e.uscc)
        assert e.uscc[2:8] == e.region_id and e.region.level == RegionLevel.COUNTY, e
    assert len(values(enterprises, "region__parent")) == 12
    grades = [e.credit_grade for e in enterprises]
    assert set(grades) == set("ABCD") and grades.count("A") + grades.count("B") >= 0.8 * len(grades)
    assert values(CreditRecord.objects, "kind") == {"violation", "commendation"}
    assert values(CreditRecord.objects.filter(kind="violation"), "severity") == set(CreditRecordSeverity.values)
    assert CreditRecord.objects.open_serious_violations().exists()

    brands = Brand.objects.all()
    assert brands.count() >= 300
    assert values(brands, "status") == set(BrandStatus.values)
    assert values(brands, "kind") == set(BrandKind.values)
    assert brands.filter(gi_product__isnull=False).exists()
    for b in brands.exclude(status=BrandStatus.CULTIVATING):
        assert b.valid_until == term_end(b.recognised_on, 3), b
    assert all(b.revoked_on for b in brands.filter(status=BrandStatus.REVOKED))
    assert not brands.filter(status=BrandStatus.EXPIRED, valid_until__gte=today).exists()
    current = brands.filter(status=BrandStatus.RECOGNISED, valid_until__gte=today).count()
    assert current > brands.filter(status=BrandStatus.RECOGNISED).count() / 2  # most recognitions are in force now
    years = values(brands.exclude(recognised_on=None), "recognised_on__year")
    assert min(years) == 2015 and max(years) >= today.year - 1 and len(years) >= 10
    assert BrandEvaluation.objects.exists()

    trademarks = Trademark.objects.exclude(registration_number=None)  # the reference sample has no numbers
    assert values(trademarks, "tier") == set(TrademarkTier.values)
    for tm in trademarks.prefetch_related("nice_classes"):
        validate_trademark_number(tm.registration_number)
        assert 1 <= len(tm.nice_classes.all()) <= 3, tm
    for tm in trademarks.filter(tier=TrademarkTier.FAMOUS):
        assert tm.tier_valid_until == term_end(tm.tier_recognised_on, 3), tm

    certs = Certification.objects.select_related("enterprise")
    assert certs.count() >= 1000
    assert values(certs, "kind") == set(CertificationKind.values)
    assert values(certs, "status") == set(CertificationStatus.values) - {CertificationStatus.EXPIRED}
    assert certs.with_effective_status(CertificationStatus.EXPIRED, today).exists()
    assert certs.with_effective_status(CertificationStatus.VALID, today).count() > 0.4 * certs.count()
    for c in certs:
        validate_certificate_number(c.kind, c.certificate_number)
        if c.certificate_number.startswith("GF"):
            assert c.certificate_number[2:8] == c.enterprise.region_id, c
    assert not certs.filter(kind=CertificationKind.POLLUTION_FREE, issued_on__gte=datetime.date(2018, 1, 1)).exists()
    assert all(c.suspended_on and c.suspended_until for c in certs.filter(status=CertificationStatus.SUSPENDED))
    assert all(c.revoked_on and c.revocation_reason for c in certs.filter(status=CertificationStatus.REVOKED))
    assert all(c.cancelled_on for c in certs.filter(status=CertificationStatus.CANCELLED))

    zones = DemonstrationZone.objects.all()
    assert values(zones, "kind") == set(ZoneKind.values) and values(zones, "stage") == set(ZoneStage.values)
    assert not zones.filter(stage=ZoneStage.APPLIED).exclude(approved_on=None).exists()
    assert all(z.named_on and z.named_on < z.revoked_on for z in zones.filter(stage=ZoneStage.REVOKED))

    mark_users = GIMarkUser.objects.select_related("gi_product")
    assert values(mark_users, "status") == set(GIMarkUserStatus.values)
    for user in mark_users:  # in the GI product's area
        assert Enterprise.objects.filter(region_q(user.gi_product.region), pk=user.enterprise_id).exists(), user

    measurements = Measurement.objects.select_related("target")
    assert len(values(measurements, "target")) >= 12
    for m in measurements:
        assert m.target.measured_by == "reported" and m.source and 2016 <= m.measured_on.year <= 2025, m
        assert m.target.unit != "percent" or 0 <= m.value <= 100, m

    for model in [Enterprise, CreditRecord, Brand, Trademark, BrandEvaluation, Certification, DemonstrationZone,
                  GIMarkUser, Measurement]:  # fmt: skip
        for record in sample(model):
            record.full_clean()

    staff, city, region = (
        User.objects.get(username=f"demo-{n}") for n in ("staff", "reviewer-city", "reviewer-region")
    )
    assert values(User.objects.filter(username__startswith="demo-"), "role") == set(Role.values)
    assert staff.is_staff and staff.is_superuser and staff.check_password(DEMO_PASSWORD)
    assert (city.jurisdiction_id, region.jurisdiction_id) == ("150100", "150000")
    assert User.objects.get(username="demo-enterprise").enterprise.brands.exists()
    output = out.getvalue()
    assert DEMO_PASSWORD in output and all(f"demo-{n}" in output for n in ("enterprise", "committee", "leader"))


def test_loading_the_demo_again_changes_nothing_even_on_another_day(reference_data):
    first = load_demo()
    before = counts()
    staff = User.objects.get(username="demo-staff")
    staff.set_password("changed by the user")
    staff.save()

    again = load_demo(today=first.today)
    assert counts() == before
    assert all(t.created == t.updated == 0 for t in again.tallies.values()), again.tallies
    assert User.objects.get(username="demo-staff").check_password("changed by the user")

    later = load_demo(today=first.today + datetime.timedelta(days=400))  # dates move, identifiers do not
    assert counts() == before
    assert all(t.created == 0 for t in later.tallies.values()), later.tallies


def test_load_demo_without_reference_data_says_what_to_run(db):
    with pytest.raises(CommandError, match="load_reference"):
        call_command("load_demo", "--force", stdout=StringIO())
    assert not Enterprise.objects.exists()


def test_load_demo_refuses_to_publish_its_password_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo", stdout=StringIO())


def test_loaded_regions_are_not_enough_without_the_rest_of_the_reference_data(regions):
    assert Region.objects.count() == 116
    with pytest.raises(CommandError, match="load_reference"):
        call_command("load_demo", "--force", stdout=StringIO())


def test_an_invalid_demo_record_stops_the_whole_load(reference_data, monkeypatch):
    two_digit_classes = {industry: ("12", product) for industry, (_, product) in demo.CCC_PRODUCTS.items()}
    monkeypatch.setattr(demo, "CCC_PRODUCTS", two_digit_classes)  # CCC numbers now 14 digits, not 16
    with pytest.raises(ValidationError):
        load_demo()
    assert not Enterprise.objects.exists()


def test_the_demo_has_applications_in_every_state_with_reviews_notices_and_objections(reference_data):
    from awards.models import Application, Award, Notice, Objection, Review
    from awards.workflow import State

    load_demo()
    states = set(Application.objects.values_list("state", flat=True))
    assert states == set(State.values)
    assert Notice.objects.open().exists() and Notice.objects.closed().exists()
    assert Objection.objects.filter(status="pending").exists() and Objection.objects.filter(status="upheld").exists()
    assert Review.objects.count() >= 10
    granted = Application.objects.filter(state=State.GRANTED)
    assert Award.objects.count() == granted.count()
    # Every grant issued its certificate; one is suspended for rectification, and its brand with it.
    from awards.certificates.models import Certificate

    certificates = {c.award.application_id: c for c in Certificate.objects.select_related("award")}
    assert set(certificates) == set(granted.values_list("pk", flat=True))
    assert sorted(c.status for c in certificates.values()).count("suspended") == 1
    for application in granted:
        expected = "suspended" if certificates[application.pk].status == "suspended" else "recognised"
        assert application.brand is None or application.brand.status == expected
    assert Certificate.objects.filter(enterprise__users__username="demo-enterprise").exists()
    assert Application.objects.filter(created_by__username="demo-enterprise").exists()
