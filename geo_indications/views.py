"""Public pages of the geographic-indication register."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from core.views import RegisterListView, register_export
from geo_indications.exports import GI_PRODUCTS
from geo_indications.filters import GIProductFilter
from geo_indications.selectors import gi_mark_users, public_gi_products


class GIProductListView(RegisterListView):
    filterset_class = GIProductFilter
    template_name = "geo_indications/gi_list.html"
    title = _("Geographic indication products")
    search_placeholder = _("Product, category or announcement number")
    export_url_name = "geo_indications:gi_export"

    def get_queryset(self) -> QuerySet:
        return public_gi_products()


def gi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    gi_product = get_object_or_404(public_gi_products(), pk=pk)
    context = {
        "gi": gi_product,
        "protected_area": gi_product.protected_area.select_related("parent").order_by("code"),
        "mark_users": gi_mark_users(gi_product).select_related("enterprise__region__parent"),
    }
    return render(request, "geo_indications/gi_detail.html", context)


def gi_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return register_export(request, fmt=fmt, list_view=GIProductListView, export=GI_PRODUCTS)


gi_list = GIProductListView.as_view()
