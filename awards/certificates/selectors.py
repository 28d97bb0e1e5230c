"""Reads of certificates for the portal and the committee desk."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from awards.certificates.models import Certificate, CertificateFile


def certificates_of(enterprise_id: int) -> QuerySet[Certificate]:
    return Certificate.objects.filter(enterprise_id=enterprise_id).select_related("programme")


def latest_file(certificate: Certificate) -> CertificateFile | None:
    return certificate.files.filter(version=certificate.version).first()


def certificate_file_response(stored: CertificateFile) -> FileResponse:
    """The stored PDF as a download (never through a public media URL)."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The certificate file is missing; ask the programme office to issue it again.")) from None
    name = (
        f"{stored.certificate.number}.pdf"
        if stored.version == 1
        else f"{stored.certificate.number}-{stored.version}.pdf"
    )
    response = FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
