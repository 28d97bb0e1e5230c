"""Every write of the workflow: one function per transition, plus reviews, notices and objections.

A transition locks the application row, checks the state machine and the actor (awards.permissions),
applies its guard and effects, records the decision, writes exactly one AuditEvent, and schedules
its email after commit. Views and API actions call these functions and nothing else.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.attachments import clean_attachment
from awards.calendar import add_working_days, add_years
from awards.certificates.services import award_certificate_issue
from awards.eligibility import eligibility_problems
from awards.models import (
    Application,
    Assignment,
    Attachment,
    Award,
    AwardProgramme,
    Decision,
    Notice,
    Objection,
    ObjectionStatus,
    Review,
    Score,
    SubjectKind,
)
from awards.notifications import notify_applicant_after_commit, notify_reviewer_after_commit
from awards.permissions import actor_roles, applicant_league, check_action, covers, is_linked
from awards.workflow import FINAL_STATES, TRANSITIONS, Action, Actor, State
from brands.models import Brand, BrandStatus
from core.audit import audit
from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.models import Role, User
from geo_indications.models import GIMarkUser, GIMarkUserStatus

EDITABLE_STATES = frozenset({State.DRAFT, State.MORE_INFORMATION})


def _today() -> datetime.date:
    return timezone.localdate()


def _locked(application: Application) -> Application:
    return (
        # of=("self",): lock the application row only; PostgreSQL refuses FOR UPDATE on the nullable
        # side of the outer joins to brand and GI product.
        Application.objects.select_for_update(of=("self",))
        .select_related("programme", "enterprise__region", "brand", "gi_product")
        .get(pk=application.pk)
    )


def _transition(
    *,
    actor: User,
    application: Application,
    action: Action,
    reasons: str = "",
    guard: Callable[[Application], None] | None = None,
    effects: Callable[[Application, State], Mapping[str, object] | None] | None = None,
) -> Application:
    """The one way an application changes state (see the module docstring)."""
    with transaction.atomic():
        app = _locked(application)
        check_action(actor, app, action)
        if guard:
            guard(app)
        before = State(app.state)
        target = TRANSITIONS[action].target or State(app.return_state)
        app.state = target
        extra = (effects(app, before) if effects else None) or {}
        app.save()
        if Actor.APPLICANT not in TRANSITIONS[action].actors:
            Decision.objects.create(
                application=app, action=action, from_state=before, to_state=target, reasons=reasons, decided_by=actor
            )
        audit(
            actor=actor,
            action=f"application.{action}",
            obj=app,
            before={"state": before},
            after={"state": target, **({"reasons": reasons} if reasons else {}), **extra},
        )
        notify_applicant_after_commit(app, event=str(action.label), reasons=reasons)
    return app


def _require_reasons(reasons: str) -> str:
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": ValidationError(_("Give the reasons for this decision."), code="required")})
    return reasons


# --- the applicant -------------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *, actor: User, programme: AwardProgramme, brand: Brand | None = None, gi_product=None, statement: str = ""
) -> Application:
    """Start a draft for the actor's own enterprise."""
    if actor.role != Role.ENTERPRISE or not actor.enterprise_id:
        raise PermissionDenied(_("Only a user of an enterprise can apply."))
    problems = eligibility_problems(actor.enterprise, programme)
    if problems:
        raise DomainError(" ".join(problems), code="ineligible")
    application = Application(
        programme=programme,
        enterprise=actor.enterprise,
        brand=brand if programme.subject_kind == SubjectKind.BRAND else None,
        gi_product=gi_product if programme.subject_kind == SubjectKind.GI_MARK else None,
        statement=statement,
        created_by=actor,
    )
    unfinished = Application.objects.exclude(state__in=FINAL_STATES).filter(
        programme=programme,
        enterprise=application.enterprise,
        brand=application.brand,
        gi_product=application.gi_product,
    )
    if unfinished.exists():
        raise DomainError(_("There is already an unfinished application for this subject."), code="duplicate")
    application.full_clean()
    application.save()
    audit(actor=actor, action="application.create", obj=application, after={"state": State.DRAFT})
    return application


@transaction.atomic
def application_update(*, actor: User, application: Application, statement: str) -> Application:
    """Change the statement of a draft (or while information is requested)."""
    app = _locked(application)
    if Actor.APPLICANT not in actor_roles(actor, app):
        raise PermissionDenied(_("Only the applicant can edit the application."))
    if app.state not in EDITABLE_STATES:
        raise InvalidTransition(_("A submitted application can no longer be edited."))
    if app.statement != statement:
        before = app.statement
        app.statement = statement
        app.save(update_fields=["statement", "updated_at"])
        audit(
            actor=actor,
            action="application.update",
            obj=app,
            before={"statement": before},
            after={"statement": statement},
        )
    return app


