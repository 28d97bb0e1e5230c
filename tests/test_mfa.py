"""The second factor: who must pass it, enrolment of an authenticator app, verification with a code or a
backup code, throttling, the API's answer, reset by staff, the audit trail, and where the user goes next.

Users here sign in with the password only (``force_login_password_only`` or the real login form): the
project-wide ``force_login`` also passes the second factor (tests/conftest.py).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.mfa import (
    mfa_backup_codes_regenerate,
    mfa_enrol,
    mfa_pending_device,
    mfa_required,
    normalize_backup_code,
    qr_code_svg,
    secret_for_manual_entry,
)
from core.models import AuditEvent, Role
from core.pdf import qr_code_rows
from core.reference import load_regions
from tests.factories import UserFactory
from tests.factories_accounts import PASSWORD, EnterpriseUserFactory, ReviewerFactory


@pytest.fixture(scope="module")
def _regions(django_db_setup, django_db_blocker):
    """The region tree (reviewers need a jurisdiction), loaded once; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_regions()
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_regions")]

SETUP = reverse("accounts:mfa_setup")
VERIFY = reverse("accounts:mfa_verify")
BACKUP = reverse("accounts:mfa_backup_codes")
LANDING = reverse("accounts:landing")
LOGIN = reverse("accounts:login")

NEEDS_MFA = {
    "reviewer": lambda: ReviewerFactory(),
    "committee": lambda: UserFactory(role=Role.COMMITTEE),
    "staff": lambda: UserFactory(role=Role.STAFF, is_staff=True),
    "leadership with admin access": lambda: UserFactory(role=Role.LEADERSHIP, is_staff=True),
    "superuser": lambda: UserFactory(role=Role.LEADERSHIP, is_superuser=True),
}
NO_MFA = {
    "enterprise": (lambda: EnterpriseUserFactory(), "/portal/"),
    "leadership": (lambda: UserFactory(role=Role.LEADERSHIP), "/progress/"),
}


def code_for(device: TOTPDevice, *, steps: int = 0) -> str:
    """The authenticator app's current code (or ``steps`` time steps away)."""
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps)).zfill(device.digits)


