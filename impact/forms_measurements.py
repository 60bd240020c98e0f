"""Forms of the figure pages. They parse input; ``impact.services_measurements`` decides
what is valid (its ValidationErrors come back through ``partnerhub.web.attach_errors``)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms

from goals.forms import MAX_VERSION
from impact.models import VALUE_DECIMALS, VALUE_DIGITS, Measurement, ValueType
from impact.selectors_measurements import DimensionCategories
from impact.services_measurements import EVIDENCE_UPLOADS, LINK_MAX_LENGTH, NOTE_MAX_LENGTH
from impact.templatetags.figures import plain
from partnerhub.api.filters import MAX_ID
from partners.uploads import UploadValidator

__all__ = ["BulkReviewForm", "MeasurementForm", "ReviewForm"]

SAVE_DRAFT = "draft"
SUBMIT = "submit"
VERSION_MISSING = "The form lost the version you saw: reload the page and enter the figure again."


def _amount_field(label: str, *, required: bool, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )


class MeasurementForm(forms.Form):
    """A figure: the total, one number per category of each dimension, a note and the
    evidence. Short enough for a phone; the buttons say whether it goes to review."""

    value = _amount_field("Value", required=True)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="How the figure was counted, or anything the reviewer should know.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_file = forms.FileField(
        label="Evidence file",
        required=False,
        validators=[UploadValidator.for_rule(EVIDENCE_UPLOADS)],
        help_text=f"{EVIDENCE_UPLOADS.describe()}. The type is checked from the content.",
    )
    evidence_link = forms.URLField(
        label="Evidence link",
        required=False,
        max_length=LINK_MAX_LENGTH,
        assume_scheme="https",
        help_text="A web address (http or https) where the evidence can be seen. "
        "Left empty, the current evidence stays.",
    )
    remove_evidence = forms.BooleanField(label="Remove the current evidence", required=False)
    # 0: there was no figure yet when the form was shown.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        max_value=MAX_VERSION,
        error_messages={key: VERSION_MISSING for key in ("required", "invalid", "min_value")},
    )

    def __init__(
        self,
        *args: Any,
        dimensions: list[DimensionCategories] | None = None,
        value_type: str = ValueType.NUMBER,
        unit: str = "",
        has_evidence: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions or []
        self.value_type = value_type
        self.fields["value"].label = f"Value ({unit})" if unit else "Value"
        if value_type == ValueType.PERCENTAGE:
            self.fields["value"].help_text = "A percentage from 0 to 100."
            self.fields["value"].widget.attrs["max"] = "100"
        self.fields["evidence_file"].widget.attrs["accept"] = EVIDENCE_UPLOADS.accept
        if not has_evidence:
            del self.fields["remove_evidence"]
        for group in self.dimensions:
            for category in group.categories:
                self.fields[self.category_field(category.pk)] = _amount_field(
                    category.name, required=False
                )

    @staticmethod
    def category_field(category_id: int) -> str:
        return f"category_{category_id}"

    @staticmethod
    def initial_for(
        measurement: Measurement | None, breakdown: dict[int, Decimal]
    ) -> dict[str, Any]:
        if measurement is None:
            return {"version": 0}
        initial: dict[str, Any] = {
            "value": plain(measurement.value),
            "note": measurement.note,
            "version": measurement.version,
        }
        for category_id, part in breakdown.items():
            initial[MeasurementForm.category_field(category_id)] = plain(part)
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "version" in self.errors:  # hidden: tell the person above the form
            self.add_error(None, VERSION_MISSING)
        return cleaned

    def breakdown(self) -> dict[int, Decimal]:
        """{category id: value} of the categories filled in."""
        parts: dict[int, Decimal] = {}
        for group in self.dimensions:
            for category in group.categories:
                part = self.cleaned_data.get(self.category_field(category.pk))
                if part is not None:
                    parts[category.pk] = part
        return parts

    def fieldsets(self) -> Iterator[tuple[DimensionCategories, list[forms.BoundField]]]:
        """Each dimension with the bound fields of its categories (one fieldset each)."""
        for group in self.dimensions:
            yield group, [self[self.category_field(c.pk)] for c in group.categories]

    def main_fields(self) -> list[forms.BoundField]:
        return [self["value"]]

    def detail_fields(self) -> list[forms.BoundField]:
        names = ["note", "evidence_file", "evidence_link"]
        if "remove_evidence" in self.fields:
            names.append("remove_evidence")
        return [self[name] for name in names]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=[("approve", "Approve"), ("return", "Return")]
    )
    note = forms.CharField(
        label="Review note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)


class BulkReviewForm(forms.Form):
    measurement = forms.TypedMultipleChoiceField(
        label="Figures", coerce=int, required=True, choices=()
    )
    decision = forms.ChoiceField(
        label="Decision", choices=[("approve", "Approve"), ("return", "Return")]
    )
    note = forms.CharField(label="Review note", required=False, max_length=NOTE_MAX_LENGTH)
    partnership = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any ids: the service looks each one up in the workspace and says which it skipped.
        posted = self.data.getlist("measurement") if hasattr(self.data, "getlist") else []
        field = self.fields["measurement"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(value, value) for value in posted]

    def ids(self) -> list[int]:
        return [pk for pk in self.cleaned_data.get("measurement", []) if 0 < pk <= MAX_ID]
