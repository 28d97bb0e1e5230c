"""Verification reads through a cache (awards.certificates.lookup) and renders the QR page once per answer
(awards.views_certificates._render_shared): faster, but never stale and never one visitor's page for another.

DESIGN section 9: "a status change is visible at once (no stale cache)".
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from awards import views_certificates
from awards.certificates import lookup, verification
from awards.certificates.models import Certificate, SigningKeyStatus
from awards.certificates.services import certificate_reinstate
from tests.factories import UserFactory
from tests.factories_api import api_client
from tests.factories_certificates import committee_member
from tests.factories_verify import REVOCATION_REASON, certificate, qr_case, revoke, suspend

pytestmark = pytest.mark.django_db

VERIFY = "/api/v1/verify/"


def withdraw(cert: Certificate) -> None:
    """Through the command operators use (it saves the key, so the cached keys are void)."""
    key_id = verification._decode(cert.payload, cert.signature)[1].key_id
    call_command("withdraw_signing_key", key_id, reason="compromised in a test", stdout=io.StringIO())


def qr_params(cert: Certificate) -> dict[str, str]:
    return {"number": cert.number, "p": cert.payload, "s": cert.signature}


def outcome(cert: Certificate) -> str:
    return api_client().get(VERIFY, qr_params(cert)).json()["outcome"]


def test_a_second_check_of_the_same_certificate_reads_nothing_from_the_database(django_assert_num_queries):
    cert = certificate()
    assert outcome(cert) == "valid"  # reads the row and the keys, and caches them
    with django_assert_num_queries(0):
        assert outcome(cert) == "valid"
        assert verification.verify_number(cert.number).outcome == "valid"


def test_remembered_answers_follow_the_language():
    cert = certificate()
    client = api_client()
    for _ in range(2):  # the second answer comes from the process's memory
        assert client.get(VERIFY, qr_params(cert), HTTP_ACCEPT_LANGUAGE="zh-hans").json()["label"] == "有效"
    english = client.get(VERIFY, qr_params(cert), HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["label"] == "Valid"


def test_revocation_suspension_and_reinstatement_show_at_once():
    cert = certificate()
    assert outcome(cert) == "valid"
    revoke(cert)
    assert outcome(cert) == "revoked"
    answer = api_client().get(VERIFY, {"number": cert.number}).json()
    assert answer["certificate"]["reason"] == REVOCATION_REASON

    other = certificate()
    assert outcome(other) == "valid"
    suspend(other)
    assert outcome(other) == "suspended"
    certificate_reinstate(actor=committee_member(), certificate=other, reason="整改完成")
    assert outcome(other) == "valid"


def test_a_withdrawn_key_shows_at_once():
    cert = certificate()
    assert outcome(cert) == "valid"
    withdraw(cert)
    assert outcome(cert) == "withdrawn_key"


def test_an_unknown_number_is_cached_until_a_certificate_takes_it():
    first = certificate()
    following = f"{first.prefix}-{first.year}-{first.serial + 1:06d}"
    assert verification.verify_number(following).outcome == "unknown_number"  # cached as missing
    second = certificate()
    assert second.number == following
    assert verification.verify_number(following).outcome == "valid"


def test_a_row_cached_by_a_reader_that_raced_a_commit_is_not_served():
    """A reader loads the row, a writer commits a change and renews the token, then the reader writes the old
    row to the cache under the token it had read: the next reader must not take it."""
    cert = certificate()
    assert outcome(cert) == "valid"  # the row and its token are cached
    stale = Certificate.objects.select_related("programme").get(pk=cert.pk)
    token_before = cache.get(lookup._token_key(cert.number))
    assert token_before
    revoke(cert)  # renews the token (on commit, and at once)
    cache.set(lookup._record_key(cert.number), (token_before, stale), timeout=60)
    assert outcome(cert) == "revoked"


def test_the_signature_is_still_checked_for_every_code():
    """The verified-signature memo only remembers true facts: a forged code stays forged after a genuine
    one was checked, and a certificate whose stored signature was altered is found out."""
    case = qr_case("forged_signature")
    genuine = qr_params(case.certificate)
    assert api_client().get(VERIFY, genuine).json()["outcome"] == "valid"
    forged = api_client().get(VERIFY, {"number": case.number, "p": case.p, "s": case.s}).json()
    assert forged["outcome"] == "forged_signature"


# --- the QR page, rendered once per answer -------------------------------------------------------------


def test_a_shared_page_sets_no_cookie_and_its_language_switch_works():
    """A visitor from a scan gets the remembered page: no CSRF token, no cookie (core/language.py guards the
    switch), and the switch changes the language of the very same page."""
    cert = certificate()
    path = f"/v/{cert.number}?p={cert.payload}&s={cert.signature}"
    views_certificates._rendered_pages.clear()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one, page_two = first.get(path), second.get(path)
    assert page_one.status_code == page_two.status_code == 200
    assert len(views_certificates._rendered_pages) == 1
    for page in (page_one, page_two):
        assert not page.cookies and "Set-Cookie" not in page.headers
        assert "csrfmiddlewaretoken" not in page.text and "timeslot" not in page.text
        assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    switched = first.post("/i18n/setlang/", {"language": "en", "next": path}, headers={"Sec-Fetch-Site": "same-origin"})
    assert switched.status_code == 302 and switched["Location"] == path
    english = first.get(path)
    assert english.text.startswith("<!DOCTYPE html>") and '<html lang="en">' in english.text
    assert 'data-outcome="valid"' in english.text
    assert '<html lang="zh-hans">' in second.get(path).text  # the other visitor's page is unchanged


def test_the_shared_page_shows_the_current_time_and_status():
    cert = certificate()
    path = f"/v/{cert.number}?p={cert.payload}&s={cert.signature}"
    page = Client().get(path)
    assert 'data-outcome="valid"' in page.text
    assert timezone.localtime().strftime("%Y-%m-%d") in page.text
    revoke(cert)
    page = Client().get(path)
    assert 'data-outcome="revoked"' in page.text
    assert REVOCATION_REASON in page.text


def test_the_shared_page_equals_the_page_rendered_for_the_visitor_alone():
    """The page rendered once and filled in (no session) is the page a signed-in visitor gets rendered for
    them, but for the token, the time and the navigation of a signed-in user."""
    cert = certificate()
    path = f"/v/{cert.number}?p={cert.payload}&s={cert.signature}"
    Client().get(path)  # the first check caches the record and its tokens
    views_certificates._rendered_pages.clear()
    shared = Client().get(path).text  # rendered with stand-ins and remembered
    assert len(views_certificates._rendered_pages) == 1
    again = Client().get(path).text  # from memory
    assert len(views_certificates._rendered_pages) == 1
    visitor = Client()
    visitor.force_login(UserFactory(role="leadership"))
    own = visitor.get(path).text

    def main(html: str) -> str:
        body = html[html.index("<main") : html.index("</main>")]
        return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "TIME", body)

    assert main(shared) == main(own) == main(again)


def test_a_key_status_change_changes_the_shared_page():
    cert = certificate()
    path = f"/v/{cert.number}?p={cert.payload}&s={cert.signature}"
    assert 'data-outcome="valid"' in Client().get(path).text
    withdraw(cert)
    page = Client().get(path).text
    assert 'data-outcome="withdrawn_key"' in page
    assert str(SigningKeyStatus.WITHDRAWN.label) in page or "withdrawn" in page


def test_without_a_shared_cache_every_check_reads_the_database(settings, django_assert_num_queries):
    """VERIFY_CACHE off (production without Redis: each worker's local memory): no cached row can outlive a
    change made through another worker, because there is none."""
    settings.VERIFY_CACHE = False
    cert = certificate()
    assert outcome(cert) == "valid"
    with django_assert_num_queries(2):  # the certificate with its programme, and the key
        assert outcome(cert) == "valid"
    Certificate.objects.filter(pk=cert.pk).update(status="revoked")  # no signal, as from another process
    assert outcome(cert) == "revoked"
    views_certificates._rendered_pages.clear()
    path = f"/v/{cert.number}?p={cert.payload}&s={cert.signature}"
    for _ in range(2):
        assert 'data-outcome="revoked"' in Client().get(path).text
    assert not views_certificates._rendered_pages  # rendered for each visitor
