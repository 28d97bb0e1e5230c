"""The recognition workflow as one state machine: states, actions, and who may take each action.

    draft ──submit──▶ submitted ──pass_prereview──▶ expert_review ──close_review──▶ committee_review
                         │  (league/city pre-review)      │  (scored by reviewers)        │
                         ├──request_info──▶ more_information ◀──request_info────────────────┤
                         │                     └──respond──▶ (back where it was asked)       │
                         └──reject──▶ rejected ◀──reject── (any review stage)                │
    committee_review ──open_notice──▶ public_notice ──grant──▶ granted                       │
                                           └──reject (objection upheld)──▶ rejected           │
    withdraw: from every open state to withdrawn (the applicant).

Every change of ``Application.state`` goes through ``awards.services`` (one function per action),
which checks this table, then the finer rules in ``awards.permissions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, in league/city pre-review")
    EXPERT_REVIEW = "expert_review", _("In expert review")
    COMMITTEE_REVIEW = "committee_review", _("Awaiting committee decision")
    MORE_INFORMATION = "more_information", _("More information requested")
    PUBLIC_NOTICE = "public_notice", _("In public notice")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = frozenset(
    {State.SUBMITTED, State.EXPERT_REVIEW, State.COMMITTEE_REVIEW, State.MORE_INFORMATION, State.PUBLIC_NOTICE}
)
FINAL_STATES = frozenset({State.GRANTED, State.REJECTED, State.WITHDRAWN})


class Actor(models.TextChoices):
    """Who may take an action, relative to the application (checked in awards.permissions)."""

    APPLICANT = "applicant", _("a user of the applicant enterprise")
    PREREVIEWER = "prereviewer", _("a reviewer whose jurisdiction covers the applicant")
    COMMITTEE = "committee", _("a committee member")


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    PASS_PREREVIEW = "pass_prereview", _("Pass pre-review, send to expert review")
    REQUEST_INFO = "request_info", _("Request more information")
    RESPOND = "respond", _("Answer the request for information")
    CLOSE_REVIEW = "close_review", _("Close expert review")
    OPEN_NOTICE = "open_notice", _("Decide: open the public notice")
    REJECT = "reject", _("Reject")
    GRANT = "grant", _("Grant")
    WITHDRAW = "withdraw", _("Withdraw")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[State]
    target: State | None  # None: back to the state the information was requested in
    actors: frozenset[Actor]


def _t(sources: set[State], target: State | None, *actors: Actor) -> Transition:
    return Transition(frozenset(sources), target, frozenset(actors))


S, A = State, Actor
TRANSITIONS: dict[Action, Transition] = {
    Action.SUBMIT: _t({S.DRAFT}, S.SUBMITTED, A.APPLICANT),
    Action.PASS_PREREVIEW: _t({S.SUBMITTED}, S.EXPERT_REVIEW, A.PREREVIEWER, A.COMMITTEE),
    Action.REQUEST_INFO: _t(
        {S.SUBMITTED, S.EXPERT_REVIEW, S.COMMITTEE_REVIEW}, S.MORE_INFORMATION, A.PREREVIEWER, A.COMMITTEE
    ),
    Action.RESPOND: _t({S.MORE_INFORMATION}, None, A.APPLICANT),
    Action.CLOSE_REVIEW: _t({S.EXPERT_REVIEW}, S.COMMITTEE_REVIEW, A.COMMITTEE),
    Action.OPEN_NOTICE: _t({S.COMMITTEE_REVIEW}, S.PUBLIC_NOTICE, A.COMMITTEE),
    Action.REJECT: _t(
        {S.SUBMITTED, S.EXPERT_REVIEW, S.COMMITTEE_REVIEW, S.PUBLIC_NOTICE}, S.REJECTED, A.PREREVIEWER, A.COMMITTEE
    ),
    Action.GRANT: _t({S.PUBLIC_NOTICE}, S.GRANTED, A.COMMITTEE),
    Action.WITHDRAW: _t(set(OPEN_STATES) | {S.DRAFT}, S.WITHDRAWN, A.APPLICANT),
}
# A pre-reviewer acts only on a submitted application (the league/city pre-review); later stages are the committee's.
PREREVIEW_STATES = frozenset({State.SUBMITTED})


def allowed_actions(state: str) -> list[Action]:
    return [action for action, t in TRANSITIONS.items() if state in t.sources]


# What the public and the applicant read for each state (the internal stage names are for staff).
PUBLIC_LABELS: dict[State, str] = {
    State.DRAFT: _("Draft (not submitted)"),
    State.SUBMITTED: _("Received, under review"),
    State.EXPERT_REVIEW: _("Under review"),
    State.COMMITTEE_REVIEW: _("Under review"),
    State.MORE_INFORMATION: _("Waiting for your information"),
    State.PUBLIC_NOTICE: _("In public notice"),
    State.GRANTED: _("Granted"),
    State.REJECTED: _("Not granted"),
    State.WITHDRAWN: _("Withdrawn"),
}


# The application's history as the applicant reads it: audit actions -> public-facing labels.
# Events not listed here (internal bookkeeping) are not shown to the applicant.
HISTORY_LABELS: dict[str, str] = {
    "application.create": _("Draft created"),
    "application.update": _("Statement changed"),
    "attachment.add": _("Attachment added"),
    "application.submit": _("Submitted"),
    "application.pass_prereview": _("Passed the league/city pre-review"),
    "application.request_info": _("More information requested"),
    "application.respond": _("Information provided"),
    "application.close_review": _("Expert review completed"),
    "application.open_notice": _("Public notice opened"),
    "application.reject": _("Not granted"),
    "application.grant": _("Granted"),
    "application.withdraw": _("Withdrawn"),
}
