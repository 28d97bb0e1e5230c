"""The workflow's services: the whole path, guards, effects, and exactly one audit event per transition."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from awards import services
from awards.calendar import add_working_days
from awards.models import Application, Attachment, Award, AwardProgramme, Notice, ReviewerLink
from awards.selectors import aggregate_score
from awards.workflow import State
from brands.models import Brand, BrandStatus
from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.models import AuditEvent, CreditGrade, Region
from tests.factories import BrandFactory, EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(reference_data):
    hohhot_county = Region.objects.get(code="150102")
    enterprise = EnterpriseFactory(region=hohhot_county)
    return {
        "programme": AwardProgramme.objects.get(code="brand-recognition"),
        "enterprise": enterprise,
        "brand": BrandFactory(enterprise=enterprise),
        "applicant": UserFactory(role="enterprise", enterprise=enterprise),
        "other": UserFactory(role="enterprise", enterprise=EnterpriseFactory()),
        "city_reviewer": UserFactory(role="reviewer", jurisdiction=Region.objects.get(code="150100")),
        "far_reviewer": UserFactory(role="reviewer", jurisdiction=Region.objects.get(code="150200")),
        "region_reviewer": UserFactory(role="reviewer", jurisdiction=Region.objects.get(code="150000")),
        "committee": UserFactory(role="committee"),
    }


def draft(world, statement="我们的品牌质量可靠。"):
    return services.application_create(
        actor=world["applicant"], programme=world["programme"], brand=world["brand"], statement=statement
    )


def events(app, action):
    return AuditEvent.objects.filter(object_type="awards.application", object_id=str(app.pk), action=action).count()


def review(world, app, reviewer, score):
    assignment = services.assignment_create(actor=world["committee"], application=app, reviewer=reviewer)
    services.assignment_declare(actor=reviewer, assignment=assignment, conflict=False)
    indicators = app.programme.indicators.all()
    return services.review_submit(
        actor=reviewer,
        assignment=assignment,
        scores={i.pk: Decimal(score) for i in indicators},
        recommendation="grant",
        comment="符合认定条件",
    )


def to_notice(world):
    app = draft(world)
    app = services.application_submit(actor=world["applicant"], application=app)
    app = services.application_pass_prereview(actor=world["city_reviewer"], application=app)
    review(world, app, world["city_reviewer"], 85)
    review(world, app, world["region_reviewer"], 90)
    app = services.application_close_review(actor=world["committee"], application=app)
    return services.application_open_notice(actor=world["committee"], application=app, reasons="评审通过")


def test_the_whole_path_makes_the_brand_recognised_and_records_the_award(world):
    app = to_notice(world)
    assert app.state == State.PUBLIC_NOTICE
    notice = Notice.objects.get(application=app)
    assert notice.deadline == add_working_days(notice.opened_on, 7)
    objection = services.objection_file(notice=notice, name="张三", contact="13800000000", text="该品牌曾有质量投诉。")
    services.objection_answer(
        actor=world["committee"], objection=objection, upheld=False, answer="经核查，投诉已处理完毕。"
    )
    Notice.objects.filter(pk=notice.pk).update(deadline=datetime.date.today() - datetime.timedelta(days=1))

    app = services.application_grant(actor=world["committee"], application=app)

    assert app.state == State.GRANTED
    brand = Brand.objects.get(pk=world["brand"].pk)
    assert brand.status == BrandStatus.RECOGNISED
    assert Brand.objects.recognised_as_of(brand.recognised_on).filter(pk=brand.pk).exists()
    award = Award.objects.get(application=app)
    assert (award.enterprise, award.brand, award.valid_until) == (world["enterprise"], brand, brand.valid_until)
    assert Notice.objects.get(pk=notice.pk).outcome == State.GRANTED
    for action in ("submit", "pass_prereview", "close_review", "open_notice", "grant"):
        assert events(app, f"application.{action}") == 1, action


def test_a_transition_not_in_the_table_changes_nothing(world):
    app = draft(world)
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidTransition):
        services.application_grant(actor=world["committee"], application=app)
    assert Application.objects.get(pk=app.pk).state == State.DRAFT
    assert AuditEvent.objects.count() == before


def test_only_the_applicant_submits(world):
    app = draft(world)
    for actor in ("other", "committee", "city_reviewer"):
        with pytest.raises(PermissionDenied):
            services.application_submit(actor=world[actor], application=app)
    assert Application.objects.get(pk=app.pk).state == State.DRAFT


def test_a_reviewer_outside_the_jurisdiction_or_linked_cannot_pre_review(world):
    app = services.application_submit(actor=world["applicant"], application=draft(world))
    with pytest.raises(PermissionDenied):
        services.application_pass_prereview(actor=world["far_reviewer"], application=app)
    ReviewerLink.objects.create(reviewer=world["city_reviewer"], enterprise=world["enterprise"], relation="前雇员")
    with pytest.raises(PermissionDenied):
        services.application_pass_prereview(actor=world["city_reviewer"], application=app)
    services.application_pass_prereview(actor=world["region_reviewer"], application=app)


def test_a_linked_reviewer_cannot_be_assigned(world):
    app = services.application_submit(actor=world["applicant"], application=draft(world))
    app = services.application_pass_prereview(actor=world["city_reviewer"], application=app)
    ReviewerLink.objects.create(reviewer=world["region_reviewer"], enterprise=world["enterprise"], relation="股东")
    with pytest.raises(DomainError) as exc:
        services.assignment_create(actor=world["committee"], application=app, reviewer=world["region_reviewer"])
    assert exc.value.code == "conflict_of_interest"


def test_an_undeclared_reviewer_cannot_review_and_scores_are_checked(world):
    app = services.application_submit(actor=world["applicant"], application=draft(world))
    app = services.application_pass_prereview(actor=world["city_reviewer"], application=app)
    assignment = services.assignment_create(
        actor=world["city_reviewer"], application=app, reviewer=world["city_reviewer"]
    )
    indicators = list(app.programme.indicators.all())
    good = {i.pk: Decimal(80) for i in indicators}
    with pytest.raises(InvalidTransition):
        services.review_submit(
            actor=world["city_reviewer"], assignment=assignment, scores=good, recommendation="grant", comment="好"
        )
    services.assignment_declare(actor=world["city_reviewer"], assignment=assignment, conflict=False)
    bad = {**good, indicators[0].pk: Decimal(101)}
    with pytest.raises(ValidationError):
        services.review_submit(
            actor=world["city_reviewer"], assignment=assignment, scores=bad, recommendation="grant", comment="好"
        )
    assert not assignment.__class__.objects.filter(review__isnull=False).exists()


def test_expert_review_closes_only_with_enough_reviews(world):
    app = services.application_submit(actor=world["applicant"], application=draft(world))
    app = services.application_pass_prereview(actor=world["city_reviewer"], application=app)
    review(world, app, world["city_reviewer"], 80)
    with pytest.raises(InvalidTransition):
        services.application_close_review(actor=world["committee"], application=app)


def test_more_information_returns_the_application_to_the_stage_that_asked(world):
    app = services.application_submit(actor=world["applicant"], application=draft(world))
    app = services.application_pass_prereview(actor=world["city_reviewer"], application=app)
    app = services.application_request_info(actor=world["committee"], application=app, request="请补充检测报告。")
    assert app.state == State.MORE_INFORMATION
    app = services.application_respond(actor=world["applicant"], application=app, response="已补充。")
    assert app.state == State.EXPERT_REVIEW


def test_an_enterprise_with_credit_grade_d_cannot_apply(world):
    world["enterprise"].credit_grade = CreditGrade.D
    world["enterprise"].save()
    with pytest.raises(DomainError) as exc:
        draft(world)
    assert exc.value.code == "ineligible"
    assert not Application.objects.exists()


def test_grant_waits_for_the_notice_to_close_and_for_every_objection(world):
    app = to_notice(world)
    with pytest.raises(InvalidTransition):
        services.application_grant(actor=world["committee"], application=app)
    notice = Notice.objects.get(application=app)
    services.objection_file(notice=notice, name="李四", contact="li@example.cn", text="异议内容")
    Notice.objects.filter(pk=notice.pk).update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    with pytest.raises(InvalidTransition):
        services.application_grant(actor=world["committee"], application=app)
    assert not Award.objects.exists()


def test_an_upheld_objection_ends_in_rejection(world):
    app = to_notice(world)
    notice = Notice.objects.get(application=app)
    with pytest.raises(InvalidTransition):
        services.application_reject(actor=world["committee"], application=app, reasons="无理由")
    objection = services.objection_file(notice=notice, name="王五", contact="wang@example.cn", text="虚假宣传")
    services.objection_answer(actor=world["committee"], objection=objection, upheld=True, answer="异议成立")
    app = services.application_reject(actor=world["committee"], application=app, reasons="公示期异议成立")
    assert app.state == State.REJECTED
    assert Notice.objects.get(pk=notice.pk).outcome == State.REJECTED


def test_a_notice_is_extended_never_shortened(world):
    app = to_notice(world)
    notice = Notice.objects.get(application=app)
    with pytest.raises(ValidationError):
        services.notice_extend(actor=world["committee"], notice=notice, deadline=notice.deadline, reasons="节假日")
    later = notice.deadline + datetime.timedelta(days=3)
    assert (
        services.notice_extend(actor=world["committee"], notice=notice, deadline=later, reasons="节假日").deadline
        == later
    )


def test_withdrawal_from_an_open_state(world):
    app = services.application_submit(actor=world["applicant"], application=draft(world))
    app = services.application_withdraw(actor=world["applicant"], application=app)
    assert app.state == State.WITHDRAWN
    draft(world)  # a withdrawn application no longer blocks a new one for the same brand


def test_one_unfinished_application_per_subject(world):
    draft(world)
    with pytest.raises(DomainError) as exc:
        draft(world)
    assert exc.value.code == "duplicate"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("report.pdf", b"<html>not a pdf</html>", "content_mismatch"),
        ("photo.png", b"%PDF-1.4 not a picture", "content_mismatch"),
        ("macro.docm", PDF, "file_type"),
    ],
)
def test_an_attachment_must_be_what_its_name_says(world, name, content, code):
    app = draft(world)
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(actor=world["applicant"], application=app, upload=SimpleUploadedFile(name, content))
    assert exc.value.code == code
    assert not Attachment.objects.exists()


def test_an_attachment_is_capped_and_its_name_cannot_climb_directories(world, settings):
    app = draft(world)
    attachment = services.attachment_add(
        actor=world["applicant"], application=app, upload=SimpleUploadedFile("../../etc/检测报告.pdf", PDF)
    )
    assert attachment.original_name == "检测报告.pdf"
    assert ".." not in attachment.file.name
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(actor=world["applicant"], application=app, upload=SimpleUploadedFile("b.pdf", PDF))
    assert exc.value.code == "file_too_large"


def test_the_aggregate_drops_the_highest_and_lowest_from_five_reviews():
    class R:
        def __init__(self, total):
            self.total = Decimal(total)

    assert aggregate_score([R(80), R(90)]) == Decimal("85.00")
    assert aggregate_score([R(10), R(80), R(80), R(80), R(100)]) == Decimal("80.00")
    assert aggregate_score([]) is None


def test_working_days_skip_weekends():
    friday = datetime.date(2026, 11, 27)
    assert add_working_days(friday, 1) == datetime.date(2026, 11, 30)
    assert add_working_days(friday, 7) == datetime.date(2026, 12, 8)


def test_granting_a_gi_mark_authorises_the_enterprise(world):
    from geo_indications.models import GIMarkUser, GIMarkUserStatus, GIProduct

    world["programme"] = AwardProgramme.objects.get(code="gi-mark-use")
    gi = GIProduct.objects.first()
    app = services.application_create(
        actor=world["applicant"], programme=world["programme"], gi_product=gi, statement="申请使用"
    )
    app = services.application_submit(actor=world["applicant"], application=app)
    app = services.application_pass_prereview(actor=world["city_reviewer"], application=app)
    review(world, app, world["city_reviewer"], 80)
    review(world, app, world["region_reviewer"], 80)
    app = services.application_close_review(actor=world["committee"], application=app)
    app = services.application_open_notice(actor=world["committee"], application=app, reasons="通过")
    Notice.objects.filter(application=app).update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    services.application_grant(actor=world["committee"], application=app)
    assert GIMarkUser.objects.get(gi_product=gi, enterprise=world["enterprise"]).status == GIMarkUserStatus.AUTHORISED
