"""Who may see and act on an application. Each check returns the object or raises with its reason.

Not being allowed to *see* an application raises ``NotFound`` (the caller answers 404, so guessing
ids reveals nothing); being allowed to see it but not to take an action raises ``PermissionDenied``
(403); an action the state machine does not allow from the current state raises
``InvalidTransition`` (409).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _

from awards.models import Application, Assignment, ReviewerLink
from awards.workflow import PREREVIEW_STATES, TRANSITIONS, Action, Actor, State
from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.models import Enterprise, Region, RegionLevel, Role, User

PROVINCE_CODE = "150000"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


def covers(jurisdiction: Region | None, league_code: str | None) -> bool:
    """A region-level jurisdiction covers everything; a league/city covers its own counties."""
    if jurisdiction is None:
        return False
    if jurisdiction.level == RegionLevel.PROVINCE:
        return True
    return jurisdiction.code == league_code


def applicant_league(application: Application) -> str | None:
    region = application.enterprise.region
    return region.parent_id if region.level == RegionLevel.COUNTY else region.code


def is_linked(user: User, application: Application) -> bool:
    return ReviewerLink.objects.filter(reviewer=user, enterprise_id=application.enterprise_id).exists()


def has_conflict(user: User, application: Application) -> bool:
    """Linked to the applicant, or recused from this file: such a reviewer takes no part in it."""
    return (
        is_linked(user, application)
        or Assignment.objects.filter(application=application, reviewer=user, recused_at__isnull=False).exists()
    )


def actor_roles(user: User, application: Application) -> set[Actor]:
    """The workflow roles ``user`` holds for ``application``."""
    roles: set[Actor] = set()
    if not (user.is_authenticated and user.is_active):
        return roles
    if user.role == Role.ENTERPRISE and user.enterprise_id == application.enterprise_id:
        roles.add(Actor.APPLICANT)
    if (
        user.role == Role.REVIEWER
        and covers(user.jurisdiction, applicant_league(application))
        and not has_conflict(user, application)
    ):
        roles.add(Actor.PREREVIEWER)
    if user.role == Role.COMMITTEE:
        roles.add(Actor.COMMITTEE)
    return roles


def can_view(user: User, application: Application) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.role == Role.STAFF or actor_roles(user, application):
        return application.state != State.DRAFT or Actor.APPLICANT in actor_roles(user, application)
    # A reviewer outside the jurisdiction sees an application only through an assignment.
    return Assignment.objects.filter(application=application, reviewer=user, recused_at__isnull=True).exists()


def enterprise_for(user: User) -> Enterprise:
    """The enterprise of an active enterprise user; anyone else is refused (403)."""
    if not (user.is_authenticated and user.is_active and user.role == Role.ENTERPRISE and user.enterprise_id):
        raise DjangoPermissionDenied(_("The enterprise portal is for users of an enterprise."))
    return Enterprise.objects.select_related("region__parent").get(pk=user.enterprise_id)


def application_for(user: User, pk: int) -> Application:
    """The application ``pk`` if ``user`` may see it; otherwise NotFound, as if it did not exist."""
    application = (
        Application.objects.select_related("programme", "enterprise__region", "brand", "gi_product")
        .filter(pk=pk)
        .first()
    )
    if application is None or not can_view(user, application):
        raise NotFound(_("There is no such application."))
    return application


def check_action(user: User, application: Application, action: Action) -> None:
    """Raise unless ``user`` may take ``action`` on ``application`` in its current state."""
    transition = TRANSITIONS[action]
    roles = actor_roles(user, application)
    if not roles & transition.actors:
        raise PermissionDenied(
            _("You may not take this action (%(action)s) on this application.") % {"action": action.label}
        )
    if application.state not in transition.sources:
        raise InvalidTransition(
            _("An application that is “%(state)s” cannot be moved by “%(action)s”.")
            % {"state": State(application.state).label, "action": action.label}
        )
    if roles & transition.actors == {Actor.PREREVIEWER} and application.state not in PREREVIEW_STATES:
        raise PermissionDenied(_("Reviewers act only in the league/city pre-review; this stage is the committee's."))


def allowed_actions_for(user: User, application: Application) -> list[Action]:
    actions = []
    for action in TRANSITIONS:
        try:
            check_action(user, application, action)
        except DomainError:
            continue
        actions.append(action)
    return actions


def assignment_for(user: User, pk: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related("application__programme", "application__enterprise")
        .filter(pk=pk, reviewer=user)
        .first()
    )
    if assignment is None:
        raise NotFound(_("There is no such assignment."))
    return assignment
