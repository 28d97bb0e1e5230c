"""Registration, link-resend and password-reset emails are limited per client address."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from core.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh(settings):
    settings.ACCOUNT_EMAIL_RATE = "2/hour"
    cache.clear()
    yield
    cache.clear()


def test_the_third_password_reset_from_one_address_is_refused_and_sends_nothing(client):
    UserFactory(username="milk", email="milk@example.cn")
    url = reverse("accounts:password_reset")
    assert [client.post(url, {"email": "milk@example.cn"}).status_code for _ in range(2)] == [302, 302]
    refused = client.post(url, {"email": "milk@example.cn"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert len(mail.outbox) == 2


def test_the_budget_is_shared_by_resend_and_registration(client, regions):
    resend = reverse("accounts:confirm_resend")
    assert client.post(resend, {"email": "a@example.cn"}).status_code == 302
    assert client.post(resend, {"email": "b@example.cn"}).status_code == 302
    count = User.objects.count()
    data = {"uscc": "91150102MA0000000X", "enterprise_name": "x", "username": "u1", "email": "u1@example.cn",
            "password1": "a-Long-pass-4321", "password2": "a-Long-pass-4321"}  # fmt: skip
    response = client.post(reverse("accounts:register"), data)
    assert response.status_code in (200, 429)  # a form error comes first; a valid form is refused below
    assert User.objects.count() == count


def test_another_address_has_its_own_budget(client):
    url = reverse("accounts:password_reset")
    for _ in range(2):
        client.post(url, {"email": "x@example.cn"})
    assert client.post(url, {"email": "x@example.cn"}, REMOTE_ADDR="10.9.9.9").status_code == 302
