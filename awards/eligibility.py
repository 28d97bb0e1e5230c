"""Whether an enterprise may apply to a programme, with every reason it may not."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from awards.calendar import add_years
from awards.models import Award, AwardProgramme, AwardStatus
from core.models import CreditGrade, CreditRecord, Enterprise


def eligibility_problems(
    enterprise: Enterprise, programme: AwardProgramme, *, today: datetime.date | None = None
) -> list[str]:
    """Empty when the enterprise may apply; otherwise each reason, in words for the applicant."""
    today = today or timezone.localdate()
    problems = []
    if not programme.is_open:
        problems.append(_("This programme is not accepting applications at present."))
    if programme.refuse_credit_grade_d and enterprise.credit_grade == CreditGrade.D:
        problems.append(_("The enterprise's credit grade is D (untrustworthy)."))
    if programme.refuse_open_serious_violation:
        violation = CreditRecord.objects.open_serious_violations().filter(enterprise=enterprise).first()
        if violation:
            problems.append(
                _("The enterprise has an open serious violation recorded on %(date)s: %(text)s")
                % {"date": violation.recorded_on, "text": violation.description}
            )
    years = programme.refuse_revoked_award_years
    if years:
        revoked = (
            Award.objects.filter(
                enterprise=enterprise, status=AwardStatus.REVOKED, revoked_on__gt=add_years(today, -years)
            )
            .order_by("-revoked_on")
            .first()
        )
        if revoked:
            problems.append(
                _("An award of the enterprise was revoked on %(date)s, less than %(years)d years ago.")
                % {"date": revoked.revoked_on, "years": years}
            )
    return problems
