"""Transitions through the API: every (action, state) pair the table of ``awards.workflow`` does not
list answers 409 with a message and changes nothing; every pair it lists moves the application and
writes exactly one audit event; the audit log cannot be changed or deleted through the app.

Who may act (403/404) is the permission matrix (tests/test_permission_matrix.py); the admin's
refusal to change or delete audit events is tests/test_admin.py
(``test_the_audit_log_cannot_be_added_changed_or_deleted_even_by_a_superuser``).
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from awards.models import Application, Award, Decision, Notice, Objection
from awards.workflow import TRANSITIONS, Action, Actor, State
from core.models import AuditEvent
from tests.factories_workflow import PDF, World, build_world, full_scores

_clients: dict[str, APIClient] = {}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        for role in ("enterprise_a", "committee", "reviewer_in"):
            _clients[role] = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            _clients[role].force_login(world.users[role])
        yield world
        _clients.clear()
        transaction.set_rollback(True)


PATHS = {
    Action.SUBMIT: "submit",
    Action.PASS_PREREVIEW: "pass-prereview",
    Action.REQUEST_INFO: "request-info",
    Action.RESPOND: "respond",
    Action.CLOSE_REVIEW: "close-review",
    Action.OPEN_NOTICE: "open-notice",
    Action.REJECT: "reject",
    Action.GRANT: "grant",
    Action.WITHDRAW: "withdraw",
}
PAYLOADS = {
    Action.REQUEST_INFO: {"request": "请补充近三年的检验报告。"},
    Action.RESPOND: {"response": "已补充。"},
    Action.OPEN_NOTICE: {"reasons": "评审通过，拟予认定。"},
    Action.REJECT: {"reasons": "不符合认定条件。"},
}
# The application of enterprise A that stands for each state.
STATE_KEY = {
    State.DRAFT: "draft",
    State.SUBMITTED: "submitted",
    State.EXPERT_REVIEW: "reviewed",
    State.COMMITTEE_REVIEW: "committee_review",
    State.MORE_INFORMATION: "more_information",
    State.PUBLIC_NOTICE: "public_notice",
    State.GRANTED: "granted",
    State.REJECTED: "rejected",
    State.WITHDRAWN: "withdrawn",
}
# Where the transition's own guard needs more than the state (its refusals are tested below).
ALLOWED_KEY = {
    (Action.GRANT, State.PUBLIC_NOTICE): "notice_over",
    (Action.REJECT, State.PUBLIC_NOTICE): "objection_upheld",
}


def actor_of(action: Action) -> str:
    return "enterprise_a" if Actor.APPLICANT in TRANSITIONS[action].actors else "committee"


def snapshot(application: Application) -> tuple:
    application.refresh_from_db()
    return (
        application.state,
        application.updated_at,
        AuditEvent.objects.count(),
        Decision.objects.count(),
        Notice.objects.filter(closed_on__isnull=True).count(),
        Award.objects.count(),
    )


def post(role: str, path: str, data: dict | None = None, **kwargs):
    return _clients[role].post(path, data or {}, format=kwargs.pop("format", "json"), **kwargs)


# --- refused: not in the table -------------------------------------------------------------------

REFUSED = [
    pytest.param(action, state, id=f"{action.value}-from-{state.value}")
    for action, transition in TRANSITIONS.items()
    for state in State
    if state not in transition.sources
    # The committee never sees a draft: that is a 404 (the matrix), not a 409.
    and not (state == State.DRAFT and actor_of(action) == "committee")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_a_transition_not_in_the_table_answers_409_and_changes_nothing(world, action, state):
    application = world.a.apps[STATE_KEY[state]]
    before = snapshot(application)
    response = post(actor_of(action), f"/api/v1/applications/{application.pk}/{PATHS[action]}/", PAYLOADS.get(action))
    assert response.status_code == 409, response.content[:300]
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["detail"]
    assert snapshot(application) == before


# --- allowed: exactly one audit event ------------------------------------------------------------

ALLOWED = [
    pytest.param(action, state, id=f"{action.value}-from-{state.value}")
    for action, transition in TRANSITIONS.items()
    for state in sorted(transition.sources)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state"), ALLOWED)
def test_each_allowed_transition_moves_the_application_and_writes_exactly_one_audit_event(world, action, state):
    application = world.a.apps[ALLOWED_KEY.get((action, state), STATE_KEY[state])]
    history = AuditEvent.objects.filter(object_type="awards.application", object_id=str(application.pk))
    events_before, history_before = AuditEvent.objects.count(), history.count()
    response = post(actor_of(action), f"/api/v1/applications/{application.pk}/{PATHS[action]}/", PAYLOADS.get(action))
    assert response.status_code == 200, response.content[:300]
    application.refresh_from_db()
    target = TRANSITIONS[action].target or State.SUBMITTED  # the request for information came at pre-review
    assert application.state == target
    # A grant also issues the certificate, which is audited as its own object.
    certificate_events = 1 if action == "grant" else 0
    assert AuditEvent.objects.count() == events_before + 1 + certificate_events
    assert AuditEvent.objects.filter(action="certificate.issue").count() == certificate_events
    assert history.count() == history_before + 1
    event = history.order_by("-id").first()
    assert (event.action, event.before["state"], event.after["state"]) == (f"application.{action}", state, target)
    assert event.actor == world.users[actor_of(action)]


# --- refused by the transition's own guard, or a write the state no longer allows -----------------


def _notice_over_with_pending_objection(world: World) -> str:
    application = world.a.apps["notice_over"]
    Objection.objects.create(notice=application.notice, name="王五", contact="wangwu@example.cn", text="有异议。")
    return f"/api/v1/applications/{application.pk}/grant/"


def _declared_twice(world: World) -> str:
    return f"/api/v1/assignments/{world.a.declared.pk}/declare/"


GUARDED = {
    "close the review before the required reviews are in": (
        "committee",
        lambda w: f"/api/v1/applications/{w.a.apps['expert_review'].pk}/close-review/",
        {},
    ),
    "grant while the notice still runs": (
        "committee",
        lambda w: f"/api/v1/applications/{w.a.apps['public_notice'].pk}/grant/",
        {},
    ),
    "grant with an objection unanswered": ("committee", _notice_over_with_pending_objection, {}),
    "grant after an upheld objection": (
        "committee",
        lambda w: f"/api/v1/applications/{w.a.apps['objection_upheld'].pk}/grant/",
        {},
    ),
    "reject during the notice with no upheld objection": (
        "committee",
        lambda w: f"/api/v1/applications/{w.a.apps['public_notice'].pk}/reject/",
        {"reasons": "不予认定。"},
    ),
    "change the statement after submitting": (
        "enterprise_a",
        lambda w: f"/api/v1/applications/{w.a.apps['submitted'].pk}/",
        {"statement": "改动"},
    ),
    "declare twice": ("reviewer_in", _declared_twice, {"conflict": False}),
    "review before declaring": (
        "reviewer_in",
        lambda w: f"/api/v1/assignments/{w.a.undeclared.pk}/review/",
        lambda w: {"scores": full_scores(), "recommendation": "grant", "comment": "好。"},
    ),
    "take a file that is not in expert review": (
        "reviewer_in",
        lambda w: "/api/v1/assignments/",
        lambda w: {"application": w.a.apps["submitted"].pk},
    ),
    "answer an objection already answered": (
        "committee",
        lambda w: f"/api/v1/objections/{w.a.apps['objection_upheld'].notice.objections.get().pk}/answer/",
        {"upheld": False, "answer": "再答复。"},
    ),
    "object after the notice closed": (
        "enterprise_a",
        lambda w: f"/api/v1/notices/{w.a.apps['granted'].notice.pk}/objections/",
        {"name": "赵六", "contact": "13900000000", "text": "异议。"},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", GUARDED)
def test_a_write_the_state_does_not_allow_answers_409_and_changes_nothing(world, name):
    role, path_of, data = GUARDED[name]
    path = path_of(world)
    data = data(world) if callable(data) else data
    counts = (AuditEvent.objects.count(), Decision.objects.count(), Award.objects.count(), Objection.objects.count())
    method = "patch" if name.startswith("change") else "post"
    response = getattr(_clients[role], method)(path, data, format="json")
    assert response.status_code == 409, response.content[:300]
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["detail"]
    assert counts == (
        AuditEvent.objects.count(),
        Decision.objects.count(),
        Award.objects.count(),
        Objection.objects.count(),
    )


@pytest.mark.django_db
def test_an_attachment_after_submitting_answers_409_and_saves_no_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    application = world.a.apps["submitted"]
    before = (application.attachments.count(), AuditEvent.objects.count())
    response = post(
        "enterprise_a",
        f"/api/v1/applications/{application.pk}/attachments/",
        {"file": SimpleUploadedFile("a.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 409
    assert (application.attachments.count(), AuditEvent.objects.count()) == before


# --- the audit log is append-only -----------------------------------------------------------------


@pytest.fixture
def event(world):
    return AuditEvent.objects.filter(object_type="awards.application").order_by(
        "id"
    ).first() or AuditEvent.objects.create(
        actor_label="system", action="test", object_type="awards.application", object_id="1"
    )


@pytest.mark.django_db
def test_an_audit_event_cannot_be_saved_again(world, event):
    event.action = "application.grant"
    with pytest.raises(TypeError, match="append-only"):
        event.save()


@pytest.mark.django_db
def test_an_audit_event_cannot_be_deleted(world, event):
    with pytest.raises(TypeError, match="append-only"):
        event.delete()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda qs: qs.update(action="x"), id="update"),
        pytest.param(lambda qs: qs.delete(), id="delete"),
        pytest.param(lambda qs: AuditEvent.objects.bulk_update(list(qs), ["action"]), id="bulk_update"),
        pytest.param(lambda qs: qs.update_or_create(pk=qs.first().pk, defaults={"action": "x"}), id="update_or_create"),
    ],
)
def test_audit_events_cannot_be_changed_or_deleted_in_bulk(world, event, write):
    before = list(AuditEvent.objects.values_list("id", "action", "created_at"))
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        write(AuditEvent.objects.filter(pk=event.pk))
    assert list(AuditEvent.objects.values_list("id", "action", "created_at")) == before


@pytest.mark.django_db
def test_the_api_offers_no_way_to_change_or_delete_an_application_or_its_history(world):
    application = world.a.apps["submitted"]
    for method in ("put", "delete"):
        response = getattr(_clients["committee"], method)(f"/api/v1/applications/{application.pk}/", {})
        assert response.status_code == 405
    assert not [p for p in _schema_paths() if "audit" in p]


def _schema_paths() -> set[str]:
    from drf_spectacular.generators import SchemaGenerator

    return set(SchemaGenerator().get_schema(request=None, public=True)["paths"])


@pytest.mark.django_db
def test_opening_the_notice_through_the_api_sets_its_deadline_in_working_days(world):
    """A notice opened through the API runs the programme's working days from today."""
    application = world.a.apps["committee_review"]
    response = post("committee", f"/api/v1/applications/{application.pk}/open-notice/", {"reasons": "拟予认定。"})
    assert response.status_code == 200
    notice = Notice.objects.get(application=application)
    assert notice.opened_on == timezone.localdate()
    assert notice.deadline >= notice.opened_on + datetime.timedelta(days=7)
    assert response.json()["notice"]["deadline"] == notice.deadline.isoformat()
