"""Factories of the recognition workflow, with traits named after the states (Hypha's habit), and
``build_world``: two applicant enterprises with an application in every state, and one user per role.

Factories set states directly (they stand for "an application that got there"); the tests that
exercise the way there call the services or the API.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from awards.models import (
    Application,
    Assignment,
    Attachment,
    AwardProgramme,
    Decision,
    Notice,
    Objection,
    ObjectionStatus,
    Recommendation,
    Review,
    ReviewerLink,
    Score,
)
from awards.workflow import State
from core.models import Enterprise, Region, Role, User
from tests.factories import BrandFactory, EnterpriseFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def today() -> datetime.date:
    return timezone.localdate()


def brand_programme() -> AwardProgramme:
    return AwardProgramme.objects.get(code="brand-recognition")


def load_workflow_reference() -> None:
    """Regions and award programmes only: what the workflow needs, faster than ``load_reference``."""
    from awards.reference import load_programmes
    from core.reference import load_regions

    load_regions()
    load_programmes()


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A brand-recognition application (a brand of its own each), a draft unless a state trait says otherwise."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    programme = factory.LazyFunction(brand_programme)
    enterprise = factory.SubFactory(EnterpriseFactory)
    brand = factory.SubFactory(BrandFactory, enterprise=factory.SelfAttribute("..enterprise"))
    created_by = factory.SubFactory(UserFactory, role=Role.ENTERPRISE, enterprise=factory.SelfAttribute("..enterprise"))
    statement = "本品牌产品质量稳定，市场占有率逐年提高。"
    state = State.DRAFT

    class Params:
        submitted = factory.Trait(state=State.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now))
        expert_review = factory.Trait(submitted=True, state=State.EXPERT_REVIEW)
        committee_review = factory.Trait(submitted=True, state=State.COMMITTEE_REVIEW)
        more_information = factory.Trait(
            submitted=True,
            state=State.MORE_INFORMATION,
            return_state=State.SUBMITTED,
            information_request="请补充近三年的质量检验报告。",
        )
        public_notice = factory.Trait(
            submitted=True,
            state=State.PUBLIC_NOTICE,
            decided_at=factory.LazyFunction(timezone.now),
            notice=factory.RelatedFactory("tests.factories_workflow.NoticeFactory", factory_related_name="application"),
        )
        # In public notice, the deadline passed: ready for the grant.
        notice_over = factory.Trait(
            submitted=True,
            state=State.PUBLIC_NOTICE,
            decided_at=factory.LazyFunction(timezone.now),
            notice=factory.RelatedFactory(
                "tests.factories_workflow.NoticeFactory", factory_related_name="application", over=True
            ),
        )
        granted = factory.Trait(
            submitted=True,
            state=State.GRANTED,
            decided_at=factory.LazyFunction(timezone.now),
            notice=factory.RelatedFactory(
                "tests.factories_workflow.NoticeFactory", factory_related_name="application", granted=True
            ),
        )
        rejected = factory.Trait(submitted=True, state=State.REJECTED, decided_at=factory.LazyFunction(timezone.now))
        withdrawn = factory.Trait(submitted=True, state=State.WITHDRAWN)


class NoticeFactory(factory.django.DjangoModelFactory):
    """An open notice whose deadline is ahead; ``over``: the deadline has passed; ``granted``: closed, granted."""

    class Meta:
        model = Notice

    application = factory.SubFactory(ApplicationFactory, state=State.PUBLIC_NOTICE)
    opened_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=3))
    deadline = factory.LazyFunction(lambda: today() + datetime.timedelta(days=7))

    class Params:
        over = factory.Trait(
            opened_on=factory.LazyFunction(lambda: today() - datetime.timedelta(days=14)),
            deadline=factory.LazyFunction(lambda: today() - datetime.timedelta(days=1)),
        )
        granted = factory.Trait(
            opened_on=factory.LazyFunction(lambda: today() - datetime.timedelta(days=30)),
            deadline=factory.LazyFunction(lambda: today() - datetime.timedelta(days=18)),
            closed_on=factory.LazyFunction(lambda: today() - datetime.timedelta(days=10)),
            outcome=State.GRANTED,
        )


class ObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objection

    notice = factory.SubFactory(NoticeFactory)
    name = "张三"
    contact = "13800000000"
    text = "该企业去年曾因产品质量问题被通报。"
    status = ObjectionStatus.PENDING


def reviewer(username: str, jurisdiction: str = "150000") -> User:
    return UserFactory(username=username, role=Role.REVIEWER, jurisdiction=Region.objects.get(code=jurisdiction))


def assign(application: Application, user: User, *, declared: bool = False, by: User | None = None) -> Assignment:
    return Assignment.objects.create(
        application=application,
        reviewer=user,
        assigned_by=by or user,
        declared_no_conflict_at=timezone.now() if declared else None,
    )


def review(application: Application, user: User, *, value: Decimal = Decimal(80)) -> Review:
    """A submitted review by ``user`` with the same score for every indicator."""
    assignment = assign(application, user, declared=True)
    indicators = list(application.programme.indicators.all())
    result = Review.objects.create(
        assignment=assignment, recommendation=Recommendation.GRANT, comment="材料齐全，建议认定。", total=value
    )
    Score.objects.bulk_create([Score(review=result, indicator=i, value=value) for i in indicators])
    return result


def full_scores(value: int = 80) -> dict[str, int]:
    """The API's ``scores`` for every indicator of the brand programme."""
    return dict.fromkeys(brand_programme().indicators.values_list("code", flat=True), value)


