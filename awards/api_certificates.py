"""The public verification API: the same answers as the verify pages (``awards.certificates.verification``).

Every outcome is an answer, so every check answers 200 with the verdict; 400 is only for a request that
is itself malformed (no number, a code with half of its parts, no file). No authentication, no session,
no CSRF: the endpoints change nothing and read only public fields. Answers are never cached.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from awards.certificates import lookup, verification
from awards.certificates.verification import Outcome
from awards.views_certificates import capped_upload, too_large_verdict, verify_allowed, verify_allowed_reading
from core import clock
from core.api_schema import ProblemSerializer
from core.http import add_never_cache_headers
from core.memo import Memo

# --- input --------------------------------------------------------------------------------------


class VerifyQueryInput(serializers.Serializer):
    number = serializers.CharField(trim_whitespace=True)
    p = serializers.CharField(required=False, trim_whitespace=False)
    s = serializers.CharField(required=False, trim_whitespace=False)

    def validate(self, data: dict) -> dict:
        if ("p" in data) != ("s" in data):
            raise serializers.ValidationError(
                _("Give both p and s (the QR code's signed details and its signature), or neither.")
            )
        return data


class VerifyFileInput(serializers.Serializer):
    file = serializers.FileField(help_text=_("The certificate's PDF file, as issued."))


# --- output (documents ``Verdict.as_public_dict``, which the views return as is) ------------------


class SignedPayloadSerializer(serializers.Serializer):
    number = serializers.CharField()
    holder = serializers.CharField()
    uscc = serializers.CharField()
    subject = serializers.CharField()
    valid_until = serializers.CharField(help_text="ISO date, as signed.")
    key_id = serializers.CharField()
    version = serializers.IntegerField()


class PublicCertificateSerializer(serializers.Serializer):
    number = serializers.CharField()
    programme = serializers.CharField(help_text="The programme's Chinese name.")
    programme_en = serializers.CharField()
    holder = serializers.CharField()
    uscc = serializers.CharField()
    subject = serializers.CharField()
    issued_on = serializers.DateField()
    valid_until = serializers.DateField()
    status = serializers.ChoiceField(choices=["valid", "suspended", "revoked", "cancelled", "expired"])
    status_label = serializers.CharField()
    suspended_until = serializers.DateField(allow_null=True)
    reason = serializers.CharField(help_text="The reason of a revocation or suspension; empty otherwise.")
    version = serializers.IntegerField(help_text="The current rendering (a reissue adds one).")


class IssuedFileSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    sha256 = serializers.CharField()


class VerdictSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    valid = serializers.BooleanField(help_text="True only for the outcome ``valid``.")
    label = serializers.CharField()
    explanation = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())
    signature_checked = serializers.BooleanField(
        help_text="The Ed25519 signature was verified against a key the registry published."
    )
    key_id = serializers.CharField(allow_null=True)
    signed_payload = SignedPayloadSerializer(allow_null=True)
    certificate = PublicCertificateSerializer(allow_null=True, help_text="The live record (public fields only).")
    file = IssuedFileSerializer(allow_null=True, help_text="The issued file an upload matched.")


MALFORMED = OpenApiResponse(description=_("The request is malformed; each field with its message."))
VERDICT = OpenApiResponse(VerdictSerializer, description=_("The answer, whatever the outcome."))
TOO_MANY = OpenApiResponse(
    ProblemSerializer, description=_("Too many verifications from this address; Retry-After says when to try again.")
)


# --- views --------------------------------------------------------------------------------------


class VerifyThrottle(BaseThrottle):
    """The verify pages' counter (``views_certificates.verify_allowed``): one limit per client address for the
    pages and the API together, exact across workers with Redis (core.ratelimit)."""

    seconds = 60

    def allow_request(self, request: Request, view) -> bool:
        # A request the fast path (VerifyView.dispatch) already counted is not counted twice.
        counted = getattr(request._request, "verify_counted", None)
        allowed, self.seconds = counted if counted is not None else verify_allowed(request._request)
        return allowed

    def wait(self) -> float:
        return float(self.seconds)


class PublicVerifyView(APIView):
    authentication_classes: list = []  # public: no session, so no CSRF and no session lookup
    permission_classes = [permissions.AllowAny]
    throttle_classes = [VerifyThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # a revocation must show at once
        return response


# Answers already computed by this process (VerifyView.answer), oldest first out.
_answers = Memo(2048)


def _encode(data: dict) -> bytes:
    """``data`` as DRF's JSONRenderer writes it: UTF-8, compact."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _json_bytes(body: bytes) -> HttpResponse:
    """A JSON body with the headers DRF's views send (tests/test_verify_api.py compares both paths)."""
    response = HttpResponse(body, content_type="application/json")
    response.headers["Vary"] = "Accept"
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    return add_never_cache_headers(response)


