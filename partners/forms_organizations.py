"""Forms of the organization directory: the filter form, the organization with its
contacts, and the CSV upload.

They parse input only. The rules (names and IATI identifiers unique in the workspace,
known sectors, SDGs 1-17, ...) live in ``partners.services.organizations``, whose
ValidationErrors the views attach to these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms

from partners.models import SDG_NAMES, OrganizationSize, Resource, Sector
from partners.selectors.organizations import (
    DEFAULT_SORT,
    SORT_LABELS,
    DirectoryQuery,
    Facets,
)

PAGE_SIZE = 25
MAX_PAGE = 400  # a directory is small; a bound keeps OFFSET cheap all the same


def _with_counts(
    choices: list[tuple[str, str]], counts: dict[str, int], *, blank: str
) -> list[tuple[str, str]]:
    return [("", blank)] + [
        (value, f"{label} ({counts.get(value, 0)})") for value, label in choices
    ]


class DirectoryFilterForm(forms.Form):
    """The directory's GET form. Every choice shows how many organizations it gives."""

    q = forms.CharField(
        label="Search", required=False, max_length=200, help_text="Words in the name or mission."
    )
    sector = forms.ChoiceField(label="Sector", required=False)
    sdg = forms.ChoiceField(label="SDG focus area", required=False)
    tag = forms.CharField(label="Focus tag", required=False, max_length=60)
    offers = forms.ChoiceField(label="Offers", required=False)
    needs = forms.ChoiceField(label="Needs", required=False)
    country = forms.CharField(
        label="Country",
        required=False,
        max_length=2,
        help_text="Two-letter code, e.g. KE.",
    )
    region = forms.CharField(label="Region or city", required=False, max_length=120)
    sort = forms.ChoiceField(
        label="Sort by", required=False, choices=list(SORT_LABELS.items()), initial=DEFAULT_SORT
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._set_choices(None)

    def _set_choices(self, facets: Facets | None) -> None:
        def counts(values: list[Any] | None) -> dict[str, int]:
            return {f.value: f.count for f in values or []}

        def plain(choices: list[tuple[str, str]], blank: str) -> list[tuple[str, str]]:
            return [("", blank), *choices]

        sdg_choices = [(str(n), f"SDG {n}: {name}") for n, name in SDG_NAMES.items()]
        specs: dict[str, tuple[list[tuple[str, str]], str, list[Any] | None]] = {
            "sector": (list(Sector.choices), "Any sector", facets.sectors if facets else None),
            "sdg": (sdg_choices, "Any SDG", facets.sdgs if facets else None),
            "offers": (
                list(Resource.choices),
                "Offers anything",
                facets.offers if facets else None,
            ),
            "needs": (list(Resource.choices), "Needs anything", facets.needs if facets else None),
        }
        for name, (choices, blank, facet) in specs.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = (
                _with_counts(choices, counts(facet), blank=blank)
                if facet is not None
                else plain(choices, blank)
            )

    def show_counts(self, facets: Facets) -> None:
        """Label each choice with its count (after the facets are known)."""
        self._set_choices(facets)

    def directory_query(self) -> DirectoryQuery:
        """The query the valid parts of the form describe (invalid parts are ignored)."""
        data = self.cleaned_data if self.is_valid() else self._valid_parts()
        return DirectoryQuery(
            q=data.get("q") or "",
            sectors=(data["sector"],) if data.get("sector") else (),
            sdgs=(int(data["sdg"]),) if data.get("sdg") else (),
            tags=(data["tag"].strip().lower(),) if (data.get("tag") or "").strip() else (),
            offers=(data["offers"],) if data.get("offers") else (),
            needs=(data["needs"],) if data.get("needs") else (),
            countries=(data["country"].strip().upper(),)
            if (data.get("country") or "").strip()
            else (),
            region=data.get("region") or "",
            sort=data.get("sort") or DEFAULT_SORT,
        )

    def _valid_parts(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    @property
    def page_number(self) -> int:
        if self.is_valid() and self.cleaned_data.get("page"):
            return int(self.cleaned_data["page"])
        return 1


class OrganizationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    sector = forms.ChoiceField(label="Sector", choices=[("", "Choose a sector"), *Sector.choices])
    mission = forms.CharField(
        label="Mission", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    website = forms.CharField(
        label="Website",
        required=False,
        max_length=200,
        help_text="For example https://example.org",
        widget=forms.URLInput,
    )
    country = forms.CharField(
        label="Country",
        required=False,
        max_length=2,
        help_text="Two-letter ISO 3166 code, e.g. KE for Kenya.",
    )
    region = forms.CharField(label="Region or city", required=False, max_length=120)
    size = forms.ChoiceField(
        label="Size", required=False, choices=[("", "Not stated"), *OrganizationSize.choices]
    )
    iati_identifier = forms.CharField(
        label="IATI organisation identifier",
        required=False,
        max_length=100,
        help_text="Optional, e.g. GB-CHC-202918.",
    )
    sdgs = forms.MultipleChoiceField(
        label="SDG focus areas",
        required=False,
        choices=[(str(n), f"{n}. {name}") for n, name in SDG_NAMES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label="Focus tags",
        required=False,
        max_length=1000,
        help_text="Free words, separated by commas, e.g. youth, clean water.",
    )
    offers = forms.MultipleChoiceField(
        label="Offers",
        required=False,
        choices=Resource.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    needs = forms.MultipleChoiceField(
        label="Needs", required=False, choices=Resource.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["tags"] = data.get("tags") or ""
        return data


class ContactForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Name", required=False, max_length=200)
    title = forms.CharField(label="Title", required=False, max_length=200)
    email = forms.EmailField(label="Email", required=False)
    phone = forms.CharField(label="Phone", required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not any(data.get(k) for k in ("name", "title", "email", "phone"))


class _ContactFormSet(forms.BaseFormSet):
    def contact_values(self) -> list[dict[str, Any]]:
        """The contacts to keep, in the services' shape (blank and deleted rows dropped)."""
        contacts = []
        for form in self.forms:
            if not form.has_changed() and not form.cleaned_data.get("id"):
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.is_blank() and not form.cleaned_data.get("id"):
                continue
            contacts.append(
                {k: form.cleaned_data.get(k) for k in ("id", "name", "title", "email", "phone")}
            )
        return contacts


ContactFormSet = forms.formset_factory(
    ContactForm, formset=_ContactFormSet, extra=1, can_delete=True, max_num=50
)


class OrganizationImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV with a header row. Columns: name, sector (required), mission, "
            "website, country, region, size, iati_identifier, sdgs, tags, offers, needs; "
            "several values in one cell are separated by “;”."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
