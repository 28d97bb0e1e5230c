"""One objection limit per client for the notice page and the API together (not one each)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from awards.models import Objection
from awards.reference import load_programmes
from tests.factories_workflow import NoticeFactory

pytestmark = pytest.mark.django_db
BODY = {"name": "王五", "contact": "wangwu@example.cn", "text": "该品牌产品去年抽检不合格。"}


@pytest.fixture(autouse=True)
def fresh(regions):
    load_programmes()
    cache.clear()
    yield
    cache.clear()


def test_three_on_the_page_and_two_by_api_use_up_the_five_per_hour(client):
    notice = NoticeFactory()
    for _ in range(3):
        assert client.post(reverse("notices:detail", args=[notice.pk]), BODY).status_code in (200, 302)
    api = f"/api/v1/notices/{notice.pk}/objections/"
    assert [client.post(api, BODY, content_type="application/json").status_code for _ in range(3)] == [201, 201, 429]
    assert client.post(reverse("notices:detail", args=[notice.pk]), BODY).status_code == 429
    assert Objection.objects.count() == 5
