"""Public verification of certificates: by number, by the QR code's address, by the PDF file (DESIGN section 5).

Every answer comes from ``awards.certificates.verification``, which the API and the offline command call
too, so the three cannot disagree. Answers are live: the rows come through ``awards.certificates.lookup``,
whose cache every change of a certificate or key voids, so a revocation shows at once. The QR page, which
most visitors open from a scan without a session, is rendered once per answer and process
(``_render_shared``, by the certificate's cache tokens); only the CSRF token and the time are filled in.
Only public fields reach the templates (``public_certificate`` and the public history below); the holder
enterprise's own record, the actors of the history and anything else internal are never loaded.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from awards.certificates import lookup, signing, verification
from awards.certificates.models import Certificate, CertificateAction
from awards.certificates.verification import NUMBER_RE, Outcome, Verdict, public_certificate
from awards.forms_review import NoSuffix
from core import clock, ratelimit
from core.http import never_cache
from core.memo import Memo

# --- uploads: kept in memory, never stored, never read beyond the cap -----------------------------


class CappedMemoryUpload(FileUploadHandler):
    """The only upload handler of a verification request: keeps the file in memory (nothing is written
    to disk or storage) and stops reading once the request's files pass ``limit`` bytes together."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int = verification.UPLOAD_MAX_BYTES) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.file = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            # Drop what came so far and read the rest of the body without keeping it.
            raise StopUpload(connection_reset=False)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def capped_upload(request: HttpRequest) -> CappedMemoryUpload:
    """Make ``CappedMemoryUpload`` the request's only upload handler; call before its body is read."""
    handler = CappedMemoryUpload(request)
    request.upload_handlers = [handler]
    return handler


def too_large_verdict() -> Verdict:
    """The answer for a file past the cap: the same as ``verification.verify_file`` gives one."""
    return Verdict(Outcome.UNKNOWN_FILE, notes=[_("The file is larger than any certificate the registry issues.")])


# --- what the pages show ------------------------------------------------------------------------

# The colour of an answer: green for valid, amber for "could not check", red for every "not valid".
TONES = {Outcome.VALID: "valid", Outcome.COULD_NOT_CHECK: "unknown"}
# The public reasons of the history; a reinstatement's or a reissue's reason stays internal.
PUBLIC_REASONS = {CertificateAction.SUSPEND, CertificateAction.REVOKE, CertificateAction.CANCEL}


def answer_context(verdict: Verdict) -> dict[str, Any]:
    """What the shared answer box (templates/certificates/_answer.html) shows."""
    cert = verdict.certificate
    record = None
    if cert is not None:
        record = {**public_certificate(cert), "programme_name": cert.programme.name}
    return {
        "verdict": verdict,
        "outcome": verdict.outcome.value,
        "tone": TONES.get(verdict.outcome, "invalid"),
        "record": record,
        "file": verdict.file,
        "checked_at_text": _now_text(),
    }


def _now_text() -> str:
    return clock.now().local_text


def public_history(certificate: Certificate) -> list[dict[str, Any]]:
    """The certificate's history as the public sees it: what happened and when, the reason of a
    suspension, revocation or cancellation, the end of a suspension; never who did it."""
    rows = certificate.events.order_by("at", "id").values("action", "at", "reason", "until")
    return [
        {
            "action": row["action"],
            "label": CertificateAction(row["action"]).label,
            "at": timezone.localtime(row["at"]),
            "reason": row["reason"] if row["action"] in PUBLIC_REASONS else "",
            "until": row["until"] if row["action"] == CertificateAction.SUSPEND else None,
        }
        for row in rows
    ]


def comparison(verdict: Verdict) -> list[dict[str, Any]]:
    """The signed details of a QR code next to the registry's record, field by field."""
    payload, cert = verdict.payload, verdict.certificate
    if payload is None:
        return []
    rows = [
        (_("Certificate number"), payload.number, cert.number if cert else None),
        (_("Holder"), payload.holder, cert.holder_name if cert else None),
        (_("Unified Social Credit Code"), payload.uscc, cert.holder_uscc if cert else None),
        (_("What is recognised"), payload.subject, cert.subject_name if cert else None),
        (_("Valid until"), payload.valid_until, cert.valid_until.isoformat() if cert else None),
    ]
    return [
        {"label": label, "signed": signed, "record": record, "differs": record is not None and signed != record}
        for label, signed, record in rows
    ]


