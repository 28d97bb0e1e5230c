"""Factories and helpers for the account tests (tests/test_accounts_*.py). Use the ``regions`` fixture first."""

from __future__ import annotations

import itertools
import re
from typing import Any

import factory
from django.core import mail

from core.models import Region, Role
from tests.factories import EnterpriseFactory, UserFactory, make_uscc

PASSWORD = "correct horse battery"  # UserFactory's password
NEW_PASSWORD = "Grassland-Steppe-2026"
_names = itertools.count(1)


class EnterpriseUserFactory(UserFactory):
    role = Role.ENTERPRISE
    enterprise = factory.SubFactory(EnterpriseFactory)


class ReviewerFactory(UserFactory):
    role = Role.REVIEWER
    jurisdiction = factory.LazyFunction(lambda: Region.objects.get(code="150100"))


def registration_data(enterprise=None, **overrides: Any) -> dict[str, str]:
    """A valid registration form for ``enterprise`` (or for a new enterprise in Xincheng district)."""
    n = next(_names)
    data = {
        "uscc": enterprise.uscc if enterprise else make_uscc("150102"),
        "enterprise_name": enterprise.name if enterprise else f"内蒙古新注册企业{n}有限公司",
        "region": "" if enterprise else "150102",
        "industry": "" if enterprise else "dairy",
        "username": f"applicant{n}",
        "email": f"applicant{n}@example.cn",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def link_in(message: mail.EmailMessage, path: str) -> str:
    """The path of the first link in the email's body that contains ``path``."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", message.body)
    assert match, f"no {path} link in:\n{message.body}"
    return match.group(1)
