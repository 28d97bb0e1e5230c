"""The workflow API from the caller's side: whole payloads, bad input that saves nothing, session
and token authentication, the objection throttle, query counts, and the whole path through the API."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from awards.models import Application, Assignment, Attachment, Award, Notice, Objection, Review
from awards.workflow import State
from brands.models import BrandStatus
from core.models import AuditEvent, CreditGrade, Region, Role
from tests.factories import BrandFactory, EnterpriseFactory, UserFactory
from tests.factories_workflow import (
    PDF,
    ApplicationFactory,
    ObjectionFactory,
    assign,
    full_scores,
    load_workflow_reference,
    reviewer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference(db):
    load_workflow_reference()
    cache.clear()


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="内蒙古甲乳业有限公司", region=Region.objects.get(code="150102"))


@pytest.fixture
def applicant(enterprise):
    return UserFactory(username="ent_a", role=Role.ENTERPRISE, enterprise=enterprise)


@pytest.fixture
def committee():
    return UserFactory(username="committee", role=Role.COMMITTEE)


def client_for(user=None, **kwargs) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", **kwargs)
    if user is not None:
        client.force_login(user)
    return client


# --- payloads -------------------------------------------------------------------------------------


def test_the_applicant_reads_the_public_label_and_never_the_internal_stage(applicant, enterprise):
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant, committee_review=True)
    response = client_for(applicant).get(f"/api/v1/applications/{application.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": application.pk,
        "reference": f"SQ{application.pk:06d}",
        "programme": {
            "code": "brand-recognition",
            "name_zh": "内蒙古品牌认定",
            "name_en": "Inner Mongolia brand recognition",
            "subject_kind": "brand",
        },
        "brand": application.brand_id,
        "gi_product": None,
        "subject": application.brand.name,
        "status": "Under review",
        "statement": application.statement,
        "information_request": "",
        "information_response": "",
        "created_at": response.json()["created_at"],
        "submitted_at": response.json()["submitted_at"],
        "decided_at": None,
        "attachments": [],
        "notice": None,
    }


def test_the_committee_reads_the_internal_state_and_the_enterprise_without_its_contact_details(
    applicant, enterprise, committee
):
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant, public_notice=True)
    body = client_for(committee).get(f"/api/v1/applications/{application.pk}/").json()
    assert (body["state"], body["state_label"], body["status"]) == (
        "public_notice",
        "In public notice",
        "In public notice",
    )
    assert body["enterprise"] == {
        "id": enterprise.pk,
        "name": "内蒙古甲乳业有限公司",
        "uscc": enterprise.uscc,
        "region": {
            "code": "150102",
            "name_zh": "新城区",
            "name_en": "Xincheng District",
            "level": "county",
            "league": "150100",
        },
    }
    notice = application.notice
    assert body["notice"] == {
        "id": notice.pk,
        "opened_on": notice.opened_on.isoformat(),
        "deadline": notice.deadline.isoformat(),
        "closed_on": None,
        "outcome": "",
    }
    assert body["reviews_done"] == 0


def test_the_list_filters_by_state(applicant, enterprise, committee):
    submitted = ApplicationFactory(enterprise=enterprise, created_by=applicant, submitted=True)
    ApplicationFactory(enterprise=enterprise, created_by=applicant, expert_review=True)
    response = client_for(committee).get("/api/v1/applications/", {"state": "submitted"})
    assert [row["id"] for row in response.json()["results"]] == [submitted.pk]


@pytest.mark.parametrize("size", [1, 6])
def test_the_list_query_count_does_not_grow_with_the_page(size, committee, django_assert_num_queries):
    for _ in range(size):
        application = ApplicationFactory(expert_review=True)
        Attachment.objects.create(
            application=application,
            file="applications/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            uploaded_by=application.created_by,
        )
        ObjectionFactory(notice=ApplicationFactory(public_notice=True).notice)
    client = client_for(committee)
    # session + user, the session's second-factor device (django-otp), count, page, attachments
    with django_assert_num_queries(6):
        response = client.get("/api/v1/applications/")
    assert response.json()["count"] == 2 * size


@pytest.mark.parametrize("size", [1, 6])
def test_the_assignment_list_query_count_does_not_grow_with_the_page(size, django_assert_num_queries):
    user = reviewer("rev")
    for _ in range(size):
        assign(ApplicationFactory(expert_review=True), user, declared=True)
    client = client_for(user)
    # session + user, the session's second-factor device (django-otp), count, page (with its review), scores
    with django_assert_num_queries(5):
        response = client.get("/api/v1/assignments/")
    assert response.json()["count"] == size


# --- bad input saves nothing ----------------------------------------------------------------------


def test_starting_a_draft_answers_with_the_applicants_view(applicant, enterprise):
    brand = BrandFactory(enterprise=enterprise)
    response = client_for(applicant).post(
        "/api/v1/applications/", {"programme": "brand-recognition", "brand": brand.pk}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["brand"]) == ("Draft (not submitted)", brand.pk)
    assert "state" not in response.json()
    assert AuditEvent.objects.filter(action="application.create").count() == 1


def test_an_ineligible_enterprise_is_told_why_and_no_draft_is_saved(applicant, enterprise):
    enterprise.credit_grade = CreditGrade.D
    enterprise.save()
    brand = BrandFactory(enterprise=enterprise)
    response = client_for(applicant).post(
        "/api/v1/applications/", {"programme": "brand-recognition", "brand": brand.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"code": "ineligible", "detail": "The enterprise's credit grade is D (untrustworthy)."}
    assert not Application.objects.exists()


def test_missing_required_fields_are_named(applicant):
    response = client_for(applicant).post("/api/v1/applications/", {"programme": "brand-recognition"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"brand"}
    assert client_for(applicant).post("/api/v1/applications/", {}, format="json").json().keys() == {"programme"}
    assert not Application.objects.exists()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("报告.pdf", b"MZ this is not a pdf", "content_mismatch"),
        ("图片.png", PDF, "content_mismatch"),
        ("报告.exe", PDF, "file_type"),
    ],
)
def test_an_attachment_whose_content_is_not_what_its_name_says_is_refused(applicant, enterprise, name, content, code):
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant)
    response = client_for(applicant).post(
        f"/api/v1/applications/{application.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert not Attachment.objects.exists()


def test_an_over_size_attachment_is_refused(applicant, enterprise, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant)
    response = client_for(applicant).post(
        f"/api/v1/applications/{application.pk}/attachments/",
        {"file": SimpleUploadedFile("大.pdf", PDF + b"0" * 2048 + b"%%EOF")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "too large" in response.json()["non_field_errors"][0]
    assert not Attachment.objects.exists()


def test_a_picture_is_accepted_and_described(applicant, enterprise):
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant)
    response = client_for(applicant).post(
        f"/api/v1/applications/{application.pk}/attachments/",
        {"file": SimpleUploadedFile("厂房.png", _png())},
        format="multipart",
    )
    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert response.json() == {
        "id": attachment.pk,
        "original_name": "厂房.png",
        "content_type": "image/png",
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": response.json()["uploaded_at"],
    }


@pytest.fixture
def open_assignment(enterprise, applicant):
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant, expert_review=True)
    return assign(application, reviewer("rev", "150100"), declared=True)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quality": 101}, "score_quality"),
        ({"quality": -1}, "score_quality"),
        ({"quality": None}, "score_quality"),  # left out
        ({"colour": 50}, "scores"),  # not an indicator of the programme
    ],
)
def test_scores_out_of_range_or_missing_are_refused_and_nothing_is_saved(open_assignment, change, field):
    scores = {**full_scores(), **change}
    scores = {code: value for code, value in scores.items() if value is not None}
    response = client_for(open_assignment.reviewer).post(
        f"/api/v1/assignments/{open_assignment.pk}/review/",
        {"scores": scores, "recommendation": "grant", "comment": "好。"},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Review.objects.exists()


def test_a_review_answers_with_its_weighted_score(open_assignment):
    response = client_for(open_assignment.reviewer).post(
        f"/api/v1/assignments/{open_assignment.pk}/review/",
        {"scores": full_scores(90), "recommendation": "grant", "comment": "材料齐全。"},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["total"], response.json()["recommendation"]) == ("90.00", "grant")
    assert {s["indicator"]: s["value"] for s in response.json()["scores"]} == dict.fromkeys(full_scores(), "90.00")


def test_the_committee_cannot_assign_a_reviewer_linked_to_the_applicant(enterprise, applicant, committee):
    from awards.models import ReviewerLink

    application = ApplicationFactory(enterprise=enterprise, created_by=applicant, expert_review=True)
    linked = reviewer("linked", "150100")
    ReviewerLink.objects.create(reviewer=linked, enterprise=enterprise, relation="亲属")
    response = client_for(committee).post(
        "/api/v1/assignments/", {"application": application.pk, "reviewer": linked.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "conflict_of_interest"
    assert not Assignment.objects.exists()


def test_a_reviewer_who_declares_a_conflict_must_say_what_it_is(enterprise, applicant):
    # A reviewer from elsewhere, assigned by the committee: the assignment is what shows the file.
    assignment = assign(
        ApplicationFactory(enterprise=enterprise, created_by=applicant, expert_review=True), reviewer("r", "150300")
    )
    client = client_for(assignment.reviewer)
    assert client.get(f"/api/v1/applications/{assignment.application_id}/").status_code == 403  # declare first
    response = client.post(f"/api/v1/assignments/{assignment.pk}/declare/", {"conflict": True}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["reason"])
    response = client.post(
        f"/api/v1/assignments/{assignment.pk}/declare/", {"conflict": True, "reason": "曾任顾问"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["recused_at"] and not response.json()["is_open_for_review"]
    # Having stepped aside, the reviewer no longer sees the file.
    assert client.get(f"/api/v1/applications/{assignment.application_id}/").status_code == 404


def test_decisions_need_reasons(enterprise, applicant, committee):
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant, committee_review=True)
    response = client_for(committee).post(
        f"/api/v1/applications/{application.pk}/open-notice/", {"reasons": "  "}, format="json"
    )
    assert (response.status_code, list(response.json())) == (400, ["reasons"])
    application.refresh_from_db()
    assert application.state == State.COMMITTEE_REVIEW


# --- authentication -------------------------------------------------------------------------------


def test_a_browser_session_must_send_the_csrf_token(applicant, enterprise):
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant)
    client = client_for(applicant, enforce_csrf_checks=True)
    response = client.post(f"/api/v1/applications/{application.pk}/submit/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(f"/api/v1/applications/{application.pk}/submit/", HTTP_X_CSRFTOKEN="a" * 32)
    assert response.status_code == 200


def test_a_system_authenticates_with_a_token_and_needs_no_csrf_token(applicant, enterprise):
    application = ApplicationFactory(enterprise=enterprise, created_by=applicant)
    token = Token.objects.create(user=applicant)
    client = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/applications/").json()["count"] == 1
    assert client.post(f"/api/v1/applications/{application.pk}/submit/").status_code == 200
    # 403, not 401: the first authentication class (the session's) sends no WWW-Authenticate challenge.
    bad = APIClient(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.get("/api/v1/applications/").status_code == 403


def test_objections_are_throttled_per_client():
    notice = ApplicationFactory(public_notice=True).notice
    client = APIClient()
    data = {"name": "李四", "contact": "lisi@example.cn", "text": "该品牌宣传不实。"}
    answers = [
        client.post(f"/api/v1/notices/{notice.pk}/objections/", data, format="json").status_code for _ in range(6)
    ]
    assert answers == [201] * 5 + [429]
    assert Objection.objects.count() == 5
    other = APIClient(REMOTE_ADDR="10.0.0.2")
    assert other.post(f"/api/v1/notices/{notice.pk}/objections/", data, format="json").status_code == 201


def test_an_objection_needs_a_name_a_contact_and_a_text():
    notice = ApplicationFactory(public_notice=True).notice
    response = APIClient().post(f"/api/v1/notices/{notice.pk}/objections/", {"name": "", "contact": "", "text": ""})
    assert response.status_code == 400
    assert set(response.json()) == {"name", "contact", "text"}
    assert not Objection.objects.exists()


# --- the whole path through the API ----------------------------------------------------------------


def test_the_whole_path_through_the_api_ends_in_one_award_and_a_recognised_brand(enterprise, applicant, committee):
    brand = BrandFactory(enterprise=enterprise)
    me = client_for(applicant)
    pk = me.post(
        "/api/v1/applications/",
        {"programme": "brand-recognition", "brand": brand.pk, "statement": "申请认定。"},
        format="json",
    ).json()["id"]
    assert (
        me.post(
            f"/api/v1/applications/{pk}/attachments/", {"file": SimpleUploadedFile("证明.pdf", PDF)}, format="multipart"
        ).status_code
        == 201
    )
    assert me.post(f"/api/v1/applications/{pk}/submit/").json()["status"] == "Received, under review"

    prereviewer = client_for(reviewer("league", "150100"))
    assert prereviewer.post(f"/api/v1/applications/{pk}/pass-prereview/", {}, format="json").json()["state"] == (
        "expert_review"
    )
    board = client_for(committee)
    for username in ("expert1", "expert2"):
        expert = reviewer(username)
        assignment = board.post("/api/v1/assignments/", {"application": pk, "reviewer": expert.pk}, format="json")
        assert assignment.status_code == 201
        own = client_for(expert)
        path = f"/api/v1/assignments/{assignment.json()['id']}"
        assert own.post(f"{path}/declare/", {"conflict": False}, format="json").status_code == 200
        review = {"scores": full_scores(85), "recommendation": "grant", "comment": "建议认定。"}
        assert own.post(f"{path}/review/", review, format="json").status_code == 201
    assert board.get(f"/api/v1/applications/{pk}/").json()["reviews_done"] == 2
    assert board.post(f"/api/v1/applications/{pk}/close-review/").json()["state"] == "committee_review"
    notice_id = board.post(f"/api/v1/applications/{pk}/open-notice/", {"reasons": "评审通过。"}, format="json").json()[
        "notice"
    ]["id"]

    objection = APIClient().post(
        f"/api/v1/notices/{notice_id}/objections/",
        {"name": "李四", "contact": "lisi@example.cn", "text": "有异议。"},
        format="json",
    )
    assert objection.json()["status"] == "pending"
    answer = board.post(
        f"/api/v1/objections/{objection.json()['id']}/answer/", {"upheld": False, "answer": "不成立。"}, format="json"
    )
    assert answer.json()["status"] == "dismissed"
    assert board.post(f"/api/v1/applications/{pk}/grant/").status_code == 409  # the notice still runs
    Notice.objects.filter(pk=notice_id).update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    granted = board.post(f"/api/v1/applications/{pk}/grant/")
    assert (granted.status_code, granted.json()["state"]) == (200, "granted")

    assert me.get(f"/api/v1/applications/{pk}/").json()["status"] == "Granted"
    brand.refresh_from_db()
    assert brand.status == BrandStatus.RECOGNISED
    assert Award.objects.get().application_id == pk
    history = AuditEvent.objects.filter(object_type="awards.application", object_id=str(pk))
    assert list(history.order_by("id").values_list("action", flat=True)) == [
        "application.create",
        "application.submit",
        "application.pass_prereview",
        "application.close_review",
        "application.open_notice",
        "application.grant",
    ]
