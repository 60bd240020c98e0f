"""Forms of the spreadsheet pages: the CSV file of figures to import."""

from __future__ import annotations

from typing import Any

from django import forms


class MeasurementImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV with a header row: indicator, period, organization, value, note, and "
            "one “Dimension: Category” column per category of a breakdown. At most 5 MB "
            "and 5,000 rows."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"
