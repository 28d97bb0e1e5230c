"""A person scans a certificate's QR code: the registry's answer, and the browser's own Ed25519 check (WebCrypto)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from awards.certificates.services import certificate_revoke
from awards.certificates.signing import qr_url
from tests.factories_certificates import committee_member, issued_certificate
from tests.factories_verify import altered_payload

pytestmark = pytest.mark.browser

REASON = "抽检不合格，撤销认定"


def browser_says(page: Page, state: str) -> None:
    """The browser's own check ended in ``state``, and says so on screen."""
    check = page.locator("#browser-check")
    expect(check).to_have_attribute("data-state", state)
    expect(check.locator(f'[data-state-text="{state}"]')).to_be_visible()
    expect(check.locator('[data-state-text="not-run"]')).to_be_hidden()


def test_a_scanned_code_is_checked_by_the_registry_and_by_the_browser_then_revoked(page: Page, live_server):
    cert = issued_certificate()
    url = qr_url(cert.number, cert.payload, cert.signature, base_url=live_server.url)

    page.goto(url)
    answer = page.locator("section.answer")
    expect(answer).to_have_attribute("data-outcome", "valid")
    expect(answer).to_contain_text(cert.holder_name)
    browser_says(page, "genuine")
    expect(page.get_by_role("heading", level=1)).to_contain_text(cert.number)

    # The committee revokes it: the same address says so at once.
    certificate_revoke(actor=committee_member(), certificate=cert, reason=REASON)
    page.reload()
    expect(answer).to_have_attribute("data-outcome", "revoked")
    expect(answer).to_contain_text(REASON)
    browser_says(page, "genuine")  # the signature is still genuine; the registry's record says revoked


def test_an_altered_code_is_not_genuine_in_the_browser_either(page: Page, live_server):
    cert = issued_certificate()
    forged = altered_payload(cert.payload, h="冒名顶替有限公司")
    page.goto(qr_url(cert.number, forged, cert.signature, base_url=live_server.url))
    expect(page.locator("section.answer")).to_have_attribute("data-outcome", "forged_signature")
    browser_says(page, "forged")
    expect(page.locator("table.compare-table")).to_contain_text("冒名顶替有限公司")
