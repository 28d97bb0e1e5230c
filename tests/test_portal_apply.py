"""Applying through the enterprise portal: drafts with attachments, submit, withdraw, answer a request."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib import messages
from django.urls import reverse
from django.utils.html import escape

from awards.eligibility import eligibility_problems
from awards.models import Application, Attachment, Award, AwardStatus
from awards.reference import load_programmes
from awards.services import application_pass_prereview, application_request_info
from awards.workflow import State
from brands.models import BrandStatus
from core.models import AuditEvent, CreditGrade, CreditRecord, CreditRecordKind, CreditRecordSeverity
from tests.factories import BrandFactory, GIProductFactory
from tests.factories_portal import (
    BRAND,
    GI_MARK,
    QUALITY,
    ApplicationFactory,
    AwardFactory,
    CommitteeUserFactory,
    EnterpriseUserFactory,
    html_named_pdf,
    logged_in,
    pdf_file,
    png_file,
    programme,
)


@pytest.fixture(autouse=True)
def programmes(regions):
    load_programmes()


@pytest.fixture
def user():
    return EnterpriseUserFactory(username="applicant")


@pytest.fixture
def brand(user):
    return BrandFactory(enterprise=user.enterprise, name="塞外香")


def apply_url(code: str = BRAND) -> str:
    return reverse("portal:apply_form", args=[code])


def detail_url(application: Application) -> str:
    return reverse("portal:application_detail", args=[application.pk])


def stored_files() -> set[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "applications"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def error_messages(response) -> list[str]:
    """The extra tags (error codes) of the error messages shown on the page."""
    return [m.extra_tags for m in response.context["messages"] if m.level == messages.ERROR]


def history(application: Application, action: str) -> int:
    return AuditEvent.objects.filter(
        object_type="awards.application", object_id=str(application.pk), action=action
    ).count()


# --- starting a draft ----------------------------------------------------------------------------


def test_a_draft_is_saved_with_its_pdf_and_picture(user, brand):
    response = logged_in(user).post(
        apply_url(), {"brand": brand.pk, "statement": "品牌说明", "files": [pdf_file(), png_file()]}
    )

    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(application)
    assert (application.state, application.brand, application.enterprise) == (State.DRAFT, brand, user.enterprise)
    assert application.statement == "品牌说明"
    assert sorted(application.attachments.values_list("original_name", "content_type")) == [
        ("现场照片.png", "image/png"),
        ("营业执照.pdf", "application/pdf"),
    ]


def test_a_file_named_pdf_that_is_a_web_page_is_refused_and_nothing_is_saved(user, brand):
    before = stored_files()
    response = logged_in(user).post(
        apply_url(), {"brand": brand.pk, "statement": "说明", "files": [pdf_file(), html_named_pdf()]}
    )

    assert response.status_code == 200
    assert response.context["form"].has_error("files", code="content_mismatch")
    assert "report.pdf" in response.content.decode()
    assert not Application.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files() == before


def test_an_oversize_file_is_refused_and_nothing_is_saved(user, brand, settings):
    settings.ATTACHMENT_MAX_BYTES = 2048
    response = logged_in(user).post(apply_url(), {"brand": brand.pk, "files": [pdf_file(padding=4096)]})

    assert response.status_code == 200
    assert response.context["form"].has_error("files", code="file_too_large")
    assert "营业执照.pdf" in str(response.context["form"].errors["files"])
    assert not Application.objects.exists()
    assert not Attachment.objects.exists()


def test_only_own_brands_not_recognised_and_in_force_can_be_chosen(user, brand):
    BrandFactory(enterprise=user.enterprise, name="已认定", recognised=True, valid_until=datetime.date(2099, 1, 1))
    expired = BrandFactory(
        enterprise=user.enterprise,
        name="已过期",
        status=BrandStatus.RECOGNISED,
        recognised_on=datetime.date(2019, 1, 1),
        valid_until=datetime.date(2022, 1, 1),
    )
    foreign = BrandFactory(name="别人的品牌")
    client = logged_in(user)

    form = client.get(apply_url()).context["form"]
    assert set(form.fields["brand"].queryset) == {brand, expired}

    response = client.post(apply_url(), {"brand": foreign.pk, "statement": "x"})
    assert response.context["form"].has_error("brand", code="invalid_choice")
    assert not Application.objects.exists()


def test_a_brand_with_an_unfinished_application_is_not_offered_again(user, brand):
    ApplicationFactory(enterprise=user.enterprise, brand=brand, state=State.EXPERT_REVIEW)
    form = logged_in(user).get(apply_url()).context["form"]
    assert brand not in form.fields["brand"].queryset
    assert form.no_subject_available


def test_the_gi_mark_form_asks_for_a_gi_product(user):
    gi = GIProductFactory(name_zh="科尔沁牛肉")
    response = logged_in(user).post(apply_url(GI_MARK), {"gi_product": gi.pk, "statement": "使用说明"})
    application = Application.objects.get()
    assert response.status_code == 302
    assert (application.gi_product, application.brand) == (gi, None)


def test_the_quality_award_form_has_no_subject_to_choose(user):
    client = logged_in(user)
    form = client.get(apply_url(QUALITY)).context["form"]
    assert set(form.fields) == {"statement", "files"}
    assert client.post(apply_url(QUALITY), {"statement": "质量管理"}).status_code == 302
    assert Application.objects.get().enterprise == user.enterprise

    # A second unfinished application to the same programme is refused with a message on the form.
    response = client.post(apply_url(QUALITY), {"statement": "再次申请"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Application.objects.count() == 1


# --- eligibility ---------------------------------------------------------------------------------


def test_an_enterprise_graded_d_sees_why_and_gets_no_form(user, brand):
    user.enterprise.credit_grade = CreditGrade.D
    user.enterprise.save()
    client = logged_in(user)
    problems = eligibility_problems(user.enterprise, programme(BRAND))
    assert problems

    listing = client.get(reverse("portal:apply_list"))
    choice = next(c for c in listing.context["choices"] if c.programme.code == BRAND)
    assert choice.problems == problems
    assert escape(problems[0]) in listing.content.decode()
    assert apply_url() not in listing.content.decode()

    page = client.get(apply_url())
    assert page.status_code == 200
    assert "form" not in page.context
    assert escape(problems[0]) in page.content.decode()
    assert b'enctype="multipart/form-data"' not in page.content

    refused = client.post(apply_url(), {"brand": brand.pk, "statement": "x", "files": [pdf_file()]})
    assert refused.status_code == 403
    assert not Application.objects.exists()
    assert not Attachment.objects.exists()


def test_every_reason_is_given(user):
    enterprise = user.enterprise
    enterprise.credit_grade = CreditGrade.D
    enterprise.save()
    CreditRecord.objects.create(
        enterprise=enterprise,
        kind=CreditRecordKind.VIOLATION,
        severity=CreditRecordSeverity.SERIOUS,
        description="销售不合格产品",
        recorded_on=datetime.date(2025, 6, 1),
    )
    award = AwardFactory(application__enterprise=enterprise, application__programme=programme(QUALITY))
    Award.objects.filter(pk=award.pk).update(status=AwardStatus.REVOKED, revoked_on=datetime.date.today())

    page = logged_in(user).get(apply_url(QUALITY))

    assert len(page.context["problems"]) == 3
    assert "销售不合格产品" in page.content.decode()


# --- actions on the application page -------------------------------------------------------------


@pytest.fixture
def draft(user, brand):
    logged_in(user).post(apply_url(), {"brand": brand.pk, "statement": "品牌说明", "files": [pdf_file()]})
    return Application.objects.get()


def test_submit_moves_the_draft_on_with_one_audit_event(user, draft):
    client = logged_in(user)
    assert client.get(detail_url(draft)).context["can_submit"]

    response = client.post(reverse("portal:application_submit", args=[draft.pk]), follow=True)

    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    assert draft.submitted_at is not None
    assert history(draft, "application.submit") == 1
    assert error_messages(response) == []
    assert response.context["edit_form"] is None
    assert not response.context["can_submit"]


def test_submit_without_a_statement_is_refused_with_a_message(user, brand):
    client = logged_in(user)
    client.post(apply_url(), {"brand": brand.pk, "statement": ""})
    draft = Application.objects.get()

    response = client.post(reverse("portal:application_submit", args=[draft.pk]), follow=True)

    assert error_messages(response) == ["invalid"]
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    assert history(draft, "application.submit") == 0


def test_submitting_twice_is_refused_as_not_possible_in_the_current_state(user, draft):
    client = logged_in(user)
    url = reverse("portal:application_submit", args=[draft.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert error_messages(response) == ["invalid_transition"]
    assert history(draft, "application.submit") == 1


def test_submit_is_a_post_only_action(user, draft):
    assert logged_in(user).get(reverse("portal:application_submit", args=[draft.pk])).status_code == 405


def test_withdraw(user, draft):
    client = logged_in(user)
    client.post(reverse("portal:application_submit", args=[draft.pk]))

    response = client.post(reverse("portal:application_withdraw", args=[draft.pk]), follow=True)

    draft.refresh_from_db()
    assert draft.state == State.WITHDRAWN
    assert history(draft, "application.withdraw") == 1
    assert not response.context["can_withdraw"]
    again = client.post(reverse("portal:application_withdraw", args=[draft.pk]), follow=True)
    assert error_messages(again) == ["invalid_transition"]


def test_the_draft_can_be_edited_and_files_added_until_it_is_submitted(user, draft):
    client = logged_in(user)
    edit = reverse("portal:application_edit", args=[draft.pk])

    client.post(edit, {"statement": "修改后的说明", "files": [png_file()]})
    draft.refresh_from_db()
    assert draft.statement == "修改后的说明"
    assert draft.attachments.count() == 2

    refused = client.post(edit, {"statement": "x", "files": [html_named_pdf()]})
    assert refused.context["edit_form"].has_error("files", code="content_mismatch")
    draft.refresh_from_db()
    assert draft.statement == "修改后的说明"
    assert draft.attachments.count() == 2

    client.post(reverse("portal:application_submit", args=[draft.pk]))
    late = client.post(edit, {"statement": "提交之后", "files": [pdf_file()]}, follow=True)
    assert error_messages(late) == ["invalid_transition"]
    draft.refresh_from_db()
    assert draft.statement == "修改后的说明"
    assert draft.attachments.count() == 2


def test_answering_a_request_for_information_returns_it_to_the_stage_that_asked(user, draft):
    client = logged_in(user)
    committee = CommitteeUserFactory()
    client.post(reverse("portal:application_submit", args=[draft.pk]))
    application_pass_prereview(actor=committee, application=draft)
    application_request_info(actor=committee, application=draft, request="请补充检测报告。")
    draft.refresh_from_db()
    assert draft.state == State.MORE_INFORMATION

    page = client.get(detail_url(draft))
    assert page.context["respond_form"] is not None
    assert "请补充检测报告。" in page.content.decode()

    respond = reverse("portal:application_respond", args=[draft.pk])
    empty = client.post(respond, {"response": " "})
    assert empty.context["respond_form"].has_error("response")
    draft.refresh_from_db()
    assert draft.state == State.MORE_INFORMATION

    client.post(reverse("portal:application_edit", args=[draft.pk]), {"statement": "补充", "files": [pdf_file()]})
    response = client.post(respond, {"response": "已上传检测报告。"}, follow=True)

    draft.refresh_from_db()
    assert draft.state == State.EXPERT_REVIEW
    assert draft.information_response == "已上传检测报告。"
    assert draft.attachments.count() == 2
    assert history(draft, "application.respond") == 1
    assert error_messages(response) == []
    assert response.context["respond_form"] is None


def test_answering_when_nothing_was_asked_is_refused(user, draft):
    response = logged_in(user).post(
        reverse("portal:application_respond", args=[draft.pk]), {"response": "答复"}, follow=True
    )
    assert error_messages(response) == ["invalid_transition"]
    draft.refresh_from_db()
    assert (draft.state, draft.information_response) == (State.DRAFT, "")


def test_another_user_of_the_same_enterprise_may_act(user, draft):
    colleague = EnterpriseUserFactory(enterprise=user.enterprise)
    logged_in(colleague).post(reverse("portal:application_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
