import pytest

from core.validators import validate_uscc
from tests.factories import BrandFactory, CertificationFactory, EnterpriseFactory, TrademarkFactory, make_uscc


@pytest.mark.django_db
def test_factories_build_valid_records(reference_data):
    enterprise = EnterpriseFactory()
    enterprise.full_clean()
    BrandFactory(enterprise=enterprise, recognised=True).full_clean()
    CertificationFactory(enterprise=enterprise).full_clean()
    TrademarkFactory(enterprise=enterprise).full_clean()


def test_make_uscc_gives_valid_codes():
    for n in range(50):
        validate_uscc(make_uscc("152201", n))
