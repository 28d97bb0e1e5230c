"""Factories and files for the enterprise portal tests (the shared factories are in tests/factories.py).

Programmes come from the reference data: use the ``reference_data`` fixture first.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from awards.models import Application, Award, AwardProgramme, SubjectKind
from awards.workflow import State
from core.models import Region, Role
from tests.factories import BrandFactory, EnterpriseFactory, UserFactory

BRAND = "brand-recognition"
GI_MARK = "gi-mark-use"
QUALITY = "quality-award"


def programme(code: str = BRAND) -> AwardProgramme:
    return AwardProgramme.objects.get(code=code)


class EnterpriseUserFactory(UserFactory):
    role = Role.ENTERPRISE
    enterprise = factory.SubFactory(EnterpriseFactory)


class CommitteeUserFactory(UserFactory):
    role = Role.COMMITTEE


class ReviewerFactory(UserFactory):
    role = Role.REVIEWER
    jurisdiction = factory.LazyFunction(lambda: Region.objects.get(code="150000"))


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application written straight to the database (the workflow tests go through the services)."""

    class Meta:
        model = Application

    programme = factory.LazyFunction(programme)
    enterprise = factory.SubFactory(EnterpriseFactory)
    brand = factory.LazyAttribute(
        lambda o: BrandFactory(enterprise=o.enterprise) if o.programme.subject_kind == SubjectKind.BRAND else None
    )
    statement = "我们的品牌在全国市场具有竞争力。"
    created_by = factory.LazyAttribute(lambda o: EnterpriseUserFactory(enterprise=o.enterprise))
    state = State.DRAFT


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    application = factory.SubFactory(ApplicationFactory, state=State.GRANTED)
    programme = factory.SelfAttribute("application.programme")
    enterprise = factory.SelfAttribute("application.enterprise")
    brand = factory.SelfAttribute("application.brand")
    amount = Decimal("0")
    granted_on = datetime.date(2025, 3, 1)
    valid_until = datetime.date(2028, 2, 29)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_file(name: str = "营业执照.pdf", *, padding: int = 0) -> SimpleUploadedFile:
    """A small file that is a PDF by its content (``padding`` bytes of comment make it larger)."""
    body = PDF_BYTES[:-6] + b"%" + b"x" * padding + b"\n" + PDF_BYTES[-6:] if padding else PDF_BYTES
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def html_named_pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    """A web page that calls itself a PDF."""
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="application/pdf")


def png_file(name: str = "现场照片.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
