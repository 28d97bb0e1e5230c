"""The registers' free-text search (core.search): the same records as ``icontains`` over every searched field,
on both databases, and on PostgreSQL through the grams indexes of migration core 0005 and its followers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q

from brands.filters import BrandFilter, TrademarkFilter
from brands.models import Brand, Trademark
from brands.selectors import public_brands, public_trademarks
from certifications.filters import CertificationFilter
from certifications.models import Certification
from certifications.selectors import public_certifications
from core import search
from core.filters import EnterpriseFilter
from core.models import Region
from core.selectors import public_enterprises
from tests.factories import BrandFactory, CertificationFactory, EnterpriseFactory, TrademarkFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the grams index is PostgreSQL's")

REGISTERS = {
    "certifications": (CertificationFilter, public_certifications),
    "brands": (BrandFilter, public_brands),
    "enterprises": (EnterpriseFilter, public_enterprises),
    "trademarks": (TrademarkFilter, public_trademarks),
}


@pytest.fixture
def texts(regions):
    """Records whose searched fields hold Chinese and Latin text, digits and LIKE's wildcard characters."""
    from brands.reference import load_nice_classes

    load_nice_classes()
    dairy = EnterpriseFactory(name="内蒙古伊利乳业有限公司", region=Region.objects.get(code="150105"))
    cashmere = EnterpriseFactory(name="鄂尔多斯羊绒集团 Erdos Cashmere", region=Region.objects.get(code="150602"))
    plain = EnterpriseFactory(name="包头稀土有限公司", region=Region.objects.get(code="150202"))
    CertificationFactory(
        certificate_number="124OP2400001", enterprise=dairy, product="有机牛奶 Organic Milk", certifying_body="认证中心"
    )
    CertificationFactory(
        certificate_number="GF150202240001", kind="green_food", enterprise=plain, product="甲乙", certifying_body="丙丁"
    )
    CertificationFactory(
        certificate_number="124OP2400003", enterprise=cashmere, product="羊绒衫 100%_wool", certifying_body="认证中心"
    )
    CertificationFactory(certificate_number="124OP2400004", enterprise=plain, product="稀土永磁", certifying_body="甲")
    BrandFactory(name="伊利", enterprise=dairy, description="乳制品 dairy")
    BrandFactory(name="鄂尔多斯", enterprise=cashmere, description="羊绒 CASHMERE")
    BrandFactory(name="稀土之都", enterprise=plain)
    TrademarkFactory(mark_text="伊利", enterprise=dairy, registration_number="10000001")
    TrademarkFactory(
        mark_text="ERDOS", enterprise=None, region=None, owner_name="鄂尔多斯羊绒集团", registration_number=None
    )


def searched(register: str, q: str) -> set[int]:
    filterset_class, selector = REGISTERS[register]
    filterset = filterset_class({"q": q}, queryset=selector())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def by_icontains(register: str, q: str) -> set[int]:
    """The rule as it reads: every word in one of the FilterSet's fields, ``icontains`` through joins."""
    filterset_class, selector = REGISTERS[register]
    qs = selector()
    for word in q.split()[:5]:
        cond = Q()
        for field in filterset_class.search_fields:
            cond |= Q(**{f"{field}__icontains": word})
        qs = qs.filter(cond)
    return set(qs.values_list("pk", flat=True))


WORDS = [
    "有机",  # two characters, the most common Chinese search
    "奶",  # one character
    "有机牛奶",
    "牛奶有",  # every character present, not in this order
    "乙丙",  # across two fields of one certification: not a match
    "organic",  # Latin, whatever the case
    "MILK",
    "cashmere",
    "124op24",
    "124OP2400003",
    "GF150202",
    "100%",  # LIKE's wildcards are plain characters
    "%_w",
    "_",
    "伊利",  # in the holder's or owner's name
    "乳业",
    "有限公司",
    "内蒙古 有机",  # every word must be found
    "甲",
    "不存在",
]


@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("q", WORDS)
def test_a_search_finds_exactly_what_icontains_finds(texts, register, q):
    assert searched(register, q) == by_icontains(register, q)


def found(register: str, q: str, field: str) -> set[str]:
    model = {"certifications": Certification, "brands": Brand, "trademarks": Trademark}[register]
    return set(model.objects.filter(pk__in=searched(register, q)).values_list(field, flat=True))


