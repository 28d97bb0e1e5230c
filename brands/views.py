"""Public pages of the brand and trademark registers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from brands.exports import BRANDS, TRADEMARKS
from brands.filters import BrandFilter, TrademarkFilter
from brands.models import TrademarkTier
from brands.selectors import public_brands, public_trademarks
from core.views import RegisterListView, register_export


class BrandListView(RegisterListView):
    filterset_class = BrandFilter
    template_name = "brands/brand_list.html"
    title = _("Brands")
    search_placeholder = _("Brand, enterprise or keyword")
    export_url_name = "brands:brand_export"

    def get_queryset(self) -> QuerySet:
        return public_brands()


class TrademarkListView(RegisterListView):
    filterset_class = TrademarkFilter
    template_name = "brands/trademark_list.html"
    title = _("Trademarks")
    search_placeholder = _("Mark, registration number or owner")
    export_url_name = "brands:trademark_export"

    def get_queryset(self) -> QuerySet:
        return public_trademarks()


def brand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    brand = get_object_or_404(public_brands(), pk=pk)
    context = {
        "brand": brand,
        "trademarks": public_trademarks().filter(brand=brand),
        "evaluations": brand.evaluations.order_by("-year", "evaluator"),
    }
    return render(request, "brands/brand_detail.html", context)


def trademark_detail(request: HttpRequest, pk: int) -> HttpResponse:
    trademark = get_object_or_404(public_trademarks(), pk=pk)
    context = {
        "trademark": trademark,
        "recognised_tier": trademark.tier != TrademarkTier.REGISTERED,
    }
    return render(request, "brands/trademark_detail.html", context)


def brand_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return register_export(request, fmt=fmt, list_view=BrandListView, export=BRANDS)


def trademark_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return register_export(request, fmt=fmt, list_view=TrademarkListView, export=TRADEMARKS)


brand_list = BrandListView.as_view()
trademark_list = TrademarkListView.as_view()
