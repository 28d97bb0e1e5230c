"""Self-registration of enterprise users, the confirmation link, and who may hold which role."""

from __future__ import annotations

import base64
import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from core.accounts import validate_user_role
from core.models import AuditEvent, Enterprise, Region, User
from core.reference import load_regions
from tests.factories import EnterpriseFactory, UserFactory, make_uscc
from tests.factories_accounts import NEW_PASSWORD, EnterpriseUserFactory, ReviewerFactory, link_in, registration_data
from tests.factories_site import parse


@pytest.fixture(scope="module")
def _regions(django_db_setup, django_db_blocker):
    """The region tree, loaded once for the module; each test runs in a savepoint inside this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_regions()
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_regions")]

REGISTER = reverse("accounts:register")


def error_codes(response, field: str) -> list[str]:
    return [error.code for error in response.context["form"].errors.as_data().get(field, [])]


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    """POST the registration form; emails scheduled after commit are sent."""

    def post(data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(REGISTER, data)

    return post


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="内蒙古草原乳业（集团）有限公司")


# --- registering --------------------------------------------------------------------------------


def test_registration_with_a_registered_enterprise_creates_an_inactive_user_and_emails_a_link(register, enterprise):
    response = register(registration_data(enterprise, username="milk", email="milk@example.cn"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_done")
    user = User.objects.get(username="milk")
    assert (user.is_active, user.role, user.enterprise, user.email) == (
        False,
        "enterprise",
        enterprise,
        "milk@example.cn",
    )
    assert user.check_password(NEW_PASSWORD)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # The credit code and name are public: the enterprise's contact on record approves, not the registrant.
    assert message.to == [enterprise.contact_email]
    token = link_in(message, "/accounts/confirm/").removeprefix("/accounts/confirm/").rstrip("/")
    assert "milk" not in base64.urlsafe_b64decode(token.split(":")[0] + "==").decode()  # links end up in logs
    assert "确认" in message.subject and "Confirm your email address" in message.subject
    assert "milk@example.cn" in message.body and enterprise.uscc in message.body
    assert message.body.count("milk@example.cn") == 2  # the Chinese text, then the English one


def test_an_enterprise_without_a_contact_email_leaves_activation_to_the_programme_office(register, enterprise):
    enterprise.contact_email = ""
    enterprise.save()
    register(registration_data(enterprise, username="milk", email="milk@example.cn"))
    assert not User.objects.get(username="milk").is_active
    assert mail.outbox == []


def test_registration_writes_one_audit_event_without_the_password(register, enterprise):
    register(registration_data(enterprise, username="milk"))

    user = User.objects.get(username="milk")
    events = AuditEvent.objects.filter(action="account.register")
    assert events.count() == 1
    event = events.get()
    assert (event.actor, event.object_id) == (user, str(user.pk))
    assert event.after == {
        "username": "milk",
        "email": user.email,
        "role": "enterprise",
        "is_active": False,
        "enterprise": enterprise.pk,
        "enterprise_uscc": enterprise.uscc,
        "enterprise_created": False,
    }
    assert NEW_PASSWORD not in str(event.after) and user.password not in str(event.after)
    assert not AuditEvent.objects.filter(action="enterprise.create").exists()


def test_one_enterprise_may_have_several_users(register, enterprise):
    register(registration_data(enterprise, username="first"))
    register(registration_data(enterprise, username="second"))

    assert set(enterprise.users.values_list("username", flat=True)) == {"first", "second"}


def test_the_enterprise_name_may_differ_only_in_spaces_and_full_or_half_width_forms(register, enterprise):
    response = register(registration_data(enterprise, enterprise_name=" 内蒙古草原乳业(集团)有限公司 "))

    assert response.status_code == 302


def test_a_wrong_enterprise_name_is_refused_and_nothing_is_created(register, enterprise):
    response = register(registration_data(enterprise, enterprise_name="内蒙古草原乳业有限公司"))

    assert response.status_code == 200
    assert error_codes(response, "enterprise_name") == ["enterprise_name_mismatch"]
    assert "名称与该统一社会信用代码登记的企业不符" in response.content.decode()
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()
    assert mail.outbox == []


def test_a_bad_credit_code_shows_the_rule_and_creates_nothing(register):
    good = make_uscc("150102")
    bad = good[:17] + ("0" if good[17] != "0" else "1")

    response = register(registration_data(uscc=bad))

    assert error_codes(response, "uscc") == ["uscc_check_character"]
    assert f"统一社会信用代码校验码错误：应为 {good[17]}" in response.content.decode()
    assert not User.objects.exists()
    assert not Enterprise.objects.exists()
    assert mail.outbox == []


def test_registering_a_new_enterprise_creates_it_through_the_enterprise_service(register):
    data = registration_data(username="newcomer", region="150102", industry="dairy")

    response = register(data)

    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    enterprise = user.enterprise
    assert (enterprise.uscc, enterprise.name, enterprise.region_id, enterprise.industry) == (
        data["uscc"],
        data["enterprise_name"],
        "150102",
        "dairy",
    )
    created = AuditEvent.objects.get(action="enterprise.create")
    assert (created.actor, created.object_id) == (user, str(enterprise.pk))
    assert AuditEvent.objects.get(action="account.register").after["enterprise_created"] is True
    assert len(mail.outbox) == 1


def test_a_new_enterprise_needs_its_county_region_and_industry(register):
    response = register(registration_data(region="", industry=""))

    assert error_codes(response, "region") == ["required"]
    assert error_codes(response, "industry") == ["required"]
    assert not Enterprise.objects.exists() and not User.objects.exists()


def test_a_new_enterprise_in_a_league_is_refused_by_the_enterprise_rule(register):
    response = register(registration_data(region="150100"))

    assert error_codes(response, "region") == ["region_not_county"]
    assert "企业所在地须为县级行政区" in response.content.decode()
    assert not Enterprise.objects.exists() and not User.objects.exists()


def test_the_region_list_offers_counties_grouped_by_league(client):
    page = parse(client.get(REGISTER))

    select = page.find("select", name="region")
    groups = select.find_all("optgroup")
    assert len(groups) == 12
    assert {option.attrs["value"] for option in select.find_all("option")} - {""} == set(
        Region.objects.counties().values_list("code", flat=True)
    )


def test_a_taken_user_name_is_refused_whatever_its_case(register, enterprise):
    UserFactory(username="Milk")

    response = register(registration_data(enterprise, username="milk"))

    assert error_codes(response, "username") == ["unique"]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password1", "password2", "field", "code"),
    [
        ("Grassland-Steppe-2026", "Grassland-Steppe-2027", "password2", "password_mismatch"),
        ("12345678", "12345678", "password1", "password_too_common"),
        ("short", "short", "password1", "password_too_short"),
    ],
)
def test_passwords_must_match_and_pass_the_password_rules(register, enterprise, password1, password2, field, code):
    response = register(registration_data(enterprise, password1=password1, password2=password2))

    assert code in error_codes(response, field)
    assert not User.objects.exists()


def test_the_registration_page_reports_every_problem_at_once(register, enterprise):
    UserFactory(username="taken")

    data = registration_data(enterprise, enterprise_name="别的名字", username="taken", password1="short")
    data["password2"] = "short"

    response = register(data)

    assert set(response.context["form"].errors) == {"enterprise_name", "username", "password1"}


# --- the confirmation link ---------------------------------------------------------------------


@pytest.fixture
def registered(register, enterprise):
    """A registration of user "milk" at ``enterprise``: (user, path of the emailed link)."""
    register(registration_data(enterprise, username="milk", email="milk@example.cn"))
    return User.objects.get(username="milk"), link_in(mail.outbox[-1], "/accounts/confirm/")


def test_the_link_shows_the_account_and_activates_it_on_the_button(client, registered):
    user, link = registered

    page = client.get(link)
    assert page.status_code == 200
    assert "milk" in page.content.decode()
    user.refresh_from_db()
    assert not user.is_active  # opening the link (or a mail scanner opening it) changes nothing

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.is_active
    event = AuditEvent.objects.get(action="account.confirm")
    assert (event.actor, event.before, event.after) == (user, {"is_active": False}, {"is_active": True})
    assert client.post(reverse("accounts:login"), {"username": "milk", "password": NEW_PASSWORD}).status_code == 302


def test_the_link_works_once(client, registered):
    _, link = registered
    client.post(link)

    again = client.post(link)

    assert again.status_code == 409
    assert "此确认链接已使用过" in again.content.decode()
    assert AuditEvent.objects.filter(action="account.confirm").count() == 1


def test_an_account_deactivated_after_confirmation_stays_deactivated(client, registered):
    user, link = registered
    client.post(link)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert client.post(link).status_code == 409
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.parametrize("tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "x" + t])
def test_a_tampered_link_is_refused(client, registered, tamper):
    user, link = registered
    token = link.rstrip("/").rsplit("/", 1)[1]
    bad = reverse("accounts:confirm", args=[tamper(token)])

    for response in (client.get(bad), client.post(bad)):
        assert response.status_code == 400
        assert parse(response).find("h1").text() == "无法使用此链接"
    user.refresh_from_db()
    assert not user.is_active


def test_a_link_whose_address_changed_since_is_refused(client, registered):
    user, link = registered
    User.objects.filter(pk=user.pk).update(email="other@example.cn")

    assert client.post(link).status_code == 400


def test_an_expired_link_is_refused_and_offers_a_new_one(
    client, registered, settings, django_capture_on_commit_callbacks
):
    user, link = registered
    settings.ACCOUNT_CONFIRM_MAX_AGE = datetime.timedelta(seconds=-1)  # every link is too old

    response = client.post(link)

    assert response.status_code == 400
    page = parse(response)
    assert "已过期" in page.find("h1").text()
    resend = page.find("form", action=reverse("accounts:confirm_resend"))
    assert resend.find("input", name="email").attrs["value"] == "milk@example.cn"
    user.refresh_from_db()
    assert not user.is_active

    settings.ACCOUNT_CONFIRM_MAX_AGE = datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("accounts:confirm_resend"), {"email": "milk@example.cn"})
    assert sent["Location"] == reverse("accounts:confirm_resend_done")
    assert len(mail.outbox) == 2
    assert client.post(link_in(mail.outbox[-1], "/accounts/confirm/")).status_code == 302
    user.refresh_from_db()
    assert user.is_active


def test_resending_says_the_same_for_unknown_and_confirmed_addresses(
    client, registered, django_capture_on_commit_callbacks
):
    _, link = registered
    client.post(link)
    for email in ("nobody@example.cn", "milk@example.cn"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:confirm_resend"), {"email": email})
        assert response["Location"] == reverse("accounts:confirm_resend_done")
    assert len(mail.outbox) == 1  # the first confirmation only


def test_an_unconfirmed_account_cannot_sign_in(client, registered):
    response = client.post(reverse("accounts:login"), {"username": "milk", "password": NEW_PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- roles --------------------------------------------------------------------------------------


def codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


@pytest.mark.parametrize(
    "make",
    [
        lambda: EnterpriseUserFactory.build(enterprise=EnterpriseFactory()),
        lambda: ReviewerFactory.build(jurisdiction=Region.objects.get(code="150000")),
        lambda: ReviewerFactory.build(jurisdiction=Region.objects.get(code="150200")),
        lambda: UserFactory.build(role="committee"),
        lambda: UserFactory.build(role="staff"),
        lambda: UserFactory.build(role="leadership"),
    ],
)
def test_valid_role_assignments_pass(make):
    validate_user_role(make())


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"role": "enterprise"}, {"enterprise": ["enterprise_required"]}),
        (
            {"role": "enterprise", "enterprise": "E", "jurisdiction": "150100"},
            {"jurisdiction": ["jurisdiction_not_allowed"]},
        ),
        ({"role": "reviewer"}, {"jurisdiction": ["jurisdiction_required"]}),
        ({"role": "reviewer", "jurisdiction": "150102"}, {"jurisdiction": ["jurisdiction_level"]}),
        (
            {"role": "reviewer", "jurisdiction": "150100", "enterprise": "E"},
            {"enterprise": ["enterprise_not_allowed"]},
        ),
        ({"role": "committee", "enterprise": "E"}, {"enterprise": ["enterprise_not_allowed"]}),
        ({"role": "staff", "jurisdiction": "150100"}, {"jurisdiction": ["jurisdiction_not_allowed"]}),
        (
            {"role": "leadership", "enterprise": "E", "jurisdiction": "150000"},
            {"enterprise": ["enterprise_not_allowed"], "jurisdiction": ["jurisdiction_not_allowed"]},
        ),
    ],
)
def test_role_assignments_that_do_not_fit_are_refused(attrs, expected):
    if attrs.get("enterprise") == "E":
        attrs["enterprise"] = EnterpriseFactory()
    if "jurisdiction" in attrs:
        attrs["jurisdiction"] = Region.objects.get(code=attrs["jurisdiction"])
    user = UserFactory.build(**attrs)

    with pytest.raises(ValidationError) as caught:
        validate_user_role(user)

    assert codes(caught.value) == expected


def test_a_reviewer_in_a_county_is_told_why_in_chinese():
    user = ReviewerFactory.build(jurisdiction=Region.objects.get(code="150102"))

    with pytest.raises(ValidationError) as caught:
        validate_user_role(user)

    assert "评审专家的管辖范围须为全区或一个盟市" in caught.value.messages[0]


@pytest.fixture
def user_clean_checks_roles(monkeypatch):
    """User.clean() as the lead wires it: Django's clean, then the role rule."""
    original = User.clean

    def clean(self):
        original(self)
        validate_user_role(self)

    monkeypatch.setattr(User, "clean", clean)


@pytest.mark.usefixtures("user_clean_checks_roles")
def test_registration_passes_the_role_rule_of_user_clean(register, enterprise):
    assert register(registration_data(enterprise, username="old")).status_code == 302
    assert register(registration_data(username="new")).status_code == 302
    assert User.objects.filter(enterprise__isnull=False).count() == 2


@pytest.mark.usefixtures("user_clean_checks_roles")
def test_the_admin_add_form_shows_a_role_that_does_not_fit_on_its_field(client):
    client.force_login(UserFactory(username="office", role="staff", is_staff=True, is_superuser=True))
    data = {
        "username": "new-reviewer",
        "usable_password": "true",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "role": "reviewer",
        "jurisdiction": "150102",
    }

    response = client.post(reverse("admin:core_user_add"), data)

    assert response.status_code == 200
    assert [e.code for e in response.context["adminform"].form.errors.as_data()["jurisdiction"]] == [
        "jurisdiction_level"
    ]
    assert not User.objects.filter(username="new-reviewer").exists()
    data["jurisdiction"] = "150100"
    assert client.post(reverse("admin:core_user_add"), data).status_code == 302
    assert User.objects.get(username="new-reviewer").jurisdiction_id == "150100"
