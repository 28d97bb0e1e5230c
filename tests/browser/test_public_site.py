"""A person walks the public site in chromium: search, a brand, the language switch, progress, a filter error."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from brands.models import Brand, BrandStatus
from core.models import Region
from core.validators import USCC_ALPHABET, uscc_check_character
from tests.factories import BrandFactory, EnterpriseFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def brands(reference_data):
    """Three recognised brands in force and one under cultivation; one of them is a cheese."""
    today = timezone.localdate()
    in_force = {
        "status": BrandStatus.RECOGNISED,
        "recognised_on": today - datetime.timedelta(days=365),
        "valid_until": today + datetime.timedelta(days=730),
    }
    dairy = EnterpriseFactory(name="锡林郭勒塞外乳业有限公司", region=Region.objects.get(code="152502"))
    cheese = BrandFactory(name="塞外奶酪", enterprise=dairy, **in_force)
    BrandFactory.create_batch(2, **in_force)
    BrandFactory(name="草原酸奶", status=BrandStatus.CULTIVATING)
    return cheese


def main_nav(page: Page):
    return page.locator("nav.site-nav")


def test_a_visitor_searches_reads_a_brand_switches_language_and_checks_progress(page: Page, brands):
    cheese = brands

    # The home page is in Chinese for a zh-CN browser without any choice made.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("品牌培育与认证登记系统")

    # Search the brand register for a word of the brand's name.
    page.get_by_label("查询品牌登记信息").fill("奶酪")
    page.locator("form.hero__search").get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/brands/\?q=%E5%A5%B6%E9%85%AA$"))
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("塞外奶酪")
    expect(rows.first).to_contain_text("锡林郭勒塞外乳业有限公司")

    # Open the brand.
    rows.first.get_by_role("link", name="塞外奶酪").click()
    expect(page).to_have_url(re.compile(rf"/brands/{cheese.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("塞外奶酪")
    expect(page.locator(".breadcrumbs")).to_contain_text("品牌")

    # Switch to English with the header's button (a plain POST form): back on the same page, in English.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/brands/{cheese.pk}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("塞外奶酪")  # a brand's name is not translated
    expect(page.locator(".breadcrumbs")).to_contain_text("Brands")
    expect(page.get_by_role("button", name="English", exact=True)).to_have_attribute("aria-current", "true")

    # The progress page counts recognised brands in force from the records (target BR-01).
    main_nav(page).get_by_role("link", name="Progress", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress against the plan")
    in_force = Brand.objects.recognised_as_of(timezone.localdate()).count()
    assert in_force == 3
    value = page.locator("#target-BR-01 .value-cell")
    expect(value).to_have_attribute("data-value", str(in_force))
    expect(value.locator("strong")).to_have_text(re.compile(rf"^{in_force}\b"))

    # Back to Chinese; the language stays chosen from page to page.
    page.get_by_role("button", name="简体中文", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("规划目标进展")
    main_nav(page).get_by_role("link", name="企业", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # A credit code with a wrong check character: the list says which character was expected.
    good = cheese.enterprise.uscc
    wrong = next(ch for ch in USCC_ALPHABET if ch != good[-1])
    assert uscc_check_character(good[:17]) == good[-1]
    page.get_by_label("统一社会信用代码", exact=True).fill(good[:17] + wrong)
    page.locator("form.filter-form").get_by_role("button", name="搜索", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("无法执行查询，请更正下方标出的项目。")
    error = page.locator(".field--error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text(f"统一社会信用代码校验码错误：应为 {good[-1]}，实为 {wrong}。")
    expect(page.locator("table.data-table")).to_have_count(0)
