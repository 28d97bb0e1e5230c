"""The review workspace: the queue, the file, the workflow actions, the conflict-of-interest
declaration, the review form, objections, and the decision letter.

Every view starts with a permission helper from ``awards.permissions`` (NotFound -> 404,
PermissionDenied -> 403) and writes only through ``awards.services``. A refused write is a message
on the file and changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from awards import services
from awards.certificates.models import Certificate
from awards.forms_review import AssignForm, NoticeExtendForm, ObjectionAnswerForm, ReasonsForm, RecuseForm, ReviewForm
from awards.models import Application, Assignment, Objection, ObjectionStatus, Review, ReviewerLink
from awards.permissions import NotFound, actor_roles, allowed_actions_for, application_for, assignment_for, check_action
from awards.selectors import aggregate_score, application_reviews
from awards.workflow import HISTORY_LABELS, Action, Actor, State
from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.models import AuditEvent, CreditRecord, RegionLevel, Role, User

WORKSPACE_ROLES = frozenset({Role.REVIEWER, Role.COMMITTEE})
QUEUE_STAGES = [
    State.SUBMITTED,
    State.EXPERT_REVIEW,
    State.COMMITTEE_REVIEW,
    State.MORE_INFORMATION,
    State.PUBLIC_NOTICE,
]
LETTER_ACTIONS = [Action.OPEN_NOTICE, Action.REJECT, Action.GRANT]
LETTER_OUTCOMES = {
    Action.OPEN_NOTICE: gettext_lazy("Intended for grant: the application is published for public notice"),
    Action.REJECT: gettext_lazy("Rejected: the application is not granted"),
    Action.GRANT: gettext_lazy("Granted"),
}


# --- plumbing -------------------------------------------------------------------------------------


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "awards/review/forbidden.html", {"message": message}, status=403)


def _answers_refusals(view: Callable) -> Callable:
    """NotFound -> 404 (guessing ids reveals nothing); PermissionDenied -> a 403 page saying why."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except PermissionDenied as exc:
            return forbidden(request, exc.message)

    return login_required(wrapper)


