"""Writes of the organization directory: create, update, delete, contacts.

Every function takes the workspace and the acting user (None when an API key acts) as
keyword arguments, validates with ``clean_organization_fields`` (shared with the CSV
import, so a form, the API and a file obey the same rules) and raises Django's
ValidationError with per-field messages. Traits (SDGs, tags, offers, needs) are rows of
OrganizationTrait, replaced in the same transaction as the organization.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models, transaction
from django.utils import timezone

from partnerhub.models import ApiKey, EventAction, User, Workspace
from partnerhub.services.activity import diff, record_event, snapshot
from partners.models import (
    SDG_NAMES,
    Contact,
    Organization,
    OrganizationSize,
    OrganizationTrait,
    Resource,
    Sector,
    TraitKind,
)
from partners.selectors.organizations import (
    organization_iati_taken,
    organization_name_taken,
    organization_usage,
)

logger = logging.getLogger(__name__)


def _max_length(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField)
    return field.max_length or 0


_MAX = {
    name: _max_length(Organization, name)
    for name in ("name", "website", "region", "iati_identifier")
}
TRAIT_MAX_LENGTH = _max_length(OrganizationTrait, "value")
MAX_TAGS = 30

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_IATI = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]*$")
_SDG = re.compile(r"^(?:sdg)?\s*0*(\d{1,2})$", re.IGNORECASE)
_url_validator = URLValidator(schemes=["http", "https"])
_email_validator = EmailValidator()


def _choice_lookup(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Codes and labels, case-insensitively, to codes ("Community group" -> community)."""
    lookup: dict[str, str] = {}
    for code, label in choices:
        for key in (code, label, code.replace("_", " ")):
            lookup[" ".join(key.lower().split())] = code
    return lookup


SECTOR_LOOKUP = _choice_lookup(Sector.choices)
SIZE_LOOKUP = _choice_lookup(OrganizationSize.choices)
RESOURCE_LOOKUP = _choice_lookup(Resource.choices)


@dataclass(frozen=True)
class OrganizationFields:
    """An organization's values after validation, in one canonical shape."""

    name: str
    sector: str
    mission: str = ""
    website: str = ""
    country: str = ""
    region: str = ""
    size: str = ""
    iati_identifier: str = ""
    sdgs: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def traits(self) -> set[tuple[str, str]]:
        return {
            *((TraitKind.SDG.value, str(n)) for n in self.sdgs),
            *((TraitKind.TAG.value, t) for t in self.tags),
            *((TraitKind.OFFERS.value, r) for r in self.offers),
            *((TraitKind.NEEDS.value, r) for r in self.needs),
        }


# --- Validation shared by forms, the API and the import ------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return re.split(r"[;,]", value)
    return list(value)


def _text(raw: Mapping[str, Any], key: str) -> str:
    """A one-line value with its whitespace collapsed; the mission keeps its lines."""
    value = raw.get(key)
    if value is None:
        return ""
    if key == "mission":
        return str(value).strip()
    return " ".join(str(value).split())


def normalize_tag(value: str) -> str:
    return " ".join(str(value).split()).lower()


def _clean_sdgs(values: list[Any], errors: list[str]) -> tuple[int, ...]:
    numbers: set[int] = set()
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            number: int | None = value
        else:
            text = str(value).strip()
            if not text:
                continue
            match = _SDG.match(text)
            number = int(match.group(1)) if match else None
        if number is None or number not in SDG_NAMES:
            errors.append(f"“{value}” is not an SDG: use numbers from 1 to 17.")
            continue
        numbers.add(number)
    return tuple(sorted(numbers))


def _clean_resources(values: list[Any], errors: list[str]) -> tuple[str, ...]:
    codes: set[str] = set()
    for value in values:
        text = " ".join(str(value).split()).lower()
        if not text:
            continue
        code = RESOURCE_LOOKUP.get(text)
        if code is None:
            errors.append(
                f"“{value}” is not a resource. Choose from: {', '.join(Resource.values)}."
            )
            continue
        codes.add(code)
    return tuple(sorted(codes))


def _clean_tags(values: list[Any], errors: list[str]) -> tuple[str, ...]:
    tags: set[str] = set()
    parts = [part for value in values for part in re.split(r"[;,]", str(value))]
    for value in parts:
        tag = normalize_tag(value)
        if not tag:
            continue
        if len(tag) > TRAIT_MAX_LENGTH:
            errors.append(f"A tag can have at most {TRAIT_MAX_LENGTH} characters: “{tag[:20]}…”.")
            continue
        tags.add(tag)
    if len(tags) > MAX_TAGS:
        errors.append(f"At most {MAX_TAGS} tags.")
    return tuple(sorted(tags))


