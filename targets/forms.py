"""Forms of the leadership group's pages: the dashboard filters and recording a measurement."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.selectors import leagues
from targets.models import Plan, Target, TargetGroup


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ProgressFilterForm(forms.Form):
    """Plan, target group, league/city and "as of" date of the dashboard (a GET form).

    Always bound: the view fills in the plan it resolved and today where the query string leaves the date
    out, so an invalid field falls back to its default and the others still apply. ``keep`` names the
    fields a page uses (the others are dropped).
    """

    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=Plan.objects.all(), to_field_name="code", required=False, empty_label=None
    )
    group = forms.ModelChoiceField(
        label=_("Target group"),
        queryset=TargetGroup.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All groups"),
    )
    league = forms.ModelChoiceField(
        label=_("League / city"),
        queryset=leagues(),
        to_field_name="code",
        required=False,
        empty_label=_("Whole autonomous region"),
    )
    as_of = forms.DateField(label=_("As of"), required=False, widget=DateInput())

    def __init__(
        self, data, *, plan: Plan, today: datetime.date, keep: tuple[str, ...] | None = None, **kwargs
    ) -> None:
        data = data.copy()
        data["plan"] = plan.code  # the view has resolved it (an unknown plan is a 404)
        if not data.get("as_of"):
            data["as_of"] = today.isoformat()
        super().__init__(data, **kwargs)
        self.plan, self.today = plan, today
        for name in list(self.fields):
            if keep is not None and name not in keep:
                del self.fields[name]
        if "group" in self.fields:
            self.fields["group"].queryset = TargetGroup.objects.filter(targets__plan=plan).distinct()
        self.fields["as_of"].widget.attrs.update({"min": plan.period_start.isoformat(), "max": today.isoformat()})

    def clean_as_of(self) -> datetime.date:
        day = self.cleaned_data.get("as_of") or self.today
        if day > self.today:
            raise forms.ValidationError(
                _("The date %(day)s is in the future: choose a day up to today (%(today)s)."),
                code="future",
                params={"day": day.isoformat(), "today": self.today.isoformat()},
            )
        if day < self.plan.period_start:
            raise forms.ValidationError(
                _("The plan starts on %(start)s: choose a day on or after it."),
                code="before_plan",
                params={"start": self.plan.period_start.isoformat()},
            )
        return day

    def value_of(self, name: str, default: Any = None) -> Any:
        """A field's cleaned value, or ``default`` where the field was invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name, default)


class MeasurementForm(forms.Form):
    """A reported target's value on a date, for the whole region or one league/city."""

    measured_on = forms.DateField(label=_("Measured on"), widget=DateInput())
    value = forms.DecimalField(label=_("Value"), max_digits=14, decimal_places=2)
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        help_text=_("The report or notice the value comes from, e.g. the annual quality bulletin."),
    )
    region = forms.ModelChoiceField(
        label=_("League / city"),
        queryset=leagues(),
        to_field_name="code",
        required=False,
        empty_label=_("Whole autonomous region"),
    )

    def __init__(self, *args, target: Target, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.target = target
        self.fields["measured_on"].widget.attrs["max"] = today.isoformat()
        if target.unit == "percent":
            self.fields["value"].widget.attrs.update({"min": "0", "max": "100", "step": "0.01"})
            self.fields["value"].help_text = _("A percentage, 0 to 100.")
        elif target.unit == "yes/no":
            self.fields["value"].widget.attrs.update({"min": "0", "max": "1", "step": "1"})
            self.fields["value"].help_text = _("1 for yes, 0 for no.")
