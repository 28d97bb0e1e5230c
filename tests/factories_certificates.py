"""Issued certificates for the certificate and verification tests, made through the real service.

``issued_certificate()`` grants an award straight in the database (the workflow tests walk the way
there) and then issues its certificate with ``certificate_issue``: number, signature, PDF and hash.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from awards.certificates.models import Certificate
from awards.certificates.services import certificate_issue
from awards.models import AwardProgramme
from core.models import Role
from tests.factories import EnterpriseFactory, UserFactory
from tests.factories_portal import AwardFactory, programme
from tests.factories_workflow import load_workflow_reference


def ensure_programmes() -> None:
    if not AwardProgramme.objects.exists():
        load_workflow_reference()


def issued_certificate(
    *,
    code: str = "brand-recognition",
    granted_on: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    **enterprise_fields,
) -> Certificate:
    """A certificate issued today (or on ``granted_on``) for a fresh enterprise's brand."""
    ensure_programmes()
    granted_on = granted_on or timezone.localdate()
    valid_until = valid_until or granted_on.replace(year=granted_on.year + 3) - datetime.timedelta(days=1)
    enterprise = EnterpriseFactory(**enterprise_fields)
    award = AwardFactory(
        application__programme=programme(code),
        application__enterprise=enterprise,
        granted_on=granted_on,
        valid_until=valid_until,
    )
    certificate = certificate_issue(award=award)
    assert certificate is not None, f"programme {code} issues no certificates"
    return certificate


def committee_member():
    return UserFactory(role=Role.COMMITTEE)
