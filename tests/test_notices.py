"""The public notice pages: open and closed notices, the objection form, its rate limit, and what
is never published (objectors' names and contact details)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from awards.models import Objection, ObjectionStatus
from awards.reference import load_programmes
from awards.workflow import State
from core import ratelimit
from core.models import AuditEvent
from tests.factories_review import ApplicationFactory, NoticeFactory, ObjectionFactory, in_notice
from tests.factories_site import parse

pytestmark = pytest.mark.django_db

LIST = "/notices/"


@pytest.fixture(autouse=True)
def workflow_data(regions):
    load_programmes()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def detail_url(notice) -> str:
    return reverse("notices:detail", args=[notice.pk])


def objection(**overrides) -> dict[str, str]:
    return {"name": "王五", "contact": "wangwu@example.cn", "text": "该品牌产品去年抽检不合格。", **overrides}


def closed(outcome: State = State.GRANTED):
    today = timezone.localdate()
    app = ApplicationFactory(state=outcome)
    return NoticeFactory(
        application=app,
        opened_on=today - datetime.timedelta(days=20),
        deadline=today - datetime.timedelta(days=10),
        closed_on=today - datetime.timedelta(days=8),
        outcome=outcome,
    )


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_shows_open_and_closed_notices(client):
    open_notice = in_notice()
    granted = closed(State.GRANTED)
    response = client.get(LIST)
    assert response.status_code == 200
    page = parse(response)
    open_table, closed_table = page.by_id("open-heading").parent, page.by_id("closed-heading").parent
    assert open_notice.application.subject_name in open_table.text()
    assert open_notice.application.enterprise.name in open_table.text()
    assert open_notice.deadline.isoformat() in open_table.text()
    assert granted.application.subject_name in closed_table.text()
    assert granted.application.subject_name not in open_table.text()
    assert len(page.find_all("h1")) == 1


def test_the_list_needs_no_sign_in_and_a_constant_number_of_queries(client, django_assert_num_queries):
    def add(n: int) -> None:
        for _ in range(n):
            ObjectionFactory(notice=in_notice())
            closed(State.REJECTED)

    add(2)
    with django_assert_num_queries(4) as small:  # a count and a page of each list
        assert client.get(LIST).status_code == 200
    add(5)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(LIST).status_code == 200


def test_the_lists_are_paginated(client):
    for _ in range(21):
        closed()
    page = parse(client.get(LIST))
    assert len(page.by_id("closed-heading").parent.find("tbody").find_all("tr")) == 20
    second = parse(client.get(LIST, {"closed_page": 2}))
    assert len(second.by_id("closed-heading").parent.find("tbody").find_all("tr")) == 1


# --- one notice and its objections -------------------------------------------------------------------


def test_an_objection_is_filed_with_one_audit_event(client):
    notice = in_notice()
    events = AuditEvent.objects.count()
    response = client.post(detail_url(notice), objection())
    assert response.status_code == 302
    filed = Objection.objects.get(notice=notice)
    assert (filed.name, filed.contact, filed.status) == ("王五", "wangwu@example.cn", ObjectionStatus.PENDING)
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.filter(action="objection.file").count() == 1


@pytest.mark.parametrize(
    "data,field",
    [
        (objection(name=""), "name"),
        (objection(contact=""), "contact"),
        (objection(text=""), "text"),
        (objection(name="名" * 101), "name"),
        (objection(contact="1" * 151), "contact"),
        (objection(text="字" * 5001), "text"),
    ],
)
def test_missing_or_overlong_fields_are_refused(client, data, field):
    notice = in_notice()
    response = client.post(detail_url(notice), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Objection.objects.exists()


def test_the_sixth_objection_within_an_hour_from_one_address_gets_429(client):
    notice = in_notice()
    for _ in range(5):
        assert client.post(detail_url(notice), objection(), REMOTE_ADDR="203.0.113.7").status_code == 302
    response = client.post(detail_url(notice), objection(), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert Objection.objects.count() == 5
    # Another address is not affected.
    assert client.post(detail_url(notice), objection(), REMOTE_ADDR="198.51.100.2").status_code == 302


def test_the_rate_limit_counts_by_remote_addr_only(client):
    notice = in_notice()
    for n in range(6):
        response = client.post(
            detail_url(notice), objection(), REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        )
    assert response.status_code == 429


def test_the_rate_window_counts_atomically(monkeypatch):
    monkeypatch.setattr(ratelimit, "now", lambda: 1_800_000_000.0)  # well inside one window, whatever the clock
    assert [ratelimit.hit("test", "a", limit=2, window=60) for _ in range(3)] == [True, True, False]
    assert ratelimit.parse_rate("5/hour") == (5, 3600)


def test_a_closed_notice_refuses_objections(client):
    notice = closed()
    response = client.get(detail_url(notice))
    assert response.status_code == 200
    assert parse(response).find("textarea") is None
    response = client.post(detail_url(notice), objection(), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Objection.objects.exists()


def test_after_the_deadline_the_form_is_gone_and_posts_are_refused(client):
    notice = in_notice(deadline_passed=True)
    assert parse(client.get(detail_url(notice))).find("textarea") is None
    response = client.post(detail_url(notice), objection(), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Objection.objects.exists()


def test_objectors_are_never_published_but_answers_are(client):
    notice = in_notice()
    ObjectionFactory(notice=notice, name="赵六", contact="zhao6@example.cn", text="待答复的异议")
    ObjectionFactory(
        notice=notice,
        name="钱七",
        contact="13912345678",
        status=ObjectionStatus.DISMISSED,
        answer="经核查，抽检不合格批次已整改复检合格。",
        answered_at=timezone.now(),
    )
    html = client.get(detail_url(notice)).content.decode()
    for private in ("赵六", "zhao6@example.cn", "钱七", "13912345678"):
        assert private not in html
    assert "经核查，抽检不合格批次已整改复检合格。" in html
    assert "2" in parse(html).by_id("objections-heading").parent.find("p").text()


def test_an_unknown_notice_is_not_found(client):
    assert client.get("/notices/999999/").status_code == 404
