"""Forms of the review workspace and the public notice pages. They only parse input; the rules
(reasons required, scores in range, deadlines never shortened...) are the services' and their
errors are shown on the same forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from awards.models import AwardProgramme, Indicator, Objection, Recommendation
from core.models import Role, User


class NoSuffix:
    """Labels without the trailing colon, like the rest of the site's forms."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReasonsForm(NoSuffix, forms.Form):
    """The text that goes with a workflow action (a note, a request for information, the reasons)."""

    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, required: bool, label: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reasons"]
        field.required = required
        if label:
            field.label = label


class AssignForm(NoSuffix, forms.Form):
    """The committee picks a reviewer; reviewers linked to the applicant are marked as such."""

    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"), queryset=User.objects.none(), empty_label=_("Choose a reviewer")
    )

    def __init__(self, *args, linked_ids: set[int] = frozenset(), exclude_ids: set[int] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reviewer"]
        field.queryset = (
            User.objects.filter(role=Role.REVIEWER, is_active=True)
            .exclude(pk__in=exclude_ids)
            .select_related("jurisdiction")
            .order_by("jurisdiction_id", "username")
        )

        def label(user: User) -> str:
            name = user.get_full_name() or user.get_username()
            place = user.jurisdiction.name if user.jurisdiction_id else _("no jurisdiction")
            text = f"{name} ({place})"
            if user.pk in linked_ids:
                text += " — " + str(_("linked to the applicant: cannot review"))
            return text

        field.label_from_instance = label


class RecuseForm(NoSuffix, forms.Form):
    reason = forms.CharField(label=_("What is the conflict?"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(NoSuffix, forms.Form):
    """One score per indicator of the programme, a recommendation and a comment.

    The range of each score is checked by ``review_submit`` (the one rule for the page and the
    API); the inputs carry min and max so that the browser helps too.
    """

    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=Recommendation.choices)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000)

    def __init__(self, *args, programme: AwardProgramme, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.indicators: list[Indicator] = list(programme.indicators.all())
        scores = {}
        for indicator in self.indicators:
            scores[f"score_{indicator.code}"] = forms.DecimalField(
                label=indicator.name,
                max_digits=6,
                decimal_places=2,
                help_text=_("0 to %(max)d; weight %(weight)s%%")
                % {"max": indicator.max_score, "weight": indicator.weight},
                widget=forms.NumberInput(attrs={"min": 0, "max": indicator.max_score, "step": "0.5"}),
            )
        # Scores first, in the programme's order.
        self.fields = {**scores, **self.fields}

    def score_fields(self):
        return [self[f"score_{i.code}"] for i in self.indicators]

    def scores(self) -> dict[int, object]:
        return {i.pk: self.cleaned_data[f"score_{i.code}"] for i in self.indicators}

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error.messages)


class ObjectionAnswerForm(NoSuffix, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("dismissed", _("Not upheld")), ("upheld", _("Upheld"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class NoticeExtendForm(NoSuffix, forms.Form):
    deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ObjectionForm(NoSuffix, forms.ModelForm):
    """What a member of the public files against a notice; all three fields are required."""

    class Meta:
        model = Objection
        fields = ["name", "contact", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}
        labels = {"name": _("Your name"), "contact": _("Phone or email"), "text": _("Your objection")}
        help_texts = {
            "contact": _("Only the committee sees it, to reach you about your objection."),
            "text": _("Up to 5,000 characters. State the facts and, where you can, the evidence."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True