def clean_organization_fields(
    raw: Mapping[str, Any],
) -> tuple[OrganizationFields | None, dict[str, list[str]]]:
    """Validate and normalize an organization's values (no database access).

    Multi-values (sdgs, tags, offers, needs) may be lists or text separated by ``;`` or
    ``,``; sector, size and resources may be codes or labels in any case. Returns the
    canonical values, or None and the messages per field.
    """
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = _text(raw, "name")
    if not name:
        fail("name", "Enter the organization's name.")
    elif len(name) > _MAX["name"]:
        fail("name", f"At most {_MAX['name']} characters.")

    sector_text = " ".join(_text(raw, "sector").lower().split())
    sector = SECTOR_LOOKUP.get(sector_text, "")
    if not sector_text:
        fail("sector", "Choose a sector.")
    elif not sector:
        fail(
            "sector",
            f"“{_text(raw, 'sector')}” is not a sector. Choose from: {', '.join(Sector.values)}.",
        )

    mission = _text(raw, "mission")

    website = _text(raw, "website")
    if website:
        if "://" not in website:
            website = "https://" + website
        try:
            _url_validator(website)
        except ValidationError:
            fail("website", "Enter a web address such as https://example.org.")
        if len(website) > _MAX["website"]:
            fail("website", f"At most {_MAX['website']} characters.")

    country = _text(raw, "country").upper()
    if country and not _COUNTRY.match(country):
        fail("country", "Use a two-letter ISO 3166 country code such as KE or DE.")

    region = _text(raw, "region")
    if len(region) > _MAX["region"]:
        fail("region", f"At most {_MAX['region']} characters.")

    size_text = " ".join(_text(raw, "size").lower().split())
    size = SIZE_LOOKUP.get(size_text, "") if size_text else ""
    if size_text and not size:
        fail("size", f"Choose a size from: {', '.join(OrganizationSize.values)}.")

    iati = _text(raw, "iati_identifier")
    if iati and (not _IATI.match(iati) or len(iati) > _MAX["iati_identifier"]):
        fail("iati_identifier", "Use an IATI organisation identifier such as GB-CHC-202918.")

    multi: dict[str, tuple[Any, ...]] = {}
    for field, cleaner in (
        ("sdgs", _clean_sdgs),
        ("tags", _clean_tags),
        ("offers", _clean_resources),
        ("needs", _clean_resources),
    ):
        messages: list[str] = []
        multi[field] = cleaner(_as_list(raw.get(field)), messages)
        for message in messages:
            fail(field, message)

    if errors:
        return None, errors
    return (
        OrganizationFields(
            name=name,
            sector=sector,
            mission=mission,
            website=website,
            country=country,
            region=region,
            size=size,
            iati_identifier=iati,
            sdgs=multi["sdgs"],  # type: ignore[arg-type]
            tags=multi["tags"],  # type: ignore[arg-type]
            offers=multi["offers"],  # type: ignore[arg-type]
            needs=multi["needs"],  # type: ignore[arg-type]
        ),
        {},
    )


def _validated(raw: Mapping[str, Any]) -> OrganizationFields:
    fields, errors = clean_organization_fields(raw)
    if fields is None:
        raise ValidationError(errors)
    return fields


def _check_unique(
    *, workspace: Workspace, fields: OrganizationFields, exclude_pk: int | None = None
) -> None:
    errors: dict[str, list[str]] = {}
    if organization_name_taken(workspace=workspace, name=fields.name, exclude_pk=exclude_pk):
        errors["name"] = ["An organization with this name is already in the directory."]
    if fields.iati_identifier and organization_iati_taken(
        workspace=workspace, iati_identifier=fields.iati_identifier, exclude_pk=exclude_pk
    ):
        errors["iati_identifier"] = [
            "An organization with this IATI identifier is already in the directory."
        ]
    if errors:
        raise ValidationError(errors)


def _check_workspace(workspace: Workspace, organization: Organization) -> None:
    if organization.workspace_id != workspace.pk:
        raise ValidationError("Choose an organization of this workspace.")


# --- Contacts -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactFields:
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""


def clean_contact_fields(raw: Mapping[str, Any]) -> tuple[ContactFields | None, list[str]]:
    name = " ".join(str(raw.get("name") or "").split())
    title = " ".join(str(raw.get("title") or "").split())
    email = str(raw.get("email") or "").strip().lower()
    phone = " ".join(str(raw.get("phone") or "").split())
    errors: list[str] = []
    if not name:
        errors.append("enter the contact's name")
    if len(name) > 200 or len(title) > 200:
        errors.append("name and title have at most 200 characters")
    if email:
        try:
            _email_validator(email)
        except ValidationError:
            errors.append(f"“{email}” is not a valid email address")
    if len(phone) > 40 or (phone and not re.fullmatch(r"[0-9+()./ -]+", phone)):
        errors.append("enter a phone number of digits, spaces and + ( ) - . /")
    if errors:
        return None, errors
    return ContactFields(name=name, title=title, email=email, phone=phone), []


