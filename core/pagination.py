"""Pagination of the register lists (pages and API): Django's paginator, whose count may stop at a cap.

Counting every record a search matches costs as much as reading them all: a word found in most of a million
certifications ("有限公司", "内蒙古") would take seconds to count, however quickly its first page comes. With a
cap, at most ``cap + 1`` records are counted; beyond, ``count_capped`` is true and the total reads "more than
<cap>", on the page and in the API. Every page stays reachable, in the same order with the same records: a
page asks for one record more than it shows, to know whether a next page exists, and the page range ends with
an ellipsis instead of a last page number nobody counted.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

# Searches count this many matches at most (see the module docstring and docs/benchmarks.md).
SEARCH_COUNT_CAP = 1000


def stable_order(qs: QuerySet) -> QuerySet:
    """The chosen (or the model's) ordering with the primary key last, so pages never overlap."""
    ordering = list(qs.query.order_by) or list(qs.model._meta.ordering)
    return qs.order_by(*ordering, "pk")


class RegistryPaginator(Paginator):
    def __init__(self, object_list: QuerySet, per_page: int, *, count_cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.count_cap = count_cap
        self._reached = 0  # with a capped count: the highest page number known to exist
        self._end_found = False  # with a capped count: a page without a next one was read

    @cached_property
    def count(self) -> int:
        """The number of records; with a cap, at most ``count_cap + 1`` (see ``count_capped``)."""
        if self.count_cap is None:
            return super().count
        return self.object_list.order_by()[: self.count_cap + 1].count()

    @property
    def count_capped(self) -> bool:
        """True when counting stopped at the cap: there are more than ``count_cap`` records."""
        return self.count_cap is not None and self.count > self.count_cap

    @property
    def shown_count(self) -> int:
        """The total to show: the count, or the cap when there are more records than that."""
        return self.count_cap if self.count_capped else self.count

    @property
    def num_pages(self) -> int:
        """The number of pages; with a capped count, those known to exist so far (a lower bound)."""
        counted = super().num_pages if not self.count_capped else math.ceil(self.count / self.per_page)
        return max(counted, self._reached)

    def validate_number(self, number: Any) -> int:
        if not self.count_capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number  # whether the page exists is known once it is read

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not self.count_capped:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self._rows(bottom, top), number, self)
        rows = list(self._rows(bottom, bottom + self.per_page + 1))
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        has_next = len(rows) > self.per_page
        self._reached = max(self._reached, number + has_next)
        self._end_found |= not has_next
        return CappedPage(rows[: self.per_page], number, self, has_next=has_next)

    def _rows(self, bottom: int, top: int) -> QuerySet:
        """The records from ``bottom`` to ``top``: their keys first, in a subquery that reads only the list's
        filters and order (from an index, where the register has one that holds them), then those records
        alone, with everything the list shows. The records passed over to reach the page, or left out by a
        filter, are never joined to their enterprise and region."""
        qs = self.object_list
        if not _keys_first(qs):
            return qs[bottom:top]
        query = qs.query
        rows = qs.model._default_manager.filter(pk__in=qs.values("pk")[bottom:top])
        rows.query.select_related = query.select_related
        rows.query.order_by = query.order_by
        rows.query.default_ordering = query.default_ordering
        rows.query.standard_ordering = query.standard_ordering
        rows._prefetch_related_lookups = qs._prefetch_related_lookups
        return rows

    def get_page(self, number: Any) -> Page:
        """Like Django's: a page number that is not a number gives the first page, one out of range the last
        page counted (with a capped count the true last page is not known)."""
        if not self.count_capped:
            return super().get_page(number)
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(math.ceil(self.count / self.per_page))

    def get_elided_page_range(self, number: int = 1, *, on_each_side: int = 3, on_ends: int = 2) -> Iterator:
        if not self.count_capped:
            yield from super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
            return
        number = self.validate_number(number)
        if number > 1 + on_each_side + on_ends:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
            yield from range(number - on_each_side, number + 1)
        else:
            yield from range(1, number + 1)
        last = min(number + on_each_side, self.num_pages)
        yield from range(number + 1, last + 1)
        if not (self._end_found and last == self.num_pages):
            yield self.ELLIPSIS  # more pages, not counted


class CappedPage(Page):
    """A page of a capped count: whether a next page exists was read with the page itself."""

    def __init__(self, object_list: list, number: int, paginator: RegistryPaginator, *, has_next: bool) -> None:
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1


def _keys_first(qs: Any) -> bool:
    """Whether a page of ``qs`` can be read by key (``RegistryPaginator._rows``): a plain list of model records,
    the related records it loads and its order, nothing computed per record."""
    if not isinstance(qs, QuerySet) or qs._iterable_class is not ModelIterable:
        return False
    query = qs.query
    return not (
        query.group_by is not None
        or query.distinct
        or query.annotations
        or query.extra
        or query.extra_order_by
        or query.deferred_loading != (frozenset(), True)
        or query.combinator
        or query.is_empty()
    )
