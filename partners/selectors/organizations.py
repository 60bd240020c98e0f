"""Reads of the organization directory. Every function takes the workspace as a keyword.

The directory page, its CSV export and the API list share ``DirectoryQuery`` and
``organization_search``: one place decides what a search and each filter mean.

- ``q``: full-text search over name and mission. On PostgreSQL a ``simple``-configured
  tsvector (no stemming, so names match as typed) with prefix matching of every word,
  served by the GIN expression index of migration 0003; on SQLite every word must occur
  in the name or the mission.
- ``sectors`` and ``countries``: any of the values (an organization has one of each).
- ``sdgs``, ``tags``, ``offers`` and ``needs``: all of the values.
- ``region``: a case-insensitive substring of the region or city.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from partnerhub.models import Membership, Workspace
from partnerhub.permissions import Action
from partners.models import (
    SDG_NAMES,
    Commitment,
    Contact,
    Organization,
    OrganizationImport,
    OrganizationTrait,
    Partnership,
    PartnershipMember,
    Resource,
    Sector,
    TraitKind,
)
from partners.selectors_partnerships import partnerships_visible_to

# The text the search index covers; migration 0003 indexes exactly this expression.
SEARCH_CONFIG = "simple"
SEARCH_FIELDS = ("name", "mission")

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-updated": ("-updated_at", "-id"),
    "sector": ("sector", "name", "id"),
}
SORT_LABELS = {"name": "Name", "-updated": "Recently updated", "sector": "Sector"}
DEFAULT_SORT = "name"

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class DirectoryQuery:
    """What a visitor asks of the directory; empty values mean 'no filter'."""

    q: str = ""
    sectors: tuple[str, ...] = ()
    sdgs: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    region: str = ""
    sort: str = DEFAULT_SORT

    @property
    def is_filtered(self) -> bool:
        return any(
            (self.q.strip(), self.sectors, self.sdgs, self.tags, self.offers, self.needs)
        ) or bool(self.countries or self.region.strip())

    @property
    def ordering(self) -> tuple[str, ...]:
        return SORTS.get(self.sort, SORTS[DEFAULT_SORT])


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class Facets:
    """How many organizations of the filtered set have each value."""

    total: int = 0
    sectors: list[FacetValue] = field(default_factory=list)
    sdgs: list[FacetValue] = field(default_factory=list)
    offers: list[FacetValue] = field(default_factory=list)
    needs: list[FacetValue] = field(default_factory=list)
    tags: list[FacetValue] = field(default_factory=list)


# --- Lists and single organizations ---------------------------------------------------


def organization_list(*, workspace: Workspace) -> QuerySet[Organization]:
    return Organization.objects.for_workspace(workspace).order_by("name", "id")


def organization_get(*, workspace: Workspace, pk: int) -> Organization:
    """The organization, or Organization.DoesNotExist (the same for 'not yours')."""
    return Organization.objects.for_workspace(workspace).get(pk=pk)


def _traits_prefetch(workspace: Workspace) -> Prefetch:
    return Prefetch(
        "traits",
        queryset=OrganizationTrait.objects.for_workspace(workspace)
        .only("id", "organization_id", "kind", "value")
        .order_by("kind", "value"),
    )


def _contacts_prefetch(workspace: Workspace) -> Prefetch:
    return Prefetch(
        "contacts", queryset=Contact.objects.for_workspace(workspace).order_by("name", "id")
    )


def organization_get_detail(*, workspace: Workspace, pk: int) -> Organization:
    """The organization with its traits and contacts (two more queries, prefetched)."""
    return (
        Organization.objects.for_workspace(workspace)
        .prefetch_related(_traits_prefetch(workspace), _contacts_prefetch(workspace))
        .get(pk=pk)
    )


def traits_of(organization: Organization) -> dict[str, list[Any]]:
    """The prefetched traits grouped by kind: sdgs (ints, sorted), tags, offers, needs."""
    grouped: dict[str, list[Any]] = {"sdgs": [], "tags": [], "offers": [], "needs": []}
    for trait in organization.traits.all():
        if trait.kind == TraitKind.SDG:
            grouped["sdgs"].append(int(trait.value))
        elif trait.kind == TraitKind.TAG:
            grouped["tags"].append(trait.value)
        elif trait.kind == TraitKind.OFFERS:
            grouped["offers"].append(trait.value)
        elif trait.kind == TraitKind.NEEDS:
            grouped["needs"].append(trait.value)
    for values in grouped.values():
        values.sort()
    return grouped


# --- Search and filters ---------------------------------------------------------------


def search_words(text: str) -> list[str]:
    """The words of a search box, without any query syntax (safe for to_tsquery)."""
    return [word.lower() for word in _WORD.findall(text)][:10]


def _apply_search(queryset: QuerySet[Organization], text: str) -> QuerySet[Organization]:
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        raw = " & ".join(f"{word}:*" for word in words)
        vector = SearchVector(*SEARCH_FIELDS, config=SEARCH_CONFIG)
        query = SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
        return queryset.annotate(search=vector).filter(search=query)
    for word in words:
        queryset = queryset.filter(Q(name__icontains=word) | Q(mission__icontains=word))
    return queryset


def _has_trait(workspace: Workspace, kind: str, value: str) -> Exists:
    return Exists(
        OrganizationTrait.objects.for_workspace(workspace).filter(
            organization_id=OuterRef("pk"), kind=kind, value=value
        )
    )


def organization_filter(
    *, workspace: Workspace, query: DirectoryQuery, queryset: QuerySet[Organization] | None = None
) -> QuerySet[Organization]:
    """The workspace's organizations matching ``query`` (unordered)."""
    qs = Organization.objects.for_workspace(workspace) if queryset is None else queryset
    qs = _apply_search(qs, query.q)
    if query.sectors:
        qs = qs.filter(sector__in=query.sectors)
    if query.countries:
        qs = qs.filter(country__in=[c.upper() for c in query.countries])
    if query.region.strip():
        qs = qs.filter(region__icontains=query.region.strip())
    wanted = [
        *((TraitKind.SDG, str(v)) for v in query.sdgs),
        *((TraitKind.TAG, v.strip().lower()) for v in query.tags),
        *((TraitKind.OFFERS, v) for v in query.offers),
        *((TraitKind.NEEDS, v) for v in query.needs),
    ]
    for kind, value in wanted:
        qs = qs.filter(_has_trait(workspace, kind, value))
    return qs