# ---------------------------------------------------------------------------------------------
# The world of the permission matrix

# Each key is an application of each of the two enterprises (A in Hohhot, B in Baotou).
STATE_KEYS = {
    "draft": {},
    "submitted": {"submitted": True},
    "expert_review": {"expert_review": True},  # reviewer_in (or the B scorer) assigned, not declared
    "scoring": {"expert_review": True},  # reviewer_in (or the B scorer) assigned and declared: may score
    "reviewed": {"expert_review": True},  # the two required reviews are in: expert review may close
    "committee_review": {"committee_review": True},
    "more_information": {"more_information": True},
    "public_notice": {"public_notice": True},  # one pending objection
    "objection_upheld": {"public_notice": True},  # one upheld objection: may be rejected
    "notice_over": {"notice_over": True},  # may be granted
    "granted": {"granted": True},
    "rejected": {"rejected": True},
    "withdrawn": {"withdrawn": True},
}


@dataclass
class Side:
    """One applicant enterprise with its users, applications and related objects."""

    enterprise: Enterprise
    user: User
    apps: dict[str, Application] = field(default_factory=dict)
    undeclared: Assignment | None = None  # on apps["expert_review"]
    declared: Assignment | None = None  # on apps["scoring"]
    pending_objection: Objection | None = None  # on apps["public_notice"]
    attachment: Attachment | None = None  # on apps["submitted"]
    free_brand_id: int | None = None  # a brand with no application yet


@dataclass
class World:
    users: dict[str, User | None]
    a: Side
    b: Side
    scorers: list[User]

    def side(self, which: str) -> Side:
        return self.a if which == "A" else self.b


def build_world() -> World:
    """Enterprise A (county of Hohhot) and B (county of Baotou), each with an application in every
    state of ``STATE_KEYS``; one user per role of the matrix."""
    load_workflow_reference()
    enterprise_a = EnterpriseFactory(name="内蒙古甲乳业有限公司", region=Region.objects.get(code="150102"))
    enterprise_b = EnterpriseFactory(name="包头乙食品有限公司", region=Region.objects.get(code="150202"))
    users: dict[str, User | None] = {
        "anonymous": None,
        "enterprise_a": UserFactory(username="ent_a", role=Role.ENTERPRISE, enterprise=enterprise_a),
        "enterprise_b": UserFactory(username="ent_b", role=Role.ENTERPRISE, enterprise=enterprise_b),
        "reviewer_in": reviewer("rev_in", "150100"),
        "reviewer_out": reviewer("rev_out", "150300"),
        "reviewer_conflict": reviewer("rev_conflict", "150100"),
        "committee": UserFactory(username="committee", role=Role.COMMITTEE),
        "staff": UserFactory(username="staff", role=Role.STAFF, is_staff=True),
    }
    ReviewerLink.objects.create(reviewer=users["reviewer_conflict"], enterprise=enterprise_a, relation="曾任该企业顾问")
    scorers = [reviewer("scorer1"), reviewer("scorer2")]
    world = World(
        users=users,
        a=Side(enterprise=enterprise_a, user=users["enterprise_a"]),
        b=Side(enterprise=enterprise_b, user=users["enterprise_b"]),
        scorers=scorers,
    )
    for side in (world.a, world.b):
        for key, traits in STATE_KEYS.items():
            side.apps[key] = ApplicationFactory(enterprise=side.enterprise, created_by=side.user, **traits)
        # A's files go to the reviewer of A's league; B's to a region-level reviewer.
        assignee = users["reviewer_in"] if side is world.a else scorers[0]
        side.undeclared = assign(side.apps["expert_review"], assignee, by=users["committee"])
        side.declared = assign(side.apps["scoring"], assignee, declared=True, by=users["committee"])
        for scorer in scorers:
            review(side.apps["reviewed"], scorer)
        side.pending_objection = ObjectionFactory(notice=side.apps["public_notice"].notice)
        ObjectionFactory(
            notice=side.apps["objection_upheld"].notice,
            status=ObjectionStatus.UPHELD,
            answer="经核实，异议成立。",
            answered_by=users["committee"],
            answered_at=timezone.now(),
        )
        side.free_brand_id = BrandFactory(enterprise=side.enterprise).pk
        side.attachment = attachment(side.apps["submitted"], side.user)
        Decision.objects.create(
            application=side.apps["rejected"],
            action="reject",
            from_state=State.COMMITTEE_REVIEW,
            to_state=State.REJECTED,
            reasons="近三年市场占有率未达到认定条件。",
            decided_by=users["committee"],
        )
    return world


def attachment(application: Application, user: User) -> Attachment:
    """A small PDF attached to ``application``, stored like an upload."""
    result = Attachment(
        application=application,
        original_name="质量检验报告.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=user,
    )
    result.file.save("report.pdf", ContentFile(PDF), save=False)
    result.save()
    return result
