"""Every role x every workflow API endpoint and page x own/other object (STYLE habit 6, like pretix's
src/tests/api/test_permissions.py): allowed gets 2xx (a page's write: a redirect, and the write
happened), forbidden gets 403 or 404 (a page: anonymous users are sent to sign in) and never data;
another enterprise's ids answer exactly like ids that do not exist.

"A" is an object of enterprise A (in a county of Hohhot), "B" one of enterprise B (Baotou). The
reviewer inside the jurisdiction reviews Hohhot, the one outside Wuhai; the reviewer with a conflict
reviews Hohhot but is linked to A. Each endpoint is tried on an object in a state that allows it:
what the state refuses (409) is the table of tests/test_api_transitions.py. Each side also holds a
valid certificate and a suspended one (``_issue_certificates``) for the certificate desk, the portal
download and /api/v1/award-certificates/.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from awards.certificates.models import Certificate
from awards.certificates.services import certificate_issue, certificate_suspend
from awards.models import Application, Assignment, Notice, Objection, Review
from awards.permissions import can_view
from tests.factories_portal import AwardFactory
from tests.factories_workflow import PDF, STATE_KEYS, ApplicationFactory, World, build_world, full_scores

ROLES = (
    "anonymous",
    "enterprise_a",
    "enterprise_b",
    "reviewer_in",
    "reviewer_out",
    "reviewer_conflict",
    "committee",
    "staff",
)
MISSING = 999_999_999  # an id that exists for nobody
MISSING_NUMBER = "NMPP-2000-999999"  # a well-formed certificate number issued to nobody


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, signed-in clients included; each test runs in a savepoint inside
    this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        _issue_certificates(world)
        for role, user in world.users.items():
            _clients[role] = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            if user is not None:
                _clients[role].force_login(user)
        yield world
        _clients.clear()
        _certificates.clear()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _clean_throttle():
    cache.clear()  # the objection throttle counts in the cache


_clients: dict[str, APIClient] = {}
# (side, "valid" or "suspended") -> a certificate of that side's enterprise, issued through the service.
_certificates: dict[tuple[str, str], Certificate] = {}


def _issue_certificates(world: World) -> None:
    """Each side's granted application gets its award and a valid certificate; a second granted
    application of each side ("granted_suspended") gets a suspended one (for reinstating)."""
    today = timezone.localdate()
    for side in "AB":
        s = world.side(side)
        s.apps["granted_suspended"] = ApplicationFactory(enterprise=s.enterprise, created_by=s.user, granted=True)
        granted = [s.apps["granted"], s.apps["granted_suspended"]]
        for status, application in zip(("valid", "suspended"), granted, strict=True):
            award = AwardFactory(
                application=application, granted_on=today, valid_until=today + datetime.timedelta(days=3 * 365)
            )
            _certificates[side, status] = certificate_issue(award=award)
        certificate_suspend(
            actor=world.users["committee"],
            certificate=_certificates[side, "suspended"],
            until=today + datetime.timedelta(days=30),
            reason="抽检不合格，限期整改。",
        )


def client_for(world: World, role: str) -> APIClient:
    return _clients[role]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with {pk}
    pk: Callable[[World, str], int | str]  # the object of side "A" or "B" (a certificate: its number)
    expected: dict[str, tuple[int, ...]]  # side -> one status per role, in the order of ROLES
    payload: Callable[[World, str, int], Any] | None = None  # (world, role, pk) -> data
    multipart: bool = False
    missing: int | str = MISSING  # what exists for nobody, in the form of pk


def app(key: str) -> Callable[[World, str], int]:
    return lambda world, side: world.side(side).apps[key].pk


def _pdf() -> dict:
    return {"file": SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")}


def _assign_payload(world: World, role: str, pk: int) -> dict:
    if role == "committee":  # the committee may assign a reviewer from elsewhere
        return {"application": pk, "reviewer": world.users["reviewer_out"].pk}
    return {"application": pk}  # a reviewer takes the file


def _review_payload(world: World, role: str, pk: int) -> dict:
    return {"scores": full_scores(), "recommendation": "grant", "comment": "材料齐全。"}


def number(status: str) -> Callable[[World, str], str]:
    return lambda world, side: _certificates[side, status].number


def _suspend_payload(world: World, role: str, pk: str) -> dict:
    return {"until": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(), "reason": "抽检不合格。"}


def _reason_payload(world: World, role: str, pk: str) -> dict:
    return {"reason": "经委员会审议。"}


# fmt: off
#                 anonymous  ent_a ent_b rev_in rev_out conflict committee staff
OWNER_A         = (403,      200,  404,  404,   404,    404,     404,      404)
OWNER_B         = (403,      404,  200,  404,   404,    404,     404,      404)
SEEN_A          = (403,      200,  404,  200,   404,    404,     200,      200)
SEEN_B          = (403,      404,  200,  404,   404,    404,     200,      200)
APPLICANT_A     = (403,      200,  404,  403,   404,    404,     403,      403)
APPLICANT_B     = (403,      404,  200,  404,   404,    404,     403,      403)
PREREVIEW_A     = (403,      403,  404,  200,   404,    404,     200,      403)
PREREVIEW_B     = (403,      404,  403,  404,   404,    404,     200,      403)
COMMITTEE_A     = (403,      403,  404,  403,   404,    404,     200,      403)
COMMITTEE_B     = (403,      404,  403,  404,   404,    404,     200,      403)
CERTIFICATE_A   = (403,      200,  404,  403,   403,    403,     200,      200)
CERTIFICATE_B   = (403,      404,  200,  403,   403,    403,     200,      200)
CERT_ACTION     = (403,      403,  403,  403,   403,    403,     200,      403)

ENDPOINTS: dict[str, Endpoint] = {
    # Brand ids are public (the brands register): naming another enterprise's brand is bad input (400,
    # "the brand must belong to the applicant"), the same whether or not it has an application.
    "start a draft": Endpoint(
        "post", "/api/v1/applications/", lambda w, s: w.side(s).free_brand_id,
        {"A": (403, 201, 400, 403, 403, 403, 403, 403),
         "B": (403, 400, 201, 403, 403, 403, 403, 403)},
        lambda w, r, pk: {"programme": "brand-recognition", "brand": pk, "statement": "申请认定。"}),
    "retrieve a submitted application": Endpoint(
        "get", "/api/v1/applications/{pk}/", app("submitted"), {"A": SEEN_A, "B": SEEN_B}),
    # reviewer_in is assigned to A's and has not declared yet: the file stays closed (as in the workspace).
    "retrieve a file before the reviewer declared": Endpoint(
        "get", "/api/v1/applications/{pk}/", app("expert_review"),
        {"A": (403, 200, 404, 403, 404, 404, 200, 200), "B": SEEN_B}),
    "retrieve a draft": Endpoint(
        "get", "/api/v1/applications/{pk}/", app("draft"), {"A": OWNER_A, "B": OWNER_B}),
    "change a draft's statement": Endpoint(
        "patch", "/api/v1/applications/{pk}/", app("draft"), {"A": OWNER_A, "B": OWNER_B},
        lambda w, r, pk: {"statement": "新的陈述。"}),
    "submit a draft": Endpoint(
        "post", "/api/v1/applications/{pk}/submit/", app("draft"), {"A": OWNER_A, "B": OWNER_B}),
    "attach a file to a draft": Endpoint(
        "post", "/api/v1/applications/{pk}/attachments/", app("draft"),
        {"A": tuple(201 if s == 200 else s for s in OWNER_A), "B": tuple(201 if s == 200 else s for s in OWNER_B)},
        lambda w, r, pk: _pdf(), multipart=True),
    "withdraw": Endpoint(
        "post", "/api/v1/applications/{pk}/withdraw/", app("submitted"), {"A": APPLICANT_A, "B": APPLICANT_B}),
    "answer a request for information": Endpoint(
        "post", "/api/v1/applications/{pk}/respond/", app("more_information"), {"A": APPLICANT_A, "B": APPLICANT_B},
        lambda w, r, pk: {"response": "已补充质量检验报告。"}),
    "pass the pre-review": Endpoint(
        "post", "/api/v1/applications/{pk}/pass-prereview/", app("submitted"), {"A": PREREVIEW_A, "B": PREREVIEW_B},
        lambda w, r, pk: {"reasons": ""}),
    "request information": Endpoint(
        "post", "/api/v1/applications/{pk}/request-info/", app("submitted"), {"A": PREREVIEW_A, "B": PREREVIEW_B},
        lambda w, r, pk: {"request": "请补充材料。"}),
    "reject": Endpoint(
        "post", "/api/v1/applications/{pk}/reject/", app("submitted"), {"A": PREREVIEW_A, "B": PREREVIEW_B},
        lambda w, r, pk: {"reasons": "不符合条件。"}),
    "close the expert review": Endpoint(
        "post", "/api/v1/applications/{pk}/close-review/", app("reviewed"), {"A": COMMITTEE_A, "B": COMMITTEE_B}),
    "open the public notice": Endpoint(
        "post", "/api/v1/applications/{pk}/open-notice/", app("committee_review"),
        {"A": COMMITTEE_A, "B": COMMITTEE_B}, lambda w, r, pk: {"reasons": "评审通过，拟予认定。"}),
    "grant": Endpoint(
        "post", "/api/v1/applications/{pk}/grant/", app("notice_over"), {"A": COMMITTEE_A, "B": COMMITTEE_B}),
    # The id travels in the body: another enterprise's file is as unknown as a missing one.
    "assign a reviewer or take a file": Endpoint(
        "post", "/api/v1/assignments/", app("reviewed"),
        {"A": (403, 403, 403, 201, 404, 404, 201, 403),
         "B": (403, 403, 403, 404, 404, 404, 201, 403)},
        _assign_payload),
    # A: reviewer_in's own assignment; B: a region-level reviewer's.
    "declare no conflict": Endpoint(
        "post", "/api/v1/assignments/{pk}/declare/", lambda w, s: w.side(s).undeclared.pk,
        {"A": (403, 403, 403, 200, 404, 404, 404, 403),
         "B": (403, 403, 403, 404, 404, 404, 404, 403)},
        lambda w, r, pk: {"conflict": False}),
    "submit a review": Endpoint(
        "post", "/api/v1/assignments/{pk}/review/", lambda w, s: w.side(s).declared.pk,
        {"A": (403, 403, 403, 201, 404, 404, 404, 403),
         "B": (403, 403, 403, 404, 404, 404, 404, 403)},
        _review_payload),
    # Public: anyone may object to an open notice (throttled).
    "object to a notice": Endpoint(
        "post", "/api/v1/notices/{pk}/objections/", lambda w, s: w.side(s).apps["public_notice"].notice.pk,
        {"A": (201,) * 8, "B": (201,) * 8},
        lambda w, r, pk: {"name": "李四", "contact": "lisi@example.cn", "text": "该品牌宣传不实。"}),
    "answer an objection": Endpoint(
        "post", "/api/v1/objections/{pk}/answer/", lambda w, s: w.side(s).pending_objection.pk,
        {"A": (403, 403, 403, 403, 403, 403, 200, 403),
         "B": (403, 403, 403, 403, 403, 403, 200, 403)},
        lambda w, r, pk: {"upheld": False, "answer": "经核实，异议不成立。"}),
    "list your assignments": Endpoint(
        "get", "/api/v1/assignments/", lambda w, s: 0, {"A": (403, 403, 403, 200, 200, 200, 200, 403)}),
    "list applications": Endpoint(
        "get", "/api/v1/applications/", lambda w, s: 0, {"A": (403,) + (200,) * 7}),
    # Certificates: reviewers handle none (403); another enterprise's is as unknown as a missing number.
    "list certificates": Endpoint(
        "get", "/api/v1/award-certificates/", lambda w, s: 0, {"A": (403, 200, 200, 403, 403, 403, 200, 200)}),
    "retrieve a certificate": Endpoint(
        "get", "/api/v1/award-certificates/{pk}/", number("valid"), {"A": CERTIFICATE_A, "B": CERTIFICATE_B},
        missing=MISSING_NUMBER),
    "download a certificate's PDF": Endpoint(
        "get", "/api/v1/award-certificates/{pk}/pdf/", number("valid"), {"A": CERTIFICATE_A, "B": CERTIFICATE_B},
        missing=MISSING_NUMBER),
    # Committee only, refused before the number is looked up (so the holder too gets 403).
    "suspend a certificate": Endpoint(
        "post", "/api/v1/award-certificates/{pk}/suspend/", number("valid"), {"A": CERT_ACTION, "B": CERT_ACTION},
        _suspend_payload, missing=MISSING_NUMBER),
    "reinstate a certificate": Endpoint(
        "post", "/api/v1/award-certificates/{pk}/reinstate/", number("suspended"),
        {"A": CERT_ACTION, "B": CERT_ACTION}, _reason_payload, missing=MISSING_NUMBER),
    "revoke a certificate": Endpoint(
        "post", "/api/v1/award-certificates/{pk}/revoke/", number("valid"), {"A": CERT_ACTION, "B": CERT_ACTION},
        _reason_payload, missing=MISSING_NUMBER),
    "cancel a certificate": Endpoint(
        "post", "/api/v1/award-certificates/{pk}/cancel/", number("valid"), {"A": CERT_ACTION, "B": CERT_ACTION},
        _reason_payload, missing=MISSING_NUMBER),
    "reissue a certificate": Endpoint(
        "post", "/api/v1/award-certificates/{pk}/reissue/", number("valid"), {"A": CERT_ACTION, "B": CERT_ACTION},
        _reason_payload, missing=MISSING_NUMBER),
}
# fmt: on

CASES = [
    pytest.param(name, side, role, expected[i], id=f"{name}-{side}-{role}")
    for name, endpoint in ENDPOINTS.items()
    for side, expected in endpoint.expected.items()
    for i, role in enumerate(ROLES)
]


def call(world: World, role: str, endpoint: Endpoint, pk: int | str):
    client = client_for(world, role)
    data = endpoint.payload(world, role, pk) if endpoint.payload else None
    path = endpoint.path.format(pk=pk)
    if endpoint.method == "get":
        return client.get(path)
    return getattr(client, endpoint.method)(path, data, format="multipart" if endpoint.multipart else "json")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "side", "role", "expected"), CASES)
def test_permission_matrix(world, name, side, role, expected):
    endpoint = ENDPOINTS[name]
    response = call(world, role, endpoint, endpoint.pk(world, side))
    assert response.status_code == expected, response.content[:300]
    if expected == 400:
        assert set(response.json()) == {"brand"}, response.json()
    if expected in (403, 404):
        assert set(response.json()) <= {"code", "detail"}, response.json()
    if expected == 404:  # another enterprise's id reveals nothing: the same answer as a missing id
        missing = call(world, role, endpoint, endpoint.missing)
        assert missing.status_code == 404
        assert response.json() == missing.json()


# --- the lists ------------------------------------------------------------------------------------

APP_KEYS = [*STATE_KEYS, "granted_suspended"]  # see _issue_certificates
NON_DRAFT = sorted(set(APP_KEYS) - {"draft"})
VISIBLE: dict[str, set[tuple[str, str]]] = {
    "enterprise_a": {("A", key) for key in APP_KEYS},
    "enterprise_b": {("B", key) for key in APP_KEYS},
    "reviewer_in": {("A", key) for key in NON_DRAFT} - {("A", "expert_review")},  # not declared yet
    "reviewer_out": set(),
    "reviewer_conflict": set(),
    "committee": {(side, key) for side in "AB" for key in NON_DRAFT},
    "staff": {(side, key) for side in "AB" for key in NON_DRAFT},
}


def listed(world: World, role: str) -> set[tuple[str, str]]:
    response = client_for(world, role).get("/api/v1/applications/", {"page_size": 100})
    assert response.status_code == 200
    names = {app.pk: (side, key) for side in "AB" for key, app in world.side(side).apps.items()}
    assert response.json()["count"] == len(response.json()["results"])
    return {names[row["id"]] for row in response.json()["results"]}


@pytest.mark.django_db
@pytest.mark.parametrize("role", VISIBLE)
def test_the_application_list_shows_each_role_exactly_what_it_may_see(world, role):
    assert listed(world, role) == VISIBLE[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", VISIBLE)
def test_the_list_agrees_with_the_permission_rule(world, role):
    user = world.users[role]
    may_see = {(side, key) for side in "AB" for key, app in world.side(side).apps.items() if can_view(user, app)}
    undeclared = {("A", "expert_review")} if role == "reviewer_in" else set()
    assert listed(world, role) == may_see - undeclared


@pytest.mark.django_db
def test_a_file_opens_to_its_reviewer_once_they_declared_no_conflict(world):
    client, pk = client_for(world, "reviewer_in"), world.a.apps["expert_review"].pk
    assert client.get(f"/api/v1/applications/{pk}/").json()["code"] == "forbidden"
    assert client.post(f"/api/v1/assignments/{world.a.undeclared.pk}/declare/", {"conflict": False}).status_code == 200
    assert client.get(f"/api/v1/applications/{pk}/").status_code == 200
    assert ("A", "expert_review") in listed(world, "reviewer_in")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("reviewer_in", {"A:expert_review", "A:scoring"}),
        ("reviewer_out", set()),
        ("reviewer_conflict", set()),
        ("committee", set()),
    ],
)
def test_the_assignment_list_shows_only_your_own(world, role, expected):
    response = client_for(world, role).get("/api/v1/assignments/")
    names = {
        app.pk: f"{side}:{key}"
        for side in "AB"
        for key, app in world.side(side).apps.items()
        if key in ("expert_review", "scoring", "reviewed")
    }
    assert {names[row["application"]] for row in response.json()["results"]} == expected


@pytest.mark.django_db
def test_a_reviewer_who_stepped_aside_no_longer_sees_the_file_even_in_the_jurisdiction(world):
    client, application = client_for(world, "reviewer_in"), world.a.apps["expert_review"]
    response = client.post(
        f"/api/v1/assignments/{world.a.undeclared.pk}/declare/", {"conflict": True, "reason": "曾任该企业顾问"}
    )
    assert response.status_code == 200
    assert not can_view(world.users["reviewer_in"], application)
    assert client.get(f"/api/v1/applications/{application.pk}/").status_code == 404
    assert ("A", "expert_review") not in listed(world, "reviewer_in")
    assert listed(world, "reviewer_in") == VISIBLE["reviewer_in"]


@pytest.mark.django_db
def test_a_reviewer_assigned_outside_the_jurisdiction_sees_that_file_only(world):
    from tests.factories_workflow import assign

    outside = world.users["reviewer_out"]
    assign(world.b.apps["reviewed"], outside, declared=True, by=world.users["committee"])
    assert listed(world, "reviewer_out") == {("B", "reviewed")}
    assert (
        client_for(world, "reviewer_out").get(f"/api/v1/applications/{world.b.apps['reviewed'].pk}/").status_code == 200
    )


# --- the workflow pages ---------------------------------------------------------------------------
# "login": sent to the sign-in page; "done": redirected after the write, which happened. A refused
# write (403/404/login) changes nothing. A refusal because of the state is a message on the page
# (tests/test_review_actions.py, tests/test_portal_pages.py).

LOGIN, DONE = "login", "done"


@dataclass(frozen=True)
class Page:
    url_name: str
    kwargs: Callable[[World, str], dict]
    expected: dict[str, tuple]
    data: Callable[[World, str, str], dict] | None = None  # (world, side, role) -> form data; POST when given
    done: Callable[[World, str, str], bool] | None = None  # (world, side, role) -> did the write happen?


def pk_of(key: str) -> Callable[[World, str], dict]:
    return lambda world, side: {"pk": world.side(side).apps[key].pk}


def action_on(key: str, action: str) -> Callable[[World, str], dict]:
    return lambda world, side: {"pk": world.side(side).apps[key].pk, "action": action}


def state_is(key: str, state: str) -> Callable[[World, str, str], bool]:
    return lambda world, side, role: Application.objects.get(pk=world.side(side).apps[key].pk).state == state


def _attachment(world: World, side: str) -> dict:
    return {"pk": world.side(side).apps["submitted"].pk, "attachment_pk": world.side(side).attachment.pk}


def _assigned(world: World, side: str, role: str) -> bool:
    reviewer = world.users["reviewer_out"] if role == "committee" else world.users[role]
    return Assignment.objects.filter(application=world.side(side).apps["reviewed"], reviewer=reviewer).exists()


def _review_data(world: World, side: str, role: str) -> dict:
    scores = {f"score_{code}": value for code, value in full_scores().items()}
    return {**scores, "recommendation": "grant", "comment": "材料齐全。"}


def certificate_of(status: str) -> Callable[[World, str], dict]:
    return lambda world, side: {"number": _certificates[side, status].number}


def desk_action(status: str, action: str) -> Callable[[World, str], dict]:
    return lambda world, side: {"number": _certificates[side, status].number, "action": action}


def certificate_is(which: str, **values: Any) -> Callable[[World, str, str], bool]:
    """``which`` certificate of the side ("valid" or "suspended" when the world was built) now has ``values``."""

    def check(world: World, side: str, role: str) -> bool:
        certificate = Certificate.objects.get(pk=_certificates[side, which].pk)
        return all(getattr(certificate, name) == value for name, value in values.items())

    return check


def _desk_suspend_data(world: World, side: str, role: str) -> dict:
    return {
        "suspend-until": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "suspend-reason": "抽检不合格。",
    }


def _answer_data(world: World, side: str, role: str) -> dict:
    prefix = f"objection-{world.side(side).pending_objection.pk}"
    return {f"{prefix}-outcome": "dismissed", f"{prefix}-answer": "经核实，异议不成立。"}


NEW_DEADLINE = datetime.date.today() + datetime.timedelta(days=40)

# fmt: off
#                  anonymous ent_a  ent_b  rev_in rev_out conflict committee staff
PORTAL          = (LOGIN,    200,   200,   403,   403,    403,     403,      403)
P_OWNER_A       = (LOGIN,    200,   404,   403,   403,    403,     403,      403)
P_OWNER_B       = (LOGIN,    404,   200,   403,   403,    403,     403,      403)
P_WRITE_A       = (LOGIN,    DONE,  404,   403,   403,    403,     403,      403)
P_WRITE_B       = (LOGIN,    404,   DONE,  403,   403,    403,     403,      403)
QUEUE           = (LOGIN,    403,   403,   200,   200,    200,     200,      403)
R_SEEN_A        = (LOGIN,    403,   403,   200,   404,    404,     200,      403)
R_SEEN_B        = (LOGIN,    403,   403,   404,   404,    404,     200,      403)
R_PREREVIEW_A   = (LOGIN,    403,   403,   DONE,  404,    404,     DONE,     403)
R_PREREVIEW_B   = (LOGIN,    403,   403,   404,   404,    404,     DONE,     403)
R_COMMITTEE_A   = (LOGIN,    403,   403,   403,   404,    404,     DONE,     403)
R_COMMITTEE_B   = (LOGIN,    403,   403,   404,   404,    404,     DONE,     403)
R_OWN_A         = (LOGIN,    403,   403,   DONE,  404,    404,     404,      403)  # reviewer_in's assignment
R_OWN_B         = (LOGIN,    403,   403,   404,   404,    404,     404,      403)  # another reviewer's
DOC_A           = (LOGIN,    200,   404,   200,   404,    404,     200,      200)
DOC_B           = (LOGIN,    404,   200,   404,   404,    404,     200,      200)
DESK            = (LOGIN,    403,   403,   403,   403,    403,     200,      403)  # the certificate desk
DESK_WRITE      = (LOGIN,    403,   403,   403,   403,    403,     DONE,     403)
PUBLIC          = (200,) * 8

PAGES: dict[str, Page] = {
    "portal home": Page("portal:home", lambda w, s: {}, {"-": PORTAL}),
    "portal programmes": Page("portal:apply_list", lambda w, s: {}, {"-": PORTAL}),
    "portal application form": Page("portal:apply_form", lambda w, s: {"code": "brand-recognition"}, {"-": PORTAL}),
    "portal awards": Page("portal:award_list", lambda w, s: {}, {"-": PORTAL}),
    "portal application": Page(
        "portal:application_detail", pk_of("submitted"), {"A": P_OWNER_A, "B": P_OWNER_B}),
    "portal draft": Page("portal:application_detail", pk_of("draft"), {"A": P_OWNER_A, "B": P_OWNER_B}),
    "portal edit a draft": Page(
        "portal:application_edit", pk_of("draft"), {"A": P_WRITE_A, "B": P_WRITE_B},
        lambda w, s, r: {"statement": "新的陈述。"},
        lambda w, s, r: Application.objects.get(pk=w.side(s).apps["draft"].pk).statement == "新的陈述。"),
    "portal submit": Page(
        "portal:application_submit", pk_of("draft"), {"A": P_WRITE_A, "B": P_WRITE_B},
        lambda w, s, r: {}, state_is("draft", "submitted")),
    "portal withdraw": Page(
        "portal:application_withdraw", pk_of("submitted"), {"A": P_WRITE_A, "B": P_WRITE_B},
        lambda w, s, r: {}, state_is("submitted", "withdrawn")),
    "portal respond": Page(
        "portal:application_respond", pk_of("more_information"), {"A": P_WRITE_A, "B": P_WRITE_B},
        lambda w, s, r: {"response": "已补充质量检验报告。"}, state_is("more_information", "submitted")),
    "portal attachment": Page("portal:attachment_download", _attachment, {"A": P_OWNER_A, "B": P_OWNER_B}),
    "review queue": Page("review:queue", lambda w, s: {}, {"-": QUEUE}),
    "review file": Page("review:application", pk_of("submitted"), {"A": R_SEEN_A, "B": R_SEEN_B}),
    "review draft": Page(
        "review:application", pk_of("draft"),
        {"A": (LOGIN, 403, 403, 404, 404, 404, 404, 403), "B": (LOGIN, 403, 403, 404, 404, 404, 404, 403)}),
    "review assign": Page(
        "review:assign", pk_of("reviewed"), {"A": R_PREREVIEW_A, "B": R_PREREVIEW_B},
        lambda w, s, r: {"reviewer": w.users["reviewer_out"].pk} if r == "committee" else {}, _assigned),
    "review pass pre-review": Page(
        "review:action", action_on("submitted", "pass_prereview"), {"A": R_PREREVIEW_A, "B": R_PREREVIEW_B},
        lambda w, s, r: {"pass_prereview-reasons": ""}, state_is("submitted", "expert_review")),
    "review request information": Page(
        "review:action", action_on("submitted", "request_info"), {"A": R_PREREVIEW_A, "B": R_PREREVIEW_B},
        lambda w, s, r: {"request_info-reasons": "请补充材料。"}, state_is("submitted", "more_information")),
    "review reject": Page(
        "review:action", action_on("submitted", "reject"), {"A": R_PREREVIEW_A, "B": R_PREREVIEW_B},
        lambda w, s, r: {"reject-reasons": "不符合条件。"}, state_is("submitted", "rejected")),
    "review close": Page(
        "review:action", action_on("reviewed", "close_review"), {"A": R_COMMITTEE_A, "B": R_COMMITTEE_B},
        lambda w, s, r: {}, state_is("reviewed", "committee_review")),
    "review open notice": Page(
        "review:action", action_on("committee_review", "open_notice"), {"A": R_COMMITTEE_A, "B": R_COMMITTEE_B},
        lambda w, s, r: {"open_notice-reasons": "评审通过。"}, state_is("committee_review", "public_notice")),
    "review grant": Page(
        "review:action", action_on("notice_over", "grant"), {"A": R_COMMITTEE_A, "B": R_COMMITTEE_B},
        lambda w, s, r: {}, state_is("notice_over", "granted")),
    "review extend notice": Page(
        "review:notice_extend", pk_of("public_notice"), {"A": R_COMMITTEE_A, "B": R_COMMITTEE_B},
        lambda w, s, r: {"deadline": NEW_DEADLINE.isoformat(), "reasons": "节假日顺延。"},
        lambda w, s, r: Notice.objects.get(application=w.side(s).apps["public_notice"]).deadline == NEW_DEADLINE),
    "review answer objection": Page(
        "review:objection_answer", lambda w, s: {"pk": w.side(s).pending_objection.pk},
        {"A": R_COMMITTEE_A, "B": R_COMMITTEE_B}, _answer_data,
        lambda w, s, r: Objection.objects.get(pk=w.side(s).pending_objection.pk).status == "dismissed"),
    "review declare": Page(
        "review:declare", lambda w, s: {"pk": w.side(s).undeclared.pk}, {"A": R_OWN_A, "B": R_OWN_B},
        lambda w, s, r: {"conflict": "no"},
        lambda w, s, r: Assignment.objects.get(pk=w.side(s).undeclared.pk).declared_no_conflict_at is not None),
    "review form": Page(
        "review:review_form", lambda w, s: {"pk": w.side(s).declared.pk},
        {"A": tuple(200 if e == DONE else e for e in R_OWN_A), "B": R_OWN_B}),
    "review submit": Page(
        "review:review_form", lambda w, s: {"pk": w.side(s).declared.pk}, {"A": R_OWN_A, "B": R_OWN_B},
        _review_data, lambda w, s, r: Review.objects.filter(assignment=w.side(s).declared).exists()),
    "decision letter": Page("review:letter", pk_of("rejected"), {"A": DOC_A, "B": DOC_B}),
    "attachment from the workspace": Page("review:attachment", _attachment, {"A": DOC_A, "B": DOC_B}),
    "public notices": Page("notices:list", lambda w, s: {}, {"-": PUBLIC}),
    "an open notice": Page(
        "notices:detail", lambda w, s: {"pk": w.side(s).apps["public_notice"].notice.pk}, {"A": PUBLIC, "B": PUBLIC}),
    "a closed notice": Page(
        "notices:detail", lambda w, s: {"pk": w.side(s).apps["granted"].notice.pk}, {"A": PUBLIC, "B": PUBLIC}),
    "object to a notice (page)": Page(
        "notices:detail", lambda w, s: {"pk": w.side(s).apps["public_notice"].notice.pk},
        {"A": (DONE,) * 8, "B": (DONE,) * 8},
        lambda w, s, r: {"name": "李四", "contact": "lisi@example.cn", "text": "该品牌宣传不实。"},
        lambda w, s, r: w.side(s).apps["public_notice"].notice.objections.count() == 2),
    "portal certificate download": Page(
        "portal:certificate_download", certificate_of("valid"), {"A": P_OWNER_A, "B": P_OWNER_B}),
    "certificate desk": Page("review:certificates", lambda w, s: {}, {"-": DESK}),
    "a certificate at the desk": Page("review:certificate", certificate_of("valid"), {"A": DESK, "B": DESK}),
    "a certificate's file at the desk": Page(
        "review:certificate_file", lambda w, s: {**certificate_of("valid")(w, s), "version": 1},
        {"A": DESK, "B": DESK}),
    "desk suspend": Page(
        "review:certificate_action", desk_action("valid", "suspend"), {"A": DESK_WRITE, "B": DESK_WRITE},
        _desk_suspend_data, certificate_is("valid", status="suspended")),
    "desk reinstate": Page(
        "review:certificate_action", desk_action("suspended", "reinstate"), {"A": DESK_WRITE, "B": DESK_WRITE},
        lambda w, s, r: {"reinstate-reason": "整改到位。"}, certificate_is("suspended", status="valid")),
    "desk revoke": Page(
        "review:certificate_action", desk_action("valid", "revoke"), {"A": DESK_WRITE, "B": DESK_WRITE},
        lambda w, s, r: {"revoke-reason": "提供虚假材料。"}, certificate_is("valid", status="revoked")),
    "desk cancel": Page(
        "review:certificate_action", desk_action("valid", "cancel"), {"A": DESK_WRITE, "B": DESK_WRITE},
        lambda w, s, r: {"cancel-reason": "企业申请注销。"}, certificate_is("valid", status="cancelled")),
    "desk reissue": Page(
        "review:certificate_action", desk_action("valid", "reissue"), {"A": DESK_WRITE, "B": DESK_WRITE},
        lambda w, s, r: {"reissue-reason": ""}, certificate_is("valid", version=2)),
}
# fmt: on


PAGE_CASES = [
    pytest.param(name, side, role, expected[i], id=f"{name}-{side}-{role}")
    for name, page in PAGES.items()
    for side, expected in page.expected.items()
    for i, role in enumerate(ROLES)
]


def secrets_of(world: World, side: str) -> list[str]:
    """What another enterprise's application would give away if a refusal showed it."""
    s = world.side(side)
    application = s.apps["submitted"]
    certificate = _certificates[side, "valid"]
    return [
        s.enterprise.name,
        application.reference,
        application.brand.name,
        application.statement,
        certificate.holder_uscc,
        certificate.subject_name,
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "side", "role", "expected"), PAGE_CASES)
def test_page_permission_matrix(world, name, side, role, expected):
    page = PAGES[name]
    try:
        url = reverse(page.url_name, kwargs=page.kwargs(world, "A" if side == "-" else side))
    except NoReverseMatch:
        pytest.fail(f"The page {page.url_name} is not there (yet).")
    client = client_for(world, role)
    response = client.post(url, page.data(world, side, role)) if page.data is not None else client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    elif expected == DONE:
        assert response.status_code == 302, response.content[:300]
    else:
        assert response.status_code == expected, response.content[:300]
    if page.done is not None:
        assert page.done(world, side, role) is (expected == DONE)
    if expected in (403, 404) and side in "AB":
        body = b"".join(response) if response.streaming else response.content
        leaked = [text for text in secrets_of(world, side) if text.encode() in body]
        assert not leaked, leaked


@pytest.mark.django_db
def test_what_refusals_must_not_show_is_on_the_pages_of_those_allowed(world):
    """The control of the leak check above: the texts looked for are really there when allowed."""
    pk = world.a.apps["submitted"].pk
    pages = client_for(world, "enterprise_a").get(reverse("portal:application_detail", kwargs={"pk": pk})).content
    pages += client_for(world, "committee").get(reverse("review:application", kwargs={"pk": pk})).content
    number = _certificates["A", "valid"].number
    pages += client_for(world, "committee").get(reverse("review:certificate", kwargs={"number": number})).content
    assert [text for text in secrets_of(world, "A") if text.encode() not in pages] == []