def organization_search(*, workspace: Workspace, query: DirectoryQuery) -> QuerySet[Organization]:
    """The filtered directory in the query's order, traits prefetched."""
    qs = organization_filter(workspace=workspace, query=query).order_by(*query.ordering)
    qs = qs.prefetch_related(_traits_prefetch(workspace))
    return qs


def organization_page(
    *, workspace: Workspace, query: DirectoryQuery, page: int, page_size: int
) -> list[Organization]:
    """One page of the filtered directory: one query for the rows, one for their traits."""
    start = max(page - 1, 0) * page_size
    return list(organization_search(workspace=workspace, query=query)[start : start + page_size])


def _facet_counts(
    *, workspace: Workspace, query: DirectoryQuery
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Sector counts and trait counts per kind; each facet is counted over the set filtered
    by every *other* facet, so its numbers say what choosing that value would give."""
    sector_counts = dict(
        organization_filter(workspace=workspace, query=replace(query, sectors=()))
        .order_by()
        .values("sector")
        .annotate(n=Count("*"))
        .values_list("sector", "n")
    )
    # Each trait facet: its own filter's values, and the query without that filter.
    own_filter: dict[str, tuple[tuple[Any, ...], DirectoryQuery]] = {
        TraitKind.SDG: (query.sdgs, replace(query, sdgs=())),
        TraitKind.TAG: (query.tags, replace(query, tags=())),
        TraitKind.OFFERS: (query.offers, replace(query, offers=())),
        TraitKind.NEEDS: (query.needs, replace(query, needs=())),
    }
    # Kinds without a filter of their own share one query over the whole filtered set.
    groups: list[tuple[DirectoryQuery, list[str]]] = [
        (query, [kind for kind, (values, _) in own_filter.items() if not values])
    ]
    for kind, (values, without) in own_filter.items():
        if values:
            groups.append((without, [kind]))
    by_kind: dict[str, dict[str, int]] = {kind: {} for kind in TraitKind.values}
    for group_query, kinds in groups:
        if not kinds:
            continue
        filtered = organization_filter(workspace=workspace, query=group_query)
        rows = (
            OrganizationTrait.objects.for_workspace(workspace)
            .filter(kind__in=kinds, organization_id__in=filtered.order_by().values("pk"))
            .order_by()
            .values("kind", "value")
            .annotate(n=Count("*"))
            .values_list("kind", "value", "n")
        )
        for kind, value, n in rows:
            by_kind[kind][value] = n
    return sector_counts, by_kind


def organization_facets(*, workspace: Workspace, query: DirectoryQuery) -> Facets:
    """Counts per sector, SDG, offered and needed resource and tag.

    GROUP BY queries in the database: two, plus one per trait facet that is itself
    filtered (at most six), whatever the number of organizations. ``total`` is the size
    of the filtered set (every organization has one sector).
    """
    sector_counts, by_kind = _facet_counts(workspace=workspace, query=query)
    if query.sectors:
        total = sum(n for sector, n in sector_counts.items() if sector in query.sectors)
    else:
        total = sum(sector_counts.values())
    facets = Facets(total=total)
    facets.sectors = [
        FacetValue(value, label, sector_counts.get(value, 0)) for value, label in Sector.choices
    ]
    sdg_counts = by_kind[TraitKind.SDG]
    facets.sdgs = [
        FacetValue(str(number), f"SDG {number}: {name}", sdg_counts.get(str(number), 0))
        for number, name in SDG_NAMES.items()
    ]
    facets.offers = [
        FacetValue(v, label, by_kind[TraitKind.OFFERS].get(v, 0)) for v, label in Resource.choices
    ]
    facets.needs = [
        FacetValue(v, label, by_kind[TraitKind.NEEDS].get(v, 0)) for v, label in Resource.choices
    ]
    tags = sorted(by_kind[TraitKind.TAG].items(), key=lambda item: (-item[1], item[0]))
    facets.tags = [FacetValue(tag, tag, n) for tag, n in tags[:50]]
    return facets


# --- Export: keyset batches -----------------------------------------------------------


def _after(keys: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows after ``values`` in the order ``keys`` (``-`` for descending): a keyset."""
    condition = Q()
    for i, key in enumerate(keys):
        name = key.lstrip("-")
        op = "lt" if key.startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for prev_key, prev_value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{prev_key.lstrip("-"): prev_value})
        condition |= step
    return condition


