"""The workspace's writes: the workflow action buttons, assignment, the declaration, the review form,
answering objections and extending a notice. Each succeeds with exactly one audit event, or is
refused with a message (or 403) and changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from awards.models import Assignment, Decision, Notice, ObjectionStatus, Review
from awards.reference import load_programmes
from awards.workflow import State
from brands.models import BrandStatus
from core.models import AuditEvent
from tests.factories_review import (
    REGION,
    ApplicationFactory,
    ObjectionFactory,
    assign,
    baotou_enterprise,
    committee,
    hohhot_enterprise,
    in_notice,
    link,
    review,
    reviewer,
)
from tests.factories_site import parse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def workflow_data(regions):
    load_programmes()


def action_url(application, action: str) -> str:
    return reverse("review:action", args=[application.pk, action])


def error_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {}, follow=True)


# --- the action buttons ----------------------------------------------------------------------------


def reviewed(**kwargs):
    app = ApplicationFactory(expert_review=True, **kwargs)
    review(app, reviewer("r-a", REGION), "80")
    review(app, reviewer("r-b", REGION), "90")
    return app


CASES = {
    "pass_prereview": (lambda: ApplicationFactory(enterprise=hohhot_enterprise()), "prereviewer", {}, "expert_review"),
    "request_info": (
        lambda: ApplicationFactory(committee_review=True),
        "committee",
        {"request_info-reasons": "请补充近三年的销售数据。"},
        "more_information",
    ),
    "close_review": (reviewed, "committee", {}, "committee_review"),
    "open_notice": (
        lambda: ApplicationFactory(committee_review=True),
        "committee",
        {"open_notice-reasons": "综合评分优良。"},
        "public_notice",
    ),
    "reject": (
        lambda: ApplicationFactory(committee_review=True),
        "committee",
        {"reject-reasons": "材料不实。"},
        "rejected",
    ),
    "grant": (lambda: in_notice(deadline_passed=True).application, "committee", {}, "granted"),
}


@pytest.mark.parametrize("action", list(CASES))
def test_each_action_button_moves_the_application_with_one_audit_event(client, action):
    make, who, data, target = CASES[action]
    app = make()
    user = reviewer("prereviewer") if who == "prereviewer" else committee()
    events = AuditEvent.objects.count()
    response = post(client, user, action_url(app, action), data)
    assert response.status_code == 200
    assert error_messages(response) == []
    app.refresh_from_db()
    assert app.state == target
    # A grant also issues the certificate, which is audited as its own object.
    certificate_events = 1 if action == "grant" else 0
    assert AuditEvent.objects.count() == events + 1 + certificate_events
    assert AuditEvent.objects.filter(action=f"application.{action}", object_id=str(app.pk)).count() == 1
    assert AuditEvent.objects.filter(action="certificate.issue").count() == certificate_events


def test_the_action_forms_on_the_file_are_the_allowed_ones(client):
    app = ApplicationFactory(enterprise=hohhot_enterprise())
    client.force_login(reviewer("pre"))
    page = parse(client.get(reverse("review:application", args=[app.pk])))
    actions = {
        form.attrs["action"] for form in page.find_all("form") if "/review/applications/" in form.attrs["action"]
    }
    assert actions == {action_url(app, a) for a in ("pass_prereview", "request_info", "reject")}


def test_granting_makes_the_brand_recognised(client):
    app = in_notice(deadline_passed=True).application
    post(client, committee(), action_url(app, "grant"))
    app.brand.refresh_from_db()
    assert app.brand.status == BrandStatus.RECOGNISED


def test_grant_before_the_notice_deadline_is_refused_with_a_message(client):
    app = in_notice().application
    events = AuditEvent.objects.count()
    response = post(client, committee(), action_url(app, "grant"))
    assert len(error_messages(response)) == 1
    app.refresh_from_db()
    assert app.state == State.PUBLIC_NOTICE
    assert AuditEvent.objects.count() == events
    assert not hasattr(app, "award")


def test_an_action_the_state_machine_does_not_allow_is_refused_with_a_message(client):
    app = ApplicationFactory()  # submitted: expert review has not started
    response = post(client, committee(), action_url(app, "close_review"))
    assert response.status_code == 200
    assert len(error_messages(response)) == 1
    app.refresh_from_db()
    assert app.state == State.SUBMITTED


@pytest.mark.parametrize("action", ["request_info", "open_notice", "reject"])
def test_reasons_are_required(client, action):
    app = ApplicationFactory(committee_review=True)
    events = AuditEvent.objects.count()
    response = post(client, committee(), action_url(app, action), {f"{action}-reasons": "   "})
    assert len(error_messages(response)) == 1
    app.refresh_from_db()
    assert app.state == State.COMMITTEE_REVIEW
    assert AuditEvent.objects.count() == events
    assert not Decision.objects.filter(application=app).exists()


def test_a_reviewer_cannot_take_the_committees_decisions(client):
    app = ApplicationFactory(committee_review=True, enterprise=hohhot_enterprise())
    client.force_login(reviewer("pre"))
    response = client.post(action_url(app, "open_notice"), {"open_notice-reasons": "好"})
    assert response.status_code == 403
    app.refresh_from_db()
    assert app.state == State.COMMITTEE_REVIEW


def test_a_reviewer_linked_to_the_applicant_cannot_act(client):
    app = ApplicationFactory(expert_review=True, enterprise=hohhot_enterprise())
    user = reviewer("linked-later")
    assign(app, user)  # the tie was recorded after the assignment
    link(user, app.enterprise)
    client.force_login(user)
    response = client.post(action_url(app, "reject"), {"reject-reasons": "不符合条件"})
    assert response.status_code == 403
    app.refresh_from_db()
    assert app.state == State.EXPERT_REVIEW


def test_unknown_actions_are_not_found_and_get_is_not_allowed(client):
    app = ApplicationFactory()
    client.force_login(committee())
    assert client.post(action_url(app, "fly")).status_code == 404
    assert client.get(action_url(app, "reject")).status_code == 405


# --- assignment -------------------------------------------------------------------------------------


def test_the_committee_assigns_a_reviewer(client):
    app = ApplicationFactory(expert_review=True)
    expert = reviewer("expert", REGION)
    events = AuditEvent.objects.count()
    response = post(client, committee(), reverse("review:assign", args=[app.pk]), {"reviewer": expert.pk})
    assert error_messages(response) == []
    assert Assignment.objects.filter(application=app, reviewer=expert).exists()
    assert AuditEvent.objects.count() == events + 1


def test_a_reviewer_linked_to_the_applicant_cannot_be_assigned(client):
    app = ApplicationFactory(expert_review=True)
    expert = reviewer("tied", REGION)
    link(expert, app.enterprise)
    client.force_login(committee())
    option = parse(client.get(reverse("review:application", args=[app.pk]))).find("option", value=str(expert.pk))
    assert option is not None and "—" in option.text()  # marked as linked
    response = post(client, committee(), reverse("review:assign", args=[app.pk]), {"reviewer": expert.pk})
    assert len(error_messages(response)) == 1
    assert not Assignment.objects.filter(application=app).exists()


def test_a_reviewer_takes_a_file_in_their_jurisdiction(client):
    app = ApplicationFactory(expert_review=True, enterprise=hohhot_enterprise())
    me = reviewer("taker")
    response = post(client, me, reverse("review:assign", args=[app.pk]))
    assert error_messages(response) == []
    assignment = Assignment.objects.get(application=app)
    assert assignment.reviewer == me and assignment.assigned_by == me
    # The file is now closed until the declaration.
    assert app.statement not in response.content.decode()


def test_a_reviewer_cannot_take_a_file_outside_their_jurisdiction(client):
    app = ApplicationFactory(expert_review=True, enterprise=baotou_enterprise())
    client.force_login(reviewer("far-away"))
    assert client.post(reverse("review:assign", args=[app.pk])).status_code == 404
    assert not Assignment.objects.exists()


# --- declaration and review -------------------------------------------------------------------------


def test_a_linked_reviewer_cannot_declare_no_conflict(client):
    app = ApplicationFactory(expert_review=True)
    user = reviewer("tied-assigned")
    assignment = assign(app, user, declared=False)
    link(user, app.enterprise)
    response = post(client, user, reverse("review:declare", args=[assignment.pk]), {"conflict": "no"})
    assert len(error_messages(response)) == 1
    assignment.refresh_from_db()
    assert assignment.declared_no_conflict_at is None


def test_recusal_needs_a_reason(client):
    app = ApplicationFactory(expert_review=True)
    user = reviewer("recuse")
    assignment = assign(app, user, declared=False)
    response = post(client, user, reverse("review:declare", args=[assignment.pk]), {"conflict": "yes", "reason": ""})
    assert len(error_messages(response)) == 1
    assignment.refresh_from_db()
    assert assignment.recused_at is None


def scores(app, value) -> dict[str, str]:
    return {f"score_{i.code}": str(value) for i in app.programme.indicators.all()}


def test_the_review_form_has_a_bounded_number_input_per_indicator(client):
    app = ApplicationFactory(expert_review=True)
    user = reviewer("scorer")
    assignment = assign(app, user)
    client.force_login(user)
    page = parse(client.get(reverse("review:review_form", args=[assignment.pk])))
    inputs = page.find_all("input", type="number")
    indicators = list(app.programme.indicators.all())
    assert len(inputs) == len(indicators)
    assert {(i.attrs["min"], i.attrs["max"]) for i in inputs} == {("0", str(i.max_score)) for i in indicators}


def test_scores_out_of_range_are_refused_and_nothing_is_saved(client):
    app = ApplicationFactory(expert_review=True)
    user = reviewer("scorer")
    assignment = assign(app, user)
    data = {**scores(app, 80), "recommendation": "grant", "comment": "良好"}
    first = app.programme.indicators.first()
    data[f"score_{first.code}"] = str(first.max_score + 1)
    client.force_login(user)
    response = client.post(reverse("review:review_form", args=[assignment.pk]), data)
    assert response.status_code == 200
    assert f"score_{first.code}" in response.context["form"].errors
    assert not Review.objects.exists()


def test_a_complete_review_is_saved_with_one_audit_event(client):
    app = ApplicationFactory(expert_review=True)
    user = reviewer("scorer")
    assignment = assign(app, user)
    events = AuditEvent.objects.count()
    data = {**scores(app, 80), "recommendation": "grant", "comment": "良好"}
    response = post(client, user, reverse("review:review_form", args=[assignment.pk]), data)
    assert error_messages(response) == []
    saved = Review.objects.get(assignment=assignment)
    assert saved.total == 80
    assert AuditEvent.objects.count() == events + 1


def test_an_undeclared_reviewer_is_sent_to_the_declaration_first(client):
    app = ApplicationFactory(expert_review=True)
    user = reviewer("hasty")
    assignment = assign(app, user, declared=False)
    client.force_login(user)
    response = client.post(
        reverse("review:review_form", args=[assignment.pk]), {**scores(app, 50), "recommendation": "grant"}
    )
    assert response.status_code == 302
    assert not Review.objects.exists()


def test_another_reviewers_assignment_is_not_found(client):
    app = ApplicationFactory(expert_review=True)
    assignment = assign(app, reviewer("owner"))
    client.force_login(reviewer("intruder"))
    assert client.get(reverse("review:review_form", args=[assignment.pk])).status_code == 404


# --- objections and the notice deadline -------------------------------------------------------------


def test_the_committee_answers_an_objection(client):
    objection = ObjectionFactory(notice=in_notice())
    events = AuditEvent.objects.count()
    data = {f"objection-{objection.pk}-outcome": "upheld", f"objection-{objection.pk}-answer": "经核查属实。"}
    response = post(client, committee(), reverse("review:objection_answer", args=[objection.pk]), data)
    assert error_messages(response) == []
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert objection.answer == "经核查属实。"
    assert AuditEvent.objects.count() == events + 1


def test_an_answer_needs_its_text(client):
    objection = ObjectionFactory(notice=in_notice())
    data = {f"objection-{objection.pk}-outcome": "dismissed", f"objection-{objection.pk}-answer": ""}
    response = post(client, committee(), reverse("review:objection_answer", args=[objection.pk]), data)
    assert len(error_messages(response)) == 1
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING


def test_reviewers_do_not_answer_objections(client):
    objection = ObjectionFactory(notice=in_notice(enterprise=hohhot_enterprise()))
    client.force_login(reviewer("pre"))
    data = {f"objection-{objection.pk}-outcome": "dismissed", f"objection-{objection.pk}-answer": "不成立"}
    assert client.post(reverse("review:objection_answer", args=[objection.pk]), data).status_code == 403
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING


def test_the_committee_extends_a_notice(client):
    notice = in_notice()
    later = notice.deadline + datetime.timedelta(days=5)
    events = AuditEvent.objects.count()
    url = reverse("review:notice_extend", args=[notice.application_id])
    response = post(client, committee(), url, {"deadline": later.isoformat(), "reasons": "跨越国庆假期"})
    assert error_messages(response) == []
    assert Notice.objects.get(pk=notice.pk).deadline == later
    assert AuditEvent.objects.count() == events + 1


def test_a_notice_is_never_shortened(client):
    notice = in_notice()
    earlier = notice.deadline - datetime.timedelta(days=1)
    url = reverse("review:notice_extend", args=[notice.application_id])
    response = post(client, committee(), url, {"deadline": earlier.isoformat(), "reasons": "提前结束"})
    assert len(error_messages(response)) == 1
    assert Notice.objects.get(pk=notice.pk).deadline == notice.deadline


def test_an_upheld_objection_lets_the_committee_reject_during_the_notice(client):
    notice = in_notice()
    ObjectionFactory(notice=notice, status=ObjectionStatus.UPHELD, answer="属实", answered_at=timezone.now())
    app = notice.application
    post(client, committee(), action_url(app, "reject"), {"reject-reasons": "异议成立。"})
    app.refresh_from_db()
    notice.refresh_from_db()
    assert app.state == State.REJECTED
    assert notice.closed_on is not None and notice.outcome == State.REJECTED
