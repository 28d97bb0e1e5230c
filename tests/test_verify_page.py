"""The public verification pages: /verify/ (number and PDF file), /verify/<number>/ and the QR page /v/<number>.

Every outcome has its own answer (data-outcome), read live; only public fields are shown; the query count is bounded.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.certificates import verification
from awards.certificates.services import (
    certificate_reinstate,
    certificate_reissue,
    certificate_revoke,
    certificate_suspend,
)
from awards.certificates.signing import QR_PATH, qr_url
from tests.factories_certificates import committee_member
from tests.factories_site import parse
from tests.factories_verify import (
    QR_CASES,
    REVOCATION_REASON,
    SECRET_EMAIL,
    SUSPENSION_REASON,
    certificate,
    expired_certificate,
    one_byte_changed,
    qr_case,
    revoke,
    stored_pdf,
    suspend,
    unused_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, so that assertions on labels hold once the Chinese catalogue is filled in."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def answer_of(response):
    assert response.status_code == 200, response.status_code
    page = parse(response)
    assert len(page.find_all("h1")) == 1
    boxes = page.find_all("section", class_="answer")
    assert len(boxes) == 1, "one answer per page"
    return boxes[0]


def outcome_of(response) -> str:
    return answer_of(response).attrs["data-outcome"]


def qr_case_of(cert) -> str:
    return qr_url(cert.number, cert.payload, cert.signature, base_url="")


def label(outcome: str) -> str:
    return str(verification.Outcome(outcome).label)


# --- routes -------------------------------------------------------------------------------------


def test_the_qr_route_is_the_path_printed_in_every_qr_code():
    for number in ("NMPP-2026-000123", "GI-2031-000001"):
        assert reverse("verify-qr", args=[number]) == QR_PATH.format(number=number)


def test_the_routes():
    assert reverse("certificates:verify") == "/verify/"
    assert reverse("certificates:verify-number", args=["NMPP-2026-000123"]) == "/verify/NMPP-2026-000123/"
    assert reverse("certificates:keys") == "/verify/keys.json"


# --- the QR page --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", QR_CASES)
def test_each_scanned_code_gets_its_own_answer(client, name):
    case = qr_case(name)
    response = client.get(case.path)
    box = answer_of(response)
    assert box.attrs["data-outcome"] == case.outcome
    assert label(case.outcome) in box.text()
    for text in case.shows:
        assert text in box.text()
    tone = "valid" if name == "valid" else "unknown" if name == "could_not_check" else "invalid"
    assert f"answer--{tone}" in box.attrs["class"].split()
    assert "noindex" in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_qr_page_shows_the_signed_details_next_to_the_live_record_and_the_key_for_the_browser(client):
    case = qr_case("valid")
    cert = case.certificate
    page = parse(client.get(case.path))
    table = page.find("table", class_="compare-table")
    rows = {
        row.find("th").text(): [td.text() for td in row.find_all("td")] for row in table.find("tbody").find_all("tr")
    }
    assert rows["Holder"] == [cert.holder_name, cert.holder_name]
    assert rows["Valid until"] == [cert.valid_until.isoformat()] * 2
    assert rows["Status"][1] == "Valid"
    assert not table.find_all("tr", class_="is-different")
    check = page.by_id("browser-check")
    key = cert.key_id
    assert check.attrs["data-key-id"] == key
    assert check.attrs["data-public-key"] and check.attrs["data-key-status"] == "active"
    assert check.attrs["data-state"] == "not-run"  # until static/js/verify.js runs; the answer stands without it
    assert page.find("script", src="/static/js/verify.js") is not None
    assert not [s for s in page.find_all("script") if not s.attrs.get("src")], "no inline script (CSP)"


def test_an_outdated_code_shows_which_signed_details_differ_from_the_record(client):
    cert = certificate()
    old = qr_case_of(cert)
    cert.enterprise.name = "内蒙古新名称乳业有限公司"
    cert.enterprise.save()
    certificate_reissue(certificate=cert, actor=committee_member(), reason="更名")
    response = client.get(old)
    box = answer_of(response)
    assert box.attrs["data-outcome"] == "payload_mismatch"
    assert "issued again since" in box.text()
    table = parse(response).find("table", class_="compare-table")
    different = [row.find("th").text() for row in table.find_all("tr", class_="is-different")]
    assert different == ["Holder"]
    assert "内蒙古新名称乳业有限公司" in table.text()


def test_a_forged_code_shows_no_record_and_says_its_details_are_only_claimed(client):
    case = qr_case("forged_signature")
    response = client.get(case.path)
    page = parse(response)
    assert "冒名顶替有限公司" in page.find("table", class_="compare-table").text()
    assert page.find("section", class_="answer").find("dl") is None  # a forged code proves nothing about a record
    assert "Claimed by the QR code" in page.text()


def test_an_address_without_its_code_shows_the_live_record(client):
    cert = certificate()
    response = client.get(reverse("verify-qr", args=[cert.number]))
    assert outcome_of(response) == "valid"
    assert "carries no signed code" in answer_of(response).text()
    assert parse(response).by_id("browser-check") is None


def test_a_status_change_shows_at_once_on_the_same_address(client):
    case = qr_case("valid")
    assert outcome_of(client.get(case.path)) == "valid"
    revoke(case.certificate)
    box = answer_of(client.get(case.path))
    assert box.attrs["data-outcome"] == "revoked"
    assert REVOCATION_REASON in box.text()


# --- the number page ----------------------------------------------------------------------------


def number_page(client, number: str):
    return client.get(reverse("certificates:verify-number", args=[number]))


@pytest.mark.parametrize(
    ("state", "outcome"),
    [("valid", "valid"), ("revoked", "revoked"), ("suspended", "suspended"), ("expired", "expired")],
)
def test_the_number_page_answers_with_the_live_status(client, state, outcome):
    cert = expired_certificate() if state == "expired" else certificate()
    shows = []
    if state == "revoked":
        revoke(cert)
        shows = [REVOCATION_REASON]
    elif state == "suspended":
        _cert, until = suspend(cert)
        shows = [SUSPENSION_REASON, until.isoformat()]
    response = number_page(client, cert.number)
    box = answer_of(response)
    assert box.attrs["data-outcome"] == outcome
    for text in shows:
        assert text in box.text()
    assert "noindex" not in response.content.decode()


def test_an_unknown_number_is_an_answer_not_an_error_but_not_for_search_engines(client):
    cert = certificate()
    response = number_page(client, unused_number(cert))
    assert outcome_of(response) == "unknown_number"
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_a_malformed_number_could_not_be_checked(client):
    response = number_page(client, "not-a-number")
    assert outcome_of(response) == "could_not_check"
    assert "NMPP-2026-000123" in answer_of(response).text()


def test_a_number_in_small_letters_goes_to_its_page(client):
    cert = certificate()
    response = number_page(client, cert.number.lower())
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:verify-number", args=[cert.number])


def test_the_number_page_shows_the_public_history_but_never_who_acted(client):
    cert = certificate()
    member = committee_member()
    member.first_name, member.last_name = "委员", "张某某"
    member.save()
    until = timezone.localdate() + datetime.timedelta(days=30)
    certificate_suspend(actor=member, certificate=cert, until=until, reason=SUSPENSION_REASON)
    certificate_reinstate(actor=member, certificate=cert, reason="内部整改记录 internal note")
    revoke(cert)
    page = parse(number_page(client, cert.number))
    history = page.find("ol", class_="certificate-history")
    actions = [item.attrs["data-action"] for item in history.find_all("li")]
    assert actions == ["issue", "suspend", "reinstate", "revoke"]
    text = history.text()
    assert SUSPENSION_REASON in text and REVOCATION_REASON in text and until.isoformat() in text
    assert "internal note" not in text  # a reinstatement's reason is not public
    html = page.text()
    for private in ("张某某", member.username, member.email, SECRET_EMAIL):
        assert private not in html


# --- the verify page: by number ----------------------------------------------------------------


def test_the_verify_page_offers_every_way_and_the_key_list(client):
    response = client.get(reverse("certificates:verify"))
    page = parse(response)
    assert len(page.find_all("h1")) == 1
    assert page.find("section", class_="answer") is None
    assert page.find("input", name="number") is not None
    form = page.find("form", enctype="multipart/form-data")
    assert form.attrs["method"] == "post" and form.find("input", name="file") is not None
    assert form.find("input", name="csrfmiddlewaretoken") is not None
    keys = page.find("a", href=reverse("certificates:keys"))
    assert "public keys, for checking certificates offline" in keys.text()
    assert page.find("nav", class_="site-nav").find("a", href="/verify/").text() == "Verify a certificate"


@pytest.mark.parametrize("state", ["valid", "revoked", "unknown_number"])
def test_a_number_is_answered_on_the_verify_page(client, state):
    cert = certificate()
    number = unused_number(cert) if state == "unknown_number" else cert.number
    if state == "revoked":
        revoke(cert)
    response = client.get(reverse("certificates:verify"), {"number": f"  {number.lower()} "})
    assert outcome_of(response) == state
    assert "noindex" in response.content.decode()


def test_an_empty_number_is_a_form_error(client):
    page = parse(client.get(reverse("certificates:verify"), {"number": ""}))
    assert page.find("section", class_="answer") is None
    assert "Enter the certificate number." in page.find("form", method="get").text()


# --- the verify page: by file --------------------------------------------------------------------


def upload(client, data: bytes | None, name: str = "certificate.pdf"):
    payload = {} if data is None else {"file": SimpleUploadedFile(name, data, content_type="application/pdf")}
    return client.post(reverse("certificates:verify"), payload)


def test_the_genuine_pdf_is_recognised(client):
    cert = certificate()
    box = answer_of(upload(client, stored_pdf(cert)))
    assert box.attrs["data-outcome"] == "valid"
    assert "exactly the file the registry issued" in box.text()
    assert cert.number in box.text()


def test_the_pdf_with_one_byte_changed_is_not(client):
    cert = certificate()
    box = answer_of(upload(client, one_byte_changed(stored_pdf(cert))))
    assert box.attrs["data-outcome"] == "unknown_file"
    assert cert.number not in box.text()


def test_the_genuine_pdf_of_a_revoked_certificate_says_revoked(client):
    cert = certificate()
    revoke(cert)
    box = answer_of(upload(client, stored_pdf(cert)))
    assert box.attrs["data-outcome"] == "revoked"
    assert REVOCATION_REASON in box.text()


@pytest.mark.parametrize(("data", "message"), [(None, "Choose the certificate"), (b"", "The file is empty")])
def test_a_missing_or_empty_file_is_a_form_error(client, data, message):
    response = upload(client, data)
    assert response.status_code == 200
    page = parse(response)
    assert page.find("section", class_="answer") is None
    assert message in page.find("form", enctype="multipart/form-data").text()


def test_a_file_past_the_cap_is_not_read_and_not_a_certificate(client, settings):
    response = upload(client, b"%PDF-" + b"0" * verification.UPLOAD_MAX_BYTES)
    box = answer_of(response)
    assert box.attrs["data-outcome"] == "unknown_file"
    assert "larger than any certificate" in box.text()


@pytest.mark.parametrize("size", ["genuine", "past-the-cap"])
def test_the_upload_checks_the_csrf_token_even_when_the_file_is_cut_off(size):
    cert = certificate()
    data = stored_pdf(cert) if size == "genuine" else b"%PDF-" + b"0" * verification.UPLOAD_MAX_BYTES
    strict = Client(enforce_csrf_checks=True)
    url = reverse("certificates:verify")
    pdf = SimpleUploadedFile("c.pdf", data, "application/pdf")
    assert strict.post(url, {"file": pdf}).status_code == 403
    strict.get(url)
    token = strict.cookies[settings.CSRF_COOKIE_NAME].value
    pdf.seek(0)
    response = strict.post(url, {"csrfmiddlewaretoken": token, "file": pdf})  # the token first, as in the form
    assert outcome_of(response) == ("valid" if size == "genuine" else "unknown_file")


def test_the_upload_is_not_stored(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    upload(client, b"%PDF-1.7 " + b"x" * (3 * 1024 * 1024))  # past the in-memory size of Django's own handlers
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# --- the key list -------------------------------------------------------------------------------


def test_the_key_list_is_public_cacheable_and_open_to_every_origin(client):
    cert = certificate()
    response = client.get(reverse("certificates:keys"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document["algorithm"] == "Ed25519"
    assert [(k["key_id"], k["status"]) for k in document["keys"]] == [(cert.key_id, "active")]


# --- only public fields, bounded queries ----------------------------------------------------------


def test_no_page_shows_a_private_field_or_who_acted(client):
    case = qr_case("valid")
    cert = case.certificate
    member = committee_member()
    member.first_name, member.last_name = "委员", "张某某"
    member.save()
    certificate_revoke(actor=member, certificate=cert, reason=REVOCATION_REASON)
    pdf = stored_pdf(cert)
    responses = [
        client.get(case.path),
        number_page(client, cert.number),
        client.get(reverse("certificates:verify"), {"number": cert.number}),
        upload(client, pdf),
    ]
    for response in responses:
        assert outcome_of(response) == "revoked"
        html = response.content.decode()
        for private in (SECRET_EMAIL, "张某某", member.username, member.email, cert.enterprise.address):
            assert not private or private not in html


@pytest.mark.parametrize("page", ["qr", "number", "verify-number", "file"])
def test_the_pages_make_a_bounded_number_of_queries(client, django_assert_max_num_queries, page):
    case = qr_case("valid")
    cert = case.certificate
    for _ in range(3):  # a longer history costs no more queries
        suspend(cert)
        certificate_reinstate(actor=committee_member(), certificate=cert, reason="ok")
    pdf = stored_pdf(cert)
    with django_assert_max_num_queries(2):
        if page == "qr":
            response = client.get(case.path)
        elif page == "number":
            response = number_page(client, cert.number)
        elif page == "verify-number":
            response = client.get(reverse("certificates:verify"), {"number": cert.number})
        else:
            response = upload(client, pdf)
    assert outcome_of(response) == "valid"
