"""Workflow records are read-only in the admin; programmes and reviewer links are editable data."""

import pytest
from django.contrib import admin
from django.urls import reverse

from awards.models import AwardProgramme, ReviewerLink

pytestmark = pytest.mark.django_db

EDITABLE = {AwardProgramme, ReviewerLink}


def awards_models():
    return sorted((m for m in admin.site._registry if m._meta.app_label == "awards"), key=lambda m: m._meta.model_name)


@pytest.fixture
def office(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("model", awards_models(), ids=lambda m: m._meta.model_name)
def test_every_workflow_model_lists_and_only_data_models_can_be_added(office, reference_data, model):
    info = (model._meta.app_label, model._meta.model_name)
    assert office.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    expected = 200 if model in EDITABLE else 403
    assert office.get(reverse("admin:{}_{}_add".format(*info))).status_code == expected


def test_a_programme_page_shows_its_indicators(office, reference_data):
    programme = AwardProgramme.objects.get(code="brand-recognition")
    page = office.get(reverse("admin:awards_awardprogramme_change", args=[programme.pk]))
    assert page.status_code == 200
    assert "产品质量" in page.content.decode()