def workspace(view: Callable) -> Callable:
    """Signed-in reviewers and committee members only (anyone else: 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role not in WORKSPACE_ROLES:
            raise PermissionDenied(_("The review workspace is for reviewers and committee members."))
        return view(request, *args, **kwargs)

    return _answers_refusals(wrapper)


def _refusal_message(request: HttpRequest, exc: DomainError | ValidationError) -> None:
    if isinstance(exc, InvalidTransition):
        messages.error(request, _("This cannot be done in the current state: %(why)s") % {"why": exc.message})
    elif isinstance(exc, DomainError):
        messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(exc.messages))


def _form_errors_message(request: HttpRequest, form) -> None:
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    messages.error(request, " ".join(errors))


def _to_file(application: Application) -> HttpResponse:
    return redirect("review:application", application.pk)


def _own_assignment(user: User, application: Application) -> Assignment | None:
    return Assignment.objects.filter(application=application, reviewer=user).select_related("review").first()


def _undeclared(assignment: Assignment | None) -> bool:
    return assignment is not None and assignment.declared_no_conflict_at is None


def _gate(request: HttpRequest, application: Application) -> HttpResponse | None:
    """An assigned reviewer sees nothing of the file until they have declared no conflict."""
    assignment = _own_assignment(request.user, application)
    if not _undeclared(assignment):
        return None
    context = {"application": application, "assignment": assignment, "recuse_form": RecuseForm()}
    return render(request, "awards/review/declare.html", context)


# --- the queue ------------------------------------------------------------------------------------


def _queue(user: User):
    """Open applications the user can act on or is assigned to (never drafts)."""
    qs = Application.objects.filter(state__in=QUEUE_STAGES)
    if user.role == Role.REVIEWER:
        assigned = Q(pk__in=Assignment.objects.filter(reviewer=user, recused_at__isnull=True).values("application_id"))
        jurisdiction = user.jurisdiction
        if jurisdiction is None:
            covered = Q(pk__in=[])
        elif jurisdiction.level == RegionLevel.PROVINCE:
            covered = Q()
        else:  # the league/city of the applicant (see permissions.applicant_league)
            covered = Q(enterprise__region__level=RegionLevel.COUNTY, enterprise__region__parent_id=jurisdiction.code)
            covered |= ~Q(enterprise__region__level=RegionLevel.COUNTY) & Q(enterprise__region_id=jurisdiction.code)
        linked = Q(enterprise_id__in=ReviewerLink.objects.filter(reviewer=user).values("enterprise_id"))
        # A pre-reviewer acts on submitted files, takes files in expert review, and follows the
        # information it asked for in pre-review.
        actionable = Q(state__in=[State.SUBMITTED, State.EXPERT_REVIEW]) | Q(
            state=State.MORE_INFORMATION, return_state=State.SUBMITTED
        )
        qs = qs.filter((covered & ~linked & actionable) | assigned)
    return (
        qs.select_related("programme", "enterprise__region__parent", "brand", "gi_product", "notice")
        .annotate(
            pending_objections=Count("notice__objections", filter=Q(notice__objections__status=ObjectionStatus.PENDING))
        )
        .order_by("submitted_at", "pk")
    )


@dataclass
class QueueRow:
    application: Application
    review_count: int
    aggregate: object
    assignment: Assignment | None


@workspace
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    applications = list(_queue(user))
    ids = [a.pk for a in applications]
    reviews: dict[int, list[Review]] = defaultdict(list)
    for r in (
        Review.objects.filter(assignment__application_id__in=ids)
        .select_related("assignment")
        .only("total", "assignment__application_id")
    ):
        reviews[r.assignment.application_id].append(r)
    mine = {}
    if user.role == Role.REVIEWER:
        mine = {
            a.application_id: a
            for a in Assignment.objects.filter(reviewer=user, application_id__in=ids).select_related("review")
        }
    is_committee = user.role == Role.COMMITTEE
    groups = {stage: [] for stage in QUEUE_STAGES}
    for app in applications:
        app_reviews = reviews.get(app.pk, [])
        # The aggregate is the committee's: a reviewer scores without seeing the others' totals.
        aggregate = aggregate_score(app_reviews) if is_committee else None
        groups[State(app.state)].append(QueueRow(app, len(app_reviews), aggregate, mine.get(app.pk)))
    stages = [(stage, stage.label, groups[stage]) for stage in QUEUE_STAGES]
    return render(
        request,
        "awards/review/queue.html",
        {"stages": stages, "is_committee": is_committee, "total": len(applications)},
    )


# --- the file -------------------------------------------------------------------------------------

ActionService = Callable[[User, Application, str], Application]


@dataclass(frozen=True)
class ActionSpec:
    service: ActionService
    reasons: str  # "", "optional" or "required"
    reasons_label: str = ""


ACTIONS: dict[Action, ActionSpec] = {
    Action.PASS_PREREVIEW: ActionSpec(
        lambda u, a, r: services.application_pass_prereview(actor=u, application=a, reasons=r),
        "optional",
        gettext_lazy("Note (optional)"),
    ),
    Action.REQUEST_INFO: ActionSpec(
        lambda u, a, r: services.application_request_info(actor=u, application=a, request=r),
        "required",
        gettext_lazy("What information is needed"),
    ),
    Action.CLOSE_REVIEW: ActionSpec(lambda u, a, r: services.application_close_review(actor=u, application=a), ""),
    Action.OPEN_NOTICE: ActionSpec(
        lambda u, a, r: services.application_open_notice(actor=u, application=a, reasons=r),
        "required",
        gettext_lazy("Reasons for the decision"),
    ),
    Action.REJECT: ActionSpec(
        lambda u, a, r: services.application_reject(actor=u, application=a, reasons=r),
        "required",
        gettext_lazy("Reasons for the rejection"),
    ),
    Action.GRANT: ActionSpec(lambda u, a, r: services.application_grant(actor=u, application=a), ""),
}


def _action_form(action: Action, spec: ActionSpec, data=None) -> ReasonsForm | None:
    if not spec.reasons:
        return None
    return ReasonsForm(data, prefix=action.value, required=spec.reasons == "required", label=spec.reasons_label)


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _history(application: Application) -> list[dict]:
    events = AuditEvent.objects.filter(object_type="awards.application", object_id=str(application.pk)).order_by(
        "created_at", "id"
    )
    return [
        {
            "at": event.created_at,
            "who": event.actor_label,
            "what": HISTORY_LABELS.get(event.action) or _label(Action, event.action.removeprefix("application.")),
            "before": _label(State, (event.before or {}).get("state", "")),
            "after": _label(State, (event.after or {}).get("state", "")),
        }
        for event in events
    ]


@workspace
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    application = application_for(user, pk)
    if gate := _gate(request, application):
        return gate
    is_committee = user.role == Role.COMMITTEE
    own = _own_assignment(user, application)
    all_reviews = application_reviews(application)
    reviews = all_reviews if is_committee else [r for r in all_reviews if r.assignment.reviewer_id == user.pk]
    indicators = list(application.programme.indicators.all())
    for r in reviews:  # one value per indicator column, in the programme's order
        by_indicator = {s.indicator_id: s.value for s in r.scores.all()}
        r.score_values = [by_indicator.get(i.pk) for i in indicators]
    in_expert_review = application.state == State.EXPERT_REVIEW
    assignments = list(application.assignments.select_related("reviewer", "review")) if is_committee else []
    assign_form = None
    if is_committee and in_expert_review:
        linked = set(
            ReviewerLink.objects.filter(enterprise_id=application.enterprise_id).values_list("reviewer_id", flat=True)
        )
        assign_form = AssignForm(linked_ids=linked, exclude_ids={a.reviewer_id for a in assignments})
    notice = getattr(application, "notice", None)
    objections = [
        (objection, ObjectionAnswerForm(prefix=f"objection-{objection.pk}") if is_committee else None)
        for objection in (notice.objections.select_related("answered_by") if notice else [])
    ]
    actions = [
        (action, _action_form(action, ACTIONS[action]))
        for action in allowed_actions_for(user, application)
        if action in ACTIONS
    ]
    context = {
        "application": application,
        "enterprise": application.enterprise,
        "credit_records": CreditRecord.objects.filter(enterprise_id=application.enterprise_id, closed_on__isnull=True),
        "attachments": application.attachments.all(),
        "is_committee": is_committee,
        "reviews": reviews,
        "indicators": indicators,
        "aggregate": aggregate_score(all_reviews) if is_committee else None,
        "review_count": len(all_reviews),
        "own_assignment": own,
        "can_review": own is not None and own.is_open_for_review and in_expert_review and not hasattr(own, "review"),
        "can_take": (
            user.role == Role.REVIEWER
            and in_expert_review
            and own is None
            and Actor.PREREVIEWER in actor_roles(user, application)
        ),
        "assignments": assignments,
        "assign_form": assign_form,
        "actions": actions,
        "decisions": application.decisions.select_related("decided_by"),
        "history": _history(application),
        "notice": notice,
        "notice_open": notice is not None and notice.closed_on is None,
        "objections": objections,
        "extend_form": NoticeExtendForm(),
        "has_letter": application.decisions.filter(action__in=LETTER_ACTIONS).exists(),
        "certificate": Certificate.objects.filter(award__application=application).only("number").first()
        if is_committee and application.state == State.GRANTED
        else None,
    }
    return render(request, "awards/review/application.html", context)


@require_POST
@workspace
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    try:
        action = Action(action)
        spec = ACTIONS[action]
    except (ValueError, KeyError):
        raise Http404 from None
    user = request.user
    application = application_for(user, pk)
    if _undeclared(_own_assignment(user, application)):
        raise PermissionDenied(_("Declare whether you have a conflict of interest first."))
    try:
        check_action(user, application, action)  # PermissionDenied -> 403
    except InvalidTransition as exc:
        _refusal_message(request, exc)
        return _to_file(application)
    form = _action_form(action, spec, request.POST)
    if form is not None and not form.is_valid():
        _form_errors_message(request, form)
        return _to_file(application)
    try:
        spec.service(user, application, form.cleaned_data["reasons"] if form else "")
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, PermissionDenied):
            raise
        _refusal_message(request, exc)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": action.label})
    return _to_file(application)


# --- assignment, declaration, review --------------------------------------------------------------


@require_POST
@workspace
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """The committee assigns a reviewer it picks; a reviewer takes the file for themself."""
    user = request.user
    application = application_for(user, pk)
    if user.role == Role.COMMITTEE:
        form = AssignForm(request.POST)
        if not form.is_valid():
            _form_errors_message(request, form)
            return _to_file(application)
        reviewer = form.cleaned_data["reviewer"]
    else:
        reviewer = user
    try:
        services.assignment_create(actor=user, application=application, reviewer=reviewer)
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, PermissionDenied):
            raise
        _refusal_message(request, exc)
    else:
        messages.success(request, _("%(user)s is assigned to this file.") % {"user": reviewer})
    return _to_file(application)


@require_POST
@workspace
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    """No conflict (the file opens) or a conflict with its reason (recusal)."""
    assignment = assignment_for(request.user, pk)
    conflict = request.POST.get("conflict") == "yes"
    reason = ""
    if conflict:
        form = RecuseForm(request.POST)
        if not form.is_valid():
            _form_errors_message(request, form)
            return _to_file(assignment.application)
        reason = form.cleaned_data["reason"]
    try:
        services.assignment_declare(actor=request.user, assignment=assignment, conflict=conflict, reason=reason)
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, PermissionDenied):
            raise
        _refusal_message(request, exc)
        return _to_file(assignment.application)
    if conflict:
        messages.success(request, _("You have recused yourself from this file."))
        return redirect("review:queue")
    messages.success(request, _("You declared no conflict of interest; the file is open."))
    return _to_file(assignment.application)


@workspace
def review_form(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = assignment_for(request.user, pk)
    application = assignment.application
    if not assignment.is_open_for_review:
        return _to_file(application)  # the declaration comes first
    if Review.objects.filter(assignment=assignment).exists():
        messages.info(request, _("Your review has already been submitted."))
        return _to_file(application)
    if application.state != State.EXPERT_REVIEW:
        messages.error(request, _("The application is no longer in expert review."))
        return _to_file(application)
    form = ReviewForm(request.POST or None, programme=application.programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_submit(
                actor=request.user,
                assignment=assignment,
                scores=form.scores(),
                recommendation=form.cleaned_data["recommendation"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except InvalidTransition as exc:
            _refusal_message(request, exc)
            return _to_file(application)
        else:
            messages.success(request, _("Your review has been submitted."))
            return _to_file(application)
    return render(request, "awards/review/review_form.html", {"application": application, "form": form})


# --- public notice: objections and the deadline ----------------------------------------------------


@require_POST
@workspace
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection.objects.select_related("notice"), pk=pk)
    application = application_for(request.user, objection.notice.application_id)
    form = ObjectionAnswerForm(request.POST, prefix=f"objection-{objection.pk}")
    if not form.is_valid():
        _form_errors_message(request, form)
        return _to_file(application)
    try:
        services.objection_answer(
            actor=request.user,
            objection=objection,
            upheld=form.cleaned_data["outcome"] == "upheld",
            answer=form.cleaned_data["answer"],
        )
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, PermissionDenied):
            raise
        _refusal_message(request, exc)
    else:
        messages.success(request, _("The answer to the objection is recorded."))
    return _to_file(application)


@require_POST
@workspace
def notice_extend(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for(request.user, pk)
    notice = getattr(application, "notice", None)
    if notice is None:
        raise Http404
    form = NoticeExtendForm(request.POST)
    if not form.is_valid():
        _form_errors_message(request, form)
        return _to_file(application)
    try:
        notice = services.notice_extend(
            actor=request.user,
            notice=notice,
            deadline=form.cleaned_data["deadline"],
            reasons=form.cleaned_data["reasons"],
        )
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, PermissionDenied):
            raise
        _refusal_message(request, exc)
    else:
        messages.success(request, _("The notice now runs until %(date)s.") % {"date": notice.deadline.isoformat()})
    return _to_file(application)


# --- documents: attachments and the decision letter (the applicant's portal links here too) --------


def _document_access(request: HttpRequest, pk: int) -> Application:
    """Whoever may see the application (application_for), except an assigned reviewer who has not declared."""
    application = application_for(request.user, pk)
    if _undeclared(_own_assignment(request.user, application)):
        raise PermissionDenied(_("Declare whether you have a conflict of interest first."))
    return application


@_answers_refusals
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    application = _document_access(request, pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@_answers_refusals
def decision_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter of the latest decision (public notice opened, rejected, granted); 404 before any."""
    application = _document_access(request, pk)
    decisions = list(application.decisions.filter(action__in=LETTER_ACTIONS).order_by("decided_at", "id"))
    if not decisions:
        raise Http404(_("There is no decision on this application yet."))
    decision = decisions[-1]
    # A grant has no reasons of its own: it follows the decision that opened the notice.
    grounds = next((d for d in reversed(decisions) if d.action == Action.OPEN_NOTICE), None)
    context = {
        "application": application,
        "decision": decision,
        "outcome": LETTER_OUTCOMES[Action(decision.action)],
        "grounds": grounds if decision.action == Action.GRANT else None,
        "notice": getattr(application, "notice", None),
        "award": getattr(application, "award", None) if decision.action == Action.GRANT else None,
        "in_workspace": request.user.role in WORKSPACE_ROLES,
    }
    return render(request, "awards/letter.html", context)
