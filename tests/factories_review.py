"""Factories and named actors for the review workspace and public notice tests.

Applications are built directly in the state a test needs (traits named after the workflow states);
the services under test then move them. Use the ``reference_data`` fixture first (regions and the
award programmes with their indicators).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from awards.models import (
    Application,
    Assignment,
    AwardProgramme,
    Decision,
    Notice,
    Objection,
    Review,
    ReviewerLink,
    Score,
)
from awards.workflow import Action, State
from core.models import Region, Role
from tests.factories import BrandFactory, EnterpriseFactory, UserFactory

HOHHOT, BAOTOU, REGION = "150100", "150200", "150000"
HOHHOT_COUNTY, BAOTOU_COUNTY = "150102", "150202"


def reviewer(username: str, jurisdiction: str = HOHHOT, **kwargs):
    return UserFactory(
        username=username, role=Role.REVIEWER, jurisdiction=Region.objects.get(code=jurisdiction), **kwargs
    )


def committee(username: str = "committee"):
    return UserFactory(username=username, role=Role.COMMITTEE)


def enterprise_user(enterprise, username: str | None = None):
    return UserFactory(username=username or f"ent{enterprise.pk}", role=Role.ENTERPRISE, enterprise=enterprise)


def hohhot_enterprise(**kwargs):
    return EnterpriseFactory(region=Region.objects.get(code=HOHHOT_COUNTY), **kwargs)


def baotou_enterprise(**kwargs):
    return EnterpriseFactory(region=Region.objects.get(code=BAOTOU_COUNTY), **kwargs)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A brand-recognition application, submitted by default; traits move it to later states."""

    class Meta:
        model = Application

    programme = factory.LazyFunction(lambda: AwardProgramme.objects.get(code="brand-recognition"))
    enterprise = factory.SubFactory(EnterpriseFactory)
    brand = factory.SubFactory(BrandFactory, enterprise=factory.SelfAttribute("..enterprise"))
    state = State.SUBMITTED
    statement = "我们的品牌在全区市场占有率第一，产品质量稳定。"
    created_by = factory.SubFactory(
        UserFactory,
        username=factory.Sequence(lambda n: f"applicant{n}"),
        role=Role.ENTERPRISE,
        enterprise=factory.SelfAttribute("..enterprise"),
    )
    submitted_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(state=State.DRAFT, submitted_at=None)
        expert_review = factory.Trait(state=State.EXPERT_REVIEW)
        committee_review = factory.Trait(state=State.COMMITTEE_REVIEW)
        more_information = factory.Trait(
            state=State.MORE_INFORMATION, return_state=State.SUBMITTED, information_request="请补充检测报告。"
        )
        public_notice = factory.Trait(state=State.PUBLIC_NOTICE)


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    application = factory.SubFactory(ApplicationFactory, public_notice=True)
    opened_on = factory.LazyFunction(timezone.localdate)
    deadline = factory.LazyAttribute(lambda o: o.opened_on + datetime.timedelta(days=9))


class ObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objection

    notice = factory.SubFactory(NoticeFactory)
    name = "张三"
    contact = "13800000000"
    text = "该企业去年有产品抽检不合格。"


def in_notice(*, deadline_passed: bool = False, **app_kwargs) -> Notice:
    """An application in public notice with its notice and the committee's decision to open it."""
    application = ApplicationFactory(public_notice=True, **app_kwargs)
    today = timezone.localdate()
    if deadline_passed:
        notice = NoticeFactory(
            application=application,
            opened_on=today - datetime.timedelta(days=12),
            deadline=today - datetime.timedelta(days=1),
        )
    else:
        notice = NoticeFactory(application=application)
    Decision.objects.create(
        application=application,
        action=Action.OPEN_NOTICE,
        from_state=State.COMMITTEE_REVIEW,
        to_state=State.PUBLIC_NOTICE,
        reasons="综合评分优良，拟认定。",
        decided_by=committee("committee-opener"),
    )
    return notice


def assign(application: Application, user, *, declared: bool = True) -> Assignment:
    return Assignment.objects.create(
        application=application,
        reviewer=user,
        assigned_by=user,
        declared_no_conflict_at=timezone.now() if declared else None,
    )


def review(application: Application, user, total: str | Decimal, *, score: str = "80") -> Review:
    """A submitted review with the same score on every indicator and the given weighted total."""
    assignment = assign(application, user)
    made = Review.objects.create(
        assignment=assignment, recommendation="grant", comment="材料齐全。", total=Decimal(total)
    )
    Score.objects.bulk_create(
        [Score(review=made, indicator=i, value=Decimal(score)) for i in application.programme.indicators.all()]
    )
    return made


def link(user, enterprise, relation: str = "曾任该企业顾问") -> ReviewerLink:
    return ReviewerLink.objects.create(reviewer=user, enterprise=enterprise, relation=relation)
