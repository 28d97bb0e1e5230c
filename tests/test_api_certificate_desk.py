"""The certificates API for signed-in users (awards/api_certificate_desk.py, /api/v1/award-certificates/):
the whole payload of one certificate in each status (STYLE habit 9), who sees which certificates,
the PDF, and the committee's actions: 200 with the new status, 400 with field messages, 409 when the
status does not allow it, 403 for anyone but the committee; every refusal changes nothing.

The full role x endpoint x own/other table is tests/test_permission_matrix.py.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from awards.certificates import services
from awards.certificates.models import Certificate
from awards.models import Award
from brands.models import Brand
from core.models import AuditEvent, Role
from tests.factories import UserFactory
from tests.factories_api import api_client
from tests.factories_certificates import committee_member, issued_certificate

pytestmark = pytest.mark.django_db

BASE = "/api/v1/award-certificates/"
MISSING_NUMBER = "NMPP-2000-999999"  # well-formed, issued to nobody


def today() -> datetime.date:
    return timezone.localdate()


def later(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)


def url(certificate: Certificate | str, action: str = "") -> str:
    number = certificate if isinstance(certificate, str) else certificate.number
    return f"{BASE}{number}/{action + '/' if action else ''}"


def stamp(moment: datetime.datetime) -> str:
    """How the API writes a moment: in the registry's time zone."""
    return timezone.localtime(moment).isoformat()


@pytest.fixture
def member():
    return committee_member()


@pytest.fixture
def certificate():
    return issued_certificate(name="内蒙古草原乳业有限公司")


@pytest.fixture
def holder(certificate):
    return UserFactory(role=Role.ENTERPRISE, enterprise=certificate.enterprise)


def snapshot(certificate: Certificate) -> tuple:
    cert = Certificate.objects.get(pk=certificate.pk)
    award = Award.objects.get(pk=cert.award_id)
    return (
        cert.status,
        cert.version,
        cert.status_reason,
        cert.suspended_until,
        cert.events.count(),
        cert.files.count(),
        AuditEvent.objects.count(),
        award.status,
        Brand.objects.get(pk=award.brand_id).status if award.brand_id else None,
    )


# --- the payload -------------------------------------------------------------------------------------


def _suspend(cert, member):
    return services.certificate_suspend(actor=member, certificate=cert, until=later(30), reason="抽检不合格")


def _revoke(cert, member):
    return services.certificate_revoke(actor=member, certificate=cert, reason="提供虚假材料")


def _cancel(cert, member):
    return services.certificate_cancel(actor=member, certificate=cert, reason="企业申请注销")


def _reissue(cert, member):
    return services.certificate_reissue(actor=member, certificate=cert, reason="企业更名")


# status -> (what happens after the issue, the fields that follow from it, the later events)
STATES = {
    "valid": ([], {"suspended_until": None, "status_reason": "", "version": 1}, []),
    "suspended": (
        [_suspend],
        {"suspended_until": later(30).isoformat(), "status_reason": "抽检不合格", "version": 1},
        [("suspend", "抽检不合格", later(30).isoformat(), None)],
    ),
    "revoked": (
        [_suspend, _revoke],
        {"suspended_until": later(30).isoformat(), "status_reason": "提供虚假材料", "version": 1},
        [("suspend", "抽检不合格", later(30).isoformat(), None), ("revoke", "提供虚假材料", None, None)],
    ),
    "cancelled": (
        [_cancel],
        {"suspended_until": None, "status_reason": "企业申请注销", "version": 1},
        [("cancel", "企业申请注销", None, None)],
    ),
    "reissued": (
        [_reissue],
        {"suspended_until": None, "status_reason": "", "version": 2},
        [("reissue", "企业更名", None, 2)],
    ),
}


@pytest.mark.parametrize("state", STATES)
def test_the_whole_payload_of_one_certificate(member, certificate, holder, state):
    steps, fields, later_events = STATES[state]
    for step in steps:
        step(certificate, member)
    cert = Certificate.objects.get(pk=certificate.pk)
    events = list(cert.events.order_by("at", "id"))

    for user in (holder, member):
        response = api_client(user).get(url(cert))
        assert response.status_code == 200
        assert response.json() == {
            "number": cert.number,
            "programme": "brand-recognition",
            "holder_name": "内蒙古草原乳业有限公司",
            "holder_uscc": cert.enterprise.uscc,
            "subject_name": cert.award.brand.name,
            "issued_on": today().isoformat(),
            "valid_until": cert.valid_until.isoformat(),
            "status": "valid" if state == "reissued" else state,
            **fields,
            "key_id": cert.key_id,
            # the history without who acted: the AuditEvent keeps that for the committee
            "events": [
                {"action": "issue", "at": stamp(events[0].at), "reason": "", "until": None, "version": 1},
                *[
                    {"action": action, "at": stamp(event.at), "reason": reason, "until": until, "version": version}
                    for (action, reason, until, version), event in zip(later_events, events[1:], strict=True)
                ],
            ],
        }


