"""Factories for tests. Regions are real: use the ``regions`` fixture before these."""

from __future__ import annotations

import datetime
import itertools

import factory

from brands.models import Brand, BrandStatus, Trademark, TrademarkTier
from certifications.models import Certification, CertificationKind, DemonstrationZone, ZoneKind, ZoneStage
from core.models import Enterprise, Region, User
from core.validators import uscc_check_character
from geo_indications.models import GIMarkUser, GIProduct, ProtectionType

_serial = itertools.count(1)


def make_uscc(region_code: str = "150102", n: int | None = None) -> str:
    """A valid USCC for an enterprise (9 1) registered in ``region_code``."""
    n = next(_serial) if n is None else n
    body = f"91{region_code}{n:09d}"
    return body + uscc_check_character(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.django.Password("correct horse battery")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"内蒙古测试企业{n}有限公司")
    region = factory.LazyFunction(lambda: Region.objects.get(code="150102"))
    uscc = factory.LazyAttribute(lambda o: make_uscc(o.region.code))
    industry = "food"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.cn")


class GIProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GIProduct

    name_zh = factory.Sequence(lambda n: f"测试地标产品{n}")
    protection_type = ProtectionType.GI_PRODUCT
    category = "畜产品"
    region = factory.LazyFunction(lambda: Region.objects.get(code="150100"))
    announced_on = datetime.date(2015, 6, 1)


class GIMarkUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GIMarkUser

    gi_product = factory.SubFactory(GIProductFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    authorised_on = datetime.date(2020, 1, 1)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"草原品牌{n}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    region = factory.LazyAttribute(lambda o: o.enterprise.region)
    industry = "food"

    class Params:
        recognised = factory.Trait(
            status=BrandStatus.RECOGNISED,
            recognised_on=datetime.date(2025, 3, 1),
            valid_until=datetime.date(2028, 2, 29),
        )


class TrademarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trademark
        skip_postgeneration_save = True

    registration_number = factory.Sequence(lambda n: f"{10000000 + n}")
    mark_text = factory.Sequence(lambda n: f"测试商标{n}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    region = factory.LazyAttribute(lambda o: o.enterprise.region)
    registered_on = datetime.date(2012, 5, 1)
    tier = TrademarkTier.REGISTERED

    @factory.post_generation
    def nice_classes(self, create, extracted, **kwargs):
        if create:
            self.nice_classes.set(extracted or [29])


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    kind = CertificationKind.ORGANIC
    certificate_number = factory.Sequence(lambda n: f"124OP24{n:05d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    product = "有机牛奶"
    certifying_body = "中绿华夏有机产品认证中心"
    issued_on = datetime.date(2024, 5, 1)
    expires_on = datetime.date(2099, 4, 30)


class DemonstrationZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemonstrationZone

    name = factory.Sequence(lambda n: f"测试示范区{n}")
    kind = ZoneKind.ORGANIC_DEMO
    region = factory.LazyFunction(lambda: Region.objects.get(code="150100"))
    lead_body = "呼和浩特市市场监督管理局"
    stage = ZoneStage.NAMED
    applied_on = datetime.date(2016, 3, 1)
    approved_on = datetime.date(2016, 9, 1)
    named_on = datetime.date(2019, 12, 1)
