"""Public pages of the certification and demonstration-zone registers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from certifications.exports import CERTIFICATIONS, ZONES
from certifications.filters import CertificationFilter, DemonstrationZoneFilter
from certifications.selectors import public_certifications, public_zones
from core.views import RegisterListView, register_export


class CertificationListView(RegisterListView):
    filterset_class = CertificationFilter
    template_name = "certifications/certification_list.html"
    title = _("Certifications")
    search_placeholder = _("Certificate number, product, holder or certifying body")
    export_url_name = "certifications:certification_export"

    def get_queryset(self) -> QuerySet:
        return public_certifications()


class ZoneListView(RegisterListView):
    filterset_class = DemonstrationZoneFilter
    template_name = "certifications/zone_list.html"
    title = _("Demonstration zones and pilots")
    search_placeholder = _("Zone name or lead body")
    export_url_name = "certifications:zone_export"

    def get_queryset(self) -> QuerySet:
        return public_zones()


def certification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certification = get_object_or_404(public_certifications(), pk=pk)
    return render(request, "certifications/certification_detail.html", {"certification": certification})


def zone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    zone = get_object_or_404(public_zones(), pk=pk)
    return render(request, "certifications/zone_detail.html", {"zone": zone})


def certification_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return register_export(request, fmt=fmt, list_view=CertificationListView, export=CERTIFICATIONS)


def zone_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return register_export(request, fmt=fmt, list_view=ZoneListView, export=ZONES)


certification_list = CertificationListView.as_view()
zone_list = ZoneListView.as_view()
