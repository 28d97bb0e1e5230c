"""Writes to the shared kernel. Each function validates with the model's own rules, writes, and
audits in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from core.audit import audit
from core.models import Enterprise, Industry, Region, User

# What the programme office may set on an enterprise through these services. The credit grade
# is not here: it follows from the credit records and changes by its own procedure.
ENTERPRISE_EDITABLE_FIELDS = (
    "name",
    "uscc",
    "region",
    "industry",
    "address",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def _enterprise_snapshot(enterprise: Enterprise) -> dict[str, Any]:
    """The audited state (the audit log is not public, so contact details are kept)."""
    data = {field: getattr(enterprise, field) for field in ENTERPRISE_EDITABLE_FIELDS if field != "region"}
    data["region"] = enterprise.region_id
    data["credit_grade"] = enterprise.credit_grade
    return data


@transaction.atomic
def enterprise_create(
    *,
    actor: User | None,
    name: str,
    uscc: str,
    region: Region,
    industry: str = Industry.OTHER,
    address: str = "",
    website: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    request_id: str = "",
) -> Enterprise:
    """Register an enterprise. Raises ``django.core.exceptions.ValidationError`` if the model refuses it."""
    enterprise = Enterprise(
        name=name,
        uscc=uscc,
        region=region,
        industry=industry,
        address=address,
        website=website,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
    )
    enterprise.full_clean()
    enterprise.save()
    audit(
        actor=actor,
        action="enterprise.create",
        obj=enterprise,
        after=_enterprise_snapshot(enterprise),
        request_id=request_id,
    )
    return enterprise


@transaction.atomic
def enterprise_update(
    *,
    enterprise: Enterprise,
    actor: User | None,
    changes: Mapping[str, Any],
    request_id: str = "",
) -> Enterprise:
    """Change an enterprise's profile. Only ``ENTERPRISE_EDITABLE_FIELDS`` may change; a change that
    leaves every value as it was writes nothing (and no audit event)."""
    unknown = set(changes) - set(ENTERPRISE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"enterprise_update cannot change {', '.join(sorted(unknown))}")
    locked = Enterprise.objects.select_for_update().select_related("region").get(pk=enterprise.pk)
    before = _enterprise_snapshot(locked)
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.full_clean()
    after = _enterprise_snapshot(locked)
    if after == before:
        return locked
    locked.save()
    audit(actor=actor, action="enterprise.update", obj=locked, before=before, after=after, request_id=request_id)
    return locked
