"""The whole recognition path in chromium, as the people who walk it (issue 3, third acceptance point).

An enterprise user registers and confirms the emailed link, adds a brand and applies with a PDF; the
league's reviewer passes pre-review and takes the file; the committee assigns a second reviewer; both
declare no conflict and score; the committee sends it to public notice; a member of the public objects;
the committee answers; the notice closes; the committee grants. Then the brand's public page says it
is recognised and the progress page's BR-01 count is one higher.

Each person has their own browser context (own cookies) and signs in through the real login form, then
passes the second factor as people do: the reviewer of the league and the committee member type the current
code of an authenticator app set up beforehand; the region's reviewer sets one up at the first sign-in (the
key as the page shows it for typing in) and is shown backup codes.
Locators are labels, roles and names as the pages show them in Simplified Chinese. Interface words are
looked up in the project's own catalogue (``zh``), so the test reads whatever the page shows whether or
not a message is translated yet; names of things (the programme, indicators, brands) come from the data.
"""

from __future__ import annotations

import base64
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.core import mail
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Locator, Page, expect

from awards.models import Application, Assignment, AwardProgramme, Notice, Objection, ObjectionStatus
from awards.views_portal_brands import BrandAddForm
from awards.workflow import Action, State
from brands.models import Brand, BrandKind, BrandStatus
from core.forms_accounts import RegistrationForm
from core.forms_mfa import EnrolCodeForm, VerifyCodeForm
from core.models import Region, Role, User
from tests.browser.conftest import LOCALE, TIMEOUT_MS, VIEWPORT, _page_key
from tests.factories import BrandFactory, EnterpriseFactory, UserFactory
from tests.factories_accounts import link_in

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # UserFactory's
APPLICANT_PASSWORD = "Grassland-Steppe-2026"
BRAND_NAME = "锡林郭勒白蘑"
# The smallest file that is a PDF by its content (awards.attachments checks the header and the trailer).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zh(message) -> str:
    """What the page shows for an interface message (a msgid or a lazy label) in Simplified Chinese."""
    with translation.override("zh-hans"):
        return gettext(message) if isinstance(message, str) else str(message)


def label(form_class, field: str, **kwargs) -> str:
    """A form field's label in Simplified Chinese, taken from the form itself."""
    with translation.override("zh-hans"):
        return str(form_class(**kwargs).fields[field].label)


@dataclass
class Person:
    name: str
    page: Page


