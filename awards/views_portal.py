"""The enterprise portal: an enterprise user's own page, applications and awards.

Every view starts with ``enterprise_for`` (403 for anyone but an enterprise user) and, for one
application, ``awards.permissions.application_for`` (404 for another enterprise's application, so
guessing ids reveals nothing). Writes go through ``awards.services`` / ``awards.services_portal``;
a refused action leaves a message and changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from awards.certificates.models import FINAL_STATUSES, Certificate
from awards.certificates.selectors import certificate_file_response, latest_file
from awards.eligibility import eligibility_problems
from awards.forms_portal import ApplicationEditForm, ApplicationStartForm, RespondForm
from awards.models import Application, Attachment, Award, AwardProgramme, AwardStatus, Decision, Notice
from awards.permissions import NotFound, allowed_actions_for, application_for, enterprise_for
from awards.services import EDITABLE_STATES, application_respond, application_submit, application_withdraw
from awards.services_portal import application_edit, application_start
from awards.workflow import FINAL_STATES, HISTORY_LABELS, PUBLIC_LABELS, Action, State
from brands.models import BrandStatus
from brands.selectors import public_brands, public_trademarks
from certifications.models import CertificationStatus
from certifications.selectors import public_certifications
from core.errors import DomainError, InvalidTransition
from core.models import AuditEvent, Enterprise, User
from geo_indications.selectors import enterprise_gi_mark_uses

EXPIRY_WINDOW_DAYS = 90
# Decisions that come with a letter (the letter view is the review workspace's, open to the applicant too).
LETTER_ACTIONS = frozenset({Action.OPEN_NOTICE, Action.REJECT, Action.GRANT})

# --- who may use the portal ----------------------------------------------------------------------


def enterprise_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first (anonymous users go to the login page), then ``enterprise_for``."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return view(request, enterprise_for(request.user), *args, **kwargs)

    return wrapper


def _application(user: User, pk: int) -> Application:
    try:
        return application_for(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


# --- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiringItem:
    kind: str
    name: str
    until: datetime.date
    url: str
    days_left: int


def expiring_items(*, brands, certifications, awards, today: datetime.date) -> list[ExpiringItem]:
    """Recognitions, certifications and awards in force whose validity ends within the window, soonest first."""
    last = today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    items = []
    for brand in brands:
        if brand.status == BrandStatus.RECOGNISED and brand.valid_until and today <= brand.valid_until <= last:
            url = reverse("brands:brand_detail", args=[brand.pk])
            items.append((_("Brand recognition"), brand.name, brand.valid_until, url))
    for cert in certifications:
        if cert.status == CertificationStatus.VALID and today <= cert.expires_on <= last:
            url = reverse("certifications:certification_detail", args=[cert.pk])
            name = f"{cert.get_kind_display()} {cert.certificate_number}"
            items.append((_("Certification"), name, cert.expires_on, url))
    for award in awards:
        if award.status == AwardStatus.ACTIVE and today <= award.valid_until <= last:
            url = reverse("portal:application_detail", args=[award.application_id])
            name = f"{award.programme.name} · {award_subject(award)}"
            items.append((_("Award"), name, award.valid_until, url))
    items.sort(key=lambda item: (item[2], str(item[0]), item[1]))
    return [ExpiringItem(kind, name, until, url, (until - today).days) for kind, name, until, url in items]


def award_subject(award: Award) -> str:
    if award.brand_id:
        return award.brand.name
    if award.gi_product_id:
        return award.gi_product.name_zh
    return award.enterprise.name


def enterprise_awards(enterprise: Enterprise) -> QuerySet[Award]:
    return Award.objects.filter(enterprise=enterprise).select_related(
        "programme", "brand", "gi_product", "enterprise", "certificate"
    )


def enterprise_applications(enterprise: Enterprise) -> QuerySet[Application]:
    return Application.objects.for_enterprise(enterprise).select_related(
        "programme", "brand", "gi_product", "enterprise"
    )


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime.datetime
    label: str
    detail: str
    reasons: str


def application_history(application: Application, attachments: list[Attachment]) -> list[HistoryEntry]:
    """The audit events of the application and its attachments, oldest first, without who acted or scores."""
    names = {str(a.pk): a.original_name for a in attachments}
    events = AuditEvent.objects.filter(object_type="awards.application", object_id=str(application.pk)) | (
        AuditEvent.objects.filter(object_type="awards.attachment", object_id__in=list(names))
    )
    entries = []
    for event in events.order_by("created_at", "id"):
        label = HISTORY_LABELS.get(event.action)
        if label is None:
            continue
        after = event.after or {}
        detail = names.get(event.object_id, "") if event.object_type == "awards.attachment" else ""
        reasons = after.get("reasons", "") if isinstance(after, dict) else ""
        entries.append(HistoryEntry(event.created_at, str(label), detail, reasons))
    return entries


# --- pages ---------------------------------------------------------------------------------------


@enterprise_required
def home(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    today = timezone.localdate()
    brands = list(public_brands().filter(enterprise=enterprise))
    certifications = list(public_certifications().filter(enterprise=enterprise))
    awards = list(enterprise_awards(enterprise))
    context = {
        "enterprise": enterprise,
        "brands": brands,
        "trademarks": public_trademarks().filter(enterprise=enterprise),
        "certifications": certifications,
        "gi_mark_uses": enterprise_gi_mark_uses(enterprise),
        "applications": enterprise_applications(enterprise),
        "awards": awards,
        "expiring": expiring_items(brands=brands, certifications=certifications, awards=awards, today=today),
        "window_days": EXPIRY_WINDOW_DAYS,
    }
    return render(request, "awards/portal/home.html", context)


@dataclass(frozen=True)
class ProgrammeChoice:
    programme: AwardProgramme
    problems: list[str]
    unfinished: list[Application]


@enterprise_required
def apply_list(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    unfinished: dict[int, list[Application]] = {}
    for application in enterprise_applications(enterprise).exclude(state__in=FINAL_STATES):
        unfinished.setdefault(application.programme_id, []).append(application)
    # Programmes are a handful of rows of reference data; each eligibility check is two small queries.
    choices = [
        ProgrammeChoice(p, eligibility_problems(enterprise, p), unfinished.get(p.pk, []))
        for p in AwardProgramme.objects.filter(is_open=True)
    ]
    return render(request, "awards/portal/apply_list.html", {"enterprise": enterprise, "choices": choices})


@enterprise_required
def apply_form(request: HttpRequest, enterprise: Enterprise, code: str) -> HttpResponse:
    programme = get_object_or_404(AwardProgramme, code=code)
    today = timezone.localdate()
    problems = eligibility_problems(enterprise, programme, today=today)
    context: dict[str, Any] = {"enterprise": enterprise, "programme": programme, "problems": problems}
    if problems:
        if request.method == "POST":
            messages.error(request, _("Your enterprise cannot apply to this programme; nothing was saved."))
        return render(
            request, "awards/portal/apply_form.html", context, status=403 if request.method == "POST" else 200
        )

    form = ApplicationStartForm(
        request.POST or None, request.FILES or None, enterprise=enterprise, programme=programme, today=today
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = application_start(
                actor=request.user,
                programme=programme,
                brand=data.get("brand"),
                gi_product=data.get("gi_product"),
                statement=data["statement"],
                files=data["files"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The draft %(ref)s has been saved. Submit it when it is complete.") % {"ref": application.reference},
            )
            return redirect("portal:application_detail", pk=application.pk)
    context["form"] = form
    return render(request, "awards/portal/apply_form.html", context)


@enterprise_required
def application_detail(request: HttpRequest, enterprise: Enterprise, pk: int) -> HttpResponse:
    return _render_detail(request, enterprise, _application(request.user, pk))


def _render_detail(
    request: HttpRequest,
    enterprise: Enterprise,
    application: Application,
    *,
    edit_form: Form | None = None,
    respond_form: Form | None = None,
) -> HttpResponse:
    attachments = list(application.attachments.all())
    allowed = allowed_actions_for(request.user, application)
    editable = application.state in EDITABLE_STATES and Action.WITHDRAW in allowed
    can_respond = Action.RESPOND in allowed
    context = {
        "enterprise": enterprise,
        "application": application,
        "attachments": attachments,
        "history": application_history(application, attachments),
        "decisions": [
            (d, HISTORY_LABELS.get(f"application.{d.action}", d.action))
            for d in Decision.objects.filter(application=application)
        ],
        "can_submit": Action.SUBMIT in allowed,
        "can_withdraw": Action.WITHDRAW in allowed,
        "edit_form": (edit_form or ApplicationEditForm(application=application)) if editable else None,
        "respond_form": (respond_form or RespondForm()) if can_respond else None,
        "award": Award.objects.filter(application=application).first() if application.state == State.GRANTED else None,
        "notice": Notice.objects.filter(application=application).first(),
    }
    context["has_letter"] = any(d.action in LETTER_ACTIONS for d, _label in context["decisions"])
    return render(request, "awards/portal/application_detail.html", context)


def add_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def refuse(request: HttpRequest, application: Application, exc: DomainError | ValidationError) -> None:
    """The message for a refused action (the service changed nothing)."""
    if isinstance(exc, InvalidTransition):
        text = _("This cannot be done in the current state of the application (%(state)s).") % {
            "state": PUBLIC_LABELS[State(application.state)]
        }
        messages.error(request, text, extra_tags=exc.code)
    elif isinstance(exc, DomainError):
        messages.error(request, exc.message, extra_tags=exc.code)
    else:
        for text in exc.messages:
            messages.error(request, text, extra_tags="invalid")


def _act(request: HttpRequest, pk: int, service: Callable[..., Application], done: str) -> HttpResponse:
    application = _application(request.user, pk)
    try:
        service(actor=request.user, application=application)
    except (DomainError, ValidationError) as exc:
        refuse(request, application, exc)
    else:
        messages.success(request, done)
    return redirect("portal:application_detail", pk=application.pk)


@enterprise_required
@require_POST
def application_submit_view(request: HttpRequest, enterprise: Enterprise, pk: int) -> HttpResponse:
    return _act(request, pk, application_submit, _("The application has been submitted for review."))


@enterprise_required
@require_POST
def application_withdraw_view(request: HttpRequest, enterprise: Enterprise, pk: int) -> HttpResponse:
    return _act(request, pk, application_withdraw, _("The application has been withdrawn."))


@enterprise_required
@require_POST
def application_respond_view(request: HttpRequest, enterprise: Enterprise, pk: int) -> HttpResponse:
    application = _application(request.user, pk)
    form = RespondForm(request.POST)
    if form.is_valid():
        try:
            application_respond(actor=request.user, application=application, response=form.cleaned_data["response"])
        except ValidationError as exc:
            add_errors(form, exc)
        except DomainError as exc:
            refuse(request, application, exc)
            return redirect("portal:application_detail", pk=application.pk)
        else:
            messages.success(request, _("Your answer has been sent; the review continues."))
            return redirect("portal:application_detail", pk=application.pk)
    return _render_detail(request, enterprise, application, respond_form=form)


@enterprise_required
@require_POST
def application_edit_view(request: HttpRequest, enterprise: Enterprise, pk: int) -> HttpResponse:
    application = _application(request.user, pk)
    form = ApplicationEditForm(request.POST, request.FILES, application=application)
    if form.is_valid():
        try:
            application_edit(
                actor=request.user,
                application=application,
                statement=form.cleaned_data["statement"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except DomainError as exc:
            refuse(request, application, exc)
            return redirect("portal:application_detail", pk=application.pk)
        else:
            messages.success(request, _("The application has been saved."))
            return redirect("portal:application_detail", pk=application.pk)
    return _render_detail(request, enterprise, application, edit_form=form)


@enterprise_required
def attachment_download(request: HttpRequest, enterprise: Enterprise, pk: int, attachment_pk: int) -> FileResponse:
    """An attachment, only to those who may see its application (never through a public media URL)."""
    application = _application(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@enterprise_required
def award_list(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    awards = enterprise_awards(enterprise)
    return render(request, "awards/portal/award_list.html", {"enterprise": enterprise, "awards": awards})


@enterprise_required
def certificate_download(request: HttpRequest, enterprise: Enterprise, number: str) -> FileResponse:
    """The current file of one of the enterprise's own certificates; another's is a 404.

    A revoked or cancelled certificate has no file to download: it is no longer a certificate."""
    certificate = get_object_or_404(Certificate, number=number, enterprise=enterprise)
    if certificate.status in FINAL_STATUSES:
        raise Http404(_("This certificate was revoked or cancelled; there is no file to download."))
    stored = latest_file(certificate)
    if stored is None:
        raise Http404(_("The certificate file is missing; ask the programme office to issue it again."))
    return certificate_file_response(stored)
