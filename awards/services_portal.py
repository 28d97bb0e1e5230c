"""The enterprise portal's writes that combine several workflow services in one transaction.

A draft and its files are saved together or not at all: if one file is refused (its content is not
what its name says, it is too large, it is not a PDF or a picture), nothing is saved, neither the
application nor the other files. Each step is still the one service function of ``awards.services``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from awards.attachments import clean_attachment
from awards.models import Application, Attachment, AwardProgramme
from awards.services import application_create, application_update, attachment_add
from brands.models import Brand
from core.errors import DomainError
from core.models import User
from geo_indications.models import GIProduct


def _named(upload, exc: ValidationError) -> ValidationError:
    """The refusal with the file's name in it, so that among several files the right one is pointed out."""
    name = getattr(upload, "name", "") or ""  # Django keeps only the base name of an uploaded file
    errors = []
    for error in exc.error_list:
        text = " ".join(error.messages)
        if name and name not in text:
            text = _("%(name)s: %(error)s") % {"name": name, "error": text}
        errors.append(ValidationError(text, code=error.code))
    return ValidationError({"files": errors})


def _check_files(files: Iterable) -> list:
    """Check every file before anything is written, so a refused file leaves nothing behind on disk."""
    files = list(files)
    for upload in files:
        try:
            clean_attachment(upload)
        except ValidationError as exc:
            raise _named(upload, exc) from None
        upload.seek(0)
    return files


def _add_files(*, actor: User, application: Application, files: list) -> list[Attachment]:
    added: list[Attachment] = []
    try:
        for upload in files:
            added.append(attachment_add(actor=actor, application=application, upload=upload))
    except ValidationError as exc:
        _forget_files(added)
        raise _named(upload, exc) from None
    except Exception:
        _forget_files(added)
        raise
    return added


def _forget_files(attachments: list[Attachment]) -> None:
    """Remove the stored files of attachments whose rows are being rolled back."""
    for attachment in attachments:
        attachment.file.delete(save=False)


def application_start(
    *,
    actor: User,
    programme: AwardProgramme,
    brand: Brand | None = None,
    gi_product: GIProduct | None = None,
    statement: str = "",
    files: Iterable = (),
) -> Application:
    """Create a draft with its attachments, all in one transaction."""
    files = _check_files(files)
    try:
        with transaction.atomic():
            application = application_create(
                actor=actor, programme=programme, brand=brand, gi_product=gi_product, statement=statement
            )
            _add_files(actor=actor, application=application, files=files)
    except IntegrityError:
        # Two drafts for the same subject at the same moment: the database's unique constraint keeps one.
        raise DomainError(_("There is already an unfinished application for this subject."), code="duplicate") from None
    return application


def application_edit(*, actor: User, application: Application, statement: str, files: Iterable = ()) -> Application:
    """Change the statement and add attachments (a draft, or while information is requested), in one transaction."""
    files = _check_files(files)
    with transaction.atomic():
        application = application_update(actor=actor, application=application, statement=statement)
        _add_files(actor=actor, application=application, files=files)
    return application