def test_the_words_find_what_a_reader_expects(texts):
    assert found("certifications", "有机", "certificate_number") == {"124OP2400001"}
    assert found("certifications", "milk", "certificate_number") == {"124OP2400001"}
    assert found("certifications", "乳业", "certificate_number") == {"124OP2400001"}  # the holder's name
    assert found("certifications", "乙丙", "certificate_number") == set()  # "甲乙" and "丙丁" are two fields
    assert found("certifications", "100%_", "certificate_number") == {"124OP2400003"}
    assert found("certifications", "内蒙古 有机", "certificate_number") == {"124OP2400001"}
    assert found("brands", "cashmere", "name") == {"鄂尔多斯"}
    assert found("brands", "有限公司", "name") == {"伊利", "稀土之都"}
    assert found("trademarks", "羊绒", "mark_text") == {"ERDOS"}  # the owner as published
    assert found("trademarks", "乳业", "mark_text") == {"伊利"}


@pytest.mark.parametrize("register", ["certifications", "brands", "trademarks"])
def test_a_holder_name_that_many_enterprises_share_finds_the_same_records(texts, monkeypatch, register):
    """Above RELATED_KEYS_MAX matching enterprises the search selects them in a subquery instead of by key."""
    monkeypatch.setattr(search, "RELATED_KEYS_MAX", 1)
    for q in ("有限公司", "内蒙古", "伊利", "有限公司 有机", "不存在"):
        assert searched(register, q) == by_icontains(register, q), q


@pytest.mark.parametrize(
    ("word", "pieces"),
    [
        ("乳", [(1, 1)]),
        ("乳业", [(1, 2)]),
        ("伊利乳", [(1, 2), (2, 2)]),
        ("有限公司", [(1, 2), (3, 2)]),
        ("124OP", [(1, 2), (3, 2), (4, 2)]),
    ],
)
def test_a_word_is_looked_up_by_the_pairs_that_cover_it(word, pieces):
    assert search.word_grams(word) == pieces
    covered = set()
    for start, length in pieces:
        covered |= set(range(start, start + length))
    assert covered == set(range(1, len(word) + 1))


# --- PostgreSQL: the index --------------------------------------------------------------------------------


@postgresql_only
@pytest.mark.parametrize(
    ("register", "index"),
    [("certifications", "cert_search_idx"), ("brands", "brand_search_idx"), ("enterprises", "enterprise_search_idx")],
)
def test_the_search_reads_the_grams_index(texts, register, index):
    """The search writes the indexed text exactly as the migration did, or PostgreSQL could not use the index."""
    filterset_class, selector = REGISTERS[register]
    qs = filterset_class({"q": "有机"}, queryset=selector()).qs
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # leaves bitmap scans, which need an index condition
    assert index in qs.explain()


@postgresql_only
def test_the_grams_are_every_character_and_pair_upper_cased(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT registry_search_grams(%s)", ["伊利 Milk"])
        grams = set(cursor.fetchone()[0])
    assert {"伊", "利", "伊利", "M", "I", "L", "K", "MI", "IL", "LK"} <= grams
    assert "" not in grams and "mi" not in grams


# --- the migration ------------------------------------------------------------------------------------------


def _function_and_indexes() -> tuple[bool, set[str]]:
    if connection.vendor != "postgresql":
        return False, set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'registry_search_grams'")
        function = cursor.fetchone()[0] == 1
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%search_idx"])
        indexes = {row[0] for row in cursor.fetchall()}
    return function, indexes


@pytest.mark.django_db(transaction=True)
def test_the_migrations_go_back_and_forth_on_either_database():
    """PostgreSQL gets the function and three indexes; SQLite nothing (it searches without an index)."""
    expected = (True, {"cert_search_idx", "brand_search_idx", "enterprise_search_idx"})
    assert _function_and_indexes() == (expected if connection.vendor == "postgresql" else (False, set()))

    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0004_audit_chain_required")])
    assert _function_and_indexes() == (False, set())

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert _function_and_indexes() == (expected if connection.vendor == "postgresql" else (False, set()))
    enterprise = EnterpriseFactory(
        name="伊利乳业", region=Region.objects.create(code="150105", name_zh="赛罕区", level="county")
    )
    EnterpriseFactory(name="包头稀土", region=enterprise.region)
    assert list(EnterpriseFilter({"q": "乳业"}, queryset=public_enterprises()).qs) == [enterprise]
