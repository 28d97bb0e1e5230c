"""Public pages of the shared kernel, and the plumbing every register list page uses."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from core import pagination
from core.exports import FORMATS, RegisterExport, export_filename, export_language, export_response, xlsx_max_rows
from core.exports_registers import ENTERPRISES
from core.filters import EnterpriseFilter
from core.pagination import RegistryPaginator, stable_order
from core.search import search_words
from core.selectors import public_enterprises

PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 20


def page_size_from(request: HttpRequest) -> int:
    """``?page_size=`` if it is one of the offered sizes, else the default."""
    try:
        size = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
    except (TypeError, ValueError):
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def prepare_filter_form(filterset: django_filters.FilterSet) -> None:
    """Presentation of the shared FilterSet on a page: a search box and a readable empty choice."""
    fields = filterset.form.fields
    if "q" in fields:
        fields["q"].widget.input_type = "search"
    for name, field in fields.items():
        if hasattr(field, "empty_label") and field.empty_label is not None:
            field.empty_label = _("Default order") if name == "ordering" else _("Any")
            # The widget keeps its own copy of the choices, made before the label changed.
            field.widget.choices = field.choices


class RegisterListView(View):
    """A public register list: the app's FilterSet over its public selector, sorted and paginated.

    Subclasses name the FilterSet, the selector, the template and the page title; the template
    extends ``includes/list_page.html`` and fills in the table header and one row. The query
    count does not depend on the page size (selectors load related rows with joins or one
    prefetch per relation).
    """

    filterset_class: ClassVar[type[django_filters.FilterSet]]
    template_name: ClassVar[str]
    title: ClassVar[str]
    search_placeholder: ClassVar[str] = ""
    export_url_name: ClassVar[str] = ""  # the register's download, "<app>:<register>_export"

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = self.filterset_class(request.GET or None, queryset=self.get_queryset(), request=request)
        prepare_filter_form(filterset)
        if self.search_placeholder and "q" in filterset.form.fields:
            filterset.form.fields["q"].widget.attrs["placeholder"] = self.search_placeholder
        form_invalid = filterset.is_bound and not filterset.is_valid()
        # With an invalid field the search is not run at all: results that silently ignore
        # the field (e.g. a mistyped credit code) would read as an answer.
        qs = filterset.queryset.none() if form_invalid else stable_order(filterset.qs)
        page_size = page_size_from(request)
        # A search counts its matches up to a cap (core.pagination); filters count exactly.
        searched = not form_invalid and bool(search_words(getattr(filterset.form, "cleaned_data", {}).get("q")))
        paginator = RegistryPaginator(qs, page_size, count_cap=pagination.SEARCH_COUNT_CAP if searched else None)
        page = paginator.get_page(request.GET.get("page"))
        filtered = any(value not in ("", None) for key, value in request.GET.items() if key in filterset.filters)
        context: dict[str, Any] = {
            "title": self.title,
            "filter": filterset,
            "form_invalid": form_invalid,
            "filtered": filtered,
            "paginator": paginator,
            "page_obj": page,
            "object_list": page.object_list,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "page_size": page_size,
            "page_sizes": PAGE_SIZES,
        }
        if self.export_url_name:
            context["export_links"] = {fmt: reverse(self.export_url_name, kwargs={"fmt": fmt}) for fmt in FORMATS}
            context["export_xlsx_max_rows"] = xlsx_max_rows()
            # A capped count is a lower bound: when it stays under the limit, the link stays, with the limit stated.
            context["export_xlsx_too_many"] = paginator.count > context["export_xlsx_max_rows"]
        return render(request, self.template_name, context)


def register_export(
    request: HttpRequest, *, fmt: str, list_view: type[RegisterListView], export: RegisterExport
) -> HttpResponse:
    """The download of a register list: the list view's own selector and FilterSet, the same querystring
    and order, every page. Filters the list page would refuse are a 400, not an empty file."""
    view = list_view()
    view.setup(request)
    filterset = view.filterset_class(request.GET or None, queryset=view.get_queryset(), request=request)
    if filterset.is_bound and not filterset.is_valid():
        errors = "\n".join(f"{name}: {' '.join(messages)}" for name, messages in filterset.errors.items())
        message = f"筛选条件有误，未能下载。\nThe filters are not valid; nothing was downloaded.\n{errors}\n"
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return export_response(
        stable_order(filterset.qs),
        export.columns,
        fmt,
        export_filename(export.name, fmt),
        lang=export_language(request),
        sheet_title=export.name,
    )


class EnterpriseListView(RegisterListView):
    filterset_class = EnterpriseFilter
    template_name = "core/enterprise_list.html"
    title = _("Enterprises")
    search_placeholder = _("Enterprise name or credit code")
    export_url_name = "core:enterprise_export"

    def get_queryset(self) -> QuerySet:
        return public_enterprises()


def enterprise_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return register_export(request, fmt=fmt, list_view=EnterpriseListView, export=ENTERPRISES)


enterprise_list = EnterpriseListView.as_view()
