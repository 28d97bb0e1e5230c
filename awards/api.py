"""The workflow API: the enterprise portal and the review workspace, for browsers and for systems.

Every action is thin: find the object through a permission helper of ``awards.permissions`` (an
application the caller may not see is a 404, as if it did not exist), validate the input, call the
one service function of ``awards.services``, and serialize the result. Refusals are domain errors,
mapped to their status by ``core.api.exception_handler``: not found 404, not allowed 403, not from
this state 409, bad input 400.

Authentication: the session (with CSRF) for the browser; a token (issued by staff in the admin)
for systems. Filing an objection to a public notice needs no account and is throttled.
"""

from __future__ import annotations

from collections.abc import Callable

import django_filters
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from awards import services
from awards.models import Application, Assignment, AwardProgramme, Notice, Objection, ReviewerLink
from awards.permissions import application_for, assignment_for
from awards.serializers import (
    ApplicationCreateInput,
    ApplicationOutput,
    ApplicationUpdateInput,
    AssignmentCreateInput,
    AssignmentSerializer,
    AttachmentInput,
    AttachmentSerializer,
    DeclareInput,
    ObjectionAnswerInput,
    ObjectionInput,
    ObjectionReceiptSerializer,
    ObjectionSerializer,
    OptionalReasonsInput,
    ReasonsInput,
    RequestInfoInput,
    RespondInput,
    ReviewInput,
    ReviewSerializer,
    application_output_class,
)
from awards.workflow import State
from core import ratelimit
from core.api_schema import ProblemSerializer
from core.errors import PermissionDenied
from core.models import RegionLevel, Role, User

# ---------------------------------------------------------------------------------------------
# Who sees what


def applications_visible_to(user: User) -> QuerySet[Application]:
    """The applications ``user`` may see: the same rule as ``awards.permissions.can_view``, as a query.

    The applicant's users see their enterprise's applications, drafts included; reviewers those of
    their jurisdiction (unless linked to the applicant or recused), the committee and staff all; none of them
    sees a draft. Anyone sees the files they are assigned to and have not stepped aside from.
    """
    if not (user.is_authenticated and user.is_active):
        return Application.objects.none()
    assigned = Q(pk__in=Assignment.objects.filter(reviewer=user, recused_at__isnull=True).values("application_id"))
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return Application.objects.filter(Q(enterprise_id=user.enterprise_id) | assigned)
    submitted = ~Q(state=State.DRAFT)
    if user.role in (Role.COMMITTEE, Role.STAFF):
        return Application.objects.filter(submitted | assigned)
    if user.role == Role.REVIEWER and user.jurisdiction_id:
        if user.jurisdiction.level == RegionLevel.PROVINCE:
            covered = Q()
        else:  # the applicant's league/city: the parent of a county, else the region itself
            code = user.jurisdiction_id
            covered = Q(enterprise__region__level=RegionLevel.COUNTY, enterprise__region__parent_id=code) | (
                ~Q(enterprise__region__level=RegionLevel.COUNTY) & Q(enterprise__region_id=code)
            )
        # permissions.has_conflict: linked to the applicant, or stepped aside from the file
        linked = Q(enterprise_id__in=ReviewerLink.objects.filter(reviewer=user).values("enterprise_id"))
        recused = Q(pk__in=Assignment.objects.filter(reviewer=user, recused_at__isnull=False).values("application_id"))
        return Application.objects.filter((covered & submitted & ~linked & ~recused) | assigned)
    return Application.objects.filter(assigned)


def _undeclared(user: User) -> QuerySet[Assignment]:
    return Assignment.objects.filter(reviewer=user, declared_no_conflict_at__isnull=True, recused_at__isnull=True)


def application_open_for(user: User, pk: int) -> Application:
    """``application_for``, and, as in the workspace, an assigned reviewer sees nothing of the file
    until they have declared whether they have a conflict of interest (403)."""
    application = application_for(user, pk)
    if _undeclared(user).filter(application=application).exists():
        raise PermissionDenied(_("Declare whether you have a conflict of interest first."))
    return application


class ApplicationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=gettext_lazy("State"), choices=State.choices)
    programme = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Programme"), queryset=AwardProgramme.objects.all(), to_field_name="code"
    )

    class Meta:
        model = Application
        fields = ["state", "programme"]


class IsReviewerOrCommittee(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role in (Role.REVIEWER, Role.COMMITTEE))


class IsCommittee(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.COMMITTEE)


def _valid(input_class: type[serializers.Serializer], request: Request) -> dict:
    serializer = input_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


