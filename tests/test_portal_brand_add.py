"""Adding a brand from the enterprise portal: /portal/brands/add/ and brands.services.brand_create."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from brands.models import Brand, BrandKind, BrandStatus
from brands.services import brand_create
from core.errors import PermissionDenied
from core.models import AuditEvent, Region, Role
from tests.factories import BrandFactory, EnterpriseFactory, UserFactory
from tests.factories_portal import EnterpriseUserFactory, logged_in, png_file

URL = "/portal/brands/add/"


@pytest.fixture
def user(regions):
    enterprise = EnterpriseFactory(region=Region.objects.get(code="152502"))
    return EnterpriseUserFactory(username="applicant", enterprise=enterprise)


def form_data(**overrides) -> dict:
    data = {"name": "草原醇香", "kind": BrandKind.PRODUCT, "industry": "dairy", "description": "草原牧场鲜奶制成。"}
    data.update(overrides)
    return data


def logo_files() -> set[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "brands" / "logos"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def brand_events() -> int:
    return AuditEvent.objects.filter(action="brand.create").count()


def test_the_url_is_named_and_the_portal_home_links_to_it(user):
    assert reverse("portal:brand_add") == URL
    response = logged_in(user).get("/portal/")
    assert response.status_code == 200
    assert f'href="{URL}"' in response.content.decode()


def test_the_form_page_has_one_heading_and_a_multipart_form(user):
    response = logged_in(user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'enctype="multipart/form-data"' in html
    assert user.enterprise.name in html
    for field in ("name", "kind", "industry", "description", "logo"):
        assert f'name="{field}"' in html


def test_a_brand_is_added_with_its_logo_region_status_and_one_audit_event(user):
    before = logo_files()
    response = logged_in(user).post(URL, {**form_data(), "logo": png_file("标识.png")})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    brand = Brand.objects.get(enterprise=user.enterprise)
    assert (brand.name, brand.kind, brand.industry) == ("草原醇香", BrandKind.PRODUCT, "dairy")
    assert brand.description == "草原牧场鲜奶制成。"
    assert brand.region_id == user.enterprise.region_id == "152502"
    assert brand.status == BrandStatus.CULTIVATING
    assert brand.recognised_on is None and brand.valid_until is None
    assert brand.logo and brand.logo_thumbnail  # re-encoded and a thumbnail made
    assert brand.logo.name.endswith(".png") and brand.logo_thumbnail.name.endswith(".png")
    assert len(logo_files() - before) == 2
    event = AuditEvent.objects.get(action="brand.create")
    assert (event.actor, event.object_type, event.object_id) == (user, "brands.brand", str(brand.pk))
    assert event.after["status"] == BrandStatus.CULTIVATING and event.after["logo"] is True
    # The portal lists it, and the public register shows it.
    page = logged_in(user).get("/portal/").content.decode()
    assert "草原醇香" in page
    assert logged_in(user).get(reverse("brands:brand_detail", args=[brand.pk])).status_code == 200


def test_a_brand_without_a_logo_is_added(user):
    response = logged_in(user).post(URL, form_data(name="乌珠穆沁"))
    assert response.status_code == 302
    brand = Brand.objects.get(name="乌珠穆沁")
    assert not brand.logo and not brand.logo_thumbnail
    assert brand_events() == 1


def test_a_name_the_enterprise_already_uses_is_refused_with_a_message(user):
    BrandFactory(enterprise=user.enterprise, name="草原醇香")
    response = logged_in(user).post(URL, form_data())
    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["name"]] == ["duplicate_brand"]
    assert "草原醇香" in form.errors["name"][0]
    assert 'role="alert"' in response.content.decode()
    assert Brand.objects.filter(enterprise=user.enterprise).count() == 1
    assert brand_events() == 0


def test_another_enterprise_may_use_the_same_name(user):
    BrandFactory(name="草原醇香")  # of another enterprise
    assert logged_in(user).post(URL, form_data()).status_code == 302
    assert Brand.objects.filter(name="草原醇香").count() == 2


def test_a_logo_that_is_not_a_picture_is_refused_and_nothing_is_saved(user):
    before = logo_files()
    fake = SimpleUploadedFile("logo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = logged_in(user).post(URL, {**form_data(), "logo": fake})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["logo"]] == ["image_invalid"]
    assert not Brand.objects.exists()
    assert brand_events() == 0
    assert logo_files() == before


def test_missing_required_fields_are_refused(user):
    response = logged_in(user).post(URL, form_data(name="  ", kind="", industry="bogus"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "kind", "industry"}
    assert not Brand.objects.exists()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COMMITTEE, Role.STAFF, Role.LEADERSHIP])
def test_another_role_gets_403_and_nothing_is_saved(regions, role):
    other = UserFactory(role=role)
    client = logged_in(other)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data()).status_code == 403
    assert not Brand.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(regions):
    response = Client().get(URL)
    assert response.status_code == 302
    assert URL in response["Location"]


def test_the_service_refuses_a_user_of_another_enterprise(user):
    other = EnterpriseFactory()
    with pytest.raises(PermissionDenied):
        brand_create(actor=user, enterprise=other, name="借名", kind=BrandKind.PRODUCT, industry="food")
    assert not Brand.objects.exists()


def test_the_service_checks_the_models_rules(user):
    with pytest.raises(ValidationError) as caught:
        brand_create(actor=user, enterprise=user.enterprise, name="", kind="nonsense", industry="food")
    assert {"name", "kind"} <= set(caught.value.message_dict)
    assert not Brand.objects.exists() and brand_events() == 0
