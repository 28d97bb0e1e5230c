"""The committee's certificate desk in the review workspace: find a certificate, see its history
(with who did what), suspend, reinstate, revoke, cancel or issue it again, and download its file.

Committee members only (reviewers get 403; anyone signed out is sent to sign in). Every write goes
through ``awards.certificates.services``; a refusal is a message on the page and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from awards.certificates import services
from awards.certificates.models import Certificate, CertificateFile, CertificateStatus
from awards.certificates.selectors import certificate_file_response
from awards.forms_certificates import (
    CertificateFilterForm,
    CertificateReasonForm,
    CertificateReissueForm,
    CertificateSuspendForm,
)
from awards.views_review import _answers_refusals, _refusal_message
from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.models import Role

PAGE_SIZE = 50

# action slug -> (form class, service call, success message)
ACTIONS: dict[str, tuple[type, Callable, object]] = {
    "suspend": (
        CertificateSuspendForm,
        lambda user, cert, data: services.certificate_suspend(
            actor=user, certificate=cert, until=data["until"], reason=data["reason"]
        ),
        gettext_lazy("The certificate is suspended."),
    ),
    "reinstate": (
        CertificateReasonForm,
        lambda user, cert, data: services.certificate_reinstate(actor=user, certificate=cert, reason=data["reason"]),
        gettext_lazy("The certificate is valid again."),
    ),
    "revoke": (
        CertificateReasonForm,
        lambda user, cert, data: services.certificate_revoke(actor=user, certificate=cert, reason=data["reason"]),
        gettext_lazy("The certificate is revoked."),
    ),
    "cancel": (
        CertificateReasonForm,
        lambda user, cert, data: services.certificate_cancel(actor=user, certificate=cert, reason=data["reason"]),
        gettext_lazy("The certificate is cancelled."),
    ),
    "reissue": (
        CertificateReissueForm,
        lambda user, cert, data: services.certificate_reissue(actor=user, certificate=cert, reason=data["reason"]),
        gettext_lazy("The certificate has been issued again; its new file is ready."),
    ),
}
# Which actions the page offers for each live status (the services check again).
OFFERED = {
    CertificateStatus.VALID: ["suspend", "revoke", "cancel", "reissue"],
    CertificateStatus.SUSPENDED: ["reinstate", "revoke", "cancel", "reissue"],
    CertificateStatus.EXPIRED: ["revoke"],  # e.g. a fraud found after the validity ended
    CertificateStatus.REVOKED: [],
    CertificateStatus.CANCELLED: [],
}


def committee_only(view: Callable) -> Callable:
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.COMMITTEE:
            raise PermissionDenied(_("Certificates are managed by the committee."))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return _answers_refusals(wrapper)


def _certificate(number: str) -> Certificate:
    return get_object_or_404(
        Certificate.objects.select_related("programme", "award__application", "enterprise__region"), number=number
    )


@committee_only
def certificate_list(request: HttpRequest) -> HttpResponse:
    form = CertificateFilterForm(request.GET or None)
    qs = Certificate.objects.select_related("programme").order_by("-issued_on", "-number")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(number__icontains=data["q"]) | Q(holder_name__icontains=data["q"]))
        if data["status"]:
            qs = qs.with_effective_status(data["status"])
        if data["programme"]:
            qs = qs.filter(programme=data["programme"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page_range = page.paginator.get_elided_page_range(page.number)
    return render(request, "awards/review/certificates.html", {"form": form, "page": page, "page_range": page_range})


def _detail(request: HttpRequest, certificate: Certificate, bound: tuple[str, object] | None = None, status=200):
    forms = {}
    for slug in OFFERED[CertificateStatus(certificate.effective_status)]:
        form_class = ACTIONS[slug][0]
        forms[slug] = bound[1] if bound and bound[0] == slug else form_class(prefix=slug)
    context = {
        "certificate": certificate,
        "events": certificate.events.select_related("actor"),
        "files": certificate.files.all(),
        "forms": forms,
    }
    return render(request, "awards/review/certificate.html", context, status=status)


@committee_only
def certificate_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, _certificate(number))


@committee_only
@require_POST
def certificate_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    certificate = _certificate(number)
    if action not in OFFERED[CertificateStatus(certificate.effective_status)]:
        # A stale page: someone changed the certificate since this form was shown.
        _refusal_message(
            request,
            InvalidTransition(
                _("Certificate %(number)s is %(status)s now.")
                % {"number": certificate.number, "status": certificate.get_effective_status_display()}
            ),
        )
        return redirect("review:certificate", number=certificate.number)
    form_class, call, success = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if not form.is_valid():
        return _detail(request, certificate, bound=(action, form), status=400)
    try:
        call(request.user, certificate, form.cleaned_data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _detail(request, certificate, bound=(action, form), status=400)
    except DomainError as exc:
        _refusal_message(request, exc)
    else:
        messages.success(request, success)
    return redirect("review:certificate", number=certificate.number)


@committee_only
def certificate_file(request: HttpRequest, number: str, version: int) -> FileResponse:
    stored = get_object_or_404(CertificateFile, certificate__number=number, version=version)
    return certificate_file_response(stored)
