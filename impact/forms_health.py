"""Forms of the health check pages. They parse input; the services decide what is valid
(their ValidationErrors come back to the fields through ``partnerhub.web.attach_errors``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from impact.models import HEALTH_FACTOR_SHORT_NAMES, HealthCheckRound, HealthFactor
from impact.selectors_health import HEALTH_SCALE
from impact.services_health import COMMENT_MAX_LENGTH, TITLE_MAX_LENGTH
from partners.forms_partnerships import DateInput

__all__ = ["HealthAnswerForm", "HealthRoundForm"]

SCALE_CHOICES = [(str(score), f"{score} · {label}") for score, label in HEALTH_SCALE]


class HealthRoundForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=TITLE_MAX_LENGTH, help_text="For example “Spring 2026”."
    )
    opens_on = forms.DateField(
        label="Opening date", widget=DateInput(), help_text="Today or later."
    )
    closes_on = forms.DateField(
        label="Closing date",
        widget=DateInput(),
        help_text="People can answer, and change their answers, until the end of this day.",
    )

    def __init__(
        self, *args: Any, opens_editable: bool = True, closes_editable: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not opens_editable:  # the round has opened: its opening date stays
            del self.fields["opens_on"]
        if not closes_editable:  # the round has closed: so do its dates
            del self.fields["closes_on"]

    @staticmethod
    def initial_for(health_round: HealthCheckRound) -> dict[str, Any]:
        return {
            "title": health_round.title,
            "opens_on": health_round.opens_on,
            "closes_on": health_round.closes_on,
        }


@dataclass(frozen=True)
class FactorFields:
    """One question of the survey: its statement and its two fields."""

    factor: str
    name: str
    statement: str
    score: forms.BoundField
    comment: forms.BoundField


class HealthAnswerForm(forms.Form):
    """One fieldset per factor: the statement, the 1-5 scale as radio buttons, and an
    optional comment. Built from ``HealthFactor`` so that a factor added later appears."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for factor, statement in HealthFactor.choices:
            self.fields[f"score_{factor}"] = forms.ChoiceField(
                label=str(statement),
                choices=SCALE_CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose an answer from 1 to 5."},
            )
            self.fields[f"comment_{factor}"] = forms.CharField(
                label="Comment (optional)",
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @staticmethod
    def initial_for(answers: dict[str, tuple[int, str]]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for factor, (score, comment) in answers.items():
            initial[f"score_{factor}"] = str(score)
            initial[f"comment_{factor}"] = comment
        return initial

    def factor_fields(self) -> list[FactorFields]:
        return [
            FactorFields(
                factor=factor,
                name=HEALTH_FACTOR_SHORT_NAMES.get(factor, factor),
                statement=str(statement),
                score=self[f"score_{factor}"],
                comment=self[f"comment_{factor}"],
            )
            for factor, statement in HealthFactor.choices
        ]

    def answers(self) -> dict[str, tuple[Any, Any]]:
        """The cleaned answers as the service takes them: {factor: (score, comment)}."""
        data = self.cleaned_data
        return {
            factor: (data.get(f"score_{factor}"), data.get(f"comment_{factor}", ""))
            for factor in HealthFactor.values
        }
