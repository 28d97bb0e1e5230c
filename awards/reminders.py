"""Reminders before recognitions, awards and certifications expire: 90, 30 and 7 days ahead.

Each item gets the reminder of the nearest stage it has reached, once (recorded in Reminder), so a
second run on the same day sends nothing and a missed day is caught up by the next run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from awards.models import Award, AwardStatus, Reminder
from brands.models import Brand, BrandStatus
from certifications.models import Certification, CertificationStatus
from core.models import Enterprise, Role, User

STAGES = (7, 30, 90)


@dataclass(frozen=True)
class Expiring:
    object_type: str
    object_id: str
    enterprise_id: int
    label: str
    expires_on: datetime.date


def expiring_items(today: datetime.date) -> list[Expiring]:
    horizon = today + datetime.timedelta(days=max(STAGES))
    items = [
        Expiring(
            "brands.brand",
            str(b.pk),
            b.enterprise_id,
            _("Brand recognition: %(name)s") % {"name": b.name},
            b.valid_until,
        )
        for b in Brand.objects.filter(status=BrandStatus.RECOGNISED, valid_until__gt=today, valid_until__lte=horizon)
    ]
    items += [
        Expiring(
            "certifications.certification", str(c.pk), c.enterprise_id,
            _("%(kind)s certificate %(number)s") % {"kind": c.get_kind_display(), "number": c.certificate_number},
            c.expires_on,
        )
        for c in Certification.objects.filter(
            status=CertificationStatus.VALID, expires_on__gt=today, expires_on__lte=horizon
        )
    ]  # fmt: skip
    items += [
        Expiring("awards.award", str(a.pk), a.enterprise_id, str(a.programme), a.valid_until)
        for a in Award.objects.filter(status=AwardStatus.ACTIVE, valid_until__gt=today, valid_until__lte=horizon)
        .select_related("programme")
    ]  # fmt: skip
    return items


def stage_for(days_left: int) -> int:
    return min(stage for stage in STAGES if days_left <= stage)


def send_reminders(*, today: datetime.date) -> int:
    """Send the reminders due on ``today``; return how many items were reminded."""
    due: dict[int, list[tuple[Expiring, int]]] = defaultdict(list)
    for item in expiring_items(today):
        stage = stage_for((item.expires_on - today).days)
        due[item.enterprise_id].append((item, stage))
    sent = 0
    for enterprise_id, rows in due.items():
        fresh = []
        for item, stage in rows:
            try:
                with transaction.atomic():
                    Reminder.objects.create(
                        object_type=item.object_type, object_id=item.object_id, days_before=stage,
                        expires_on=item.expires_on, enterprise_id=enterprise_id,
                    )  # fmt: skip
            except IntegrityError:
                continue  # this stage was sent already
            fresh.append(item)
        if fresh:
            _email(Enterprise.objects.get(pk=enterprise_id), fresh, today)
            sent += len(fresh)
    return sent


def _email(enterprise: Enterprise, items: list[Expiring], today: datetime.date) -> None:
    recipients = set(
        User.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if enterprise.contact_email:
        recipients.add(enterprise.contact_email)
    if not recipients:
        return
    parts = []
    for language in ("zh-hans", "en"):
        with override(language):
            lines = [_("The following will expire soon:")]
            lines += [
                _("- %(item)s: valid until %(date)s (%(days)d days left)")
                % {"item": i.label, "date": i.expires_on, "days": (i.expires_on - today).days}
                for i in sorted(items, key=lambda i: i.expires_on)
            ]
            parts.append("\n".join(lines))
    with override("zh-hans"):
        subject = _("Brand registry: %(count)d item(s) expiring soon") % {"count": len(items)}
    send_mail(subject, "\n\n----\n".join(parts), settings.DEFAULT_FROM_EMAIL, sorted(recipients))
