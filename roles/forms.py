"""The one form of the RACI matrix: one cell (an organization's letter on one item)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from roles.models import Raci

ITEM_PATTERN = re.compile(r"^(goal|milestone)-(\d+)$")
NO_ROLE = ""
LETTER_CHOICES = [(NO_ROLE, "— (no role)"), *Raci.choices]


class RaciCellForm(forms.Form):
    """Rendered by hand in the matrix (one small form per cell, each with its own label);
    used here to parse and validate what a cell posts."""

    item = forms.RegexField(regex=ITEM_PATTERN, label="Goal or milestone")
    organization = forms.IntegerField(label="Organization", min_value=1)
    raci = forms.ChoiceField(label="Role", choices=LETTER_CHOICES, required=False)

    def item_parts(self) -> tuple[str, int]:
        match = ITEM_PATTERN.match(self.cleaned_data["item"])
        assert match is not None
        return match.group(1), int(match.group(2))

    def first_error(self) -> str:
        for field, errors in self.errors.items():
            label = self.fields[field].label if field in self.fields else ""
            return f"{label}: {errors[0]}" if label else str(errors[0])
        return "The form has errors."

    @classmethod
    def letter_choices(cls) -> list[tuple[str, Any]]:
        return LETTER_CHOICES
