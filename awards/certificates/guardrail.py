"""Trademark Law of the PRC, art. 14(5): producers and traders may not put the words "驰名商标"
(well-known trademark) on goods, packaging or containers, or use them in advertising, exhibitions or
other commercial activities. A recognition of a well-known trademark is a fact the registry records
(``brands.Trademark`` tier), never something it certifies: no programme that names well-known
trademarks may issue certificates (checked on the programme and by a database constraint), and the
renderer refuses any certificate whose text carries the words.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

FORBIDDEN_ZH = ("驰名商标", "驰名")
FORBIDDEN_EN = ("well-known trademark", "well known trademark", "well-known mark")


def mentions_well_known_trademark(*texts: str) -> bool:
    for text in texts:
        lowered = (text or "").lower()
        if any(word in (text or "") for word in FORBIDDEN_ZH) or any(word in lowered for word in FORBIDDEN_EN):
            return True
    return False


def well_known_trademark_problem(*texts: str) -> str:
    """The refusal to show when a certificate-issuing programme would name well-known trademarks."""
    if mentions_well_known_trademark(*texts):
        return _(
            "Well-known trademark (驰名商标) recognitions are recorded in the trademark register but never get "
            "a certificate: Trademark Law art. 14 forbids promoting them. Leave the certificate prefix empty."
        )
    return ""
