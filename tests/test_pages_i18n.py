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


def test_the_language_switch_is_a_post_form_with_csrf_next_and_one_button_per_language(client, reference_data):
    page = parse(client.get("/brands/", {"q": "草原"}))

    form = page.find("form", class_="lang-switch")
    assert form.attrs["action"] == "/i18n/setlang/" and form.attrs["method"] == "post"
    assert form.find("input", name="csrfmiddlewaretoken") is not None
    assert form.find("input", name="next").attrs["value"] == "/brands/?q=%E8%8D%89%E5%8E%9F"
    buttons = form.find_all("button", name="language")
    assert [b.attrs["value"] for b in buttons] == ["zh-hans", "en"]
    current = [b.attrs["value"] for b in buttons if b.attrs.get("aria-current") == "true"]
    assert current == ["zh-hans"]


def test_switching_to_english_and_back_with_the_form(reference_data):
    client = Client(enforce_csrf_checks=True)
    form = parse(client.get("/")).find("form", class_="lang-switch")
    token = form.find("input", name="csrfmiddlewaretoken").attrs["value"]

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/brands/", "csrfmiddlewaretoken": token})

    assert response.status_code == 302 and response["Location"] == "/brands/"
    home = client.get("/")
    assert html_lang(home) == "en"
    assert "Brand cultivation and certification registry" in parse(home).find("h1").text()
    english = parse(home).find("form", class_="lang-switch").find("button", aria_current="true")
    assert english.attrs["value"] == "en"

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token})
    assert html_lang(client.get("/")) == "zh-hans"


def test_the_browser_language_is_honoured(reference_data):
    response = Client(headers={"accept-language": "en-US,en;q=0.9"}).get("/")

    assert html_lang(response) == "en"
