"""Downloadable import templates: /import/templates/<kind>.<csv|xlsx>[?lang=en]."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from core.importing import UnknownKind, get_importer
from targets.importers import CONTENT_TYPES, FORMATS, render_template, template_filename


@require_safe
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The header row (Chinese by default, English with ?lang=en) and an example row, made from the
    importer's column declarations. Public: it holds no data."""
    if fmt not in FORMATS:
        raise Http404
    try:
        importer = get_importer(kind)
    except UnknownKind:
        raise Http404 from None
    lang = "en" if request.GET.get("lang", "").lower().startswith("en") else "zh-hans"
    response = HttpResponse(render_template(importer, fmt, lang), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{template_filename(kind, fmt, lang)}"'
    return response