@transaction.atomic
def attachment_add(*, actor: User, application: Application, upload) -> Attachment:
    app = _locked(application)
    if Actor.APPLICANT not in actor_roles(actor, app):
        raise PermissionDenied(_("Only the applicant can attach files."))
    if app.state not in EDITABLE_STATES:
        raise InvalidTransition(_("Files can be attached only to a draft or when information is requested."))
    cleaned = clean_attachment(upload)  # raises ValidationError with a clear message; nothing is saved
    attachment = Attachment(
        application=app,
        original_name=cleaned.original_name,
        content_type=cleaned.content_type,
        size=cleaned.size,
        sha256=cleaned.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(cleaned.content.name, cleaned.content, save=False)
    attachment.save()
    audit(actor=actor, action="attachment.add", obj=attachment, after={"application": app.pk, "sha256": cleaned.sha256})
    return attachment


def application_submit(*, actor: User, application: Application) -> Application:
    def guard(app: Application) -> None:
        problems = eligibility_problems(app.enterprise, app.programme)
        if problems:
            raise DomainError(" ".join(problems), code="ineligible")
        if not app.statement.strip():
            raise ValidationError(
                {"statement": ValidationError(_("Write the statement before submitting."), code="required")}
            )

    def effects(app: Application, _before: State) -> None:
        app.submitted_at = timezone.now()

    return _transition(actor=actor, application=application, action=Action.SUBMIT, guard=guard, effects=effects)


def application_respond(*, actor: User, application: Application, response: str) -> Application:
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": ValidationError(_("Write your answer."), code="required")})

    def effects(app: Application, _before: State) -> None:
        app.information_response = response
        app.return_state = ""

    return _transition(actor=actor, application=application, action=Action.RESPOND, effects=effects)


def application_withdraw(*, actor: User, application: Application) -> Application:
    def effects(app: Application, _before: State) -> None:
        _close_notice(app, State.WITHDRAWN)

    return _transition(actor=actor, application=application, action=Action.WITHDRAW, effects=effects)


# --- reviewers and the committee -----------------------------------------------------------------


def application_pass_prereview(*, actor: User, application: Application, reasons: str = "") -> Application:
    return _transition(actor=actor, application=application, action=Action.PASS_PREREVIEW, reasons=reasons)


def application_request_info(*, actor: User, application: Application, request: str) -> Application:
    request = _require_reasons(request)

    def effects(app: Application, before: State) -> None:
        app.return_state = before  # the answer sends it back to this stage
        app.information_request = request
        app.information_response = ""

    return _transition(
        actor=actor, application=application, action=Action.REQUEST_INFO, reasons=request, effects=effects
    )


def application_close_review(*, actor: User, application: Application) -> Application:
    def guard(app: Application) -> None:
        done = Review.objects.filter(assignment__application=app).count()
        needed = app.programme.reviewers_required
        if done < needed:
            raise InvalidTransition(
                _("%(done)d of the %(needed)d required reviews are in; expert review cannot close yet.")
                % {"done": done, "needed": needed}
            )

    return _transition(actor=actor, application=application, action=Action.CLOSE_REVIEW, guard=guard)


def application_open_notice(*, actor: User, application: Application, reasons: str) -> Application:
    reasons = _require_reasons(reasons)

    def effects(app: Application, _before: State) -> dict:
        today = _today()
        notice = Notice.objects.create(
            application=app, opened_on=today, deadline=add_working_days(today, app.programme.notice_working_days)
        )
        app.decided_at = timezone.now()
        return {"notice_deadline": notice.deadline.isoformat()}

    return _transition(
        actor=actor, application=application, action=Action.OPEN_NOTICE, reasons=reasons, effects=effects
    )


def application_reject(*, actor: User, application: Application, reasons: str) -> Application:
    reasons = _require_reasons(reasons)

    def guard(app: Application) -> None:
        if (
            app.state == State.PUBLIC_NOTICE
            and not app.notice.objections.filter(status=ObjectionStatus.UPHELD).exists()
        ):
            raise InvalidTransition(
                _("During the public notice an application is rejected only on an upheld objection.")
            )

    def effects(app: Application, _before: State) -> None:
        app.decided_at = timezone.now()
        _close_notice(app, State.REJECTED)

    return _transition(
        actor=actor, application=application, action=Action.REJECT, reasons=reasons, guard=guard, effects=effects
    )


def application_grant(*, actor: User, application: Application) -> Application:
    """Grant after the notice has closed with every objection answered and none upheld: the subject
    becomes recognised, the Award is recorded and its certificate requested, in one transaction."""

    def guard(app: Application) -> None:
        notice = app.notice
        if _today() <= notice.deadline:
            raise InvalidTransition(
                _("The public notice runs until %(deadline)s; the grant can follow only after it closes.")
                % {"deadline": notice.deadline}
            )
        if notice.objections.filter(status=ObjectionStatus.PENDING).exists():
            raise InvalidTransition(_("Every objection must be answered before the grant."))
        if notice.objections.filter(status=ObjectionStatus.UPHELD).exists():
            raise InvalidTransition(_("An objection was upheld: the application cannot be granted."))

    def effects(app: Application, _before: State) -> dict:
        award = _recognise(app)
        _close_notice(app, State.GRANTED)
        app.decided_at = timezone.now()
        award_certificate_issue(award)
        return {"award": award.pk, "valid_until": award.valid_until.isoformat()}

    return _transition(actor=actor, application=application, action=Action.GRANT, guard=guard, effects=effects)


def _recognise(app: Application) -> Award:
    today = _today()
    valid_until = add_years(today, app.programme.validity_years) - datetime.timedelta(days=1)
    if app.programme.subject_kind == SubjectKind.BRAND:
        Brand.objects.filter(pk=app.brand_id).update(
            status=BrandStatus.RECOGNISED,
            recognised_on=today,
            valid_until=valid_until,
            suspended_on=None,
            revoked_on=None,
            updated_at=timezone.now(),
        )
    elif app.programme.subject_kind == SubjectKind.GI_MARK:
        GIMarkUser.objects.update_or_create(
            gi_product_id=app.gi_product_id,
            enterprise_id=app.enterprise_id,
            defaults={"status": GIMarkUserStatus.AUTHORISED, "authorised_on": today, "revoked_on": None},
        )
    return Award.objects.create(
        application=app,
        programme=app.programme,
        enterprise_id=app.enterprise_id,
        brand_id=app.brand_id,
        gi_product_id=app.gi_product_id,
        amount=app.programme.reward_amount,
        granted_on=today,
        valid_until=valid_until,
    )


def _close_notice(app: Application, outcome: State) -> None:
    Notice.objects.filter(application=app, closed_on__isnull=True).update(closed_on=_today(), outcome=outcome)


# --- assignments and reviews (not transitions: the application keeps its state) -------------------


@transaction.atomic
def assignment_create(*, actor: User, application: Application, reviewer: User) -> Assignment:
    """The committee assigns a reviewer, or a reviewer takes a file within their jurisdiction."""
    app = _locked(application)
    if app.state != State.EXPERT_REVIEW:
        raise InvalidTransition(_("Reviewers are assigned during expert review only."))
    is_committee = actor.role == Role.COMMITTEE
    if not is_committee and actor != reviewer:
        raise PermissionDenied(_("Only the committee assigns other reviewers."))
    if reviewer.role != Role.REVIEWER or not reviewer.is_active:
        raise DomainError(_("%(user)s is not an active reviewer.") % {"user": reviewer}, code="not_reviewer")
    if not is_committee and not covers(reviewer.jurisdiction, applicant_league(app)):
        raise PermissionDenied(_("This application is outside your jurisdiction."))
    if is_linked(reviewer, app):
        raise DomainError(
            _("%(user)s is linked to the applicant and cannot review this application.") % {"user": reviewer},
            code="conflict_of_interest",
        )
    if Assignment.objects.filter(application=app, reviewer=reviewer).exists():
        raise DomainError(_("%(user)s is already assigned.") % {"user": reviewer}, code="duplicate")
    assignment = Assignment.objects.create(application=app, reviewer=reviewer, assigned_by=actor)
    audit(
        actor=actor, action="assignment.create", obj=assignment, after={"application": app.pk, "reviewer": reviewer.pk}
    )
    notify_reviewer_after_commit(assignment)
    return assignment


@transaction.atomic
def assignment_declare(*, actor: User, assignment: Assignment, conflict: bool, reason: str = "") -> Assignment:
    """Before the file opens the reviewer declares: no conflict (the file opens) or a conflict (recusal)."""
    locked = Assignment.objects.select_for_update().select_related("application").get(pk=assignment.pk)
    if locked.reviewer_id != actor.pk:
        raise PermissionDenied(_("Only the assigned reviewer can make this declaration."))
    if locked.declared_no_conflict_at or locked.recused_at:
        raise InvalidTransition(_("The declaration has already been made."))
    if conflict:
        if not reason.strip():
            raise ValidationError({"reason": ValidationError(_("Say what the conflict is."), code="required")})
        locked.recused_at, locked.recusal_reason = timezone.now(), reason.strip()
    elif is_linked(actor, locked.application):
        raise DomainError(
            _("You are recorded as linked to the applicant: you cannot declare that there is no conflict."),
            code="conflict_of_interest",
        )
    else:
        locked.declared_no_conflict_at = timezone.now()
    locked.save()
    audit(
        actor=actor,
        action="assignment.recuse" if conflict else "assignment.declare_no_conflict",
        obj=locked,
        after={"reason": locked.recusal_reason} if conflict else {},
    )
    return locked


@transaction.atomic
def review_submit(
    *, actor: User, assignment: Assignment, scores: Mapping[int, Decimal], recommendation: str, comment: str
) -> Review:
    """Score every indicator of the programme (0 to its highest score), recommend, and comment."""
    locked = Assignment.objects.select_for_update().select_related("application__programme").get(pk=assignment.pk)
    if locked.reviewer_id != actor.pk:
        raise PermissionDenied(_("Only the assigned reviewer can review."))
    if not locked.is_open_for_review:
        raise InvalidTransition(_("Declare that you have no conflict of interest before reviewing."))
    if locked.application.state != State.EXPERT_REVIEW:
        raise InvalidTransition(_("The application is no longer in expert review."))
    if Review.objects.filter(assignment=locked).exists():
        raise InvalidTransition(_("Your review has already been submitted."))
    indicators = list(locked.application.programme.indicators.all())
    errors = {}
    for indicator in indicators:
        value = scores.get(indicator.pk)
        if value is None:
            errors[f"score_{indicator.code}"] = _("Give a score for %(name)s.") % {"name": indicator.name}
        elif not 0 <= Decimal(value) <= indicator.max_score:
            errors[f"score_{indicator.code}"] = _("The score for %(name)s must be between 0 and %(max)d.") % {
                "name": indicator.name,
                "max": indicator.max_score,
            }
    if not (comment or "").strip():
        errors["comment"] = _("Write a comment.")
    if errors:
        raise ValidationError(errors)
    total = sum((Decimal(scores[i.pk]) / i.max_score * i.weight for i in indicators), Decimal(0)).quantize(
        Decimal("0.01")
    )
    review = Review.objects.create(
        assignment=locked, recommendation=recommendation, comment=comment.strip(), total=total
    )
    Score.objects.bulk_create([Score(review=review, indicator=i, value=Decimal(scores[i.pk])) for i in indicators])
    audit(
        actor=actor, action="review.submit", obj=review, after={"total": str(total), "recommendation": recommendation}
    )
    return review


# --- public notice and objections -----------------------------------------------------------------


@transaction.atomic
def notice_extend(*, actor: User, notice: Notice, deadline: datetime.date, reasons: str) -> Notice:
    reasons = _require_reasons(reasons)
    locked = Notice.objects.select_for_update().select_related("application").get(pk=notice.pk)
    if actor.role != Role.COMMITTEE:
        raise PermissionDenied(_("Only the committee can extend a notice."))
    if locked.closed_on:
        raise InvalidTransition(_("The notice has closed."))
    if deadline <= locked.deadline:
        raise ValidationError(
            {
                "deadline": ValidationError(
                    _("A notice can be extended, never shortened: choose a date after %(deadline)s."),
                    code="shorten",
                    params={"deadline": locked.deadline},
                )
            }
        )
    before = locked.deadline
    locked.deadline = deadline
    locked.save(update_fields=["deadline"])
    audit(
        actor=actor,
        action="notice.extend",
        obj=locked,
        before={"deadline": before.isoformat()},
        after={"deadline": deadline.isoformat(), "reasons": reasons},
    )
    return locked


@transaction.atomic
def objection_file(*, notice: Notice, name: str, contact: str, text: str) -> Objection:
    """Anyone may object while the notice is open (the views throttle per client)."""
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if locked.closed_on or _today() > locked.deadline:
        raise InvalidTransition(_("The notice period is over; objections are no longer accepted."))
    objection = Objection(notice=locked, name=name.strip(), contact=contact.strip(), text=text.strip())
    objection.full_clean()
    objection.save()
    audit(actor=None, actor_label="public", action="objection.file", obj=objection, after={"notice": locked.pk})
    return objection


@transaction.atomic
def objection_answer(*, actor: User, objection: Objection, upheld: bool, answer: str) -> Objection:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": ValidationError(_("Write the answer to the objection."), code="required")})
    locked = Objection.objects.select_for_update().select_related("notice").get(pk=objection.pk)
    if actor.role != Role.COMMITTEE:
        raise PermissionDenied(_("Only the committee answers objections."))
    if locked.status != ObjectionStatus.PENDING:
        raise InvalidTransition(_("This objection has already been answered."))
    locked.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    locked.answer, locked.answered_by, locked.answered_at = answer, actor, timezone.now()
    locked.save()
    audit(actor=actor, action="objection.answer", obj=locked, after={"status": locked.status, "answer": answer})
    return locked
