"""Staff create and change enterprises through the API; the model's rules decide, and every change is audited."""

from __future__ import annotations

from unittest import mock

import pytest

from core.models import AuditEvent, Enterprise
from tests.factories import EnterpriseFactory, UserFactory
from tests.factories_api import api_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/enterprises/"
MENGNIU = "91150200701240234X"  # a real, valid code (Baotou)
DONGHE = {"code": "150202", "name_zh": "东河区", "name_en": "Donghe District", "level": "county", "league": "150200"}


def valid_body(**changes) -> dict:
    return {
        "name": "内蒙古蒙牛乳业包头有限责任公司",
        "uscc": MENGNIU,
        "region": "150202",
        "industry": "dairy",
        "address": "包头市东河区",
        "contact_name": "李主任",
        "contact_phone": "0472-7654321",
        "contact_email": "li@example.cn",
        **changes,
    }


@pytest.fixture
def member(regions):
    """A signed-in user who is not programme-office staff."""
    return UserFactory(username="reviewer", role="reviewer")


def test_anonymous_cannot_create(regions):
    response = api_client().post(URL, valid_body(), format="json")
    assert response.status_code == 403
    assert not Enterprise.objects.exists()


def test_a_user_who_is_not_staff_cannot_create_or_change(member):
    enterprise = EnterpriseFactory()
    client = api_client(member)
    assert client.post(URL, valid_body(), format="json").status_code == 403
    assert client.patch(f"{URL}{enterprise.id}/", {"name": "改名"}, format="json").status_code == 403
    assert Enterprise.objects.get().name == enterprise.name
    assert not AuditEvent.objects.exists()


def test_staff_create_an_enterprise_with_one_audit_event(regions, staff_user):
    response = api_client(staff_user).post(URL, valid_body(uscc=MENGNIU.lower()), format="json")
    assert response.status_code == 201, response.content
    enterprise = Enterprise.objects.get()
    # The answer is the public profile: contact details were stored but are not shown.
    assert response.json() == {
        "id": enterprise.id,
        "name": "内蒙古蒙牛乳业包头有限责任公司",
        "uscc": MENGNIU,
        "region": DONGHE,
        "industry": "dairy",
        "industry_display": "Dairy",
        "address": "包头市东河区",
        "website": "",
    }
    assert (enterprise.uscc, enterprise.contact_phone) == (MENGNIU, "0472-7654321")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        "enterprise.create",
        staff_user,
        "core.enterprise",
        str(enterprise.id),
    )
    assert event.before is None
    assert event.after["uscc"] == MENGNIU
    assert event.after["region"] == "150202"


@pytest.mark.parametrize(
    ("uscc", "rule", "message"),
    [
        (
            "911500007014649755",
            "uscc_check_character",
            "Unified Social Credit Code check character is wrong: expected 4, got 5.",
        ),
        (
            "9111000060003IOZSV",
            "uscc_excluded_letter",
            "Unified Social Credit Code must not contain the letters I, O, S, V or Z (found I, O, S, V, Z).",
        ),
        (
            "91150200701240234",
            "uscc_length",
            "Unified Social Credit Code must be 18 characters long (got 17).",
        ),
    ],
    ids=["check-character", "excluded-letter", "length"],
)
def test_an_invalid_credit_code_is_refused_naming_the_rule(regions, staff_user, uscc, rule, message):
    response = api_client(staff_user).post(URL, valid_body(uscc=uscc), format="json")
    assert response.status_code == 400
    assert response.json() == {"uscc": [message]}
    assert [error.code for error in response.data["uscc"]] == [rule]
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_code_too_long_names_the_length_rule(regions, staff_user):
    response = api_client(staff_user).post(URL, valid_body(uscc=MENGNIU + "0"), format="json")
    assert response.status_code == 400
    assert "uscc_length" in [error.code for error in response.data["uscc"]]
    assert "Unified Social Credit Code must be 18 characters long (got 19)." in response.json()["uscc"]


def test_a_region_that_is_not_county_level_is_refused(regions, staff_user):
    response = api_client(staff_user).post(URL, valid_body(region="150200"), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "region": [
            "An enterprise must be registered in a county-level region "
            "(county, banner, district or county-level city), not 包头市."
        ]
    }
    assert response.data["region"][0].code == "region_not_county"
    assert not AuditEvent.objects.exists()


def test_a_code_already_registered_is_refused_whatever_its_case(regions, staff_user):
    EnterpriseFactory(uscc=MENGNIU)
    response = api_client(staff_user).post(URL, valid_body(uscc=MENGNIU.lower()), format="json")
    assert response.status_code == 400
    assert response.data["uscc"][0].code == "unique"
    assert Enterprise.objects.count() == 1


def test_missing_fields_are_named(regions, staff_user):
    response = api_client(staff_user).post(URL, {"name": "只有名称"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"uscc", "region"}


def test_staff_change_an_enterprise_with_one_audit_event(regions, staff_user):
    enterprise = EnterpriseFactory(website="")
    client = api_client(staff_user)
    response = client.patch(f"{URL}{enterprise.id}/", {"website": "https://new.example.cn"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["website"] == "https://new.example.cn"
    event = AuditEvent.objects.get()
    assert event.action == "enterprise.update"
    assert (event.before["website"], event.after["website"]) == ("", "https://new.example.cn")

    # Sending the same values again changes nothing and audits nothing.
    again = client.patch(f"{URL}{enterprise.id}/", {"website": "https://new.example.cn"}, format="json")
    assert again.status_code == 200
    assert AuditEvent.objects.count() == 1


def test_a_change_is_held_to_the_same_rules(regions, staff_user):
    enterprise = EnterpriseFactory()
    client = api_client(staff_user)
    response = client.patch(f"{URL}{enterprise.id}/", {"region": "150100"}, format="json")
    assert response.status_code == 400
    assert response.data["region"][0].code == "region_not_county"
    response = client.put(f"{URL}{enterprise.id}/", valid_body(uscc="911500007014649755"), format="json")
    assert response.status_code == 400
    assert response.data["uscc"][0].code == "uscc_check_character"
    assert Enterprise.objects.get().region_id == "150102"
    assert not AuditEvent.objects.exists()


def test_enterprises_cannot_be_deleted(regions, staff_user):
    enterprise = EnterpriseFactory()
    assert api_client(staff_user).delete(f"{URL}{enterprise.id}/").status_code == 405
    assert Enterprise.objects.exists()


def test_the_audit_event_is_in_the_same_transaction(regions, staff_user):
    with (
        mock.patch("core.services.audit", side_effect=RuntimeError("audit store down")),
        pytest.raises(RuntimeError),
    ):
        api_client(staff_user).post(URL, valid_body(), format="json")
    assert not Enterprise.objects.exists()


def test_a_browser_session_write_needs_the_csrf_token(regions, staff_user):
    client = api_client(staff_user, enforce_csrf_checks=True)
    response = client.post(URL, valid_body(), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]

    token = "a" * 32
    client.cookies["csrftoken"] = token
    response = client.post(URL, valid_body(), format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
