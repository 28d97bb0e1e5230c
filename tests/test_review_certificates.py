"""The committee's certificate desk in the review workspace (awards/views_review_certificates.py):
the list with its filters, one certificate with its files and history, the five actions, and the
file download. Each action succeeds with one CertificateEvent and one AuditEvent, and carries the
change over to the award and the brand; a refusal (bad input, a status that does not allow it, a
role that may not) changes nothing.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from awards.certificates import services
from awards.certificates.models import Certificate
from awards.models import Award, AwardStatus
from brands.models import Brand, BrandStatus
from core.models import AuditEvent, Role, User
from tests.factories import UserFactory
from tests.factories_certificates import committee_member, issued_certificate

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def recognised(certificate: Certificate) -> Certificate:
    """A certificate of a brand that the grant recognised, as the workflow leaves it."""
    Brand.objects.filter(pk=certificate.award.brand_id).update(
        status=BrandStatus.RECOGNISED, recognised_on=certificate.issued_on, valid_until=certificate.valid_until
    )
    return certificate


@pytest.fixture
def member():
    return UserFactory(username="chair", first_name="Hua", last_name="Li", role=Role.COMMITTEE)


@pytest.fixture
def certificate():
    return recognised(issued_certificate(name="内蒙古草原乳业有限公司"))


def suspended(certificate: Certificate, member) -> Certificate:
    return services.certificate_suspend(
        actor=member, certificate=certificate, until=today() + datetime.timedelta(days=30), reason="抽检不合格"
    )


def revoked(certificate: Certificate, member) -> Certificate:
    return services.certificate_revoke(actor=member, certificate=certificate, reason="虚假材料")


def cancelled(certificate: Certificate, member) -> Certificate:
    return services.certificate_cancel(actor=member, certificate=certificate, reason="企业申请注销")


def put_in(state: str, certificate: Certificate, member) -> None:
    """Take a freshly issued (valid) certificate to ``state`` through the services."""
    steps = {"valid": [], "suspended": [suspended], "revoked": [revoked], "cancelled": [cancelled]}
    for step in steps[state]:
        step(certificate, member)


def snapshot(certificate: Certificate) -> tuple:
    """Everything an action could change: the certificate, its events, files and audit trail, the award and brand."""
    cert = Certificate.objects.get(pk=certificate.pk)
    award = Award.objects.get(pk=cert.award_id)
    brand = Brand.objects.get(pk=award.brand_id)
    return (
        cert.status,
        cert.version,
        cert.status_reason,
        cert.suspended_until,
        cert.events.count(),
        cert.files.count(),
        AuditEvent.objects.count(),
        award.status,
        brand.status,
    )


def action_url(certificate: Certificate, action: str) -> str:
    return reverse("review:certificate_action", args=[certificate.number, action])


def error_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def numbers_listed(response) -> set[str]:
    return {c.number for c in response.context["page"].object_list}


# --- the list --------------------------------------------------------------------------------------


def test_the_list_shows_every_certificate_with_its_holder_and_status(member, certificate):
    response = signed_in(member).get(reverse("review:certificates"))

    assert response.status_code == 200
    body = response.content.decode()
    assert certificate.number in body
    assert certificate.holder_name in body
    assert certificate.subject_name in body
    assert reverse("review:certificate", args=[certificate.number]) in body
    assert "Valid" in body


@pytest.fixture
def several(member):
    """Certificates in each status, of two programmes."""
    return {
        "valid": recognised(issued_certificate(name="甲乳业有限公司")),
        "suspended": suspended(recognised(issued_certificate(name="乙肉业有限公司")), member),
        "revoked": revoked(recognised(issued_certificate(name="丙食品有限公司")), member),
        "cancelled": cancelled(recognised(issued_certificate(name="丁羊绒有限公司")), member),
        "expired": issued_certificate(
            name="戊杂粮有限公司",
            granted_on=today() - datetime.timedelta(days=3 * 365 + 10),
            valid_until=today() - datetime.timedelta(days=9),
        ),
        "quality": issued_certificate(code="quality-award", name="己质量有限公司"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"valid", "suspended", "revoked", "cancelled", "expired", "quality"}),
        ({"status": "valid"}, {"valid", "quality"}),
        ({"status": "suspended"}, {"suspended"}),
        ({"status": "revoked"}, {"revoked"}),
        ({"status": "cancelled"}, {"cancelled"}),
        ({"status": "expired"}, {"expired"}),
        ({"q": "乙肉业"}, {"suspended"}),
        ({"q": "nmqa-"}, {"quality"}),  # the number, whatever the case
        ({"q": "乳业", "status": "suspended"}, set()),
        ({"q": "没有这家企业"}, set()),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_the_list_filters_by_number_or_holder_and_by_status(member, several, query, expected):
    response = signed_in(member).get(reverse("review:certificates"), query)

    assert response.status_code == 200
    assert numbers_listed(response) == {several[key].number for key in expected}


def test_the_list_filters_by_programme(member, several):
    quality = several["quality"].programme
    response = signed_in(member).get(reverse("review:certificates"), {"programme": quality.pk})

    assert numbers_listed(response) == {several["quality"].number}
    brand_programme = several["valid"].programme
    response = signed_in(member).get(reverse("review:certificates"), {"programme": brand_programme.pk})
    assert numbers_listed(response) == {several[k].number for k in several if k != "quality"}


def test_a_number_filter_finds_an_exact_number_even_when_the_holder_differs(member, several):
    number = several["revoked"].number
    response = signed_in(member).get(reverse("review:certificates"), {"q": number})

    assert numbers_listed(response) == {number}


def test_the_list_says_so_when_nothing_matches(member):
    response = signed_in(member).get(reverse("review:certificates"), {"q": "NMPP-1999"})

    assert response.status_code == 200
    assert "No certificate matches." in response.content.decode()


LIST_QUERIES = 6  # session, user, the second-factor device (django-otp), count, programme choices, the page


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_query_count_does_not_grow_with_the_number_of_certificates(
    member, size, django_assert_max_num_queries
):
    for i in range(size):
        issued_certificate(name=f"第{i}号企业有限公司")
    client = signed_in(member)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("review:certificates"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == size


# --- one certificate -------------------------------------------------------------------------------


def test_the_page_shows_the_history_with_who_acted_to_the_committee(member, certificate):
    suspended(certificate, member)

    response = signed_in(member).get(reverse("review:certificate", args=[certificate.number]))

    assert response.status_code == 200
    body = response.content.decode()
    events = list(response.context["events"])
    assert [(e.action, e.actor) for e in events] == [("issue", None), ("suspend", member)]
    assert "the registry (on grant)" in body  # the issue on grant had no person behind it
    assert "Hua Li" in body  # the committee sees who acted (the public page does not)
    assert "抽检不合格" in body
    until = (today() + datetime.timedelta(days=30)).isoformat()
    assert f"until {until}" in body


def test_the_page_lists_every_issued_file_with_its_hash(member, certificate):
    services.certificate_reissue(actor=member, certificate=certificate, reason="企业更名")

    response = signed_in(member).get(reverse("review:certificate", args=[certificate.number]))

    body = response.content.decode()
    files = list(certificate.files.order_by("version"))
    assert [f.version for f in files] == [1, 2]
    for stored in files:
        assert stored.sha256 in body
        assert reverse("review:certificate_file", args=[certificate.number, stored.version]) in body


@pytest.mark.parametrize(
    ("state", "offered"),
    [
        ("valid", ["suspend", "revoke", "cancel", "reissue"]),
        ("suspended", ["reinstate", "revoke", "cancel", "reissue"]),
        ("revoked", []),
        ("cancelled", []),
    ],
)
def test_the_page_offers_only_the_actions_the_status_allows(member, certificate, state, offered):
    put_in(state, certificate, member)

    response = signed_in(member).get(reverse("review:certificate", args=[certificate.number]))

    assert list(response.context["forms"]) == offered
    body = response.content.decode()
    for action in ["suspend", "reinstate", "revoke", "cancel", "reissue"]:
        assert (action_url(certificate, action) in body) is (action in offered)


def test_an_unknown_number_is_a_404(member):
    assert signed_in(member).get(reverse("review:certificate", args=["NMPP-2000-999999"])).status_code == 404


# --- the actions -----------------------------------------------------------------------------------

UNTIL = 30  # days from today


def _data(action: str) -> dict:
    reasons = {
        "suspend": "抽检不合格，限期整改",
        "reinstate": "整改到位",
        "revoke": "提供虚假材料",
        "cancel": "企业申请注销",
        "reissue": "企业更名",
    }
    data = {f"{action}-reason": reasons[action]}
    if action == "suspend":
        data["suspend-until"] = (today() + datetime.timedelta(days=UNTIL)).isoformat()
    return data


# action -> (status before, status after, award after, brand after)
ACTION_OUTCOMES = {
    "suspend": ("valid", "suspended", AwardStatus.ACTIVE, BrandStatus.SUSPENDED),
    "reinstate": ("suspended", "valid", AwardStatus.ACTIVE, BrandStatus.RECOGNISED),
    "revoke": ("valid", "revoked", AwardStatus.REVOKED, BrandStatus.REVOKED),
    "cancel": ("valid", "cancelled", AwardStatus.CANCELLED, BrandStatus.EXPIRED),
    "reissue": ("valid", "valid", AwardStatus.ACTIVE, BrandStatus.RECOGNISED),
}


@pytest.mark.parametrize("action", ACTION_OUTCOMES)
def test_each_action_changes_the_status_and_records_an_event_and_an_audit_event(member, certificate, action):
    before, after, award_after, brand_after = ACTION_OUTCOMES[action]
    if before == "suspended":
        suspended(certificate, member)
    events_before = certificate.events.count()
    audits_before = AuditEvent.objects.filter(action=f"certificate.{action}").count()

    response = signed_in(member).post(action_url(certificate, action), _data(action), follow=True)

    assert response.redirect_chain == [(reverse("review:certificate", args=[certificate.number]), 302)]
    assert error_messages(response) == []
    cert = Certificate.objects.get(pk=certificate.pk)
    assert cert.status == after
    reason = _data(action)[f"{action}-reason"]
    event = cert.events.order_by("-at", "-id").first()
    assert cert.events.count() == events_before + 1
    assert (event.action, event.actor, event.reason) == (action, member, reason)
    audits = AuditEvent.objects.filter(action=f"certificate.{action}", object_id=str(cert.pk))
    assert audits.count() == audits_before + 1
    assert audits.latest("id").actor == member
    assert Award.objects.get(pk=cert.award_id).status == award_after
    assert Brand.objects.get(pk=cert.award.brand_id).status == brand_after


def test_suspending_stamps_the_dates_and_shows_until_when(member, certificate):
    until = today() + datetime.timedelta(days=UNTIL)

    response = signed_in(member).post(action_url(certificate, "suspend"), _data("suspend"), follow=True)

    cert = Certificate.objects.get(pk=certificate.pk)
    assert (cert.suspended_on, cert.suspended_until, cert.status_reason) == (today(), until, "抽检不合格，限期整改")
    assert cert.events.get(action="suspend").until == until
    assert AuditEvent.objects.get(action="certificate.suspend").after == {
        "status": "suspended",
        "reason": "抽检不合格，限期整改",
        "until": until.isoformat(),
    }
    assert Brand.objects.get(pk=cert.award.brand_id).suspended_on == today()
    assert "The certificate is suspended." in response.content.decode()


def test_reinstating_clears_the_suspension(member, certificate):
    suspended(certificate, member)

    signed_in(member).post(action_url(certificate, "reinstate"), _data("reinstate"))

    cert = Certificate.objects.get(pk=certificate.pk)
    assert (cert.status, cert.suspended_on, cert.suspended_until) == ("valid", None, None)
    assert Brand.objects.get(pk=cert.award.brand_id).suspended_on is None


def test_revoking_a_suspended_certificate_revokes_the_award_and_the_brand(member, certificate):
    suspended(certificate, member)

    signed_in(member).post(action_url(certificate, "revoke"), _data("revoke"))

    cert = Certificate.objects.get(pk=certificate.pk)
    assert (cert.status, cert.revoked_on) == ("revoked", today())
    award = Award.objects.get(pk=cert.award_id)
    assert (award.status, award.revoked_on, award.revocation_reason) == ("revoked", today(), "提供虚假材料")
    assert Brand.objects.get(pk=award.brand_id).status == BrandStatus.REVOKED


def test_reissuing_adds_a_new_file_and_keeps_the_old_one(member, certificate):
    first = certificate.files.get()

    signed_in(member).post(action_url(certificate, "reissue"), {"reissue-reason": ""})

    cert = Certificate.objects.get(pk=certificate.pk)
    assert cert.version == 2
    assert list(cert.files.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert cert.files.get(version=2).sha256 != first.sha256
    assert cert.events.get(action="reissue").reason == ""


# --- refusals: bad input -----------------------------------------------------------------------------


def _later(days: int) -> str:
    return (today() + datetime.timedelta(days=days)).isoformat()


BAD_INPUT = {
    "suspend without a reason": ("suspend", {"suspend-until": _later(30)}, "This field is required."),
    "suspend with a blank reason": (
        "suspend",
        {"suspend-until": _later(30), "suspend-reason": "   "},
        "This field is required.",
    ),
    "suspend until yesterday": (
        "suspend",
        {"suspend-until": _later(-1), "suspend-reason": "抽检不合格"},
        "The suspension must end after today.",
    ),
    "suspend until today": (
        "suspend",
        {"suspend-until": _later(0), "suspend-reason": "抽检不合格"},
        "The suspension must end after today.",
    ),
    "suspend past the validity": (
        "suspend",
        {"suspend-until": _later(4 * 365), "suspend-reason": "抽检不合格"},
        "The suspension cannot outlast the certificate's validity.",
    ),
    "suspend without a date": ("suspend", {"suspend-reason": "抽检不合格"}, "This field is required."),
    "suspend until a non-date": (
        "suspend",
        {"suspend-until": "下个月", "suspend-reason": "抽检不合格"},
        "Enter a valid date.",
    ),
    "revoke without a reason": ("revoke", {}, "This field is required."),
    "cancel without a reason": ("cancel", {"cancel-reason": ""}, "This field is required."),
    "revoke with a reason too long": (
        "revoke",
        {"revoke-reason": "理" * 301},
        "Ensure this value has at most 300 characters (it has 301).",
    ),
}


@pytest.mark.parametrize(("action", "data", "message"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_shows_the_form_again_with_the_message_and_changes_nothing(
    member, certificate, action, data, message
):
    before = snapshot(certificate)

    response = signed_in(member).post(action_url(certificate, action), data)

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert response.context["forms"][action].errors
    assert snapshot(certificate) == before


def test_a_reinstatement_needs_a_reason(member, certificate):
    suspended(certificate, member)
    before = snapshot(certificate)

    response = signed_in(member).post(action_url(certificate, "reinstate"), {"reinstate-reason": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert snapshot(certificate) == before


# --- refusals: not from this status ------------------------------------------------------------------

NOT_ALLOWED = {
    "reinstate a valid one": ("valid", "reinstate"),
    "suspend a suspended one": ("suspended", "suspend"),
    "revoke a revoked one": ("revoked", "revoke"),
    "cancel a revoked one": ("revoked", "cancel"),
    "reinstate a revoked one": ("revoked", "reinstate"),
    "reissue a revoked one": ("revoked", "reissue"),
    "cancel a cancelled one": ("cancelled", "cancel"),
    "suspend a cancelled one": ("cancelled", "suspend"),
    "reissue a cancelled one": ("cancelled", "reissue"),
}


@pytest.mark.parametrize(("state", "action"), NOT_ALLOWED.values(), ids=NOT_ALLOWED)
def test_an_action_the_status_does_not_allow_is_refused_with_a_message_and_changes_nothing(
    member, certificate, state, action
):
    put_in(state, certificate, member)
    before = snapshot(certificate)

    response = signed_in(member).post(action_url(certificate, action), _data(action), follow=True)

    assert response.redirect_chain == [(reverse("review:certificate", args=[certificate.number]), 302)]
    [message] = error_messages(response)
    assert message.startswith("This cannot be done in the current state:")
    assert certificate.number in message
    assert snapshot(certificate) == before


def test_bad_input_from_a_stale_page_says_the_status_changed_and_changes_nothing(member, certificate):
    services.certificate_revoke(actor=committee_member(), certificate=certificate, reason="another member was first")
    before = snapshot(certificate)

    response = signed_in(member).post(action_url(certificate, "suspend"), {"suspend-reason": ""}, follow=True)

    [message] = error_messages(response)
    assert message.startswith("This cannot be done in the current state:")
    assert "Revoked" in message
    assert snapshot(certificate) == before


def test_an_expired_certificate_can_still_be_revoked_from_the_desk(member):
    expired = issued_certificate(
        granted_on=today() - datetime.timedelta(days=1200), valid_until=today() - datetime.timedelta(days=1)
    )
    page = signed_in(member).get(reverse("review:certificate", args=[expired.number]))
    assert list(page.context["forms"]) == ["revoke"]
    response = signed_in(member).post(action_url(expired, "revoke"), {"revoke-reason": "材料造假"}, follow=True)
    assert error_messages(response) == []
    expired.refresh_from_db()
    assert (expired.status, expired.status_reason) == ("revoked", "材料造假")


def test_an_expired_certificate_cannot_be_issued_again(member):
    expired = issued_certificate(
        granted_on=today() - datetime.timedelta(days=3 * 365 + 10), valid_until=today() - datetime.timedelta(days=1)
    )
    before = snapshot(expired)

    response = signed_in(member).post(action_url(expired, "reissue"), {}, follow=True)

    [message] = error_messages(response)
    assert "Expired" in message
    assert snapshot(expired) == before


def test_an_unknown_action_is_a_404_and_changes_nothing(member, certificate):
    before = snapshot(certificate)

    response = signed_in(member).post(action_url(certificate, "destroy"), {"destroy-reason": "x"})

    assert response.status_code == 404
    assert snapshot(certificate) == before


def test_an_action_on_an_unknown_number_is_a_404(member):
    response = signed_in(member).post(
        reverse("review:certificate_action", args=["NMPP-2000-999999", "revoke"]), _data("revoke")
    )

    assert response.status_code == 404


def test_an_action_answers_only_to_post(member, certificate):
    before = snapshot(certificate)

    assert signed_in(member).get(action_url(certificate, "revoke")).status_code == 405
    assert snapshot(certificate) == before


# --- who may use the desk ------------------------------------------------------------------------------


def _others(certificate: Certificate) -> dict:
    return {
        "reviewer": UserFactory(role=Role.REVIEWER),
        "the holder": UserFactory(role=Role.ENTERPRISE, enterprise=certificate.enterprise),
        "another enterprise": UserFactory(role=Role.ENTERPRISE, enterprise=issued_certificate().enterprise),
        "staff": UserFactory(role=Role.STAFF, is_staff=True),
        "leadership": UserFactory(role=Role.LEADERSHIP),
    }


def _desk_urls(certificate: Certificate) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", reverse("review:certificates"), None),
        ("get", reverse("review:certificate", args=[certificate.number]), None),
        ("get", reverse("review:certificate_file", args=[certificate.number, 1]), None),
        *[("post", action_url(certificate, action), _data(action)) for action in ACTION_OUTCOMES],
    ]


@pytest.mark.parametrize("who", ["reviewer", "the holder", "another enterprise", "staff", "leadership"])
def test_anyone_but_the_committee_is_refused_with_403_and_changes_nothing(certificate, who):
    client = signed_in(_others(certificate)[who])
    before = snapshot(certificate)

    for method, url, data in _desk_urls(certificate):
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code == 403, (method, url)
        assert b"%PDF" not in response.content
    assert snapshot(certificate) == before


def test_a_reviewers_refusal_says_why(certificate):
    response = signed_in(UserFactory(role=Role.REVIEWER)).get(reverse("review:certificates"))

    assert response.status_code == 403
    assert "Certificates are managed by the committee." in response.content.decode()
    assert certificate.number not in response.content.decode()


def test_someone_signed_out_is_sent_to_sign_in_and_changes_nothing(certificate):
    client = Client()
    before = snapshot(certificate)

    for method, url, data in _desk_urls(certificate):
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert snapshot(certificate) == before


def test_an_inactive_committee_member_cannot_act(certificate):
    """A signed-in session outlives the account being switched off: the service checks again."""
    client = signed_in(committee_member())
    User.objects.filter(role=Role.COMMITTEE).update(is_active=False)
    before = snapshot(certificate)

    response = client.post(action_url(certificate, "revoke"), _data("revoke"))

    assert response.status_code in (302, 403)
    assert snapshot(certificate) == before


# --- the file ----------------------------------------------------------------------------------------


def test_the_committee_downloads_the_stored_file_privately(member, certificate):
    stored = certificate.files.get(version=1)
    with stored.file.open("rb") as handle:
        expected = handle.read()

    response = signed_in(member).get(reverse("review:certificate_file", args=[certificate.number, 1]))

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == expected
    assert body.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")
    assert f"{certificate.number}.pdf" in response["Content-Disposition"]


def test_an_earlier_rendering_stays_downloadable_after_a_reissue(member, certificate):
    services.certificate_reissue(actor=member, certificate=certificate)
    client = signed_in(member)

    for version in (1, 2):
        stored = certificate.files.get(version=version)
        with stored.file.open("rb") as handle:
            expected = handle.read()
        response = client.get(reverse("review:certificate_file", args=[certificate.number, version]))
        assert b"".join(response.streaming_content) == expected
    assert f"{certificate.number}-2.pdf" in response["Content-Disposition"]


def test_a_rendering_that_does_not_exist_is_a_404(member, certificate):
    response = signed_in(member).get(reverse("review:certificate_file", args=[certificate.number, 7]))

    assert response.status_code == 404


def test_a_revoked_certificates_files_stay_available_to_the_committee(member, certificate):
    revoked(certificate, member)

    response = signed_in(member).get(reverse("review:certificate_file", args=[certificate.number, 1]))

    assert response.status_code == 200
