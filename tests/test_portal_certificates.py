"""The holder's side of certificates in the enterprise portal (awards/views_portal.py): the award list
shows each award's certificate (number, status, a download link while it is in force), and
``certificate_download`` hands over the current file of one of the enterprise's own certificates.
Another enterprise's certificate, or one that was revoked or cancelled, is a 404 that shows nothing.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.certificates import services
from awards.certificates.models import Certificate
from awards.models import Award
from core.models import Enterprise, Role
from tests.factories import EnterpriseFactory, UserFactory
from tests.factories_certificates import committee_member, ensure_programmes, issued_certificate
from tests.factories_portal import AwardFactory, programme

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def holder_of(certificate: Certificate):
    return UserFactory(role=Role.ENTERPRISE, enterprise=certificate.enterprise)


def download_url(certificate: Certificate) -> str:
    return reverse("portal:certificate_download", args=[certificate.number])


def stored_bytes(certificate: Certificate, version: int) -> bytes:
    with certificate.files.get(version=version).file.open("rb") as handle:
        return handle.read()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def same_page(body: bytes, number: str) -> bytes:
    body = body.replace(number.encode(), b"<number>")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"<csrf>", body)


@pytest.fixture
def certificate():
    return issued_certificate(name="内蒙古草原乳业有限公司")


@pytest.fixture
def member():
    return committee_member()


# --- the award list ----------------------------------------------------------------------------------


def test_the_award_list_shows_the_certificate_number_status_and_download_link(certificate):
    response = signed_in(holder_of(certificate)).get(reverse("portal:award_list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert certificate.number in body
    assert "Valid" in body
    assert download_url(certificate) in body
    assert reverse("certificates:verify-number", args=[certificate.number]) in body


def test_a_suspended_certificate_can_still_be_downloaded_and_says_it_is_suspended(certificate, member):
    services.certificate_suspend(
        actor=member, certificate=certificate, until=today() + datetime.timedelta(days=30), reason="限期整改"
    )
    client = signed_in(holder_of(certificate))

    body = client.get(reverse("portal:award_list")).content.decode()

    assert "Suspended" in body
    assert download_url(certificate) in body
    assert client.get(download_url(certificate)).status_code == 200


@pytest.mark.parametrize(
    ("end", "label"),
    [(services.certificate_revoke, "Revoked"), (services.certificate_cancel, "Cancelled")],
    ids=["revoked", "cancelled"],
)
def test_a_revoked_or_cancelled_certificate_has_no_link_and_no_download(certificate, member, end, label):
    end(actor=member, certificate=certificate, reason="不再有效")
    client = signed_in(holder_of(certificate))

    listing = client.get(reverse("portal:award_list")).content.decode()
    response = client.get(download_url(certificate))

    assert certificate.number in listing  # the record stays, with what became of it
    assert label in listing
    assert download_url(certificate) not in listing
    assert response.status_code == 404
    assert b"%PDF" not in body_of(response)


def test_an_award_whose_certificate_is_not_issued_yet_says_so(certificate):
    AwardFactory(application__programme=programme(), application__enterprise=certificate.enterprise)

    body = signed_in(holder_of(certificate)).get(reverse("portal:award_list")).content.decode()

    assert "Being issued" in body


def test_the_award_list_shows_only_the_enterprises_own_certificates(certificate):
    other = issued_certificate(name="包头其他食品有限公司")

    body = signed_in(holder_of(certificate)).get(reverse("portal:award_list")).content.decode()

    assert certificate.number in body
    assert other.number not in body
    assert other.holder_name not in body


def _awards_with_certificates(enterprise: Enterprise, count: int) -> None:
    for _i in range(count):
        award = AwardFactory(
            application__programme=programme(),
            application__enterprise=enterprise,
            granted_on=today(),
            valid_until=today() + datetime.timedelta(days=1000),
        )
        services.certificate_issue(award=award)


AWARD_LIST_QUERIES = 4  # session, user, enterprise, the awards (with their certificates, one join)


@pytest.mark.parametrize("count", [2, 10])
def test_the_award_list_query_count_does_not_grow_with_the_awards(count, django_assert_max_num_queries):
    ensure_programmes()
    enterprise = EnterpriseFactory()
    _awards_with_certificates(enterprise, count - 1)
    AwardFactory(application__programme=programme(), application__enterprise=enterprise)  # no certificate yet
    client = signed_in(UserFactory(role=Role.ENTERPRISE, enterprise=enterprise))

    with django_assert_max_num_queries(AWARD_LIST_QUERIES):
        response = client.get(reverse("portal:award_list"))

    assert response.status_code == 200
    assert response.content.decode().count("Download PDF") == count - 1
    assert Award.objects.filter(enterprise=enterprise).count() == count


# --- the download ------------------------------------------------------------------------------------


def test_the_download_is_the_current_files_bytes_as_a_pdf_attachment(certificate):
    response = signed_in(holder_of(certificate)).get(download_url(certificate))

    assert response.status_code == 200
    assert body_of(response) == stored_bytes(certificate, 1)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert f"{certificate.number}.pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_after_a_reissue_the_download_is_the_new_rendering(certificate, member):
    services.certificate_reissue(actor=member, certificate=certificate, reason="企业更名")

    response = signed_in(holder_of(certificate)).get(download_url(certificate))

    body = body_of(response)
    assert body == stored_bytes(certificate, 2)
    assert body != stored_bytes(certificate, 1)
    assert f"{certificate.number}-2.pdf" in response["Content-Disposition"]


def test_another_enterprises_certificate_is_a_404_that_shows_nothing_of_it(certificate):
    other = issued_certificate(name="包头其他食品有限公司")
    client = signed_in(holder_of(certificate))

    response = client.get(download_url(other))
    missing = client.get(reverse("portal:certificate_download", args=["NMPP-2000-999999"]))

    assert response.status_code == 404
    body = body_of(response)
    for secret in (other.holder_name, other.holder_uscc, other.subject_name):
        assert secret.encode() not in body
    assert b"%PDF" not in body
    assert missing.status_code == 404
    # Exactly what a number that does not exist gets, once the address (echoed by the language switch)
    # and the per-page CSRF token are set aside.
    assert same_page(body, other.number) == same_page(body_of(missing), "NMPP-2000-999999")


def test_a_certificate_whose_file_went_missing_is_a_404(certificate):
    stored = certificate.files.get()
    stored.file.storage.delete(stored.file.name)

    response = signed_in(holder_of(certificate)).get(download_url(certificate))

    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COMMITTEE, Role.STAFF, Role.LEADERSHIP])
def test_only_enterprise_users_use_the_portal_download(certificate, role):
    response = signed_in(UserFactory(role=role)).get(download_url(certificate))

    assert response.status_code == 403
    assert b"%PDF" not in body_of(response)


def test_someone_signed_out_is_sent_to_sign_in(certificate):
    response = Client().get(download_url(certificate))

    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
