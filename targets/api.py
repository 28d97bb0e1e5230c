"""API of plans, their targets, and progress against every target at any date."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.models import Region
from targets.models import Plan, Target, TargetGroup
from targets.progress import TargetStatus, Trajectory
from targets.selectors import plan_progress


class TargetGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetGroup
        fields = ["code", "name_zh", "name_en"]
        read_only_fields = fields


class TargetSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    group = TargetGroupSerializer(read_only=True)
    comparator_display = serializers.CharField(source="get_comparator_display", read_only=True)
    measured_by_display = serializers.CharField(source="get_measured_by_display", read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "plan",
            "code",
            "group",
            "name_zh",
            "name_en",
            "comparator",
            "comparator_display",
            "value",
            "unit",
            "deadline",
            "measured_by",
            "measured_by_display",
            "metric",
            "note",
        ]
        read_only_fields = fields


class ProgressSerializer(serializers.Serializer):
    """Where one target stands on the requested date (for the region, or a league/city against its allocation)."""

    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text=_(
            "Value now: counted from the registry, or the latest reported measurement on or before the date; "
            "null when a reported target has no measurement yet."
        ),
    )
    has_data = serializers.BooleanField(read_only=True)
    goal = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text=_(
            "What the value is judged against: the plan's target value, or with ?league= the value allocated to "
            "that league/city (null when the target is not allocated to it)."
        ),
    )
    percent = serializers.SerializerMethodField(
        help_text=_("Share of the goal reached, for 'at least' targets (null otherwise, without data or goal).")
    )
    met = serializers.BooleanField(
        allow_null=True, read_only=True, help_text=_("Whether the goal is met (null without data or goal).")
    )
    measured_on = serializers.DateField(
        allow_null=True,
        read_only=True,
        help_text=_("The date counted (registry) or of the latest measurement (reported)."),
    )
    source = serializers.CharField(
        read_only=True, help_text=_('"registry" for counted targets, else the measurement\'s source.')
    )
    baseline = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text=_(
            "The value at the start of the plan: counted then (registry), or the latest measurement on or before "
            "the start, else the first one (reported)."
        ),
    )
    baseline_on = serializers.DateField(allow_null=True, read_only=True, help_text=_("The date of the baseline."))
    trajectory = serializers.ChoiceField(
        choices=Trajectory.choices,
        allow_null=True,
        read_only=True,
        help_text=_(
            "Growth since the baseline against the growth needed by now to meet the goal by the deadline: "
            "on_track (at least 95% of it, or met), needs_acceleration (60-95%), limited_progress (under 60%), "
            "regression (moved away from the goal). Null without data or goal, and for '=' targets."
        ),
    )
    trajectory_display = serializers.SerializerMethodField()
    pace = serializers.SerializerMethodField(
        help_text=_("Growth since the baseline / growth needed by now (1 = exactly on pace); null when none is needed.")
    )
    pipeline = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text=_(
            "Expected additions from the applications open now (by stage, times the historical approval rate of "
            "that stage), for registry targets that an award programme counts toward; null otherwise or for a "
            "past date."
        ),
    )
    expected_at_deadline = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text=_("value + pipeline (null when no pipeline applies)."),
    )

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_percent(self, row: TargetStatus) -> float | None:
        percent = row.percent
        return None if percent is None else round(percent, 2)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_pace(self, row: TargetStatus) -> float | None:
        return None if row.pace is None else round(row.pace, 4)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_trajectory_display(self, row: TargetStatus) -> str | None:
        return None if row.trajectory is None else str(Trajectory(row.trajectory).label)


class TargetProgressSerializer(TargetSerializer):
    progress = ProgressSerializer(read_only=True)

    class Meta(TargetSerializer.Meta):
        fields = [*TargetSerializer.Meta.fields, "progress"]
        read_only_fields = fields


def _targets_with_progress(rows: list[TargetStatus]) -> list[Target]:
    for row in rows:
        row.target.progress = row
    return [row.target for row in rows]


class PlanSerializer(serializers.ModelSerializer):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "code", "name_zh", "name_en", "period_start", "period_end", "source", "is_current", "targets"]
        read_only_fields = fields


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Plans (e.g. the 2015-2020 quality-strong region plan) with their quantified targets."""

    serializer_class = PlanSerializer
    filter_backends: list = []

    def get_queryset(self):
        targets = Target.objects.select_related("group").order_by("group__order", "order", "code")
        return Plan.objects.prefetch_related(Prefetch("targets", queryset=targets)).order_by("-period_start")


# ---------------------------------------------------------------------------------------------
# Progress


class ProgressQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=_("The date to measure on (YYYY-MM-DD); today by default."),
        error_messages={"invalid": _("as_of must be a real date written YYYY-MM-DD, e.g. 2020-12-31.")},
    )
    league = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.leagues(),
        required=False,
        help_text=_(
            "Code of a league/city: count its registry records (counties included) and its own reports, and judge "
            "them against its allocation."
        ),
        error_messages={"does_not_exist": _("There is no league or city with the code {value}.")},
    )


class TargetListQuerySerializer(ProgressQuerySerializer):
    plan = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Plan.objects.all(),
        required=False,
        help_text=_("Code of the plan; the current plan by default."),
        error_messages={"does_not_exist": _("There is no plan with the code {value}.")},
    )
    group = serializers.SlugRelatedField(
        slug_field="code",
        queryset=TargetGroup.objects.all(),
        required=False,
        help_text=_("Code of a target group, e.g. product_quality."),
        error_messages={"does_not_exist": _("There is no target group with the code {value}.")},
    )


class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Targets of a plan, each with its progress on a date: registry targets are counted live,
    reported ones take their latest measurement on or before that date."""

    queryset = Target.objects.select_related("plan", "group")
    serializer_class = TargetProgressSerializer
    filter_backends: list = []

    def _params(self, serializer_class: type[serializers.Serializer]) -> dict:
        params = serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data

    @extend_schema(parameters=[TargetListQuerySerializer])
    def list(self, request: Request, *args, **kwargs) -> Response:
        params = self._params(TargetListQuerySerializer)
        plan = params.get("plan") or Plan.objects.current()
        rows = (
            plan_progress(plan, as_of=params.get("as_of"), region=params.get("league"), group=params.get("group"))
            if plan is not None
            else []
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(_targets_with_progress(page), many=True).data)

    @extend_schema(parameters=[ProgressQuerySerializer])
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        params = self._params(ProgressQuerySerializer)
        target = self.get_object()
        rows = plan_progress(target.plan, as_of=params.get("as_of"), region=params.get("league"), group=target.group_id)
        row = next(row for row in rows if row.target.pk == target.pk)
        return Response(self.get_serializer(_targets_with_progress([row])[0]).data)