def _contact_or_error(raw: Mapping[str, Any], position: int | None = None) -> ContactFields:
    fields, errors = clean_contact_fields(raw)
    if fields is None:
        where = f"Contact {position}: " if position is not None else ""
        message = where + "; ".join(errors)
        raise ValidationError({"contacts": [message[0].upper() + message[1:] + "."]})
    return fields


def _sync_contacts(
    *, workspace: Workspace, organization: Organization, contacts: Sequence[Mapping[str, Any]]
) -> None:
    """Make the organization's contacts exactly ``contacts``: items with an ``id`` update
    that contact, items without one are added, contacts not named are removed."""
    existing = {
        c.pk: c for c in Contact.objects.for_workspace(workspace).filter(organization=organization)
    }
    keep: set[int] = set()
    new: list[Contact] = []
    now = timezone.now()
    for position, raw in enumerate(contacts, start=1):
        fields = _contact_or_error(raw, position)
        contact_id = raw.get("id")
        if contact_id in (None, ""):
            new.append(
                Contact(
                    workspace=workspace,
                    organization=organization,
                    created_at=now,
                    updated_at=now,
                    **asdict(fields),
                )
            )
            continue
        try:
            contact = existing[int(contact_id)]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                {"contacts": [f"Contact {position}: no such contact of this organization."]}
            ) from exc
        keep.add(contact.pk)
        if any(getattr(contact, k) != v for k, v in asdict(fields).items()):
            for key, value in asdict(fields).items():
                setattr(contact, key, value)
            contact.save()
    removed = [pk for pk in existing if pk not in keep]
    if removed:
        Contact.objects.for_workspace(workspace).filter(pk__in=removed).delete()
    if new:
        Contact.objects.bulk_create(new)


def contact_add(
    *, workspace: Workspace, actor: User | None, organization: Organization, **values: Any
) -> Contact:
    _check_workspace(workspace, organization)
    fields = _contact_or_error(values)
    with transaction.atomic():
        contact = Contact.objects.create(
            workspace=workspace, organization=organization, **asdict(fields)
        )
        organization.save(update_fields=["updated_at"])
    return contact


def contact_update(
    *, workspace: Workspace, actor: User | None, contact: Contact, **values: Any
) -> Contact:
    if contact.workspace_id != workspace.pk:
        raise ValidationError("Choose a contact of this workspace.")
    fields = _contact_or_error(values)
    with transaction.atomic():
        for key, value in asdict(fields).items():
            setattr(contact, key, value)
        contact.save()
        Organization.objects.for_workspace(workspace).filter(pk=contact.organization_id).update(
            updated_at=timezone.now()
        )
    return contact


def contact_remove(*, workspace: Workspace, actor: User | None, contact: Contact) -> None:
    if contact.workspace_id != workspace.pk:
        raise ValidationError("Choose a contact of this workspace.")
    with transaction.atomic():
        organization_id = contact.organization_id
        contact.delete()
        Organization.objects.for_workspace(workspace).filter(pk=organization_id).update(
            updated_at=timezone.now()
        )


# --- Organizations --------------------------------------------------------------------


def _replace_traits(
    *, workspace: Workspace, organization: Organization, fields: OrganizationFields
) -> None:
    """Make the organization's trait rows exactly the ones ``fields`` describe."""
    wanted = fields.traits()
    current = {
        (kind, value): pk
        for pk, kind, value in OrganizationTrait.objects.for_workspace(workspace)
        .filter(organization=organization)
        .values_list("pk", "kind", "value")
    }
    stale = [pk for key, pk in current.items() if key not in wanted]
    if stale:
        OrganizationTrait.objects.for_workspace(workspace).filter(pk__in=stale).delete()
    now = timezone.now()
    OrganizationTrait.objects.bulk_create(
        [
            OrganizationTrait(
                workspace=workspace,
                organization=organization,
                kind=kind,
                value=value,
                created_at=now,
                updated_at=now,
            )
            for kind, value in sorted(wanted - set(current))
        ]
    )


_SCALARS = ("name", "sector", "mission", "website", "country", "region", "size", "iati_identifier")


