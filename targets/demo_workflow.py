"""Demo applications in every state of the workflow, made through the real services (so states,
decisions, notices and the audit log agree), with reviews, notices and objections.

Idempotent: when the demo applications exist already, nothing is added.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from awards import services
from awards.certificates.models import Certificate
from awards.certificates.services import certificate_suspend
from awards.models import Application, AwardProgramme, Notice
from awards.notifications import notifications_paused
from brands.models import Brand, BrandStatus
from core.models import Enterprise, Role, User
from geo_indications.models import GIProduct

APPLICANT_PREFIX = "demo-applicant-"
STATEMENT = "本企业坚持质量第一，产品连续三年国家和自治区监督抽查合格，市场覆盖全国二十余个省区，申请认定。"


class _Flow:
    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.city = User.objects.get(username="demo-reviewer-city")
        self.region = User.objects.get(username="demo-reviewer-region")
        self.committee = User.objects.get(username="demo-committee")
        self.brand_programme = AwardProgramme.objects.get(code="brand-recognition")
        self.gi_programme = AwardProgramme.objects.get(code="gi-mark-use")
        self.award_programme = AwardProgramme.objects.get(code="quality-award")
        self.extra_reviewers = [self._reviewer(n) for n in range(1, 4)]
        self._unusable = make_password(None)

    def _reviewer(self, n: int) -> User:
        user, _ = User.objects.get_or_create(
            username=f"demo-expert-{n}",
            defaults={"role": Role.REVIEWER, "jurisdiction_id": "150000", "password": make_password(None),
                      "email": f"demo-expert-{n}@example.cn"},
        )  # fmt: skip
        return user

    def applicant(self, enterprise: Enterprise) -> User:
        demo = User.objects.filter(username="demo-enterprise", enterprise=enterprise).first()
        if demo:
            return demo
        user, _ = User.objects.get_or_create(
            username=f"{APPLICANT_PREFIX}{enterprise.pk}",
            defaults={"role": Role.ENTERPRISE, "enterprise": enterprise, "password": self._unusable,
                      "email": f"applicant{enterprise.pk}@example.cn"},
        )  # fmt: skip
        return user

    @staticmethod
    def _cultivating():
        """Cultivating brands of enterprises that may apply (grade A/B, no open serious violation)."""
        return (
            Brand.objects.filter(status=BrandStatus.CULTIVATING, enterprise__credit_grade__in=["A", "B"])
            .exclude(enterprise__credit_records__severity="serious", enterprise__credit_records__closed_on__isnull=True)
            .exclude(enterprise__users__username="demo-enterprise")
            .select_related("enterprise__region")
        )

    def brands(self, league: str):
        return self._cultivating().filter(enterprise__region__parent_id=league).order_by("pk")

    def brands_elsewhere(self, league: str):
        return (
            self._cultivating()
            .exclude(enterprise__region__parent_id=league)
            .order_by("enterprise__region__parent_id", "pk")
        )

    def start(self, brand: Brand) -> Application:
        actor = self.applicant(brand.enterprise)
        app = services.application_create(actor=actor, programme=self.brand_programme, brand=brand, statement=STATEMENT)
        return app

    def submit(self, app: Application) -> Application:
        return services.application_submit(actor=self.applicant(app.enterprise), application=app)

    def to_expert_review(self, app: Application) -> Application:
        return services.application_pass_prereview(actor=self.city_or_region(app), application=self.submit(app))

    def city_or_region(self, app: Application) -> User:
        return self.city if app.enterprise.region.parent_id == "150100" else self.region

    def review(self, app: Application, reviewer: User, score: int) -> None:
        assignment = services.assignment_create(actor=self.committee, application=app, reviewer=reviewer)
        services.assignment_declare(actor=reviewer, assignment=assignment, conflict=False)
        scores = {i.pk: Decimal(min(i.max_score, score + n)) for n, i in enumerate(app.programme.indicators.all())}
        services.review_submit(
            actor=reviewer, assignment=assignment, scores=scores, recommendation="grant",
            comment="材料齐全，质量管理体系健全，品牌影响力较强。",
        )  # fmt: skip

    def to_committee(self, app: Application, scores: tuple[int, ...] = (86, 91)) -> Application:
        app = self.to_expert_review(app)
        reviewers = [self.region, *self.extra_reviewers]
        for reviewer, score in zip(reviewers, scores, strict=False):
            self.review(app, reviewer, score)
        return services.application_close_review(actor=self.committee, application=app)

    def to_notice(self, app: Application, scores: tuple[int, ...] = (86, 91)) -> Application:
        app = self.to_committee(app, scores)
        return services.application_open_notice(
            actor=self.committee, application=app, reasons="经专家评审，符合认定条件，予以公示。"
        )

    def close_notice_period(self, app: Application) -> None:
        # Demo history: the notice period is made to have ended yesterday so the grant can follow.
        Notice.objects.filter(application=app).update(
            opened_on=self.today - datetime.timedelta(days=12), deadline=self.today - datetime.timedelta(days=1)
        )

    def grant(self, app: Application) -> Application:
        self.close_notice_period(app)
        return services.application_grant(actor=self.committee, application=app)


def build_workflow(today: datetime.date) -> int:
    """Create the demo applications; return how many were created (0 when they exist already)."""
    if Application.objects.filter(created_by__username="demo-enterprise").exists():
        return 0
    flow = _Flow(today)
    demo_user = User.objects.get(username="demo-enterprise")
    # Hohhot first, so that the city reviewer's queue has files; then every other league/city.
    pool = list(flow.brands("150100")) + list(flow.brands_elsewhere("150100"))
    if len(pool) < 16:
        raise RuntimeError("The demo data set has too few cultivating brands for the workflow demo.")
    take = iter(pool).__next__
    created = []
    with notifications_paused():
        own = Brand.objects.filter(enterprise=demo_user.enterprise, status=BrandStatus.CULTIVATING).first()
        if own:  # the demo account's own draft
            created.append(services.application_create(
                actor=demo_user, programme=flow.brand_programme, brand=own, statement=STATEMENT
            ))  # fmt: skip
        created.append(flow.submit(flow.start(take())))  # awaiting pre-review (Hohhot)
        app = flow.to_expert_review(flow.start(take()))  # expert review, one review in
        flow.review(app, flow.region, 84)
        created.append(app)
        created.append(flow.to_committee(flow.start(take())))  # awaiting the committee
        app = flow.to_expert_review(flow.start(take()))
        created.append(services.application_request_info(
            actor=flow.committee, application=app, request="请补充近三年产品质量监督抽查报告。"
        ))  # fmt: skip
        app = flow.to_notice(flow.start(take()))  # open notice with objections
        notice = Notice.objects.get(application=app)
        services.objection_file(
            notice=notice, name="赵女士", contact="zhao@example.cn", text="该企业去年曾因标签不规范被处罚，请核实。"
        )
        answered = services.objection_file(
            notice=notice, name="钱先生", contact="13900000000", text="该品牌知名度不高。"
        )
        services.objection_answer(
            actor=flow.committee, objection=answered, upheld=False, answer="知名度非认定的唯一条件，经核实符合条件。"
        )
        created.append(app)
        app = flow.submit(flow.start(take()))  # rejected at pre-review
        created.append(
            services.application_reject(
                actor=flow.city_or_region(app), application=app, reasons="申报材料与品牌实际情况不符。"
            )
        )
        app = flow.submit(flow.start(take()))  # withdrawn
        created.append(services.application_withdraw(actor=flow.applicant(app.enterprise), application=app))
        # Elsewhere in the region (the region-level reviewer pre-reviews these).
        created.append(flow.submit(flow.start(take())))  # awaiting pre-review
        created.append(flow.to_expert_review(flow.start(take())))  # expert review, none yet
        created.append(flow.to_notice(flow.start(take())))  # open notice, no objection
        granted = [flow.grant(flow.to_notice(flow.start(take()), scores=(88, 93, 90, 85, 92))) for _ in range(3)]
        created.extend(granted)
        # One of them under suspension for rectification, so the demo shows a suspended certificate.
        certificate_suspend(
            actor=flow.committee,
            certificate=Certificate.objects.get(award__application=granted[1]),
            until=timezone.localdate() + datetime.timedelta(days=60),
            reason="产品质量监督抽查不合格，限期整改。",
        )
        app = flow.to_notice(flow.start(take()))  # rejected on an upheld objection
        notice = Notice.objects.get(application=app)
        objection = services.objection_file(
            notice=notice, name="孙先生", contact="sun@example.cn", text="该品牌商标存在权属争议。"
        )
        services.objection_answer(
            actor=flow.committee, objection=objection, upheld=True, answer="经核实，商标权属争议属实，异议成立。"
        )
        created.append(services.application_reject(actor=flow.committee, application=app, reasons="公示期间异议成立。"))
        # A GI mark use, granted, to an enterprise inside the product's protected area: the demo
        # account's own enterprise when it can, so that its portal has a certificate to download.
        for enterprise in [demo_user.enterprise, *(b.enterprise for b in pool[pool.index(take()) :])]:
            league = enterprise.region.parent_id
            inside = Q(region_id=league) | Q(region_id=enterprise.region_id)  # the enterprise is in the area
            gi = GIProduct.objects.filter(inside).exclude(mark_users__enterprise=enterprise).first()
            if gi:
                app = services.application_create(
                    actor=demo_user if enterprise == demo_user.enterprise else flow.applicant(enterprise),
                    programme=flow.gi_programme,
                    gi_product=gi,
                    statement=STATEMENT,
                )
                created.append(flow.grant(flow.to_notice(app)))
                break
        enterprise = take().enterprise  # the quality award: in expert review, four of five reviews in
        app = services.application_create(
            actor=flow.applicant(enterprise), programme=flow.award_programme, statement=STATEMENT
        )
        app = flow.to_expert_review(app)
        for reviewer, score in zip([flow.region, *flow.extra_reviewers], (78, 85, 90, 95), strict=False):
            flow.review(app, reviewer, score)
        created.append(app)
    return len(created)
