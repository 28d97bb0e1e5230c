"""Where certificate issuing plugs into the workflow (issue 4: numbering, PDF, signature, verification).

``award_certificate_issue`` is called by ``awards.services.application_grant`` inside the grant's
transaction. Until certificates exist it records nothing: the Award itself is the record of the grant.
"""

from __future__ import annotations

from awards.models import Award


def award_certificate_issue(award: Award) -> None:
    """Issue the certificate of ``award`` (inside the grant's transaction). Not built yet: see issue 4."""
    return None