def organization_export_batches(
    *, workspace: Workspace, query: DirectoryQuery, batch_size: int = 1000
) -> Iterator[list[Organization]]:
    """The filtered directory in batches, each fetched after the last row of the one
    before (keyset: no OFFSET scans); traits prefetched per batch."""
    keys = query.ordering
    base = organization_search(workspace=workspace, query=query)
    last: list[Any] | None = None
    while True:
        qs = base if last is None else base.filter(_after(keys, last))
        batch = list(qs[:batch_size])
        if not batch:
            return
        yield batch
        if len(batch) < batch_size:
            return
        tail = batch[-1]
        last = [getattr(tail, key.lstrip("-")) for key in keys]


# --- The organization page: partnerships and commitments -------------------------------


class Viewer(Protocol):
    """Who is reading: ``partnerhub.access.WorkspaceAccess`` fits."""

    @property
    def organization_id(self) -> int | None: ...

    def can(self, action: Action) -> bool: ...


def _visible_memberships(*, workspace: Workspace, viewer: Viewer) -> QuerySet[PartnershipMember]:
    """Partnership memberships the viewer may see: those of the partnerships the access
    rule (partners.selectors_partnerships.partnerships_visible_to) lets them see."""
    visible = partnerships_visible_to(workspace=workspace, access=viewer)
    return PartnershipMember.objects.for_workspace(workspace).filter(partnership__in=visible)


def organization_partnerships(
    *, workspace: Workspace, organization: Organization, viewer: Viewer
) -> list[PartnershipMember]:
    """The organization's memberships the viewer may see, current first; one query."""
    members = (
        _visible_memberships(workspace=workspace, viewer=viewer)
        .filter(organization=organization)
        .select_related("partnership")
    )
    return sorted(members, key=lambda m: (m.left_on is not None, m.partnership.name.lower(), m.pk))


