"""targets.services.measurement_record: the programme office records a reported target's value."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.errors import PermissionDenied
from core.models import AuditEvent, Region, Role
from targets.models import Measurement, Target
from targets.services import measurement_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 12, 31)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def office(reference_data):
    return UserFactory(username="office-clerk", role=Role.STAFF, is_staff=True)


@pytest.fixture
def pass_rate(reference_data) -> Target:
    """PQ-01, a reported percentage of the 2015 plan."""
    return Target.objects.get(plan__code="plan-2015", code="PQ-01")


def record(actor, target, **overrides):
    values = {"measured_on": DAY, "value": Decimal("97.50"), "source": " 2024 年质量状况通报 "}
    values.update(overrides)
    return measurement_record(actor=actor, target=target, **values)


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_staff_records_a_measurement_with_who_and_an_audit_event(office, pass_rate):
    measurement = record(office, pass_rate)

    measurement.refresh_from_db()
    assert (measurement.target, measurement.measured_on, measurement.value) == (pass_rate, DAY, Decimal("97.50"))
    assert measurement.source == "2024 年质量状况通报" and measurement.region is None
    assert measurement.entered_by == office
    event = AuditEvent.objects.get(action="measurement.record")
    assert event.actor == office and event.object_id == str(measurement.pk)
    assert event.after == {
        "target": "PQ-01",
        "plan": "plan-2015",
        "measured_on": "2024-12-31",
        "value": "97.50",
        "source": "2024 年质量状况通报",
        "region": None,
    }


def test_a_league_measurement_is_kept_apart_from_the_whole_region(office, pass_rate):
    hohhot = Region.objects.get(code="150100")

    record(office, pass_rate)
    league = record(office, pass_rate, region=hohhot, value=Decimal("95"))

    assert league.region == hohhot
    assert Measurement.objects.filter(target=pass_rate, measured_on=DAY).count() == 2


@pytest.mark.parametrize("region_code", [None, "150100"])
def test_a_second_value_for_the_same_date_and_area_is_refused(office, pass_rate, region_code):
    region = Region.objects.get(code=region_code) if region_code else None
    record(office, pass_rate, region=region)

    with pytest.raises(ValidationError) as exc:
        record(office, pass_rate, region=region, value=Decimal("90"))

    assert "already recorded" in errors_of(exc)["measured_on"][0]
    assert Measurement.objects.filter(target=pass_rate).count() == 1
    assert AuditEvent.objects.filter(action="measurement.record").count() == 1


@pytest.mark.parametrize("value", ["100.01", "-1"])
def test_a_percentage_outside_0_to_100_is_refused(office, pass_rate, value):
    with pytest.raises(ValidationError) as exc:
        record(office, pass_rate, value=Decimal(value))

    assert errors_of(exc)["value"] == ["A percentage must be between 0 and 100."]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("value", ["0", "100"])
def test_the_ends_of_the_percent_range_are_accepted(office, pass_rate, value):
    assert record(office, pass_rate, value=Decimal(value)).value == Decimal(value)


def test_a_registry_target_takes_no_measurement(office, reference_data):
    brands = Target.objects.get(plan__code="plan-2015", code="BR-01")

    with pytest.raises(ValidationError) as exc:
        record(office, brands, value=Decimal("12"))

    assert "counted from the registry" in " ".join(exc.value.messages)
    assert not Measurement.objects.exists() and not AuditEvent.objects.exists()


def test_a_date_in_the_future_is_refused_and_today_is_accepted(office, pass_rate):
    today = timezone.localdate()

    with pytest.raises(ValidationError) as exc:
        record(office, pass_rate, measured_on=today + datetime.timedelta(days=1))

    assert errors_of(exc)["measured_on"] == ["A measurement cannot be dated in the future."]
    assert record(office, pass_rate, measured_on=today).measured_on == today


def test_a_county_is_not_an_area_of_measurement(office, pass_rate):
    with pytest.raises(ValidationError) as exc:
        record(office, pass_rate, region=Region.objects.get(code="150102"))

    assert "league or city" in errors_of(exc)["region"][0]


def test_a_yes_no_target_takes_0_or_1(office, reference_data):
    energy = Target.objects.get(plan__code="plan-2015", code="EN-05")

    with pytest.raises(ValidationError) as exc:
        record(office, energy, value=Decimal("2"))

    assert errors_of(exc)["value"] == ["Enter 1 for yes or 0 for no."]
    assert record(office, energy, value=Decimal("1")).value == 1


def test_a_source_is_required(office, pass_rate):
    with pytest.raises(ValidationError) as exc:
        record(office, pass_rate, source="   ")

    assert "source" in errors_of(exc)


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REVIEWER, Role.COMMITTEE, Role.LEADERSHIP])
def test_no_one_but_the_programme_office_records(reference_data, pass_rate, role):
    user = UserFactory(role=role, is_staff=role == Role.COMMITTEE)

    with pytest.raises(PermissionDenied):
        record(user, pass_rate)

    assert not Measurement.objects.exists()
