"""The verification API's fast path reads each query string once per process (awards.api_certificates,
``_plain_question``): whatever the query, the question it remembers is the one Django's QueryDict reads."""

from __future__ import annotations

from urllib.parse import urlencode

from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from awards import api_certificates
from awards.certificates import verification

NAMES = st.sampled_from(["number", "p", "s", "format", "x", "Number", "p[]", ""])
VALUES = st.text(max_size=12) | st.sampled_from(["NMPP-2026-000001", " nmpp-2026-000001 ", "", "   "])
PAIRS = st.lists(st.tuples(NAMES, VALUES), max_size=6)
# Raw query strings too: stray separators and percent signs, encoded and unencoded bytes.
RAW = st.text(alphabet="numbepsfortx=&;%+20AZaz-中", max_size=40)


def expected(query) -> tuple | None:
    number = query.get("number", "")
    if "format" in query or not number.strip() or ("p" in query) != ("s" in query):
        return None
    return (verification.normalise_number(number), query.get("p"), query.get("s"))


def check(query_string: str) -> None:
    query_string = query_string.encode().decode("latin-1")  # as a WSGI server passes raw bytes
    request = RequestFactory().get("/api/v1/verify/", QUERY_STRING=query_string)
    want = expected(request.GET)
    assert api_certificates._plain_question(request) == want  # read now, or remembered by another test
    again = RequestFactory().get("/api/v1/verify/", QUERY_STRING=query_string)
    assert api_certificates._plain_question(again) == want  # remembered


@settings(max_examples=300, deadline=None)
@given(PAIRS)
def test_an_encoded_query_is_read_as_querydict_reads_it(pairs):
    check(urlencode(pairs))


@settings(max_examples=300, deadline=None)
@given(RAW)
def test_a_raw_query_is_read_as_querydict_reads_it(raw):
    check(raw)


def test_a_remembered_question_is_only_reused_for_the_same_query_string():
    api_certificates._questions.clear()
    check("number=NMPP-2026-000001")
    check("number=NMPP-2026-000001&format=json")
    check("number=NMPP-2026-000001&p=a")
    check("number=NMPP-2026-000001&p=a&s=b")
    assert len(api_certificates._questions) == 4