class People:
    """``people("committee")`` opens a browser context of its own (own cookies), as the ``context`` fixture does;
    ``people.act(person)`` makes that person's page the one screenshotted if the test fails."""

    def __init__(self, request: pytest.FixtureRequest, browser: Browser, base_url: str) -> None:
        self.request, self.browser, self.base_url = request, browser, base_url
        self.contexts: list = []

    def __call__(self, name: str) -> Person:
        ctx = self.browser.new_context(
            base_url=self.base_url, locale=LOCALE, viewport=VIEWPORT, timezone_id="Asia/Shanghai"
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        ctx.set_default_navigation_timeout(TIMEOUT_MS)
        self.contexts.append(ctx)
        return self.act(Person(name, ctx.new_page()))

    def act(self, person: Person) -> Person:
        self.request.node.stash[_page_key] = person.page
        return person

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def people(request: pytest.FixtureRequest, browser: Browser, live_server) -> Iterator[People]:
    crowd = People(request, browser, live_server.url)
    yield crowd
    crowd.close()


@dataclass
class World:
    enterprise: object
    league_reviewer: User
    region_reviewer: User
    committee: User
    programme: AwardProgramme


@pytest.fixture
def world(reference_data) -> World:
    """An enterprise in the registry (no user yet), reviewers, a committee member, one recognised brand."""
    cache.clear()  # the objection rate limit counts per address in the cache, across tests of this process
    county = Region.objects.get(code="152502")  # a county of Xilingol League (152500)
    enterprise = EnterpriseFactory(
        name="锡林郭勒草原白蘑有限公司", region=county, contact_email="office@baimo.example.cn"
    )
    today = timezone.localdate()
    BrandFactory(  # so that BR-01 has a count before the grant
        status=BrandStatus.RECOGNISED,
        recognised_on=today - datetime.timedelta(days=100),
        valid_until=today + datetime.timedelta(days=900),
    )
    world = World(
        enterprise=enterprise,
        league_reviewer=UserFactory(
            username="xilingol_reviewer", first_name="盟市评审", role=Role.REVIEWER, jurisdiction=county.parent
        ),
        region_reviewer=UserFactory(
            username="region_reviewer",
            first_name="自治区评审",
            role=Role.REVIEWER,
            jurisdiction=Region.objects.get(code="150000"),
        ),
        committee=UserFactory(username="committee_member", first_name="评审委员会", role=Role.COMMITTEE),
        programme=AwardProgramme.objects.get(code="brand-recognition"),
    )
    # Their authenticator apps, set up at an earlier sign-in (the region's reviewer sets one up in the test).
    for user in (world.league_reviewer, world.committee):
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return world


# --- steps that several people take ----------------------------------------------------------------


def current_code(key: bytes) -> str:
    """What an authenticator app holding ``key`` shows now (30-second steps, six digits)."""
    return str(totp(key)).zfill(6)


def sign_in(page: Page, username: str, password: str, *, lands_on: str) -> None:
    """The password, then, for reviewers and the committee, the second factor: the code of the app set up
    earlier or, at the first sign-in, setting the app up with the key the page shows."""
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Sign in"))
    page.get_by_label(label(AuthenticationForm, "username"), exact=True).fill(username)
    page.get_by_label(label(AuthenticationForm, "password"), exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name=zh("Sign in"), exact=True).click()
    if User.objects.get(username=username).role in (Role.REVIEWER, Role.COMMITTEE):
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is not None:
            expect(page).to_have_url(re.compile(r"/accounts/mfa/verify/\?next="))
            expect(page.get_by_role("heading", level=1)).to_have_text(zh("Confirm your sign-in"))
            page.get_by_label(label(VerifyCodeForm, "token"), exact=True).fill(current_code(device.bin_key))
            button(page, "Confirm").click()
        else:
            expect(page).to_have_url(re.compile(r"/accounts/mfa/setup/\?next="))
            expect(page.get_by_role("heading", level=1)).to_have_text(zh("Set up your authenticator app"))
            expect(page.get_by_role("img", name=zh("QR code to scan with your authenticator app"))).to_be_visible()
            typed_key = page.locator("#mfa-secret").inner_text().replace(" ", "")
            key = base64.b32decode(typed_key + "=" * (-len(typed_key) % 8))
            page.get_by_label(label(EnrolCodeForm, "token"), exact=True).fill(current_code(key))
            button(page, "Confirm the code").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(zh("Backup codes"))
            expect(page.locator("#backup-codes li")).to_have_count(10)
            page.get_by_role("link", name=zh("I have kept them: continue"), exact=True).click()
    expect(page).to_have_url(re.compile(rf"{re.escape(lands_on)}$"))


def button(page: Page, name) -> Locator:
    return page.get_by_role("button", name=zh(name), exact=True)


def expect_message(page: Page, text: str) -> None:
    """The message the site shows after an action (the messages list is a status region)."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def open_file(page: Page, application: Application) -> None:
    """From the review queue to the application's file."""
    page.goto("/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Review queue"))
    page.get_by_role("link", name=application.reference, exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"/review/applications/{application.pk}/$"))


