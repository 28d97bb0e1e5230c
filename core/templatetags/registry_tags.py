"""Small presentation helpers shared by every public page (badges, regions, numbers, sorting, navigation)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()

# Units as the plan data spells them -> what a reader sees.
UNIT_LABELS = {
    "percent": "%",
    "yes/no": "",
    "brands": pgettext_lazy("unit", "brands"),
    "products": pgettext_lazy("unit", "products"),
    "trademarks": pgettext_lazy("unit", "trademarks"),
    "certifications": pgettext_lazy("unit", "certifications"),
    "enterprises": pgettext_lazy("unit", "enterprises"),
    "zones": pgettext_lazy("unit", "zones"),
    "cities": pgettext_lazy("unit", "cities"),
    "pilots": pgettext_lazy("unit", "pilots"),
    "systems": pgettext_lazy("unit", "systems"),
    "standards": pgettext_lazy("unit", "standards"),
    "platforms": pgettext_lazy("unit", "platforms"),
    "labs": pgettext_lazy("unit", "laboratories"),
    "centres": pgettext_lazy("unit", "centres"),
}

# Status value -> badge tone. The label is always printed as text; the colour only repeats it.
BADGE_TONES = {
    "recognised": "ok",
    "valid": "ok",
    "protected": "ok",
    "authorised": "ok",
    "named": "ok",
    "cultivating": "info",
    "applied": "info",
    "approved": "info",
    "under_acceptance": "info",
    "suspended": "warn",
    "expired": "muted",
    "cancelled": "muted",
    "revoked": "bad",
    # Applications and awards.
    "granted": "ok",
    "active": "ok",
    "draft": "info",
    "submitted": "info",
    "expert_review": "info",
    "committee_review": "info",
    "public_notice": "info",
    "more_information": "warn",
    "rejected": "bad",
    "withdrawn": "muted",
}


@register.simple_tag
def status_badge(status: str, label: str) -> str:
    tone = BADGE_TONES.get(status, "muted")
    return format_html('<span class="badge badge--{}">{}</span>', tone, label)


@register.filter
def region_path(region) -> str:
    """'League / county' for a county, the name alone for a league or the region (needs region__parent loaded)."""
    if region is None:
        return ""
    if region.level == "county" and region.parent_id:
        return f"{region.parent.name} · {region.name}"
    return region.name


@register.filter
def num(value) -> str:
    """A count or a measured value without trailing zeros, with thousands separators."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return intcomma(int(value))
    return intcomma(format(value.normalize(), "f"))


@register.filter
def unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


@register.filter
def measure(value, unit: str) -> str:
    """A value in its unit: '96.5%', 'Yes', '500 brands'."""
    if value is None or value == "":
        return ""
    if unit == "yes/no":
        return str(_("Yes") if Decimal(value) else _("No"))
    if unit == "percent":
        return f"{num(value)}%"
    return f"{num(value)} {unit_label(unit)}".strip()


@register.filter
def percent(value) -> str:
    """Whole percents, with one decimal below 10% where it still tells something (4.4%, not 0.0%)."""
    if value is None:
        return ""
    return f"{value:.0f}%" if value >= 10 or value == 0 else f"{value:.1f}%"


@register.inclusion_tag("includes/_sort_th.html", takes_context=True)
def sort_th(context, param: str, label: str) -> dict:
    """A column header that sorts by ``param`` (OrderingFilter value), toggling the direction."""
    request = context["request"]
    current = request.GET.get("ordering", "")
    if current == param:
        direction, next_value = "ascending", f"-{param}"
    elif current == f"-{param}":
        direction, next_value = "descending", param
    else:
        direction, next_value = "", param
    query = request.GET.copy()
    query["ordering"] = next_value
    query.pop("page", None)
    return {"label": label, "direction": direction, "href": f"?{query.urlencode()}"}


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, exact: bool = False) -> str:
    """A main-navigation link, marked ``aria-current="page"`` in its own section."""
    url = reverse(url_name)
    path = context["request"].path
    current = path == url if exact or url == "/" else path.startswith(url)
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', url, label)
    return format_html('<a href="{}">{}</a>', url, label)