def test_a_certificate_past_its_validity_reads_as_expired(member):
    expired = issued_certificate(
        granted_on=today() - datetime.timedelta(days=3 * 365 + 10), valid_until=today() - datetime.timedelta(days=1)
    )

    body = api_client(member).get(url(expired)).json()

    assert body["status"] == "expired"
    assert Certificate.objects.get(pk=expired.pk).status == "valid"  # derived, never stored


# --- who sees what -----------------------------------------------------------------------------------


@pytest.fixture
def two(certificate):
    """The holder's certificate and another enterprise's."""
    return certificate, issued_certificate(name="包头其他食品有限公司")


def listed(user) -> list[str]:
    response = api_client(user).get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["results"])
    return [row["number"] for row in body["results"]]


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.STAFF, Role.LEADERSHIP])
def test_the_committee_staff_and_leadership_see_every_certificate(two, role):
    assert sorted(listed(UserFactory(role=role))) == sorted(c.number for c in two)


def test_an_enterprise_sees_only_its_own(two, holder):
    own, other = two

    assert listed(holder) == [own.number]
    assert listed(UserFactory(role=Role.ENTERPRISE, enterprise=other.enterprise)) == [other.number]


def test_an_enterprise_user_without_an_enterprise_is_refused(two):
    assert api_client(UserFactory(role=Role.ENTERPRISE)).get(BASE).status_code == 403


@pytest.mark.parametrize("who", ["reviewer", "anonymous"])
def test_reviewers_and_anonymous_callers_get_403_and_no_certificate(two, who):
    client = api_client(UserFactory(role=Role.REVIEWER) if who == "reviewer" else None)
    own, _other = two

    for path in (BASE, url(own), url(own, "pdf")):
        response = client.get(path)
        assert response.status_code == 403, path
        assert set(response.json()) <= {"code", "detail"}
        assert own.number.encode() not in response.content


def test_another_enterprises_certificate_answers_like_one_that_does_not_exist(two, holder):
    _own, other = two
    client = api_client(holder)

    for action in ("", "pdf"):
        response = client.get(url(other, action))
        missing = client.get(url(MISSING_NUMBER, action))
        assert response.status_code == 404
        assert response.json() == missing.json()
        for secret in (other.number, other.holder_name, other.holder_uscc, other.subject_name):
            assert secret.encode() not in response.content


# --- the PDF -----------------------------------------------------------------------------------------


def stored_bytes(certificate: Certificate, version: int) -> bytes:
    with certificate.files.get(version=version).file.open("rb") as handle:
        return handle.read()