# The questions this process has read, by query string: a QR code is scanned again and again, and reading a
# query into Django's QueryDict was a third of the fast path's own work. At most 2,048 query strings of at
# most gunicorn's request line (4 KB): a few MB per worker at worst.
_questions = Memo(2048)


def _plain_question(request: HttpRequest) -> tuple[str, str | None, str | None] | None:
    """(number, p, s) when the query asks a plain question (a number, with both halves of a QR code or
    neither, no ``format``), else None: the same reading of ``request.GET`` for the same query string."""
    raw = request.META.get("QUERY_STRING", "")
    question = _questions.get(raw)
    if question is None:
        query = request.GET
        plain = "format" not in query and query.get("number", "").strip() and ("p" in query) == ("s" in query)
        question = (verification.normalise_number(query["number"]), query.get("p"), query.get("s")) if plain else ()
        _questions.remember(raw, question)
    return question or None


class VerifyView(PublicVerifyView):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """The registry's most frequent request, answered without DRF's request wrapping, content negotiation
        and rendering, which cost more than the check itself (docs/benchmarks.md, "Verification under load").

        Only the plain case takes this path: a GET asking for JSON (no ``format``, no HTML in Accept) with
        well-formed parameters, within the client's limit. The answer is the one ``get`` below gives. Anything
        else (a malformed query, a refusal, the browsable API, OPTIONS) goes through DRF as before, with its
        error answers; the limit is counted once either way."""
        question = None
        if request.method == "GET" and "html" not in request.META.get("HTTP_ACCEPT", ""):
            question = _plain_question(request)
        if question is None:
            return super().dispatch(request, *args, **kwargs)
        number, p, s = question
        allowed, wait, tokens = verify_allowed_reading(request, number)
        if not allowed:
            request.verify_counted = (allowed, wait)
            return super().dispatch(request, *args, **kwargs)  # DRF's 429 answer, with Retry-After
        return _json_bytes(self.answer(number, p, s, tokens))

    @classmethod
    def answer(cls, number: str, p: str | None, s: str | None, tokens: dict[str, Any] | None) -> bytes:
        """The JSON answer, remembered per process for the same question under the same cache tokens, the
        same day and language: the tokens change with any change of the certificate or the keys, so a
        remembered answer is exactly the one computed now."""
        memo = None
        if lookup.has_tokens(number, tokens):
            memo = (translation.get_language(), clock.now().local_date, number, p, s, *sorted(tokens.items()))
            if (body := _answers.get(memo)) is not None:
                return body
        body = _encode(cls.verdict(number, p, s, tokens=tokens).as_public_dict())
        if memo is not None:
            _answers.remember(memo, body)
        return body

    @staticmethod
    def verdict(
        number: str, p: str | None, s: str | None, tokens: dict[str, Any] | None = None
    ) -> verification.Verdict:
        if p is not None:
            return verification.verify_qr(number, p, s or "", tokens=tokens)
        return verification.verify_number(number, tokens=tokens)

    @extend_schema(
        operation_id="verify_certificate",
        summary="Verify a certificate by number, or a scanned QR code",
        description=(
            "With `number` alone: the live status of the certificate with this number. With `p` and `s` "
            "(the signed details and the Ed25519 signature of the QR code, base64url, as in "
            "`/v/<number>?p=…&s=…`): the signature is checked against the published keys "
            "(`/verify/keys.json`), the signed details against the record, then the live status. "
            "Every outcome answers 200; `outcome` says which."
        ),
        parameters=[
            OpenApiParameter("number", OpenApiTypes.STR, required=True, description="e.g. NMPP-2026-000123"),
            OpenApiParameter("p", OpenApiTypes.STR, description="The QR code's signed details (base64url)."),
            OpenApiParameter("s", OpenApiTypes.STR, description="The QR code's signature (base64url)."),
        ],
        responses={200: VERDICT, 400: MALFORMED, 429: TOO_MANY},
        auth=[],
        tags=["verify"],
    )
    def get(self, request: Request) -> Response:
        query = VerifyQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return Response(self.verdict(data["number"], data.get("p"), data.get("s")).as_public_dict())


class VerifyFileView(PublicVerifyView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="verify_certificate_file",
        summary="Verify a certificate's PDF file",
        description=(
            "The file's SHA-256 is matched against every file the registry issued: only an unaltered copy "
            "matches. Up to 5 MB; the upload is not kept. Every outcome answers 200; `outcome` says which."
        ),
        request={"multipart/form-data": VerifyFileInput},
        responses={200: VERDICT, 400: MALFORMED, 429: TOO_MANY},
        auth=[],
        tags=["verify"],
    )
    def post(self, request: Request) -> Response:
        handler = capped_upload(request._request)  # before DRF reads the body
        upload = VerifyFileInput(data=request.data)
        if handler.too_large:
            return Response(too_large_verdict().as_public_dict())
        upload.is_valid(raise_exception=True)
        return Response(verification.verify_file(upload.validated_data["file"]).as_public_dict())