# --- forms --------------------------------------------------------------------------------------


class NumberForm(NoSuffix, forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Certificate number"),
        max_length=40,
        help_text=gettext_lazy("As printed on the certificate, e.g. NMPP-2026-000123."),
        error_messages={"required": gettext_lazy("Enter the certificate number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )


class FileForm(NoSuffix, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Certificate PDF file"),
        help_text=gettext_lazy("The PDF as the registry issued it. The file is checked and then forgotten."),
        error_messages={
            "required": gettext_lazy("Choose the certificate's PDF file."),
            "empty": gettext_lazy("The file is empty: choose the certificate's PDF file."),
            "invalid": gettext_lazy("No file was received: choose the certificate's PDF file again."),
        },
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
    )


# --- pages --------------------------------------------------------------------------------------


def verify_allowed(request: HttpRequest) -> tuple[bool, int]:
    """Count one verification for the client (the pages and the API share the counter, VERIFY_RATE).

    Returns whether it is within the limit, and the seconds until the window ends."""
    allowed, wait, _tokens = verify_allowed_reading(request, None)
    return allowed, wait


def verify_allowed_reading(request: HttpRequest, number: str | None) -> tuple[bool, int, dict[str, Any] | None]:
    """``verify_allowed``, reading the cache tokens of the certificate ``number`` in the same round trip
    (``lookup.token_keys``): the third value, for ``verification.verify_*(tokens=)``; None without a number
    or without a shared cache (VERIFY_CACHE)."""
    limit, window = ratelimit.verify_rate()
    # Only a well-formed number has a record to read (and only such a number becomes part of a cache key).
    keys = lookup.token_keys(number) if number and settings.VERIFY_CACHE and NUMBER_RE.match(number) else ()
    allowed, tokens = ratelimit.hit_and_read(
        "verify", ratelimit.client_address(request), limit=limit, window=window, keys=keys
    )
    return allowed, ratelimit.retry_after(window), (tokens if keys else None)


def too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "certificates/rate_limited.html", {"seconds": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A verify page, limited per client address: past the limit a 429 page with Retry-After."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allowed, wait = verify_allowed(request)
        if not allowed:
            return too_many(request, wait)
        return view(request, *args, **kwargs)

    return wrapper


def _verify_page(
    request: HttpRequest, *, number_form: NumberForm, file_form: FileForm, verdict: Verdict | None = None
) -> HttpResponse:
    context = {
        "number_form": number_form,
        "file_form": file_form,
        "answer": answer_context(verdict) if verdict else None,
        "upload_max_mb": verification.UPLOAD_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "certificates/verify.html", context)


@csrf_protect
def _verify_upload(request: HttpRequest, handler: CappedMemoryUpload) -> HttpResponse:
    file_form = FileForm(request.POST, request.FILES)  # reads the body through ``handler``
    verdict = None
    if handler.too_large:
        verdict = too_large_verdict()
    elif file_form.is_valid():
        verdict = verification.verify_file(file_form.cleaned_data["file"])
    return _verify_page(request, number_form=NumberForm(), file_form=file_form, verdict=verdict)


@never_cache
@csrf_exempt  # CSRF is checked by _verify_upload, once the upload handler is in place
@require_http_methods(["GET", "HEAD", "POST"])
@throttled
def verify(request: HttpRequest) -> HttpResponse:
    """The verify page: a number (GET ?number=) or the PDF file (POST), answered on the same page."""
    if request.method == "POST":
        return _verify_upload(request, capped_upload(request))
    verdict = None
    if "number" in request.GET:
        number_form = NumberForm(request.GET)
        if number_form.is_valid():
            verdict = verification.verify_number(number_form.cleaned_data["number"])
    else:
        number_form = NumberForm()
    return _verify_page(request, number_form=number_form, file_form=FileForm(), verdict=verdict)


@never_cache
@require_safe
@throttled
def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """The public page of one certificate: the live answer, the record and its history.

    An unknown number is an answer too (200), but the page is not for search engines."""
    canonical = verification.normalise_number(number)
    if canonical != number and NUMBER_RE.match(canonical):
        return redirect("certificates:verify-number", canonical)
    verdict = verification.verify_number(number)
    cert = verdict.certificate
    context = {
        "number": number,
        "answer": answer_context(verdict),
        "history": public_history(cert) if cert else [],
        "noindex": cert is None,
    }
    return render(request, "certificates/verify_number.html", context)


# --- the QR page, rendered once per content ---------------------------------------------------------

# A stand-in for the only part of the QR page that differs between visitors without a session: the time of
# the answer. Letters and digits only, so escaping keeps it whole.
TIME_SLOT = "timeslot4b1e7a9c0d2f"
_rendered_pages = Memo(512)


def _same_for_every_visitor(request: HttpRequest) -> bool:
    """No session and no pending message: the page shows nothing of the visitor (the language switch carries
    no CSRF token, core/language.py)."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and CookieStorage.cookie_name not in request.COOKIES


def _shared_page_key(request: HttpRequest, number: str, tokens: dict[str, Any] | None) -> tuple | None:
    """What the QR page of a visitor without a session depends on: the language, the day (expiry), the address
    (the language switch returns to it) and the cache tokens of the certificate and of the keys, which change
    with any change of either (awards.certificates.lookup). None when the page must be rendered for this
    visitor alone (a session, a pending message) or the tokens are not there yet (the first check)."""
    if not _same_for_every_visitor(request):
        return None
    if not lookup.has_tokens(number, tokens):
        return None
    address = (request.path, request.META.get("QUERY_STRING", ""))
    return (translation.get_language(), clock.now().local_date, address, *sorted(tokens.items()))


def _filled(parts: list[bytes]) -> HttpResponse:
    """The remembered page (encoded, cut at the time's stand-in) with the time of this answer."""
    return HttpResponse(_now_text().encode().join(parts))


def _render_shared(request: HttpRequest, template: str, context: dict[str, Any], key: tuple) -> HttpResponse:
    """``render``, remembering the page under ``key`` with a stand-in for the time, which is filled in for
    each request (rendering the page costs several times the whole check)."""
    slotted = {**context, "answer": {**context["answer"], "checked_at_text": TIME_SLOT}}
    parts = render_to_string(template, slotted, request).encode().split(TIME_SLOT.encode())
    return _filled(_rendered_pages.remember(key, parts))


@never_cache
@require_safe
def verify_qr(request: HttpRequest, number: str) -> HttpResponse:
    """What a phone opens from the QR code: the signature checked by the server, the signed details next
    to the live record, and the same signature checked again by the visitor's own browser (static/js/verify.js).

    Most visitors come from a scan, with no session: their page is rendered once per answer (_render_shared).
    Limited like the other verify pages; the limit's round trip also reads the record's cache tokens."""
    allowed, wait, tokens = verify_allowed_reading(request, verification.normalise_number(number))
    if not allowed:
        return too_many(request, wait)
    shared = _shared_page_key(request, verification.normalise_number(number), tokens)
    if shared is not None and (parts := _rendered_pages.get(shared)) is not None:
        return _filled(parts)
    p, s = request.GET.get("p"), request.GET.get("s")
    if p is None and s is None:
        # The address lost its code (typed by hand, or cut off): the live record is all there is to check.
        verdict = verification.verify_number(number, tokens=tokens)
        verdict.notes.append(_("This address carries no signed code: only the registry's record was checked."))
    else:
        verdict = verification.verify_qr(number, p or "", s or "", tokens=tokens)
    key = verdict.key
    context = {
        "number": verification.normalise_number(number),
        "answer": answer_context(verdict),
        "signed": verdict.payload.as_public_dict() if verdict.payload else None,
        "rows": comparison(verdict),
        "has_code": p is not None or s is not None,
        "key": {"key_id": key.key_id, "public_key": key.public_key, "status": key.status} if key else None,
        "key_status_label": key.get_status_display() if key else "",
        "record_url": verdict.certificate.get_absolute_url() if verdict.certificate else None,
    }
    if shared is not None:
        return _render_shared(request, "certificates/verify_qr.html", context, shared)
    return render(request, "certificates/verify_qr.html", context)


@require_safe
def keys(request: HttpRequest) -> JsonResponse:
    """The published public keys (active, retired, withdrawn), for checking certificates offline."""
    response = JsonResponse(signing.public_keys_document(), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