@pytest.mark.parametrize("who", ["holder", "committee"])
def test_the_pdf_is_the_current_stored_file(certificate, holder, member, who):
    services.certificate_reissue(actor=member, certificate=certificate)

    response = api_client(holder if who == "holder" else member).get(url(certificate, "pdf"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored_bytes(certificate, 2)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("end", [_revoke, _cancel], ids=["revoked", "cancelled"])
def test_a_revoked_or_cancelled_certificate_has_no_pdf(certificate, holder, member, end):
    end(certificate, member)

    for user in (holder, member):
        response = api_client(user).get(url(certificate, "pdf"))
        assert response.status_code == 404
        assert not response.content.startswith(b"%PDF")


# --- the committee's actions -------------------------------------------------------------------------

# action -> (set-up steps, input, the status after)
ACTIONS = {
    "suspend": ([], lambda: {"until": later(30).isoformat(), "reason": "抽检不合格"}, "suspended"),
    "reinstate": ([_suspend], lambda: {"reason": "整改到位"}, "valid"),
    "revoke": ([], lambda: {"reason": "提供虚假材料"}, "revoked"),
    "cancel": ([_suspend], lambda: {"reason": "企业申请注销"}, "cancelled"),
    "reissue": ([], lambda: {}, "valid"),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_answers_200_with_the_new_status_and_records_it(member, certificate, action):
    steps, data, after = ACTIONS[action]
    for step in steps:
        step(certificate, member)
    audits = AuditEvent.objects.filter(action=f"certificate.{action}").count()

    response = api_client(member).post(url(certificate, action), data(), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == after
    assert body["events"][-1]["action"] == action
    assert body == api_client(member).get(url(certificate)).json()  # the answer is the certificate as stored
    cert = Certificate.objects.get(pk=certificate.pk)
    assert cert.status == after
    assert cert.events.order_by("-at", "-id").first().actor == member
    assert AuditEvent.objects.filter(action=f"certificate.{action}").count() == audits + 1


def test_a_reissue_through_the_api_adds_a_file(member, certificate):
    body = api_client(member).post(url(certificate, "reissue"), {"reason": "企业更名"}, format="json").json()

    assert body["version"] == 2
    assert certificate.files.count() == 2


BAD_INPUT = {
    "suspend without a date": ("suspend", {"reason": "抽检不合格"}, {"until": ["This field is required."]}),
    "suspend without a reason": ("suspend", {"until": later(30).isoformat()}, {"reason": ["This field is required."]}),
    "suspend with a blank reason": (
        "suspend",
        {"until": later(30).isoformat(), "reason": "  "},
        {"reason": ["Give the reason."]},
    ),
    "suspend until yesterday": (
        "suspend",
        {"until": later(-1).isoformat(), "reason": "抽检不合格"},
        {"until": ["The suspension must end after today."]},
    ),
    "suspend past the validity": (
        "suspend",
        {"until": later(4 * 365).isoformat(), "reason": "抽检不合格"},
        {"until": ["The suspension cannot outlast the certificate's validity."]},
    ),
    "suspend until a non-date": (
        "suspend",
        {"until": "下个月", "reason": "抽检不合格"},
        {"until": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
    ),
    "revoke without a reason": ("revoke", {}, {"reason": ["This field is required."]}),
    "cancel with an empty reason": ("cancel", {"reason": ""}, {"reason": ["Give the reason."]}),
    "revoke with a reason too long": (
        "revoke",
        {"reason": "理" * 301},
        {"reason": ["Ensure this field has no more than 300 characters."]},
    ),
}


@pytest.mark.parametrize(("action", "data", "errors"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_answers_400_with_the_fields_messages_and_changes_nothing(member, certificate, action, data, errors):
    before = snapshot(certificate)

    response = api_client(member).post(url(certificate, action), data, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot(certificate) == before


NOT_ALLOWED = {
    "reinstate a valid one": ([], "reinstate"),
    "suspend a suspended one": ([_suspend], "suspend"),
    "revoke a revoked one": ([_revoke], "revoke"),
    "cancel a revoked one": ([_revoke], "cancel"),
    "reissue a revoked one": ([_revoke], "reissue"),
    "reinstate a cancelled one": ([_cancel], "reinstate"),
    "reissue a cancelled one": ([_cancel], "reissue"),
}


@pytest.mark.parametrize(("steps", "action"), NOT_ALLOWED.values(), ids=NOT_ALLOWED)
def test_an_action_the_status_does_not_allow_answers_409_and_changes_nothing(member, certificate, steps, action):
    for step in steps:
        step(certificate, member)
    before = snapshot(certificate)

    response = api_client(member).post(url(certificate, action), ACTIONS[action][1](), format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert certificate.number in body["detail"]
    assert snapshot(certificate) == before


@pytest.mark.parametrize("who", ["holder", "other enterprise", "reviewer", "staff", "leadership", "anonymous"])
@pytest.mark.parametrize("action", ACTIONS)
def test_anyone_but_the_committee_gets_403_for_an_action_and_changes_nothing(certificate, holder, who, action):
    users = {
        "holder": lambda: holder,
        "other enterprise": lambda: UserFactory(role=Role.ENTERPRISE, enterprise=issued_certificate().enterprise),
        "reviewer": lambda: UserFactory(role=Role.REVIEWER),
        "staff": lambda: UserFactory(role=Role.STAFF, is_staff=True),
        "leadership": lambda: UserFactory(role=Role.LEADERSHIP),
        "anonymous": lambda: None,
    }
    client = api_client(users[who]())
    before = snapshot(certificate)

    response = client.post(url(certificate, action), ACTIONS[action][1](), format="json")

    assert response.status_code == 403
    assert set(response.json()) <= {"code", "detail"}
    assert snapshot(certificate) == before


def test_an_action_on_a_number_that_does_not_exist_is_a_404(member):
    response = api_client(member).post(url(MISSING_NUMBER, "revoke"), {"reason": "x"}, format="json")

    assert response.status_code == 404
