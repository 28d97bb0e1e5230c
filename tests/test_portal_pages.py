"""The enterprise portal's pages: who may see them, what they show, and how many queries they make."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.models import Decision, Notice
from awards.reference import load_programmes
from awards.services import application_pass_prereview, application_request_info, application_submit
from awards.services_portal import application_start
from awards.workflow import Action, State
from brands.models import BrandStatus
from brands.reference import load_nice_classes
from certifications.models import CertificationStatus
from core.models import CreditGrade, Role
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    GIMarkUserFactory,
    TrademarkFactory,
    UserFactory,
)
from tests.factories_portal import (
    BRAND,
    GI_MARK,
    QUALITY,
    ApplicationFactory,
    AwardFactory,
    CommitteeUserFactory,
    EnterpriseUserFactory,
    ReviewerFactory,
    logged_in,
    pdf_file,
    programme,
)


@pytest.fixture(autouse=True)
def programmes(regions):
    """Regions, Nice classes and the award programmes (the whole reference data set is much slower to load)."""
    load_nice_classes()
    load_programmes()


@pytest.fixture
def user():
    return EnterpriseUserFactory(username="applicant")


@pytest.fixture
def application(user):
    """A draft of ``user``'s enterprise with one attachment."""
    return application_start(
        actor=user,
        programme=programme(BRAND),
        brand=BrandFactory(enterprise=user.enterprise),
        statement="申请说明",
        files=[pdf_file()],
    )


@pytest.fixture
def other_application():
    """A submitted application of another enterprise, with an attachment."""
    other = EnterpriseUserFactory(username="other-applicant")
    app = application_start(
        actor=other,
        programme=programme(BRAND),
        brand=BrandFactory(enterprise=other.enterprise),
        statement="另一家企业",
        files=[pdf_file()],
    )
    return app


def portal_urls(application) -> list[str]:
    attachment = application.attachments.get()
    return [
        reverse("portal:home"),
        reverse("portal:apply_list"),
        *(reverse("portal:apply_form", args=[code]) for code in (BRAND, GI_MARK, QUALITY)),
        reverse("portal:application_detail", args=[application.pk]),
        reverse("portal:attachment_download", args=[application.pk, attachment.pk]),
        reverse("portal:award_list"),
    ]


def test_every_portal_page_answers_the_enterprise_user(user, application):
    client = logged_in(user)
    for url in portal_urls(application):
        response = client.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            assert len(re.findall(rb"<h1[\s>]", response.content)) == 1, url


def test_another_enterprises_application_is_not_found(user, application, other_application):
    client = logged_in(user)
    attachment = other_application.attachments.get()
    missing = other_application.pk + 1000
    gets = [
        reverse("portal:application_detail", args=[other_application.pk]),
        reverse("portal:attachment_download", args=[other_application.pk, attachment.pk]),
        # An own application with another enterprise's attachment id.
        reverse("portal:attachment_download", args=[application.pk, attachment.pk]),
        reverse("portal:application_detail", args=[missing]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for name in ("application_submit", "application_withdraw", "application_respond", "application_edit"):
        for pk in (other_application.pk, missing):
            url = reverse(f"portal:{name}", args=[pk])
            assert client.post(url, {"statement": "x", "response": "x"}).status_code == 404, url
    other_application.refresh_from_db()
    assert other_application.state == State.DRAFT
    assert other_application.statement == "另一家企业"


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COMMITTEE, Role.STAFF, Role.LEADERSHIP])
def test_the_portal_is_refused_to_other_roles(role, application):
    if role == Role.REVIEWER:
        outsider = ReviewerFactory()
    elif role == Role.COMMITTEE:
        outsider = CommitteeUserFactory()
    else:
        outsider = UserFactory(role=role)
    client = logged_in(outsider)
    for url in portal_urls(application):
        assert client.get(url).status_code == 403, url
    submit = reverse("portal:application_submit", args=[application.pk])
    assert client.post(submit).status_code == 403


