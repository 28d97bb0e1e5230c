"""Public notice pages (公示): open and closed notices, and the objection form.

Public: no sign-in. Objectors' names and contact details are never shown; the count of objections
and the committee's answers are.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.forms_review import ObjectionForm
from awards.models import Notice, ObjectionStatus
from awards.selectors import closed_notices, open_notices
from awards.services import objection_file
from awards.workflow import PUBLIC_LABELS, State
from core import ratelimit
from core.errors import DomainError

PAGE_SIZE = 20


def accepts_objections(notice: Notice) -> bool:
    return (
        notice.closed_on is None
        and notice.application.state == State.PUBLIC_NOTICE
        and timezone.localdate() <= notice.deadline
    )


def _outcome_label(notice: Notice) -> str:
    return str(PUBLIC_LABELS[State(notice.outcome)]) if notice.outcome else ""


def notice_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    open_page = Paginator(open_notices().annotate(objection_count=Count("objections")), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    closed_page = Paginator(closed_notices(), PAGE_SIZE).get_page(request.GET.get("closed_page"))
    for notice in closed_page.object_list:
        notice.outcome_label = _outcome_label(notice)
    return render(
        request,
        "awards/notices/notice_list.html",
        {"open_page": open_page, "closed_page": closed_page, "today": today},
    )


def _rate_limited(request: HttpRequest, window: int) -> HttpResponse:
    response = render(request, "awards/notices/rate_limited.html", {"minutes": window // 60}, status=429)
    response["Retry-After"] = str(window)
    return response


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(
        Notice.objects.select_related(
            "application__programme",
            "application__enterprise__region__parent",
            "application__brand",
            "application__gi_product",
        ),
        pk=pk,
    )
    accepting = accepts_objections(notice)
    form = None
    if request.method == "POST":
        if not accepting:
            messages.error(request, _("The notice period is over; objections are no longer accepted."))
            return redirect("notices:detail", notice.pk)
        form = ObjectionForm(request.POST)
        if form.is_valid():
            limit, window = ratelimit.objection_rate()
            if not ratelimit.hit("objection", ratelimit.client_address(request), limit=limit, window=window):
                return _rate_limited(request, window)
            try:
                objection_file(notice=notice, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("notices:detail", notice.pk)
            else:
                messages.success(
                    request, _("Your objection has been received. The committee will answer it before any decision.")
                )
                return redirect("notices:detail", notice.pk)
    elif accepting:
        form = ObjectionForm()
    objections = list(notice.objections.only("filed_at", "status", "answer", "answered_at", "notice_id"))
    context = {
        "notice": notice,
        "application": notice.application,
        "accepting": accepting,
        "form": form,
        "objection_count": len(objections),
        "answered": [o for o in objections if o.status != ObjectionStatus.PENDING],
        "outcome_label": _outcome_label(notice),
    }
    return render(request, "awards/notices/notice_detail.html", context)
