"""Language: Chinese by default, English on request, switched by a plain form (no JavaScript)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories_site import parse

pytestmark = pytest.mark.django_db

PAGES = ["/", "/brands/", "/trademarks/", "/gi-products/", "/certifications/", "/zones/", "/enterprises/", "/progress/"]


def html_lang(response) -> str:
    return parse(response).find("html").attrs["lang"]


@pytest.mark.parametrize("url", PAGES)
def test_chinese_is_the_default_language(client, reference_data, url):
    response = client.get(url)

    assert response.status_code == 200
    assert html_lang(response) == "zh-hans"
    assert len(parse(response).find_all("h1")) == 1


def test_the_language_switch_is_a_post_form_with_next_and_one_button_per_language(client, reference_data):
    response = client.get("/brands/", {"q": "草原"})
    page = parse(response)

    form = page.find("form", class_="lang-switch")
    assert form.attrs["action"] == "/i18n/setlang/" and form.attrs["method"] == "post"
    # No CSRF token (core/language.py guards the switch): a public page sets no cookie.
    assert form.find("input", name="csrfmiddlewaretoken") is None
    assert not response.cookies
    assert form.find("input", name="next").attrs["value"] == "/brands/?q=%E8%8D%89%E5%8E%9F"
    buttons = form.find_all("button", name="language")
    assert [b.attrs["value"] for b in buttons] == ["zh-hans", "en"]
    current = [b.attrs["value"] for b in buttons if b.attrs.get("aria-current") == "true"]
    assert current == ["zh-hans"]


def test_switching_to_english_and_back_with_the_form(reference_data):
    client = Client(enforce_csrf_checks=True, headers={"sec-fetch-site": "same-origin"})
    assert parse(client.get("/")).find("form", class_="lang-switch") is not None

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/brands/"})

    assert response.status_code == 302 and response["Location"] == "/brands/"
    home = client.get("/")
    assert html_lang(home) == "en"
    assert "Brand cultivation and certification registry" in parse(home).find("h1").text()
    english = parse(home).find("form", class_="lang-switch").find("button", aria_current="true")
    assert english.attrs["value"] == "en"

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert html_lang(client.get("/")) == "zh-hans"


# What browsers send with the switch's POST: Fetch Metadata first, Origin where that is missing.
SAME_SITE_REQUESTS = [
    {"sec-fetch-site": "same-origin", "origin": "http://testserver"},
    {"sec-fetch-site": "none"},  # typed or bookmarked
    {"origin": "http://testserver"},  # a browser without Fetch Metadata
    {},  # no browser (curl, a test client)
    {"sec-fetch-site": "cross-site", "origin": "https://registry.example.org"},  # a trusted origin
]
CROSS_SITE_REQUESTS = [
    {"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
    {"sec-fetch-site": "same-site", "origin": "https://other.testserver"},
    {"origin": "https://evil.example"},
    {"origin": "null"},  # a sandboxed frame or a privacy-sensitive redirect
    {"origin": "https://testserver"},  # another scheme is another origin
    {"sec-fetch-site": "cross-site"},
]


@pytest.mark.parametrize("headers", SAME_SITE_REQUESTS)
def test_the_switch_accepts_requests_from_the_registry_itself(reference_data, settings, headers):
    settings.CSRF_TRUSTED_ORIGINS = ["https://registry.example.org"]
    client = Client(enforce_csrf_checks=True)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/brands/"}, headers=headers)

    assert response.status_code == 302 and response["Location"] == "/brands/"
    assert html_lang(client.get("/")) == "en"


@pytest.mark.parametrize("headers", CROSS_SITE_REQUESTS)
def test_the_switch_refuses_a_request_another_site_makes_the_browser_send(reference_data, headers):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/brands/"}, headers=headers)

    assert response.status_code == 403
    assert "只能在本系统的页面上切换语言" in response.text
    assert html_lang(client.get("/")) == "zh-hans"  # unchanged


def test_other_forms_keep_their_csrf_token(reference_data):
    """Only the language switch is guarded by headers: a form that changes data still needs Django's token."""
    client = Client(enforce_csrf_checks=True, headers={"sec-fetch-site": "same-origin"})
    forms = parse(client.get("/accounts/login/")).find_all("form", method="post")
    login = [form for form in forms if "lang-switch" not in form.attrs.get("class", "")]
    assert len(login) == 1 and login[0].find("input", name="csrfmiddlewaretoken") is not None
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_the_browser_language_is_honoured(reference_data):
    response = Client(headers={"accept-language": "en-US,en;q=0.9"}).get("/")

    assert html_lang(response) == "en"