def test_an_enterprise_user_without_an_enterprise_is_refused():
    client = logged_in(UserFactory(role=Role.ENTERPRISE, enterprise=None))
    assert client.get(reverse("portal:home")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, application, settings):
    settings.LOGIN_URL = "/accounts/login/"
    for url in portal_urls(application):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    response = client.post(reverse("portal:application_submit", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_home_shows_the_profile_with_its_credit_grade_and_every_register(user):
    enterprise = user.enterprise
    enterprise.credit_grade = CreditGrade.B
    enterprise.save()
    brand = BrandFactory(enterprise=enterprise, name="敕勒川")
    TrademarkFactory(enterprise=enterprise, mark_text="敕勒川商标")
    CertificationFactory(enterprise=enterprise, product="有机羊肉")
    GIMarkUserFactory(enterprise=enterprise, gi_product__name_zh="乌珠穆沁羊肉")
    app = ApplicationFactory(enterprise=enterprise, brand=brand, state=State.EXPERT_REVIEW)
    BrandFactory(name="别人的品牌")

    response = logged_in(user).get(reverse("portal:home"))

    text = response.content.decode()
    for shown in (enterprise.name, enterprise.uscc, "敕勒川商标", "有机羊肉", "乌珠穆沁羊肉", app.reference):
        assert shown in text
    assert "别人的品牌" not in text
    assert response.context["enterprise"].get_credit_grade_display() in text
    assert str(app.public_label) in text


def test_home_lists_what_expires_within_90_days_soonest_first(user):
    today = timezone.localdate()
    enterprise = user.enterprise
    BrandFactory(
        enterprise=enterprise,
        name="快到期的品牌",
        status=BrandStatus.RECOGNISED,
        recognised_on=today - datetime.timedelta(days=1000),
        valid_until=today + datetime.timedelta(days=30),
    )
    BrandFactory(
        enterprise=enterprise,
        name="远期品牌",
        status=BrandStatus.RECOGNISED,
        recognised_on=today,
        valid_until=today + datetime.timedelta(days=400),
    )
    CertificationFactory(
        enterprise=enterprise, certificate_number="124OP2499999", expires_on=today + datetime.timedelta(days=7)
    )
    CertificationFactory(
        enterprise=enterprise,
        certificate_number="124OP2488888",
        expires_on=today + datetime.timedelta(days=20),
        status=CertificationStatus.REVOKED,
        revoked_on=today,
    )
    award = AwardFactory(
        application__enterprise=enterprise,
        application__programme=programme(QUALITY),
        granted_on=today - datetime.timedelta(days=1000),
        valid_until=today + datetime.timedelta(days=60),
    )
    AwardFactory(application__enterprise=enterprise, valid_until=today - datetime.timedelta(days=1))

    response = logged_in(user).get(reverse("portal:home"))

    expiring = response.context["expiring"]
    assert [item.until for item in expiring] == [
        today + datetime.timedelta(days=7),
        today + datetime.timedelta(days=30),
        today + datetime.timedelta(days=60),
    ]
    assert "124OP2499999" in expiring[0].name
    assert expiring[1].name == "快到期的品牌"
    assert award.programme.name in expiring[2].name
    assert [item.days_left for item in expiring] == [7, 30, 60]
    assert "远期品牌" not in {item.name for item in expiring}


def _add_records(enterprise, n: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        brand = BrandFactory(
            enterprise=enterprise,
            status=BrandStatus.RECOGNISED,
            recognised_on=today,
            valid_until=today + datetime.timedelta(days=10 + i),
        )
        TrademarkFactory(enterprise=enterprise, brand=brand)
        CertificationFactory(enterprise=enterprise, expires_on=today + datetime.timedelta(days=20 + i))
        GIMarkUserFactory(enterprise=enterprise)
        ApplicationFactory(enterprise=enterprise, brand=brand, state=State.SUBMITTED)
        AwardFactory(
            application__enterprise=enterprise,
            application__brand=brand,
            valid_until=today + datetime.timedelta(days=30 + i),
        )


def test_home_query_count_does_not_grow_with_the_records(user):
    client = logged_in(user)
    url = reverse("portal:home")
    _add_records(user.enterprise, 1)
    client.get(url)  # warm the session and the content types
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _add_records(user.enterprise, 6)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["brands"]) == 7
    assert len(response.context["expiring"]) == 21
    assert len(large.captured_queries) == len(small.captured_queries)


def test_award_list_shows_the_awards_with_the_certificate_still_to_come(user):
    own = BrandFactory(enterprise=user.enterprise, name="草原明珠")
    award = AwardFactory(application__enterprise=user.enterprise, application__brand=own)
    AwardFactory(application__brand=BrandFactory(name="别家奖项"))

    response = logged_in(user).get(reverse("portal:award_list"))

    assert list(response.context["awards"]) == [award]
    text = response.content.decode()
    assert "草原明珠" in text
    assert "别家奖项" not in text
    assert award.granted_on.isoformat() in text and award.valid_until.isoformat() in text


def test_attachments_are_downloaded_through_the_portal_only(user, application):
    attachment = application.attachments.get()
    response = logged_in(user).get(reverse("portal:attachment_download", args=[application.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    detail = logged_in(user).get(reverse("portal:application_detail", args=[application.pk])).content.decode()
    assert attachment.file.url not in detail


def test_history_uses_public_labels_with_the_committees_reasons_and_no_names(user, application):
    committee = CommitteeUserFactory(username="weiyuan-zhang")
    application_submit(actor=user, application=application)
    application_pass_prereview(actor=committee, application=application)
    application_request_info(actor=committee, application=application, request="请补充近三年的销售数据。")

    response = logged_in(user).get(reverse("portal:application_detail", args=[application.pk]))

    history = response.context["history"]
    assert [entry.reasons for entry in history if entry.reasons] == ["请补充近三年的销售数据。"]
    assert len(history) == 5  # created, attachment added, submitted, passed pre-review, information requested
    text = response.content.decode()
    assert "weiyuan-zhang" not in text
    assert "请补充近三年的销售数据。" in text
    assert response.context["respond_form"] is not None
    assert response.context["edit_form"] is not None
    assert not response.context["can_submit"]


def test_an_application_in_public_notice_links_its_notice_and_decision_letter(user):
    application = ApplicationFactory(enterprise=user.enterprise, state=State.PUBLIC_NOTICE)
    today = timezone.localdate()
    notice = Notice.objects.create(application=application, opened_on=today, deadline=today + datetime.timedelta(9))
    Decision.objects.create(
        application=application,
        action=Action.OPEN_NOTICE,
        from_state=State.COMMITTEE_REVIEW,
        to_state=State.PUBLIC_NOTICE,
        reasons="综合评分第一。",
        decided_by=CommitteeUserFactory(username="weiyuan-li"),
    )
    client = logged_in(user)

    response = client.get(reverse("portal:application_detail", args=[application.pk]))

    assert response.context["notice"] == notice
    assert response.context["has_letter"]
    text = response.content.decode()
    assert reverse("notices:detail", args=[notice.pk]) in text
    assert "综合评分第一。" in text
    assert "weiyuan-li" not in text
    letter = reverse("review:letter", args=[application.pk])
    assert letter in text
    assert client.get(letter).status_code == 200
