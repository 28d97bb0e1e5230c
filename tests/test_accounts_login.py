"""Sign in and out, the per-role landing, passwords, login rate limiting, and the account pages' shape."""

from __future__ import annotations

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.accounts import client_ip_address
from core.models import AuditEvent
from core.reference import load_regions
from tests.factories import UserFactory
from tests.factories_accounts import NEW_PASSWORD, PASSWORD, EnterpriseUserFactory, ReviewerFactory, link_in
from tests.factories_site import parse


@pytest.fixture(scope="module")
def _regions(django_db_setup, django_db_blocker):
    """The region tree, loaded once for the module; each test runs in a savepoint inside this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_regions()
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_regions")]

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
HOME = "192.0.2.10"
ELSEWHERE = "198.51.100.7"


def sign_in(client, username: str, password: str, *, address: str = HOME, url: str = LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def user():
    return EnterpriseUserFactory(username="herder")


# --- signing in and out -------------------------------------------------------------------------


def test_signing_in_with_the_right_password_goes_to_the_landing_page(client, user):
    response = sign_in(client, "herder", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:landing")
    assert signed_in(client)


def test_signing_in_returns_to_the_page_asked_for(client, user):
    response = client.post(f"{LOGIN}?next=/brands/", {"username": "herder", "password": PASSWORD, "next": "/brands/"})

    assert response["Location"] == "/brands/"


def test_a_wrong_password_is_refused_in_chinese(client, user):
    response = sign_in(client, "herder", "wrong password")

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["invalid_login"]
    assert "请输入一个正确的用户名和密码" in response.content.decode()
    assert not signed_in(client)


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: EnterpriseUserFactory(), "/portal/"),
        (lambda: ReviewerFactory(), "/review/"),
        (lambda: UserFactory(role="committee"), "/review/"),
        (lambda: UserFactory(role="staff", is_staff=True), "/admin/"),
        (lambda: UserFactory(role="leadership"), "/progress/"),
    ],
)
def test_the_landing_page_sends_each_role_to_its_workspace(client, make, path):
    client.force_login(make())

    response = client.get(reverse("accounts:landing"))

    assert response.status_code == 302
    assert response["Location"] == path


def test_the_landing_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("accounts:landing"))

    assert response["Location"] == f"{LOGIN}?next=/accounts/home/"


def test_signing_out_needs_a_post(client, user):
    client.force_login(user)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in(client)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 200
    assert "您已退出登录" in response.content.decode()
    assert not signed_in(client)


def test_the_account_navigation_offers_sign_in_or_the_name_and_a_sign_out_form(rf: RequestFactory, user):
    request = rf.get("/brands/")
    request.user = AnonymousUser()
    anonymous = parse(render_to_string("includes/_account_nav.html", {"user": request.user}, request=request))
    assert anonymous.find("a").attrs["href"] == f"{LOGIN}?next=/brands/"

    request.user = user
    page = parse(render_to_string("includes/_account_nav.html", {"user": user}, request=request))
    assert "herder" in page.text()
    form = page.find("form")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", reverse("accounts:logout"))
    assert form.find("input", name="csrfmiddlewaretoken") is not None


# --- passwords ----------------------------------------------------------------------------------


def test_a_password_reset_email_is_sent_in_chinese_then_english_and_the_reset_works(client, user):
    response = client.post(reverse("accounts:password_reset"), {"email": user.email})

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "重置密码" in message.subject and "Reset your password" in message.subject
    assert message.body.index("您好") < message.body.index("Hello herder")
    link = link_in(message, "/accounts/reset/")

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="account.password_reset")
    assert (event.actor, event.before, event.after) == (user, None, None)
    assert sign_in(client, "herder", NEW_PASSWORD).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, user):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.cn"})

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_used_reset_link_is_refused(client, user):
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = link_in(mail.outbox[0], "/accounts/reset/")
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert "无法使用此链接" in parse(again).find("h1").text()


def test_changing_the_password_needs_the_old_one_and_is_audited(client, user):
    client.force_login(user)
    url = reverse("accounts:password_change")

    wrong = client.post(url, {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "password_incorrect" in [e.code for e in wrong.context["form"].errors.as_data()["old_password"]]

    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert signed_in(client)  # the session that changed it stays signed in
    assert AuditEvent.objects.filter(action="account.password_change", actor=user).count() == 1


# --- login rate limiting -------------------------------------------------------------------------


def fail(client, times: int, *, address: str = HOME, url: str = LOGIN):
    return [sign_in(client, "herder", "wrong password", address=address, url=url) for _ in range(times)]


def test_five_wrong_passwords_lock_that_user_name_at_that_address(client, user):
    responses = fail(client, 5)

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    sixth = sign_in(client, "herder", PASSWORD)
    assert sixth.status_code == 429
    assert not signed_in(client)
    page = parse(sixth)
    assert [h.text() for h in page.find_all("h1")] == ["暂停登录"]


def test_the_lock_out_page_says_when_to_try_again(client, user):
    fail(client, 5)
    last = AccessAttempt.objects.get(username="herder").attempt_time

    response = sign_in(client, "herder", PASSWORD)

    retry_at = timezone.localtime(last + datetime.timedelta(minutes=15))
    text = parse(response).find("main").text()
    assert f"请于 {retry_at:%H:%M}（{retry_at:%Y-%m-%d}）之后再试" in text
    assert re.search(r"约 1[45] 分钟后", text)


def test_refused_attempts_during_the_lock_out_do_not_extend_it(client, user):
    fail(client, 5)
    last = AccessAttempt.objects.get(username="herder").attempt_time

    fail(client, 3)

    attempt = AccessAttempt.objects.get(username="herder")
    assert (attempt.attempt_time, attempt.failures_since_start) == (last, 5)


def test_signing_in_works_again_after_the_cool_off(client, user):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=15, seconds=1))

    response = sign_in(client, "herder", PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_the_lock_out_does_not_reach_the_user_at_another_address(client, user):
    fail(client, 5, address=ELSEWHERE)

    response = sign_in(client, "herder", PASSWORD, address=HOME)

    assert response.status_code == 302
    assert signed_in(client)


def test_the_lock_out_does_not_reach_other_user_names_at_that_address(client, user):
    EnterpriseUserFactory(username="neighbour")
    fail(client, 5)

    assert sign_in(client, "neighbour", PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_earlier_mistakes(client, user):
    fail(client, 4)
    sign_in(client, "herder", PASSWORD)
    client.logout()

    assert [r.status_code for r in fail(client, 4)] == [200, 200, 200, 200]


def test_the_admin_login_is_rate_limited_too(client):
    UserFactory(username="herder", role="staff", is_staff=True, is_superuser=True)

    responses = fail(client, 5, url=ADMIN_LOGIN)
    after = sign_in(client, "herder", PASSWORD, url=ADMIN_LOGIN)

    assert [r.status_code for r in responses][-1] == 429
    assert after.status_code == 429
    assert "暂停登录" in parse(after).find("h1").text()
    assert not signed_in(client)


def test_the_client_address_behind_trusted_proxies_is_the_one_our_proxy_saw(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    assert client_ip_address(request) == "10.0.0.2"  # no proxy trusted: the header is the client's word
    settings.ACCOUNTS_TRUSTED_PROXY_COUNT = 1
    assert client_ip_address(request) == "203.0.113.9"
    settings.ACCOUNTS_TRUSTED_PROXY_COUNT = 2
    assert client_ip_address(request) == "6.6.6.6"
    settings.ACCOUNTS_TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: the header cannot be trusted
    assert client_ip_address(request) == "10.0.0.2"
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    settings.ACCOUNTS_TRUSTED_PROXY_COUNT = 1
    assert client_ip_address(request) == "10.0.0.2"


# --- every account page has one <h1> -------------------------------------------------------------

ANONYMOUS_PAGES = [
    "accounts:login",
    "accounts:register",
    "accounts:register_done",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "accounts:confirm_resend",
    "accounts:confirm_resend_done",
]


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_every_account_page_has_exactly_one_h1(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert len(parse(response).find_all("h1")) == 1


@pytest.mark.parametrize("name", ["accounts:password_change", "accounts:password_change_done"])
def test_every_signed_in_account_page_has_exactly_one_h1(client, user, name):
    client.force_login(user)

    assert len(parse(client.get(reverse(name))).find_all("h1")) == 1


def test_the_pages_reached_by_links_and_posts_have_exactly_one_h1(client, user):
    bad_confirm = client.get(reverse("accounts:confirm", args=["not-a-token"]))
    bad_reset = client.get(reverse("accounts:password_reset_confirm", args=["MQ", "bad-token"]))
    client.force_login(user)
    logged_out = client.post(reverse("accounts:logout"))
    locked = fail(client, 5)[-1]

    for response in (bad_confirm, bad_reset, logged_out, locked):
        assert len(parse(response).find_all("h1")) == 1