REFUSALS = {
    400: OpenApiResponse(description=gettext_lazy("Bad input; each field with its message.")),
    403: OpenApiResponse(ProblemSerializer, description=gettext_lazy("Not signed in, or not allowed.")),
    404: OpenApiResponse(ProblemSerializer, description=gettext_lazy("No such object, or not yours to see.")),
    409: OpenApiResponse(ProblemSerializer, description=gettext_lazy("Not possible in the current state.")),
}


def _responses(ok: int, body, *codes: int) -> dict:
    return {ok: body, **{code: REFUSALS[code] for code in codes}}


def _transition_schema(summary: str, request=None) -> Callable:
    return extend_schema(
        summary=summary, request=request, responses=_responses(200, ApplicationOutput, 400, 403, 404, 409)
    )


# ---------------------------------------------------------------------------------------------
# Applications


@extend_schema_view(
    list=extend_schema(
        summary="Applications you may see",
        description="The applicant reads its own (drafts too) with the public-facing status; reviewers those "
        "of their jurisdiction, the committee and staff all submitted ones, with the internal state. A file "
        "you are assigned to shows once you have declared whether you have a conflict of interest.",
        responses=_responses(200, ApplicationOutput, 403),
    ),
    retrieve=extend_schema(summary="One application", responses=_responses(200, ApplicationOutput, 403, 404)),
    create=extend_schema(
        summary="Start a draft (the applicant)",
        request=ApplicationCreateInput,
        responses=_responses(201, ApplicationOutput, 400, 403),
    ),
    partial_update=extend_schema(
        summary="Change the statement of a draft (the applicant)",
        request=ApplicationUpdateInput,
        responses=_responses(200, ApplicationOutput, 400, 403, 404, 409),
    ),
)
class ApplicationViewSet(viewsets.GenericViewSet):
    """Applications for recognition: the applicant's drafts and submissions, the workspace's files."""

    queryset = Application.objects.none()  # the caller's own: see get_queryset
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = ApplicationFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Application]:
        user = self.request.user
        return (
            applications_visible_to(user)
            .exclude(pk__in=_undeclared(user).values("application_id"))  # not open to them yet
            .select_related("programme", "enterprise__region__parent", "brand", "gi_product", "notice")
            .prefetch_related("attachments")
            .annotate(reviews_done=Count("assignments__review"))
            .order_by("-created_at", "-id")
        )

    def _output(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        serializer_class = application_output_class(self.request.user)
        return Response(serializer_class(application, context=self.get_serializer_context()).data, status=code)

    def _act(self, request: Request, pk: str, service: Callable[..., Application], input_class=None) -> Response:
        application = application_open_for(request.user, int(pk))
        arguments = _valid(input_class, request) if input_class else {}
        return self._output(service(actor=request.user, application=application, **arguments))

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer_class = application_output_class(request.user)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._output(application_open_for(request.user, int(pk)))

    def create(self, request: Request) -> Response:
        application = services.application_create(actor=request.user, **_valid(ApplicationCreateInput, request))
        return self._output(application, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_update, ApplicationUpdateInput)

    # --- the applicant ---

    @_transition_schema("Submit a draft (the applicant)")
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_submit)

    @_transition_schema("Withdraw the application (the applicant)")
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_withdraw)

    @_transition_schema("Answer the request for more information (the applicant)", RespondInput)
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_respond, RespondInput)

    @extend_schema(
        summary="Attach a PDF or a picture (the applicant, to a draft or while information is requested)",
        request={"multipart/form-data": AttachmentInput},
        responses=_responses(201, AttachmentSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request: Request, pk: str) -> Response:
        application = application_open_for(request.user, int(pk))
        upload = _valid(AttachmentInput, request)["file"]
        attachment = services.attachment_add(actor=request.user, application=application, upload=upload)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    # --- reviewers and the committee ---

    @_transition_schema("Pass the league/city pre-review", OptionalReasonsInput)
    @action(detail=True, methods=["post"], url_path="pass-prereview")
    def pass_prereview(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_pass_prereview, OptionalReasonsInput)

    @_transition_schema("Request more information from the applicant", RequestInfoInput)
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_request_info, RequestInfoInput)

    @_transition_schema("Close the expert review (the committee)")
    @action(detail=True, methods=["post"], url_path="close-review")
    def close_review(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_close_review)

    @_transition_schema("Decide to open the public notice (the committee)", ReasonsInput)
    @action(detail=True, methods=["post"], url_path="open-notice")
    def open_notice(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_open_notice, ReasonsInput)

    @_transition_schema("Reject, with reasons", ReasonsInput)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_reject, ReasonsInput)

    @_transition_schema("Grant, after the notice closed with no upheld objection (the committee)")
    @action(detail=True, methods=["post"])
    def grant(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.application_grant)