def declare_and_review(page: Page, application: Application, *, scores: list[int], comment: str) -> None:
    """An assigned reviewer: the declaration first (the file is closed until then), then the review."""
    open_file(page, application)
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Conflict-of-interest declaration"))
    button(page, "Declare no conflict and open the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BRAND_NAME)
    page.get_by_role("link", name=zh("Write your review"), exact=True).click()
    indicators = list(application.programme.indicators.all())
    assert len(indicators) == len(scores) == 5
    for indicator, score in zip(indicators, scores, strict=True):
        page.get_by_label(indicator.name, exact=True).fill(str(score))
    page.get_by_label(zh("Recommendation"), exact=True).select_option("grant")
    page.get_by_label(zh("Comment"), exact=True).fill(comment)
    button(page, "Submit the review").click()
    expect_message(page, zh("Your review has been submitted."))


def br01(page: Page) -> int:
    """The BR-01 value (recognised brands in force, counted live from the registry) as the progress page shows it."""
    page.goto("/progress/")
    cell = page.locator("#target-BR-01 .value-cell")
    expect(cell).to_have_attribute("data-value", re.compile(r"^\d+$"))
    return int(cell.get_attribute("data-value"))


# --- the path ---------------------------------------------------------------------------------------


def test_register_apply_review_notice_object_answer_grant(people, world, mailoutbox):
    enterprise = world.enterprise

    # a. The enterprise user registers for the enterprise that is already in the registry...
    applicant = people("applicant").page
    applicant.goto("/accounts/register/")
    expect(applicant.get_by_role("heading", level=1)).to_have_text(zh("Register as an enterprise user"))
    for field, value in [
        ("uscc", enterprise.uscc),
        ("enterprise_name", enterprise.name),
        ("username", "baimo_zhang"),
        ("email", "zhang@baimo.example.cn"),
        ("password1", APPLICANT_PASSWORD),
        ("password2", APPLICANT_PASSWORD),
    ]:
        applicant.get_by_label(label(RegistrationForm, field), exact=True).fill(value)
    applicant.get_by_role("main").get_by_role("button", name=zh("Register"), exact=True).click()
    expect(applicant).to_have_url(re.compile(r"/accounts/register/done/$"))
    user = User.objects.get(username="baimo_zhang")
    assert (user.role, user.enterprise_id, user.is_active) == (Role.ENTERPRISE, enterprise.pk, False)

    # ... the enterprise's registered contact gets the approval email (the live server runs in this
    # process: locmem backend) and forwards the link; the account is activated and the user signs in.
    assert [m.to for m in mail.outbox] == [["office@baimo.example.cn"]]
    applicant.goto(link_in(mail.outbox[0], "/accounts/confirm/"))
    button(applicant, "Activate my account").click()
    expect(applicant).to_have_url(re.compile(r"/accounts/login/$"))
    sign_in(applicant, "baimo_zhang", APPLICANT_PASSWORD, lands_on="/portal/")
    expect(applicant.get_by_role("heading", level=1)).to_have_text(enterprise.name)

    # b. Adds a brand from the portal.
    applicant.get_by_role("link", name=zh("Add a brand"), exact=True).click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text(zh("Add a brand"))
    applicant.get_by_label(label(BrandAddForm, "name")).fill(BRAND_NAME)
    applicant.get_by_label(label(BrandAddForm, "kind")).select_option(BrandKind.PRODUCT.value)
    applicant.get_by_label(label(BrandAddForm, "industry")).select_option("agriculture")
    applicant.get_by_label(label(BrandAddForm, "description")).fill("锡林郭勒草原野生白蘑，采摘后当日烘干。")
    button(applicant, "Add the brand").click()
    expect(applicant).to_have_url(re.compile(r"/portal/$"))
    # (the section and its table are both regions named after the heading: the first is the section)
    expect(applicant.get_by_role("region", name=zh("Brands"), exact=True).first).to_contain_text(BRAND_NAME)
    brand = Brand.objects.get(enterprise=enterprise, name=BRAND_NAME)
    assert brand.status == BrandStatus.CULTIVATING

    # c. Applies for brand recognition with a PDF attachment, and submits.
    applicant.get_by_role("link", name=zh("Apply for recognition"), exact=True).click()
    programme_name = world.programme.name_zh
    applicant.get_by_role("link", name=zh("Apply: %(name)s") % {"name": programme_name}, exact=True).click()
    applicant.get_by_label(zh("Brand")).select_option(label=BRAND_NAME)
    applicant.get_by_label(zh("Statement")).fill("白蘑品牌连续五年销往全国，产品抽检全部合格。")
    applicant.get_by_label(zh("Attachments")).set_input_files(
        files=[{"name": "品牌认定申请书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    button(applicant, "Save draft").click()
    application = Application.objects.get(enterprise=enterprise, brand=brand)
    expect(applicant).to_have_url(re.compile(rf"/portal/applications/{application.pk}/$"))
    expect(applicant.get_by_role("region", name=zh("Attachments"), exact=True)).to_contain_text("品牌认定申请书.pdf")
    button(applicant, "Submit the application").click()
    expect_message(applicant, zh("The application has been submitted for review."))
    application.refresh_from_db()
    assert application.state == State.SUBMITTED

    # d. The league's reviewer signs in and passes pre-review, then takes the file for expert review.
    league = people("league reviewer").page
    sign_in(league, "xilingol_reviewer", PASSWORD, lands_on="/review/")
    open_file(league, application)
    league.get_by_label(zh("Note (optional)"), exact=True).fill("材料齐全，符合申报条件。")
    button(league, Action.PASS_PREREVIEW.label).click()
    expect_message(league, zh("Done: %(action)s.") % {"action": zh(Action.PASS_PREREVIEW.label)})
    button(league, "Take this file").click()
    # The committee member assigns the region-level reviewer as the second one.
    committee = people("committee").page
    sign_in(committee, "committee_member", PASSWORD, lands_on="/review/")
    open_file(committee, application)
    committee.get_by_label(zh("Reviewer"), exact=True).select_option(str(world.region_reviewer.pk))
    button(committee, "Assign").click()
    expect_message(committee, zh("%(user)s is assigned to this file.") % {"user": world.region_reviewer})
    # Each declares no conflict and scores every indicator.
    people.act(Person("league reviewer", league))
    declare_and_review(league, application, scores=[90, 85, 80, 88, 92], comment="品质稳定，建议认定。")
    region = people("region reviewer").page
    sign_in(region, "region_reviewer", PASSWORD, lands_on="/review/")
    declare_and_review(region, application, scores=[86, 80, 78, 90, 88], comment="市场表现良好。")
    assert Assignment.objects.filter(application=application, review__isnull=False).count() == 2

    # e. The committee closes the expert review and opens the public notice with its reasons.
    people.act(Person("committee", committee))
    committee.reload()
    reviews = committee.get_by_role("region", name=zh("Reviews"), exact=True).first
    expect(reviews.locator("tbody tr")).to_have_count(2)
    button(committee, Action.CLOSE_REVIEW.label).click()
    expect_message(committee, zh("Done: %(action)s.") % {"action": zh(Action.CLOSE_REVIEW.label)})
    committee.get_by_label(zh("Reasons for the decision"), exact=True).fill("两位专家一致建议认定，拟予公示。")
    button(committee, Action.OPEN_NOTICE.label).click()
    expect_message(committee, zh("Done: %(action)s.") % {"action": zh(Action.OPEN_NOTICE.label)})
    notice = Notice.objects.get(application=application)

    # f. A member of the public (no sign-in) finds the notice and files an objection.
    public = people("public").page
    before = br01(public)
    public.goto("/notices/")
    public.get_by_role("link", name=BRAND_NAME, exact=True).click()
    expect(public).to_have_url(re.compile(rf"/notices/{notice.pk}/$"))
    expect(public.get_by_role("heading", level=1)).to_have_text(BRAND_NAME)
    public.get_by_label(zh("Your name"), exact=True).fill("王先生")
    public.get_by_label(zh("Phone or email"), exact=True).fill("13800000000")
    public.get_by_label(zh("Your objection"), exact=True).fill("该品牌产品去年曾被投诉包装标注不规范。")
    button(public, "File the objection").click()
    expect_message(public, zh("Your objection has been received. The committee will answer it before any decision."))
    objection = Objection.objects.get(notice=notice)

    # g. The committee answers it: not upheld.
    people.act(Person("committee", committee))
    committee.reload()
    committee.get_by_label(zh("Not upheld"), exact=True).check()
    committee.get_by_label(zh("Answer"), exact=True).fill("经核查，包装标注已于去年整改，异议不成立。")
    button(committee, "Record the answer").click()
    expect_message(committee, zh("The answer to the objection is recorded."))
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED

    # h. The notice closes. Seven working days cannot pass inside a test, so the test moves the notice
    # into the past in the database: its deadline becomes yesterday (opened nine days before that).
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Notice.objects.filter(pk=notice.pk).update(deadline=yesterday, opened_on=yesterday - datetime.timedelta(days=9))
    people.act(Person("public", public))
    public.goto(f"/notices/{notice.pk}/")
    expect(public.get_by_label(zh("Your objection"), exact=True)).to_have_count(0)  # no more objections
    assert br01(public) == before  # nothing counted before the grant

    # i. The committee grants.
    people.act(Person("committee", committee))
    committee.reload()
    button(committee, Action.GRANT.label).click()
    expect_message(committee, zh("Done: %(action)s.") % {"action": zh(Action.GRANT.label)})
    application.refresh_from_db()
    assert application.state == State.GRANTED

    # j. The brand's public page shows it recognised, and BR-01 on the progress page is one higher.
    people.act(Person("public", public))
    public.goto(f"/brands/{brand.pk}/")
    expect(public.get_by_role("heading", level=1)).to_have_text(BRAND_NAME)
    expect(public.locator(".detail-head")).to_contain_text(zh(BrandStatus.RECOGNISED.label))
    assert zh(BrandStatus.RECOGNISED.label) == "已认定"
    after = br01(public)
    assert after == before + 1
    assert after == Brand.objects.recognised_as_of(timezone.localdate()).count() == 2
    # The applicant sees the grant in the portal too.
    people.act(Person("applicant", applicant))
    applicant.goto(f"/portal/applications/{application.pk}/")
    expect(applicant.locator(".detail-head")).to_contain_text(zh("Granted"))