def organization_create(
    *,
    workspace: Workspace,
    actor: User | ApiKey | None,
    contacts: Sequence[Mapping[str, Any]] = (),
    **values: Any,
) -> Organization:
    """A new organization of the directory, with its traits and contacts.

    ``values``: name, sector, mission, website, country, region, size, iati_identifier,
    sdgs, tags, offers, needs (see ``clean_organization_fields``).
    """
    fields = _validated(values)
    with transaction.atomic():
        _check_unique(workspace=workspace, fields=fields)
        organization = Organization(
            workspace=workspace, **{key: getattr(fields, key) for key in _SCALARS}
        )
        organization.save()
        _replace_traits(workspace=workspace, organization=organization, fields=fields)
        if contacts:
            _sync_contacts(workspace=workspace, organization=organization, contacts=contacts)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=organization,
            changes=snapshot(organization, _SCALARS),
        )
    logger.info(
        "organization %s created by %s",
        organization.pk,
        actor.pk if actor else "an API key",
        extra={"workspace": workspace.slug},
    )
    return organization


def organization_update(
    *,
    workspace: Workspace,
    actor: User | ApiKey | None,
    organization: Organization,
    contacts: Sequence[Mapping[str, Any]] | None = None,
    **values: Any,
) -> Organization:
    """Replace the organization's values and traits; with ``contacts``, also make its
    contacts exactly those (see ``_sync_contacts``). Everything in one transaction."""
    _check_workspace(workspace, organization)
    fields = _validated(values)
    with transaction.atomic():
        _check_unique(workspace=workspace, fields=fields, exclude_pk=organization.pk)
        before = snapshot(organization, _SCALARS)
        for key in _SCALARS:
            setattr(organization, key, getattr(fields, key))
        organization.save()  # also moves updated_at when only traits or contacts change
        _replace_traits(workspace=workspace, organization=organization, fields=fields)
        if contacts is not None:
            _sync_contacts(workspace=workspace, organization=organization, contacts=contacts)
        changes = diff(before, snapshot(organization, _SCALARS))
        if changes:
            record_event(
                workspace=workspace,
                actor=actor,
                action=EventAction.UPDATE,
                target=organization,
                changes=changes,
            )
    logger.info(
        "organization %s updated by %s",
        organization.pk,
        actor.pk if actor else "an API key",
        extra={"workspace": workspace.slug},
    )
    return organization


def organization_values(organization: Organization) -> dict[str, Any]:
    """The organization's current values in the services' input shape (for partial
    updates: start from these, change some, pass them to ``organization_update``)."""
    values: dict[str, Any] = {key: getattr(organization, key) for key in _SCALARS}
    grouped: dict[str, list[str]] = {kind: [] for kind in TraitKind.values}
    for trait in organization.traits.all():
        grouped[trait.kind].append(trait.value)
    values["sdgs"] = sorted(int(v) for v in grouped[TraitKind.SDG])
    values["tags"] = sorted(grouped[TraitKind.TAG])
    values["offers"] = sorted(grouped[TraitKind.OFFERS])
    values["needs"] = sorted(grouped[TraitKind.NEEDS])
    return values


def organization_delete(
    *, workspace: Workspace, actor: User | ApiKey | None, organization: Organization
) -> None:
    """Delete an organization no partnership and no partner user depends on.

    Refused (ValidationError) while it is a current member of a partnership, appears in
    a partnership's history or leads one, or partner users represent it.
    """
    _check_workspace(workspace, organization)
    with transaction.atomic():
        usage = organization_usage(workspace=workspace, organization=organization)
        if usage.in_use:
            reasons = []
            if usage.current_partnerships:
                reasons.append("it is a current member of " + _names(usage.current_partnerships))
            if usage.led_partnerships:
                reasons.append("it leads " + _names(usage.led_partnerships))
            if usage.past_partnerships:
                reasons.append(
                    "it was a member of "
                    + _names(usage.past_partnerships)
                    + " (deleting it would erase that history)"
                )
            if usage.partner_users:
                people = "person" if usage.partner_users == 1 else "people"
                reasons.append(
                    f"{usage.partner_users} partner {people} of this workspace represent it "
                    "(change their role or organization first)"
                )
            raise ValidationError(
                f"{organization.name} cannot be deleted: " + "; ".join(reasons) + ".",
                code="in_use",
            )
        pk = organization.pk
        last_values = snapshot(organization, _SCALARS)
        organization.delete()
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.DELETE,
            target=organization,
            changes=last_values,
            object_id=pk,
        )
    logger.info(
        "organization %s deleted by %s",
        pk,
        actor.pk if actor else "an API key",
        extra={"workspace": workspace.slug},
    )


def _names(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(f"“{n}”" for n in names[:limit])
    more = len(names) - limit
    label = "partnership" if len(names) == 1 else "partnerships"
    return f"{label} {shown}" + (f" and {more} more" if more > 0 else "")
