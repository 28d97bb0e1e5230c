"""The public verification API: GET /api/v1/verify/ (number, or a QR code) and POST /api/v1/verify/file/.

Every outcome answers 200 with the verdict (whole-payload assertions); 400 only for a malformed request.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awards.certificates import verification
from tests.factories_api import api_client, find_keys
from tests.factories_certificates import committee_member
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

VERIFY = "/api/v1/verify/"
VERIFY_FILE = "/api/v1/verify/file/"
PRIVATE_KEYS = {"contact_name", "contact_phone", "contact_email", "credit_grade", "actor", "enterprise", "payload"}


def check(**params):
    return api_client().get(VERIFY, params)


def send_file(data: bytes | None):
    body = {} if data is None else {"file": SimpleUploadedFile("c.pdf", data, content_type="application/pdf")}
    return api_client().post(VERIFY_FILE, body, format="multipart")


def answer(response) -> dict:
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert not find_keys(data, PRIVATE_KEYS)
    assert SECRET_EMAIL not in response.content.decode()
    return data


def test_the_routes():
    assert reverse("api-verify") == VERIFY
    assert reverse("api-verify-file") == VERIFY_FILE


@pytest.mark.parametrize("name", QR_CASES)
def test_each_scanned_code_gets_its_own_answer(name):
    case = qr_case(name)
    data = answer(check(number=case.number, p=case.p, s=case.s))
    assert data["outcome"] == case.outcome
    assert data["valid"] is (name == "valid")
    assert data["label"] == str(verification.Outcome(case.outcome).label)
    assert data["explanation"] == str(verification.EXPLANATIONS[verification.Outcome(case.outcome)])
    text = str(data)
    for shown in case.shows:
        assert shown in text


def test_a_genuine_code_answers_the_whole_verdict():
    case = qr_case("valid")
    cert = case.certificate
    data = answer(check(number=cert.number, p=case.p, s=case.s))
    assert data == {
        "outcome": "valid",
        "valid": True,
        "label": "Valid",
        "explanation": "The certificate is genuine and in force.",
        "notes": [],
        "signature_checked": True,
        "key_id": cert.key_id,
        "signed_payload": {
            "number": cert.number,
            "holder": cert.holder_name,
            "uscc": cert.holder_uscc,
            "subject": cert.subject_name,
            "valid_until": cert.valid_until.isoformat(),
            "key_id": cert.key_id,
            "version": 1,
        },
        "certificate": {
            "number": cert.number,
            "programme": cert.programme.name_zh,
            "programme_en": cert.programme.name_en,
            "holder": cert.holder_name,
            "uscc": cert.holder_uscc,
            "subject": cert.subject_name,
            "issued_on": cert.issued_on.isoformat(),
            "valid_until": cert.valid_until.isoformat(),
            "status": "valid",
            "status_label": "Valid",
            "suspended_until": None,
            "reason": "",
            "version": 1,
        },
        "file": None,
    }


def test_a_forged_code_answers_no_record():
    case = qr_case("forged_signature")
    data = answer(check(number=case.number, p=case.p, s=case.s))
    assert (data["outcome"], data["signature_checked"], data["certificate"]) == ("forged_signature", False, None)
    assert data["signed_payload"]["holder"] == "冒名顶替有限公司"


@pytest.mark.parametrize("state", ["valid", "revoked", "suspended", "expired", "unknown_number", "could_not_check"])
def test_a_number_alone_answers_the_live_status(state):
    cert = expired_certificate() if state == "expired" else certificate()
    number = {"unknown_number": unused_number(cert), "could_not_check": "not-a-number"}.get(state, cert.number)
    until = None
    if state == "revoked":
        revoke(cert)
    elif state == "suspended":
        _cert, until = suspend(cert)
    data = answer(check(number=number))
    assert data["outcome"] == state
    assert data["signature_checked"] is False and data["signed_payload"] is None
    if state == "revoked":
        assert data["certificate"]["reason"] == REVOCATION_REASON
    if state == "suspended":
        assert (data["certificate"]["reason"], data["certificate"]["suspended_until"]) == (
            SUSPENSION_REASON,
            until.isoformat(),
        )


def test_a_status_change_shows_at_once():
    case = qr_case("valid")
    params = {"number": case.number, "p": case.p, "s": case.s}
    assert answer(check(**params))["outcome"] == "valid"
    revoke(case.certificate)
    data = answer(check(**params))
    assert (data["outcome"], data["certificate"]["reason"]) == ("revoked", REVOCATION_REASON)


@pytest.mark.parametrize(
    "params",
    [{}, {"number": ""}, {"number": "  "}, {"p": "abc", "s": "def"}, {"number": "NMPP-2026-000001", "p": "abc"}],
    ids=["nothing", "empty", "blank", "no-number", "half-a-code"],
)
def test_a_malformed_request_is_400(params):
    response = api_client().get(VERIFY, params)
    assert response.status_code == 400, response.content


# --- files ---------------------------------------------------------------------------------------


def test_the_genuine_pdf_is_recognised():
    cert = certificate()
    stored = cert.files.get()
    data = answer(send_file(stored_pdf(cert)))
    assert data["outcome"] == "valid"
    assert data["certificate"]["number"] == cert.number
    assert data["file"] == {"version": 1, "issued_at": stored.created_at.isoformat(), "sha256": stored.sha256}


def test_the_pdf_with_one_byte_changed_is_not():
    cert = certificate()
    data = answer(send_file(one_byte_changed(stored_pdf(cert))))
    assert (data["outcome"], data["certificate"], data["file"]) == ("unknown_file", None, None)


def test_a_file_past_the_cap_is_not_a_certificate():
    data = answer(send_file(b"%PDF-" + b"0" * verification.UPLOAD_MAX_BYTES))
    assert data["outcome"] == "unknown_file"
    assert data["notes"] == ["The file is larger than any certificate the registry issues."]


@pytest.mark.parametrize("data", [None, b""], ids=["missing", "empty"])
def test_a_missing_or_empty_file_is_400(data):
    response = send_file(data)
    assert response.status_code == 400
    assert "file" in response.json()


def test_a_signed_in_browser_needs_no_csrf_token_to_check_a_file():
    """The check changes nothing, so it takes no session (and no CSRF) even from a signed-in browser."""
    cert = certificate()
    client = api_client(committee_member(), enforce_csrf_checks=True)
    response = client.post(
        VERIFY_FILE, {"file": SimpleUploadedFile("c.pdf", stored_pdf(cert), "application/pdf")}, format="multipart"
    )
    assert answer(response)["outcome"] == "valid"


# --- cost -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["qr", "number", "file"])
def test_a_check_makes_a_bounded_number_of_queries(django_assert_max_num_queries, kind):
    case = qr_case("valid")
    cert = case.certificate
    pdf = stored_pdf(cert)
    with django_assert_max_num_queries(2):
        if kind == "qr":
            response = check(number=cert.number, p=case.p, s=case.s)
        elif kind == "number":
            response = check(number=cert.number)
        else:
            response = send_file(pdf)
    assert answer(response)["outcome"] == "valid"


def test_the_schema_describes_both_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    get = schema["paths"]["/api/v1/verify/"]["get"]
    assert {p["name"] for p in get["parameters"]} == {"number", "p", "s"}
    assert set(get["responses"]) == {"200", "400", "429"}
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Verdict"
    post = schema["paths"]["/api/v1/verify/file/"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    outcomes = schema["components"]["schemas"]["OutcomeEnum"]["enum"]
    assert set(outcomes) == {o.value for o in verification.Outcome}


@pytest.mark.parametrize("name", ["valid", "forged_signature", "revoked"])
def test_the_fast_path_answers_as_drf_does(name):
    """A plain GET is answered without DRF's rendering (VerifyView.dispatch); ``format=json`` goes through DRF.
    Both give the same body and the same headers, the never-cache ones included."""
    case = qr_case(name)
    params = {"number": case.number, "p": case.p, "s": case.s}
    fast = api_client().get(VERIFY, params)
    rendered = api_client().get(VERIFY, {**params, "format": "json"})
    assert fast.status_code == rendered.status_code == 200
    assert fast.json() == rendered.json()
    for header in ("Content-Type", "Vary", "Allow", "Cache-Control", "X-Frame-Options", "Content-Language"):
        assert fast.headers.get(header) == rendered.headers.get(header), header
    assert abs(parsedate_to_datetime(fast["Expires"]) - parsedate_to_datetime(rendered["Expires"])) < timedelta(
        seconds=5
    )
