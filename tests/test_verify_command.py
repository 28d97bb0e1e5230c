"""``manage.py verify_certificate "<QR URL>" --keys keys.json``: the offline check, with no database.

Exit status 0 valid, 1 not valid, 2 could not check. Suspension and revocation are live facts: offline,
the command says the signature is valid and that only the registry knows the status.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.translation import override

from awards.certificates.signing import Payload, b64url_encode, key_id_for, public_key_text, public_keys_document
from tests.factories_verify import QR_CASES, QRCase, altered_payload, qr_case


@pytest.fixture(autouse=True)
def english_messages():
    """These tests read the command's and renderer's messages in English (the suite runs in Chinese)."""
    with override("en"):
        yield


OFFLINE_NOTE = "Checked offline: revocation and suspension are known only to the registry."


def run(url: str, keys: Path, *extra: str) -> tuple[int, str]:
    """The command's exit status and output."""
    out = StringIO()
    try:
        call_command("verify_certificate", url, "--keys", str(keys), *extra, stdout=out, no_color=True)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


def save_keys(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# Offline, the live-only states (suspended, revoked, and whether the number exists) read as a valid signature.
OFFLINE = {
    "valid": ("valid", 0),
    "forged_signature": ("forged_signature", 1),
    "unknown_key": ("unknown_key", 1),
    "unknown_number": ("valid", 0),
    "payload_mismatch": ("payload_mismatch", 1),
    "revoked": ("valid", 0),
    "suspended": ("valid", 0),
    "expired": ("expired", 1),
    "could_not_check": ("could_not_check", 2),
    "withdrawn_key": ("withdrawn_key", 1),
}
assert set(OFFLINE) == set(QR_CASES)


@pytest.mark.django_db
@pytest.mark.parametrize("name", QR_CASES)
def test_each_scanned_code_gets_its_offline_answer_without_touching_the_database(
    tmp_path, django_assert_num_queries, name
):
    case: QRCase = qr_case(name)
    keys = save_keys(tmp_path, public_keys_document())
    with django_assert_num_queries(0):
        code, out = run(case.url("https://verify.example.cn"), keys)
    outcome, expected_code = OFFLINE[name]
    assert (code, out.splitlines()[0].endswith(f"[{outcome}]")) == (expected_code, True), out
    if name in ("valid", "revoked", "suspended", "unknown_number"):
        assert OFFLINE_NOTE in out
        assert f"https://verify.example.cn/verify/{case.number}/" in out
    if name != "could_not_check":
        assert "Signed details:" in out or "Details the code claims (not signed):" in out
    if name == "valid":
        cert = case.certificate
        for value in (cert.number, cert.holder_name, cert.holder_uscc, cert.subject_name, cert.valid_until.isoformat()):
            assert value in out


@pytest.mark.django_db
def test_the_json_answer_is_the_apis(tmp_path):
    case = qr_case("valid")
    code, out = run(case.url(), save_keys(tmp_path, public_keys_document()), "--json")
    data = json.loads(out)
    assert (code, data["outcome"], data["signature_checked"], data["certificate"]) == (0, "valid", True, None)
    assert data["signed_payload"]["number"] == case.number


# --- no database at all: a key list and a code made here ---------------------------------------------


KEY = Ed25519PrivateKey.generate()
KEY_ID = key_id_for(KEY.public_key())


def document(status: str = "active") -> dict:
    return {
        "algorithm": "Ed25519",
        "keys": [{"key_id": KEY_ID, "public_key": public_key_text(KEY.public_key()), "status": status}],
    }


def code_url(*, number: str = "NMPP-2026-000042", valid_until: datetime.date | None = None) -> str:
    valid_until = valid_until or datetime.date.today() + datetime.timedelta(days=365)
    raw = Payload(
        number=number,
        holder="内蒙古草原乳业有限公司",
        uscc="91150100MA0N000000",
        subject="草原之星",
        valid_until=valid_until.isoformat(),
        key_id=KEY_ID,
    ).to_bytes()
    return f"https://verify.example.cn/v/{number}?p={b64url_encode(raw)}&s={b64url_encode(KEY.sign(raw))}"


def test_a_genuine_code_is_valid_offline(tmp_path):
    code, out = run(code_url(), save_keys(tmp_path, document()))
    assert code == 0, out
    assert "[valid]" in out and OFFLINE_NOTE in out and "内蒙古草原乳业有限公司" in out


def test_expiry_is_read_from_the_signed_date(tmp_path):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    code, out = run(code_url(valid_until=yesterday), save_keys(tmp_path, document()))
    assert (code, "[expired]" in out) == (1, True), out


def test_a_withdrawn_key_no_longer_counts(tmp_path):
    code, out = run(code_url(), save_keys(tmp_path, document("withdrawn")))
    assert (code, "[withdrawn_key]" in out) == (1, True), out


def test_a_retired_key_still_verifies(tmp_path):
    code, out = run(code_url(), save_keys(tmp_path, document("retired")))
    assert (code, "[valid]" in out) == (0, True), out


@pytest.mark.parametrize(
    "url",
    [
        "https://verify.example.cn/verify/NMPP-2026-000042/",
        "https://verify.example.cn/v/NMPP-2026-000042",
        "https://verify.example.cn/v/NMPP-2026-000042?p=abc",
        "not a url at all",
    ],
    ids=["not-a-qr-path", "no-code", "half-a-code", "garbage"],
)
def test_an_address_that_is_not_a_qr_code_could_not_be_checked(tmp_path, url):
    code, out = run(url, save_keys(tmp_path, document()))
    assert (code, "[could_not_check]" in out) == (2, True), out


def test_a_missing_key_list_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="No key list") as error:
        call_command("verify_certificate", code_url(), "--keys", str(tmp_path / "missing.json"))
    assert error.value.returncode == 2


@pytest.mark.parametrize("content", ["{not json", json.dumps({"keys": []}), json.dumps([1, 2])])
def test_an_unreadable_key_list_is_a_command_error(tmp_path, content):
    path = tmp_path / "keys.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("verify_certificate", code_url(), "--keys", str(path))
    assert error.value.returncode == 2


def test_the_exit_status_from_the_shell(tmp_path):
    """Run as a program, with no database configured at all."""
    keys = save_keys(tmp_path, document())
    genuine = code_url()
    p = genuine.split("?p=")[1].split("&s=")[0]
    forged = genuine.replace(p, altered_payload(p, h="冒名顶替有限公司"))
    env = {"DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": "postgres://nobody@256.0.0.0:1/none"}
    results = []
    for url in (genuine, forged, "https://verify.example.cn/v/NMPP-2026-000042?p=x&s=y"):
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "verify_certificate", url, "--keys", str(keys)],
            cwd=settings.BASE_DIR,
            env={**_base_env(), **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        results.append(done.returncode)
    assert results == [0, 1, 2]


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