def organization_commitments(
    *, workspace: Workspace, organization: Organization, viewer: Viewer
) -> list[Commitment]:
    """What the organization pledged through its (visible) memberships, with the total
    delivered on each; one query."""
    visible = _visible_memberships(workspace=workspace, viewer=viewer).filter(
        organization=organization
    )
    return list(
        Commitment.objects.for_workspace(workspace)
        .filter(member__in=visible)
        .select_related("partnership")
        .annotate(
            delivered=Coalesce(
                Sum("deliveries__amount"),
                Value(0),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            )
        )
        .order_by("partnership__name", "pledged_on", "id")
    )


# --- Deletion checks ------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationUsage:
    current_partnerships: list[str]
    past_partnerships: list[str]
    led_partnerships: list[str]
    partner_users: int

    @property
    def in_use(self) -> bool:
        return bool(
            self.current_partnerships
            or self.past_partnerships
            or self.led_partnerships
            or self.partner_users
        )


def organization_usage(*, workspace: Workspace, organization: Organization) -> OrganizationUsage:
    """What keeps an organization from being deleted."""
    members = PartnershipMember.objects.for_workspace(workspace).filter(organization=organization)
    current = sorted(
        set(members.filter(left_on__isnull=True).values_list("partnership__name", flat=True))
    )
    past = sorted(
        set(members.filter(left_on__isnull=False).values_list("partnership__name", flat=True))
        - set(current)
    )
    led = sorted(
        Partnership.objects.for_workspace(workspace)
        .filter(lead_organization=organization)
        .values_list("name", flat=True)
    )
    partner_users = Membership.objects.filter(
        workspace=workspace, organization_id=organization.pk
    ).count()
    return OrganizationUsage(current, past, led, partner_users)


# --- Imports --------------------------------------------------------------------------


def organization_import_get(*, workspace: Workspace, pk: int) -> OrganizationImport:
    return (
        OrganizationImport.objects.for_workspace(workspace).select_related("created_by").get(pk=pk)
    )


def organization_import_list(*, workspace: Workspace, limit: int = 10) -> list[OrganizationImport]:
    return list(
        OrganizationImport.objects.for_workspace(workspace)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class ExistingOrganization:
    """What the import compares a row against."""

    pk: int
    name: str
    values: dict[str, Any]


def organization_import_index(
    *, workspace: Workspace
) -> tuple[dict[str, ExistingOrganization], dict[str, ExistingOrganization]]:
    """Every organization of the workspace by lower-case name and by lower-case IATI id,
    with its fields and traits in the import's shape. Two queries, whatever the size."""
    fields = (
        "name",
        "sector",
        "mission",
        "website",
        "country",
        "region",
        "size",
        "iati_identifier",
    )
    rows = Organization.objects.for_workspace(workspace).values_list("pk", *fields)
    traits: dict[int, dict[str, set[str]]] = {}
    for org_id, kind, value in (
        OrganizationTrait.objects.for_workspace(workspace)
        .values_list("organization_id", "kind", "value")
        .iterator(chunk_size=5000)
    ):
        traits.setdefault(org_id, {}).setdefault(kind, set()).add(value)
    by_name: dict[str, ExistingOrganization] = {}
    by_iati: dict[str, ExistingOrganization] = {}
    for pk, *values in rows.iterator(chunk_size=5000):
        data = dict(zip(fields, values, strict=True))
        own = traits.get(pk, {})
        data["sdgs"] = tuple(sorted(int(v) for v in own.get(TraitKind.SDG, ())))
        data["tags"] = tuple(sorted(own.get(TraitKind.TAG, ())))
        data["offers"] = tuple(sorted(own.get(TraitKind.OFFERS, ())))
        data["needs"] = tuple(sorted(own.get(TraitKind.NEEDS, ())))
        existing = ExistingOrganization(pk=pk, name=data["name"], values=data)
        by_name[data["name"].lower()] = existing
        if data["iati_identifier"]:
            by_iati[data["iati_identifier"].lower()] = existing
    return by_name, by_iati


def organization_name_taken(
    *, workspace: Workspace, name: str, exclude_pk: int | None = None
) -> bool:
    qs = Organization.objects.for_workspace(workspace).filter(name__iexact=name)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def organization_iati_taken(
    *, workspace: Workspace, iati_identifier: str, exclude_pk: int | None = None
) -> bool:
    qs = Organization.objects.for_workspace(workspace).filter(
        iati_identifier__iexact=iati_identifier
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()