# ---------------------------------------------------------------------------------------------
# Assignments and reviews


@extend_schema_view(
    list=extend_schema(summary="Your assignments", responses=_responses(200, AssignmentSerializer, 403)),
    create=extend_schema(
        summary="Assign a reviewer (the committee) or take a file in your jurisdiction (a reviewer)",
        request=AssignmentCreateInput,
        responses=_responses(201, AssignmentSerializer, 400, 403, 404, 409),
    ),
)
class AssignmentViewSet(viewsets.GenericViewSet):
    """Reviewers' assignments: declare any conflict of interest, then score."""

    queryset = Assignment.objects.none()  # the caller's own: see get_queryset
    permission_classes = [IsReviewerOrCommittee]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Assignment]:
        return (
            Assignment.objects.filter(reviewer=self.request.user)
            .select_related("application", "review")
            .prefetch_related("review__scores__indicator")
            .order_by("-assigned_at", "-id")
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AssignmentSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        data = _valid(AssignmentCreateInput, request)
        application = application_for(request.user, data["application"])
        assignment = services.assignment_create(
            actor=request.user, application=application, reviewer=data.get("reviewer") or request.user
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Declare a conflict of interest (step aside) or none (the file opens)",
        request=DeclareInput,
        responses=_responses(200, AssignmentSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def declare(self, request: Request, pk: str) -> Response:
        assignment = assignment_for(request.user, int(pk))
        assignment = services.assignment_declare(
            actor=request.user, assignment=assignment, **_valid(DeclareInput, request)
        )
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(
        summary="Submit your review: a score per indicator, a recommendation, a comment",
        request=ReviewInput,
        responses=_responses(201, ReviewSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        assignment = assignment_for(request.user, int(pk))
        data = _valid(ReviewInput, request)
        indicators = {i.code: i.pk for i in assignment.application.programme.indicators.all()}
        unknown = sorted(set(data["scores"]) - set(indicators))
        if unknown:
            raise ValidationError(
                {"scores": [_("Unknown indicator: %(code)s") % {"code": code} for code in unknown]}, code="unknown"
            )
        review = services.review_submit(
            actor=request.user,
            assignment=assignment,
            scores={indicators[code]: value for code, value in data["scores"].items()},
            recommendation=data["recommendation"],
            comment=data["comment"],
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Public notices and objections


class ObjectionThrottle(BaseThrottle):
    """The notice page's counter (core.ratelimit): one limit per client for the page and the API together."""

    window = 3600

    def allow_request(self, request: Request, view) -> bool:
        limit, self.window = ratelimit.objection_rate()
        return ratelimit.hit("objection", ratelimit.client_address(request), limit=limit, window=self.window)

    def wait(self) -> float:
        return float(self.window)


class NoticeViewSet(viewsets.GenericViewSet):
    """Public notices: anyone may object while a notice is open (throttled per client)."""

    queryset = Notice.objects.none()
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ObjectionThrottle]
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        summary="Object to an application in public notice (no account needed; throttled)",
        request=ObjectionInput,
        responses={
            201: ObjectionReceiptSerializer,
            400: REFUSALS[400],
            404: REFUSALS[404],
            409: REFUSALS[409],
            429: OpenApiResponse(ProblemSerializer, description=gettext_lazy("Too many objections from here.")),
        },
        auth=[],
    )
    @action(detail=True, methods=["post"])
    def objections(self, request: Request, pk: str) -> Response:
        notice = get_object_or_404(Notice, pk=int(pk))
        objection = services.objection_file(notice=notice, **_valid(ObjectionInput, request))
        return Response(ObjectionReceiptSerializer(objection).data, status=status.HTTP_201_CREATED)


class ObjectionViewSet(viewsets.GenericViewSet):
    """Objections to public notices, answered by the committee."""

    queryset = Objection.objects.none()
    permission_classes = [IsCommittee]
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        summary="Answer an objection: upheld or not (the committee)",
        request=ObjectionAnswerInput,
        responses=_responses(200, ObjectionSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        objection = get_object_or_404(Objection, pk=int(pk))
        objection = services.objection_answer(
            actor=request.user, objection=objection, **_valid(ObjectionAnswerInput, request)
        )
        return Response(ObjectionSerializer(objection).data)