def wrong_code_for(device: TOTPDevice) -> str:
    valid = {code_for(device, steps=s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def backup_codes(user, *codes: str) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="backup codes")
    for code in codes:
        device.token_set.create(token=code)
    return device


def verified(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


@pytest.fixture
def reviewer():
    return ReviewerFactory(username="grassland_reviewer")


@pytest.fixture
def signed_in(client, reviewer, force_login_password_only):
    """The reviewer, past the password step only."""
    force_login_password_only(client, reviewer)
    return client


# --- who is sent to the second factor -----------------------------------------------------------


@pytest.mark.parametrize("make", NEEDS_MFA.values(), ids=NEEDS_MFA.keys())
def test_every_privileged_user_is_sent_to_setup_then_to_verify_until_verified(client, make, force_login_password_only):
    user = make()
    assert mfa_required(user)
    force_login_password_only(client, user)

    first = client.get("/review/?page=2")
    assert first.status_code == 302
    assert first["Location"].startswith(SETUP + "?")
    assert query(first["Location"]) == {"next": ["/review/?page=2"]}

    device = enrolled(user)
    second = client.get(LANDING)
    assert second["Location"] == f"{VERIFY}?next=%2Faccounts%2Fhome%2F"

    client.post(VERIFY, {"token": code_for(device), "next": LANDING})
    assert verified(client)
    assert not client.get(LANDING)["Location"].startswith("/accounts/mfa/")


@pytest.mark.parametrize(("make", "path"), NO_MFA.values(), ids=NO_MFA.keys())
def test_enterprise_and_leadership_users_are_not_asked_for_a_second_factor(
    client, make, path, force_login_password_only
):
    user = make()
    assert not mfa_required(user)
    force_login_password_only(client, user)

    assert client.get(LANDING)["Location"] == path
    assert client.get(VERIFY)["Location"] == LANDING  # nothing to do there
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_after_the_password_form_a_reviewer_lands_on_setup_keeping_where_they_were_going(client, reviewer):
    response = client.post(
        f"{LOGIN}?next=/review/", {"username": reviewer.username, "password": PASSWORD, "next": "/review/"}
    )
    assert response["Location"] == "/review/"

    assert client.get("/review/")["Location"] == f"{SETUP}?next=%2Freview%2F"


def test_only_the_second_factor_pages_sign_out_and_the_language_switch_stay_open(signed_in):
    assert signed_in.get(SETUP).status_code == 200
    assert signed_in.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    for path in ("/", "/brands/", "/admin/", reverse("accounts:password_change"), BACKUP):
        assert signed_in.get(path)["Location"].startswith(SETUP), path
    # A refused POST has nowhere to come back to: no next.
    assert signed_in.post(reverse("accounts:password_change"), {})["Location"] == SETUP
    assert signed_in.post(reverse("accounts:logout")).status_code == 200
    assert "_auth_user_id" not in signed_in.session


def test_an_api_session_request_of_an_unverified_reviewer_gets_403_json(signed_in):
    english = signed_in.get("/api/v1/applications/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = signed_in.get("/api/v1/applications/")

    assert english.status_code == chinese.status_code == 403
    assert english.json() == {
        "code": "mfa_required",
        "detail": "Confirm your sign-in with your authenticator app first: open the site and enter the code.",
    }
    assert chinese.json()["code"] == "mfa_required"
    assert re.search(r"[\u4e00-\u9fff]", chinese.json()["detail"])


def test_a_verified_reviewer_reaches_the_api(client, reviewer):
    client.force_login(reviewer)  # password and second factor

    assert client.get("/api/v1/applications/").status_code == 200


# --- setup ----------------------------------------------------------------------------------------


def test_the_setup_page_shows_an_inline_svg_qr_code_and_the_key_in_groups_of_four(signed_in, reviewer):
    page = signed_in.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=reviewer)

    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<rect" in svg
    assert "style=" not in svg
    secret = secret_for_manual_entry(device)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", secret)
    assert secret in page
    assert not device.confirmed


def test_the_qr_code_has_a_quiet_zone_and_one_rect_per_run_of_dark_modules():
    text = "otpauth://totp/x?secret=AAAA"
    rows = qr_code_rows(text)
    svg = qr_code_svg(text, label='a "label"')

    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    assert side == len(rows) + 8  # four modules of quiet zone on each side
    assert 'aria-label="a &quot;label&quot;"' in svg
    dark = re.findall(r'<rect x="(\d+)" y="(\d+)" width="(\d+)" height="1"/>', svg)
    assert sum(int(width) for _x, _y, width in dark) == "".join(rows).count("1")
    assert len(dark) == sum(len(re.findall("1+", row)) for row in rows)
    assert min(int(x) for x, _y, _w in dark) == min(int(y) for _x, y, _w in dark) == 4


def test_reloading_setup_reuses_the_unconfirmed_device(signed_in, reviewer):
    first = signed_in.get(SETUP).context["secret"]
    second = signed_in.get(SETUP).context["secret"]

    assert first == second
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


def test_setup_with_a_wrong_code_confirms_nothing(signed_in, reviewer):
    signed_in.get(SETUP)
    device = TOTPDevice.objects.get(user=reviewer)

    response = signed_in.post(SETUP, {"token": wrong_code_for(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    device.refresh_from_db()
    assert not device.confirmed
    assert not verified(signed_in)
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    assert not AuditEvent.objects.filter(action="account.mfa_enrol").exists()


def test_setup_with_the_right_code_verifies_the_session_and_shows_ten_backup_codes_once(signed_in, reviewer):
    signed_in.get(f"{SETUP}?next=/review/")
    device = TOTPDevice.objects.get(user=reviewer)

    response = signed_in.post(SETUP, {"token": code_for(device), "next": "/review/"})

    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    assert {t.token for t in StaticToken.objects.filter(device__user=reviewer)} == {
        normalize_backup_code(c) for c in codes
    }
    assert response.context["next"] == "/review/"
    device.refresh_from_db()
    assert device.confirmed
    assert verified(signed_in)
    assert signed_in.get(LANDING)["Location"] == "/review/"
    event = AuditEvent.objects.get(action="account.mfa_enrol")
    assert (event.actor, event.object_id) == (reviewer, str(reviewer.pk))
    # Enrolled: the setup page cannot add another app (that needs a reset by staff).
    assert signed_in.get(SETUP)["Location"] == LANDING


def test_an_enrolled_user_who_is_not_verified_cannot_enrol_another_app(signed_in, reviewer):
    enrolled(reviewer)

    assert signed_in.get(SETUP)["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


# --- verify ---------------------------------------------------------------------------------------


def test_verify_with_the_apps_code(signed_in, reviewer):
    device = enrolled(reviewer)

    response = signed_in.post(VERIFY, {"token": code_for(device)})

    assert response["Location"] == LANDING
    assert signed_in.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_wrong_code_is_refused_with_a_clear_message(signed_in, reviewer):
    device = enrolled(reviewer)

    response = signed_in.post(VERIFY, {"token": wrong_code_for(device)}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "That code is not right." in response.content.decode()
    assert not verified(signed_in)
    assert AuditEvent.objects.filter(action="account.mfa_verify_fail").count() == 1


def test_a_backup_code_works_once(client, signed_in, reviewer, force_login_password_only):
    enrolled(reviewer)
    backup_codes(reviewer, "abcde23456", "fghjk78923")

    used = signed_in.post(VERIFY, {"token": "ABCDE-23456"})  # as printed, in capitals: the same code
    assert used.status_code == 302
    assert verified(signed_in)
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["fghjk78923"]
    event = AuditEvent.objects.get(action="account.mfa_backup_code_use")
    assert event.after == {"backup_codes_left": 1}

    other = type(client)()
    force_login_password_only(other, reviewer)
    again = other.post(VERIFY, {"token": "abcde-23456"})
    assert again.status_code == 200
    assert not verified(other)


def test_repeated_wrong_codes_are_throttled_even_the_right_one(signed_in, reviewer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # the first wait is a minute: no race with the clock
    device = enrolled(reviewer)

    signed_in.post(VERIFY, {"token": wrong_code_for(device)})
    throttled = signed_in.post(VERIFY, {"token": code_for(device)}, HTTP_ACCEPT_LANGUAGE="en")

    assert throttled.status_code == 429
    assert "Too many wrong codes in a row. Wait" in throttled.content.decode()
    assert not verified(signed_in)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a refused try while waiting does not count


def test_setup_is_throttled_too(signed_in, reviewer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    signed_in.get(SETUP)
    device = TOTPDevice.objects.get(user=reviewer)

    signed_in.post(SETUP, {"token": wrong_code_for(device)})
    throttled = signed_in.post(SETUP, {"token": code_for(device)})

    assert throttled.status_code == 429
    device.refresh_from_db()
    assert not device.confirmed


# --- where next -----------------------------------------------------------------------------------


def test_next_is_honoured_and_an_outside_next_is_refused(client, reviewer, force_login_password_only):
    device = enrolled(reviewer)
    force_login_password_only(client, reviewer)
    inside = client.post(VERIFY, {"token": code_for(device), "next": "/review/"})
    assert inside["Location"] == "/review/"

    device.refresh_from_db()
    other = type(client)()
    force_login_password_only(other, reviewer)
    for outside in ("https://evil.example/", "//evil.example/x"):
        assert other.get(f"{VERIFY}?next={outside}").context["next"] == LANDING
    outside = other.post(VERIFY, {"token": code_for(device, steps=1), "next": "https://evil.example/"})
    assert outside["Location"] == LANDING


# --- backup codes, reset by staff, and the audit trail -----------------------------------------------


def test_a_verified_user_can_replace_the_backup_codes(client, reviewer):
    client.force_login(reviewer)
    backup_codes(reviewer, "abcde23456")

    assert client.get(BACKUP).context["left"] == 1
    response = client.post(BACKUP)

    assert len(response.context["codes"]) == 10
    assert not StaticToken.objects.filter(token="abcde23456").exists()
    assert AuditEvent.objects.get(action="account.mfa_backup_codes_regenerate").before == {"backup_codes_left": 1}


def test_staff_reset_removes_every_device_and_is_audited(client, staff_user, reviewer, force_login_password_only):
    device = enrolled(reviewer)
    backup_codes(reviewer, "abcde23456")
    reviewers_session = type(client)()
    force_login_password_only(reviewers_session, reviewer)
    reviewers_session.post(VERIFY, {"token": code_for(device)})
    assert verified(reviewers_session)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:core_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [reviewer.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    event = AuditEvent.objects.get(action="account.mfa_reset")
    assert (event.actor, event.object_id) == (staff_user, str(reviewer.pk))
    assert event.before == {"totp_devices": 1, "backup_codes_left": 1}
    # The reviewer's session verified with the removed app must enrol again.
    assert reviewers_session.get("/review/")["Location"].startswith(SETUP)


def test_the_audit_trail_holds_no_secret_and_no_code(client, reviewer):
    device = mfa_pending_device(user=reviewer)
    _device, first_codes = mfa_enrol(user=reviewer, token=code_for(device))
    second_codes = mfa_backup_codes_regenerate(user=reviewer)
    client.force_login(UserFactory(role=Role.COMMITTEE))
    other = type(client)()  # signs in through the login form: the password only
    other.post(LOGIN, {"username": reviewer.username, "password": PASSWORD})
    other.post(VERIFY, {"token": second_codes[0]})
    other.post(VERIFY, {"token": "999999"})

    trail = json.dumps([[e.action, e.before, e.after] for e in AuditEvent.objects.all()])
    assert {"account.mfa_enrol", "account.mfa_backup_codes_regenerate", "account.mfa_backup_code_use"} <= {
        e.action for e in AuditEvent.objects.all()
    }
    secrets = [device.key, secret_for_manual_entry(device).replace(" ", "")]
    secrets += [normalize_backup_code(c) for c in first_codes + second_codes] + first_codes + second_codes
    for secret in secrets:
        assert secret.lower() not in trail.lower()
    assert "999999" not in trail


def test_the_force_login_of_the_tests_stands_for_both_factors(client, reviewer, force_login_password_only):
    client.force_login(reviewer)
    assert verified(client)
    assert client.get(LANDING)["Location"] == "/review/"

    other = type(client)()
    force_login_password_only(other, reviewer)
    assert not verified(other)
