"""The review workspace pages: who gets in, the queue by role and jurisdiction, the file, the
conflict-of-interest gate, attachments and the decision letter."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from awards.models import Attachment, Decision
from awards.reference import load_programmes
from awards.workflow import Action, State
from core.models import CreditRecord, Role
from tests.factories import UserFactory
from tests.factories_review import (
    BAOTOU,
    REGION,
    ApplicationFactory,
    assign,
    baotou_enterprise,
    committee,
    enterprise_user,
    hohhot_enterprise,
    in_notice,
    link,
    review,
    reviewer,
)
from tests.factories_site import parse

pytestmark = pytest.mark.django_db

QUEUE = "/review/"


@pytest.fixture(autouse=True)
def workflow_data(regions):
    """The part of the reference data these tests need: regions, award programmes and indicators."""
    load_programmes()


def file_url(application) -> str:
    return reverse("review:application", args=[application.pk])


def queue_refs(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(QUEUE)
    assert response.status_code == 200
    return {th.text() for th in parse(response).find_all("th", scope="row")}


@pytest.fixture
def hohhot_app():
    return ApplicationFactory(enterprise=hohhot_enterprise(name="呼和浩特乳业有限公司"))


@pytest.fixture
def baotou_app():
    return ApplicationFactory(enterprise=baotou_enterprise(name="包头稀土有限公司"))


# --- who gets in ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, hohhot_app, settings):
    settings.LOGIN_URL = "/accounts/login/"
    for url in (QUEUE, file_url(hohhot_app)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.STAFF, Role.LEADERSHIP])
def test_other_roles_are_refused_the_workspace(client, hohhot_app, role):
    client.force_login(UserFactory(username=f"u-{role}", role=role))
    assert client.get(QUEUE).status_code == 403
    assert client.get(file_url(hohhot_app)).status_code == 403


# --- the queue -----------------------------------------------------------------------------------


def test_a_league_reviewer_sees_submitted_files_of_their_league_only(client, hohhot_app, baotou_app):
    refs = queue_refs(client, reviewer("hohhot-reviewer"))
    assert hohhot_app.reference in refs
    assert baotou_app.reference not in refs


def test_a_region_reviewer_sees_every_league(client, hohhot_app, baotou_app):
    refs = queue_refs(client, reviewer("region-reviewer", REGION))
    assert {hohhot_app.reference, baotou_app.reference} <= refs


def test_the_committee_sees_every_open_stage_and_never_drafts(client):
    apps = {
        state: ApplicationFactory(enterprise=baotou_enterprise(), **{state: True})
        for state in ("expert_review", "committee_review", "more_information", "public_notice")
    }
    submitted = ApplicationFactory()
    draft = ApplicationFactory(draft=True)
    response = (client.force_login(committee()), client.get(QUEUE))[1]
    page = parse(response)
    for stage in (State.SUBMITTED, State.EXPERT_REVIEW, State.COMMITTEE_REVIEW, State.MORE_INFORMATION):
        assert page.by_id(f"stage-{stage}") is not None
    refs = {th.text() for th in page.find_all("th", scope="row")}
    assert {a.reference for a in apps.values()} | {submitted.reference} <= refs
    assert draft.reference not in refs


def test_a_reviewer_does_not_see_files_of_an_enterprise_they_are_linked_to(client, hohhot_app):
    user = reviewer("linked-reviewer")
    link(user, hohhot_app.enterprise)
    assert hohhot_app.reference not in queue_refs(client, user)


def test_a_reviewer_sees_files_assigned_to_them_outside_their_jurisdiction(client):
    app = ApplicationFactory(enterprise=baotou_enterprise(), expert_review=True)
    user = reviewer("hohhot-assigned")
    assign(app, user, declared=False)
    assert app.reference in queue_refs(client, user)


def test_the_committee_queue_shows_the_aggregate_score(client):
    app = ApplicationFactory(expert_review=True)
    review(app, reviewer("r1", REGION), "80.00")
    review(app, reviewer("r2", REGION), "90.00")
    client.force_login(committee())
    response = client.get(QUEUE)
    row = next(tr for tr in parse(response).find_all("tr") if app.reference in tr.text())
    assert "85.00" in row.text()


@pytest.mark.parametrize("user_kind", ["committee", "reviewer"])
def test_the_queue_query_count_does_not_grow_with_the_applications(client, django_assert_num_queries, user_kind):
    user = committee() if user_kind == "committee" else reviewer("q-reviewer", REGION)
    client.force_login(user)

    def add(n: int) -> None:
        for _ in range(n):
            app = ApplicationFactory(expert_review=True, enterprise=hohhot_enterprise())
            review(app, reviewer(f"r-{app.pk}", BAOTOU), "70")
            if user_kind == "reviewer":
                assign(app, user)
            notice = in_notice(enterprise=baotou_enterprise())
            notice.objections.create(name="李四", contact="a@b.cn", text="异议")

    add(2)
    client.get(QUEUE)  # warm up (sessions, content types)
    # (each count includes the session's second-factor device, looked up by django-otp's OTPMiddleware)
    with django_assert_num_queries(7 if user_kind == "reviewer" else 5) as small:
        assert client.get(QUEUE).status_code == 200
    add(4)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(QUEUE).status_code == 200


# --- the file ------------------------------------------------------------------------------------


def test_the_committee_sees_the_whole_file_with_every_review(client):
    app = ApplicationFactory(expert_review=True, enterprise=hohhot_enterprise(credit_grade="B"))
    CreditRecord.objects.create(
        enterprise=app.enterprise, kind="violation", description="标签不规范", recorded_on="2024-05-01"
    )
    review(app, reviewer("r1", REGION), "80.00")
    review(app, reviewer("r2", REGION), "70.00")
    client.force_login(committee())
    response = client.get(file_url(app))
    html = response.content.decode()
    assert response.status_code == 200
    assert app.statement in html
    assert app.enterprise.uscc in html
    assert "标签不规范" in html
    assert "75.00" in html  # the aggregate
    assert "80.00" in html and "70.00" in html
    assert len(parse(response).find_all("h1")) == 1


def test_a_reviewer_sees_their_own_review_only_and_no_aggregate(client):
    app = ApplicationFactory(expert_review=True)
    me = reviewer("me-reviewer")
    review(app, me, "81.00")
    review(app, reviewer("other", REGION), "63.00")
    client.force_login(me)
    html = client.get(file_url(app)).content.decode()
    assert "81.00" in html
    assert "63.00" not in html
    assert "72.00" not in html


def test_a_reviewer_outside_the_jurisdiction_gets_404(client, baotou_app):
    client.force_login(reviewer("hohhot-only"))
    assert client.get(file_url(baotou_app)).status_code == 404


def test_a_linked_reviewer_cannot_open_the_file(client, hohhot_app):
    user = reviewer("linked")
    link(user, hohhot_app.enterprise)
    client.force_login(user)
    assert client.get(file_url(hohhot_app)).status_code == 404


def test_drafts_are_not_found_in_the_workspace(client):
    draft = ApplicationFactory(draft=True)
    client.force_login(committee())
    assert client.get(file_url(draft)).status_code == 404


# --- the conflict-of-interest gate -------------------------------------------------------------------


def test_an_assigned_reviewer_sees_only_the_declaration_until_they_declare(client):
    app = ApplicationFactory(expert_review=True, enterprise=baotou_enterprise())
    attachment = Attachment.objects.create(
        application=app,
        file=ContentFile(b"%PDF-1.4\n%%EOF", name="report.pdf"),
        original_name="检测报告.pdf",
        content_type="application/pdf",
        size=14,
        sha256="0" * 64,
        uploaded_by=app.created_by,
    )
    user = reviewer("gated")  # Hohhot: sees the Baotou file only through the assignment
    assignment = assign(app, user, declared=False)
    client.force_login(user)
    response = client.get(file_url(app))
    html = response.content.decode()
    assert response.status_code == 200
    assert parse(response).find("form", action=reverse("review:declare", args=[assignment.pk])) is not None
    assert app.statement not in html
    assert "检测报告.pdf" not in html
    assert app.enterprise.uscc in html  # to know whom to declare about
    assert client.get(reverse("review:attachment", args=[app.pk, attachment.pk])).status_code == 403

    response = client.post(reverse("review:declare", args=[assignment.pk]), {"conflict": "no"})
    assert response.status_code == 302
    html = client.get(file_url(app)).content.decode()
    assert app.statement in html
    assert "检测报告.pdf" in html
    download = client.get(reverse("review:attachment", args=[app.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_recused_reviewer_never_sees_the_file(client):
    app = ApplicationFactory(expert_review=True)
    user = reviewer("recusing")
    assignment = assign(app, user, declared=False)
    client.force_login(user)
    response = client.post(reverse("review:declare", args=[assignment.pk]), {"conflict": "yes", "reason": "亲属任职"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.recused_at is not None
    html = client.get(file_url(app)).content.decode()
    assert app.statement not in html


def test_attachments_of_other_enterprises_are_not_found(client):
    app = ApplicationFactory()
    attachment = Attachment.objects.create(
        application=app,
        file=ContentFile(b"%PDF-1.4\n%%EOF", name="a.pdf"),
        original_name="a.pdf",
        content_type="application/pdf",
        size=14,
        sha256="0" * 64,
        uploaded_by=app.created_by,
    )
    url = reverse("review:attachment", args=[app.pk, attachment.pk])
    client.force_login(enterprise_user(baotou_enterprise()))
    assert client.get(url).status_code == 404
    client.force_login(app.created_by)
    assert client.get(url).status_code == 200


# --- the decision letter -------------------------------------------------------------------------


def test_the_decision_letter_shows_the_decision_and_its_reasons(client):
    notice = in_notice()
    app = notice.application
    url = reverse("review:letter", args=[app.pk])
    for user in (committee(), app.created_by):
        client.force_login(user)
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200
        assert "综合评分优良，拟认定。" in html
        assert app.enterprise.uscc in html
        assert app.subject_name in html
        assert "决定书" in html
        assert len(parse(response).find_all("h1")) == 1


def test_the_letter_of_a_rejection_carries_the_rejection_reasons(client):
    app = ApplicationFactory(state=State.REJECTED)
    Decision.objects.create(
        application=app,
        action=Action.REJECT,
        from_state=State.COMMITTEE_REVIEW,
        to_state=State.REJECTED,
        reasons="市场占有率证明不足。",
        decided_by=committee(),
    )
    client.force_login(app.created_by)
    assert "市场占有率证明不足。" in client.get(reverse("review:letter", args=[app.pk])).content.decode()


def test_there_is_no_letter_before_a_decision(client):
    app = ApplicationFactory(committee_review=True)
    client.force_login(committee())
    assert client.get(reverse("review:letter", args=[app.pk])).status_code == 404


def test_users_of_other_enterprises_get_404_for_the_letter(client):
    app = in_notice().application
    client.force_login(enterprise_user(baotou_enterprise()))
    assert client.get(reverse("review:letter", args=[app.pk])).status_code == 404
