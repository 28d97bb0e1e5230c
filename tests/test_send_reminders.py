"""Expiry reminders: each stage (90, 30, 7 days) once per item, caught up after a missed day."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command

from awards.reminders import send_reminders, stage_for
from brands.models import BrandStatus
from certifications.models import CertificationStatus
from tests.factories import BrandFactory, CertificationFactory, EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def enterprise(regions):
    enterprise = EnterpriseFactory(contact_email="office@example.cn")
    UserFactory(role="enterprise", enterprise=enterprise, email="user@example.cn")
    return enterprise


def test_stages():
    assert [stage_for(d) for d in (90, 31, 30, 8, 7, 1)] == [90, 90, 30, 30, 7, 7]


def test_each_stage_is_sent_once_and_a_missed_day_is_caught_up(enterprise):
    BrandFactory(
        enterprise=enterprise, status=BrandStatus.RECOGNISED, recognised_on=datetime.date(2024, 1, 1),
        valid_until=TODAY + datetime.timedelta(days=30),
    )  # fmt: skip
    CertificationFactory(enterprise=enterprise, expires_on=TODAY + datetime.timedelta(days=90))
    CertificationFactory(enterprise=enterprise, expires_on=TODAY + datetime.timedelta(days=200))  # not yet
    CertificationFactory(
        enterprise=enterprise, expires_on=TODAY + datetime.timedelta(days=7), status=CertificationStatus.REVOKED,
        revoked_on=TODAY, revocation_reason="test",
    )  # fmt: skip  # revoked: no reminder

    assert send_reminders(today=TODAY) == 2
    assert len(mail.outbox) == 1  # one email per enterprise
    message = mail.outbox[0]
    assert sorted(message.to) == ["office@example.cn", "user@example.cn"]
    assert "30" in message.body and "90" in message.body

    assert send_reminders(today=TODAY) == 0  # the same day again: nothing
    # A run missed on the day the brand reached its 7-day stage is caught up four days later.
    assert send_reminders(today=TODAY + datetime.timedelta(days=27)) == 1
    assert len(mail.outbox) == 2


def test_the_command_reports_the_count(enterprise):
    CertificationFactory(enterprise=enterprise, expires_on=TODAY + datetime.timedelta(days=5))
    out = io.StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert out.getvalue().startswith("1 ")
