"""Writes to the brand register from outside the admin. Each function checks who acts, validates with
the model's own rules, writes and audits in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from brands.models import Brand, BrandStatus
from core.audit import audit
from core.errors import PermissionDenied
from core.images import CleanImage, clean_image
from core.models import Enterprise, Role, User


def _duplicate_name(name: str) -> ValidationError:
    return ValidationError(
        {
            "name": ValidationError(
                _("Your enterprise already has a brand named “%(name)s”. Choose another name."),
                code="duplicate_brand",
                params={"name": name},
            )
        }
    )


@transaction.atomic
def brand_create(
    *,
    actor: User,
    enterprise: Enterprise,
    name: str,
    kind: str,
    industry: str,
    description: str = "",
    logo: UploadedFile | None = None,
    request_id: str = "",
) -> Brand:
    """Add a brand under cultivation to ``enterprise`` (by one of its users, or the programme office).

    The brand's region is the enterprise's. An optional ``logo`` goes through ``core.images.clean_image``
    (size cap, type by content, re-encoded, thumbnail) before anything is written. Raises
    ``ValidationError`` keyed by field (a name the enterprise already uses, a logo that is not a picture)
    and saves nothing then.
    """
    if not (
        actor.is_authenticated
        and actor.is_active
        and (actor.role == Role.STAFF or (actor.role == Role.ENTERPRISE and actor.enterprise_id == enterprise.pk))
    ):
        raise PermissionDenied(_("Only a user of the enterprise can add a brand to it."))
    name = (name or "").strip()
    image: CleanImage | None = None
    if logo:
        try:
            image = clean_image(logo, name="logo")
        except ValidationError as exc:
            raise ValidationError({"logo": exc.error_list}) from None
    brand = Brand(
        name=name,
        enterprise=enterprise,
        kind=kind,
        industry=industry,
        region_id=enterprise.region_id,
        description=(description or "").strip(),
        status=BrandStatus.CULTIVATING,
    )
    if name and Brand.objects.filter(enterprise=enterprise, name=name).exists():
        raise _duplicate_name(name)
    brand.full_clean()
    if image is not None:
        brand.logo = image.image
        brand.logo_thumbnail = image.thumbnail
    try:
        with transaction.atomic():  # a savepoint, so that a lost race is answered like a duplicate
            brand.save()
            audit(
                actor=actor,
                action="brand.create",
                obj=brand,
                after={
                    "name": brand.name,
                    "enterprise": enterprise.pk,
                    "kind": brand.kind,
                    "industry": brand.industry,
                    "region": brand.region_id,
                    "status": brand.status,
                    "logo": bool(brand.logo),
                },
                request_id=request_id,
            )
    except IntegrityError:
        # The same name added twice at the same moment: the unique constraint keeps one.
        _forget_logo(brand)
        raise _duplicate_name(name) from None
    except Exception:
        _forget_logo(brand)
        raise
    return brand


def _forget_logo(brand: Brand) -> None:
    """Remove stored logo files of a brand whose row was rolled back."""
    for field in (brand.logo, brand.logo_thumbnail):
        if field and getattr(field, "_committed", False):
            field.delete(save=False)
