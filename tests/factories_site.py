"""Extra factories and an HTML reader for the public-page tests (tests/test_pages_*.py)."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import factory

from brands.models import BrandEvaluation
from targets.models import Measurement, Target
from tests.factories import BrandFactory


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    target = factory.LazyFunction(lambda: Target.objects.get(code="PQ-01"))
    value = 97
    measured_on = datetime.date(2020, 12, 31)
    source = "年度质量状况报告"


class BrandEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandEvaluation

    brand = factory.SubFactory(BrandFactory)
    year = 2024
    value_cny_10k = "12345.60"
    evaluator = "品牌价值评价机构"
    rank = 7


# --- reading pages ---------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with ``tag`` whose attributes contain ``attrs`` (``class_`` matches one class)."""
        found = []
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            ok = True
            for key, value in attrs.items():
                if key == "class_":
                    ok = value in (node.attrs.get("class") or "").split()
                else:
                    ok = node.attrs.get(key.replace("_", "-")) == value
                if not ok:
                    break
            if ok:
                found.append(node)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        nodes = self.find_all(tag, **attrs)
        return nodes[0] if nodes else None

    def by_id(self, element_id: str) -> Node | None:
        return self.find(id=element_id)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response_or_html) -> Node:
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def table_rows(page: Node) -> list[Node]:
    """Body rows of the results table of a list page."""
    table = page.find("table", class_="data-table")
    return table.find("tbody").find_all("tr") if table else []


def row_links(page: Node) -> list[str]:
    """The text of the first cell (the record's link) of every result row."""
    return [row.find("th").text() for row in table_rows(page)]
