"""Emails of the workflow. Callers schedule them with ``transaction.on_commit``: nothing is sent
for a change that was rolled back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from awards.models import Application, Assignment
from core.models import Role, User

_paused: ContextVar[bool] = ContextVar("notifications_paused", default=False)


@contextlib.contextmanager
def notifications_paused() -> Iterator[None]:
    """Send no workflow email inside this block (loading demo or historical data is not news)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def enterprise_recipients(application: Application) -> list[str]:
    emails = list(
        User.objects.filter(enterprise_id=application.enterprise_id, role=Role.ENTERPRISE, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if application.enterprise.contact_email:
        emails.append(application.enterprise.contact_email)
    return sorted(set(emails))


def _bilingual(render) -> str:
    with override("zh-hans"):
        zh = render()
    with override("en"):
        en = render()
    return f"{zh}\n\n----\n{en}"


def notify_applicant(application: Application, *, event: str, reasons: str = "") -> None:
    recipients = enterprise_recipients(application)
    if not recipients:
        return

    def render() -> str:
        text = _("Application %(ref)s (%(programme)s, %(subject)s): %(event)s. Current status: %(status)s.") % {
            "ref": application.reference,
            "programme": application.programme.name,
            "subject": application.subject_name,
            "event": event,
            "status": application.public_label,
        }
        if reasons:
            text += "\n" + _("Reasons: %(reasons)s") % {"reasons": reasons}
        return text

    with override("zh-hans"):
        subject = _("Brand registry: application %(ref)s") % {"ref": application.reference}
    send_mail(subject, _bilingual(render), settings.DEFAULT_FROM_EMAIL, recipients)


def notify_reviewer(assignment: Assignment) -> None:
    if not assignment.reviewer.email:
        return
    application = assignment.application

    def render() -> str:
        return _(
            "You have been assigned application %(ref)s (%(programme)s). "
            "Declare any conflict of interest before you open it."
        ) % {
            "ref": application.reference,
            "programme": application.programme.name,
        }

    with override("zh-hans"):
        subject = _("Brand registry: review assignment %(ref)s") % {"ref": application.reference}
    send_mail(subject, _bilingual(render), settings.DEFAULT_FROM_EMAIL, [assignment.reviewer.email])


def notify_applicant_after_commit(application: Application, *, event: str, reasons: str = "") -> None:
    """Email the applicant once the current transaction commits (unless notifications are paused now)."""
    if not _paused.get():
        transaction.on_commit(lambda: notify_applicant(application, event=event, reasons=reasons))


def notify_reviewer_after_commit(assignment: Assignment) -> None:
    if not _paused.get():
        transaction.on_commit(lambda: notify_reviewer(assignment))
