"""The certificates API for signed-in users: the holder's own certificates (and their files), and the
committee's actions (suspend, reinstate, revoke, cancel, reissue). Public checking is elsewhere:
``awards.api_certificates`` (/api/v1/verify/), open to anyone.

Visibility: the committee, staff and the leadership group see every certificate; an enterprise user
sees its own enterprise's (another's is a 404); reviewers see none (403). Actions: committee only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from awards.api import IsCommittee, _responses, _valid
from awards.certificates import services
from awards.certificates.models import FINAL_STATUSES, Certificate
from awards.certificates.selectors import certificate_file_response, latest_file
from awards.certificates.services import REASON_MAX
from core.models import Role

SEE_ALL = frozenset({Role.COMMITTEE, Role.STAFF, Role.LEADERSHIP})


class CertificateEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()
    until = serializers.DateField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)


class CertificateOutput(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = serializers.CharField(source="effective_status", help_text="valid, suspended, revoked, cancelled, expired")
    events = CertificateEventSerializer(many=True, read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "number",
            "programme",
            "holder_name",
            "holder_uscc",
            "subject_name",
            "issued_on",
            "valid_until",
            "status",
            "suspended_until",
            "status_reason",
            "version",
            "key_id",
            "events",
        ]


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX, allow_blank=True)


class SuspendInput(ReasonInput):
    until = serializers.DateField()


class ReissueInput(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class CanSeeCertificates(permissions.BasePermission):
    message = _("Reviewers do not handle certificates.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.role in SEE_ALL or (user.role == Role.ENTERPRISE and user.enterprise_id))
        )


def _action_schema(summary: str, request_class) -> Callable:
    return extend_schema(
        summary=summary, request=request_class, responses=_responses(200, CertificateOutput, 400, 403, 404, 409)
    )


@extend_schema_view(
    list=extend_schema(summary="Certificates you may see", responses=_responses(200, CertificateOutput, 403)),
    retrieve=extend_schema(
        summary="One certificate, with its history", responses=_responses(200, CertificateOutput, 403, 404)
    ),
)
class CertificateDeskViewSet(viewsets.GenericViewSet):
    queryset = Certificate.objects.none()
    serializer_class = CertificateOutput
    permission_classes = [CanSeeCertificates]
    lookup_field = "number"
    lookup_value_regex = "[A-Z0-9]{2,8}-[0-9]{4}-[0-9]{6}"

    def get_queryset(self) -> QuerySet[Certificate]:
        user = self.request.user
        qs = (
            Certificate.objects.select_related("programme").prefetch_related("events").order_by("-issued_on", "-number")
        )
        return qs if user.role in SEE_ALL else qs.filter(enterprise_id=user.enterprise_id)

    def _certificate(self, number: str) -> Certificate:
        certificate = self.get_queryset().filter(number=number).first()
        if certificate is None:
            raise Http404
        return certificate

    def _output(self, certificate: Certificate) -> Response:
        return Response(CertificateOutput(self._certificate(certificate.number)).data)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CertificateOutput(page, many=True).data)

    def retrieve(self, request: Request, number: str) -> Response:
        return Response(CertificateOutput(self._certificate(number)).data)

    @extend_schema(summary="The current PDF of a certificate", responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, number: str):
        certificate = self._certificate(number)
        if certificate.status in FINAL_STATUSES:
            raise Http404(_("This certificate was revoked or cancelled; there is no file to download."))
        stored = latest_file(certificate)
        if stored is None:
            raise Http404(_("The certificate file is missing; ask the programme office to issue it again."))
        return certificate_file_response(stored)

    def _act(self, request: Request, number: str, call: Callable, input_class) -> Response:
        certificate = self._certificate(number)
        data = _valid(input_class, request)
        return self._output(call(actor=request.user, certificate=certificate, **data))

    @_action_schema("Suspend until a date (committee)", SuspendInput)
    @action(detail=True, methods=["post"], permission_classes=[IsCommittee])
    def suspend(self, request: Request, number: str) -> Response:
        return self._act(request, number, services.certificate_suspend, SuspendInput)

    @_action_schema("Reinstate a suspended certificate (committee)", ReasonInput)
    @action(detail=True, methods=["post"], permission_classes=[IsCommittee])
    def reinstate(self, request: Request, number: str) -> Response:
        return self._act(request, number, services.certificate_reinstate, ReasonInput)

    @_action_schema("Revoke, with the reason (committee)", ReasonInput)
    @action(detail=True, methods=["post"], permission_classes=[IsCommittee])
    def revoke(self, request: Request, number: str) -> Response:
        return self._act(request, number, services.certificate_revoke, ReasonInput)

    @_action_schema("Cancel without fault (committee)", ReasonInput)
    @action(detail=True, methods=["post"], permission_classes=[IsCommittee])
    def cancel(self, request: Request, number: str) -> Response:
        return self._act(request, number, services.certificate_cancel, ReasonInput)

    @_action_schema("Issue again with the active key (committee)", ReissueInput)
    @action(detail=True, methods=["post"], permission_classes=[IsCommittee])
    def reissue(self, request: Request, number: str) -> Response:
        return self._act(request, number, services.certificate_reissue, ReissueInput)
