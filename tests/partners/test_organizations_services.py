"""The organization directory's services and selectors."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from partnerhub.models import Role
from partnerhub.tenancy import workspace_context
from partners.models import Contact, MemberRole, Organization, OrganizationTrait
from partners.selectors.organizations import (
    DirectoryQuery,
    _apply_search,
    organization_export_batches,
    organization_facets,
    organization_get_detail,
    organization_search,
    traits_of,
)
from partners.services.organizations import (
    clean_organization_fields,
    contact_add,
    contact_remove,
    contact_update,
    organization_delete,
    organization_update,
    organization_values,
)
from partners.services.partnerships import (
    partnership_create,
    partnership_member_add,
    partnership_member_remove,
)
from tests.factories import MembershipFactory
from tests.partners.org_helpers import make_org

pytestmark = pytest.mark.django_db


def _traits(workspace, organization) -> set[tuple[str, str]]:
    with workspace_context(workspace):
        return set(
            OrganizationTrait.objects.for_workspace(workspace)
            .filter(organization=organization)
            .values_list("kind", "value")
        )


# --- Validation -------------------------------------------------------------------------


def test_clean_normalizes_codes_labels_tags_and_website():
    fields, errors = clean_organization_fields(
        {
            "name": "  Clean   Water  Trust ",
            "sector": "Community group",
            "website": "water.example.org",
            "country": "ke",
            "size": "Small",
            "sdgs": ["6", "SDG 3", 6, "sdg17"],
            "tags": " Youth ;WASH,  clean   water ",
            "offers": ["Local knowledge", "funding"],
            "needs": "data;DATA",
        }
    )
    assert errors == {}
    assert fields is not None
    assert fields.name == "Clean Water Trust"
    assert fields.sector == "community"
    assert fields.website == "https://water.example.org"
    assert fields.country == "KE"
    assert fields.size == "small"
    assert fields.sdgs == (3, 6, 17)
    assert fields.tags == ("clean water", "wash", "youth")
    assert fields.offers == ("funding", "local_knowledge")
    assert fields.needs == ("data",)


def test_clean_reports_every_bad_field():
    fields, errors = clean_organization_fields(
        {
            "name": "",
            "sector": "pirates",
            "website": "not a url",
            "country": "Kenya",
            "size": "huge",
            "iati_identifier": "has spaces in it",
            "sdgs": ["18", "x"],
            "offers": ["gold"],
            "tags": ["x" * 61],
        }
    )
    assert fields is None
    assert set(errors) == {
        "name",
        "sector",
        "website",
        "country",
        "size",
        "iati_identifier",
        "sdgs",
        "offers",
        "tags",
    }
    assert len(errors["sdgs"]) == 2
    assert "1 to 17" in errors["sdgs"][0]


# --- Create and update ------------------------------------------------------------------


def test_create_writes_traits_and_contacts(cast_a):
    org = make_org(
        cast_a.workspace,
        "Solar Schools",
        sdgs=[4, 7],
        tags=["Energy"],
        offers=["technology"],
        needs=["funding", "volunteers"],
        contacts=[{"name": "Ada", "email": "ADA@example.org"}],
    )
    assert _traits(cast_a.workspace, org) == {
        ("sdg", "4"),
        ("sdg", "7"),
        ("tag", "energy"),
        ("offers", "technology"),
        ("needs", "funding"),
        ("needs", "volunteers"),
    }
    with workspace_context(cast_a.workspace):
        contact = Contact.objects.for_workspace(cast_a.workspace).get(organization=org)
    assert (contact.name, contact.email) == ("Ada", "ada@example.org")


def test_update_replaces_traits_in_one_go(cast_a):
    org = make_org(cast_a.workspace, "Solar Schools", sdgs=[4, 7], offers=["technology"])
    before = org.updated_at
    with workspace_context(cast_a.workspace):
        values = organization_values(organization_get_detail(workspace=cast_a.workspace, pk=org.pk))
        values.update(sdgs=[7, 13], offers=[], needs=["data"], tags=["climate"])
        organization_update(
            workspace=cast_a.workspace, actor=cast_a.coordinator, organization=org, **values
        )
        org.refresh_from_db()
    assert _traits(cast_a.workspace, org) == {
        ("sdg", "7"),
        ("sdg", "13"),
        ("needs", "data"),
        ("tag", "climate"),
    }
    assert org.updated_at > before


def test_invalid_update_changes_nothing(cast_a):
    org = make_org(cast_a.workspace, "Solar Schools", sdgs=[4])
    with workspace_context(cast_a.workspace), pytest.raises(ValidationError) as exc:
        organization_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            organization=org,
            name="Solar Schools",
            sector="nonprofit",
            sdgs=[5],
            contacts=[{"name": "Ok"}, {"name": "", "email": "bad"}],
        )
    assert "Contact 2" in exc.value.message_dict["contacts"][0]
    assert _traits(cast_a.workspace, org) == {("sdg", "4")}


@pytest.mark.parametrize(
    ("field", "existing", "new"),
    [("name", "River Trust", "RIVER trust"), ("iati_identifier", "GB-CHC-1", "gb-chc-1")],
)
def test_duplicates_in_the_workspace_are_refused(cast_a, cast_b, field, existing, new):
    make_org(cast_a.workspace, "River Trust", iati_identifier="GB-CHC-1")
    values = {"name": "Other", "iati_identifier": "", field: new}
    with pytest.raises(ValidationError) as exc:
        make_org(cast_a.workspace, **values)
    assert field in exc.value.message_dict
    # Another workspace may use the same name and identifier.
    make_org(cast_b.workspace, **values)
    _ = existing


def test_update_may_keep_its_own_name_but_not_take_another(cast_a):
    org = make_org(cast_a.workspace, "River Trust")
    make_org(cast_a.workspace, "Lake Trust")
    with workspace_context(cast_a.workspace):
        organization_update(
            workspace=cast_a.workspace,
            actor=None,
            organization=org,
            name="river trust",
            sector="business",
        )
        with pytest.raises(ValidationError) as exc:
            organization_update(
                workspace=cast_a.workspace,
                actor=None,
                organization=org,
                name="Lake trust",
                sector="business",
            )
    assert "name" in exc.value.message_dict


def test_services_refuse_another_workspaces_organization(cast_a, cast_b):
    with workspace_context(cast_b.workspace), pytest.raises(ValidationError):
        organization_update(
            workspace=cast_b.workspace,
            actor=cast_b.coordinator,
            organization=cast_a.organization,
            name="Taken over",
            sector="business",
        )


def test_contacts_are_added_updated_and_removed(cast_a):
    org = make_org(cast_a.workspace, "Solar Schools", contacts=[{"name": "Ada"}, {"name": "Grace"}])
    with workspace_context(cast_a.workspace):
        ada, grace = Contact.objects.for_workspace(cast_a.workspace).order_by("name")
        organization_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            organization=org,
            name=org.name,
            sector=org.sector,
            contacts=[{"id": ada.pk, "name": "Ada L.", "title": "Director"}, {"name": "Alan"}],
        )
        names = list(
            Contact.objects.for_workspace(cast_a.workspace)
            .order_by("name")
            .values_list("name", "title")
        )
        assert names == [("Ada L.", "Director"), ("Alan", "")]
        with pytest.raises(ValidationError):
            organization_update(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                organization=org,
                name=org.name,
                sector=org.sector,
                contacts=[{"id": grace.pk, "name": "Grace is gone"}],
            )
        added = contact_add(
            workspace=cast_a.workspace, actor=None, organization=org, name="Kat", phone="+1 555"
        )
        contact_update(workspace=cast_a.workspace, actor=None, contact=added, name="Katherine")
        added.refresh_from_db()
        assert added.name == "Katherine"
        contact_remove(workspace=cast_a.workspace, actor=None, contact=added)
        assert not Contact.objects.for_workspace(cast_a.workspace).filter(pk=added.pk).exists()


# --- Delete -----------------------------------------------------------------------------


def test_delete_removes_traits_and_contacts(cast_a):
    org = make_org(cast_a.workspace, "Short Lived", sdgs=[1], contacts=[{"name": "Ada"}])
    with workspace_context(cast_a.workspace):
        organization_delete(workspace=cast_a.workspace, actor=cast_a.admin, organization=org)
        assert not Organization.objects.for_workspace(cast_a.workspace).filter(pk=org.pk).exists()
        assert not OrganizationTrait.objects.for_workspace(cast_a.workspace).exists()


def test_delete_is_refused_while_partner_users_represent_it(cast_a):
    with workspace_context(cast_a.workspace), pytest.raises(ValidationError) as exc:
        organization_delete(
            workspace=cast_a.workspace, actor=cast_a.admin, organization=cast_a.organization
        )
    assert "partner person" in exc.value.messages[0]


def test_delete_is_refused_for_current_and_past_partnership_members(cast_a):
    org = make_org(cast_a.workspace, "Member Org")
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Clean Rivers",
            model="cross_sector",
        )
        member = partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            organization=org,
            roles=[MemberRole.FUNDER],
            joined_on=date(2026, 1, 1),
        )
        with pytest.raises(ValidationError) as current:
            organization_delete(workspace=cast_a.workspace, actor=cast_a.admin, organization=org)
        assert "current member" in current.value.messages[0]
        assert "Clean Rivers" in current.value.messages[0]
        partnership_member_remove(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            member=member,
        )
        with pytest.raises(ValidationError) as past:
            organization_delete(workspace=cast_a.workspace, actor=cast_a.admin, organization=org)
        assert "history" in past.value.messages[0]
        assert Organization.objects.for_workspace(cast_a.workspace).filter(pk=org.pk).exists()


# --- Selectors: search, filters, facets -------------------------------------------------


@pytest.fixture
def directory(cast_a):
    """Five organizations of A with distinct traits (plus the cast's two)."""
    ws = cast_a.workspace
    return {
        "water": make_org(
            ws,
            "Water for Schools",
            sector="nonprofit",
            mission="Clean drinking water",
            country="KE",
            region="Nairobi",
            sdgs=[6, 4],
            tags=["wash"],
            offers=["volunteers"],
            needs=["funding"],
        ),
        "bank": make_org(
            ws,
            "Green Bank",
            sector="business",
            mission="Finance for climate projects",
            country="DE",
            region="Berlin",
            sdgs=[13],
            offers=["funding", "expertise"],
            needs=["data"],
        ),
        "ministry": make_org(
            ws,
            "Ministry of Education",
            sector="government",
            mission="Schools for all",
            country="KE",
            region="Mombasa",
            sdgs=[4],
            tags=["education", "wash"],
            offers=["policy", "facilities"],
            needs=["data", "funding"],
        ),
        "lab": make_org(
            ws,
            "Data Lab University",
            sector="academic",
            mission="Research on water data",
            country="UG",
            sdgs=[6, 17],
            offers=["data", "research"],
        ),
        "fund": make_org(
            ws,
            "Schoolhouse Fund",
            sector="philanthropy",
            mission="Grants",
            country="DE",
            sdgs=[4],
            offers=["funding"],
        ),
    }


def _names(workspace, query: DirectoryQuery) -> list[str]:
    with workspace_context(workspace):
        return [o.name for o in organization_search(workspace=workspace, query=query)]


def test_search_matches_name_and_mission_words_as_prefixes(cast_a, directory):
    ws = cast_a.workspace
    assert _names(ws, DirectoryQuery(q="water")) == ["Data Lab University", "Water for Schools"]
    assert _names(ws, DirectoryQuery(q="schoo")) == [
        "Ministry of Education",
        "Schoolhouse Fund",
        "Water for Schools",
    ]
    assert _names(ws, DirectoryQuery(q="water schools")) == ["Water for Schools"]
    assert _names(ws, DirectoryQuery(q="'); drop table --")) == []
    assert _names(ws, DirectoryQuery(q="!!!")) == _names(ws, DirectoryQuery())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (DirectoryQuery(sectors=("business",)), ["Green Bank"]),
        (DirectoryQuery(sectors=("business", "academic")), ["Data Lab University", "Green Bank"]),
        (
            DirectoryQuery(sdgs=(4,)),
            ["Ministry of Education", "Schoolhouse Fund", "Water for Schools"],
        ),
        (DirectoryQuery(sdgs=(4, 6)), ["Water for Schools"]),
        (DirectoryQuery(tags=("WASH",)), ["Ministry of Education", "Water for Schools"]),
        (DirectoryQuery(offers=("funding",)), ["Green Bank", "Schoolhouse Fund"]),
        (DirectoryQuery(offers=("funding", "expertise")), ["Green Bank"]),
        (DirectoryQuery(needs=("data",)), ["Green Bank", "Ministry of Education"]),
        (DirectoryQuery(countries=("ke",)), ["Ministry of Education", "Water for Schools"]),
        (DirectoryQuery(region="bas"), ["Ministry of Education"]),
        (DirectoryQuery(q="school", countries=("DE",)), ["Schoolhouse Fund"]),
    ],
)
def test_each_filter(cast_a, directory, query, expected):
    assert _names(cast_a.workspace, query) == expected


def test_sorts(cast_a, directory):
    ws = cast_a.workspace
    by_sector = _names(ws, DirectoryQuery(sort="sector", offers=("funding",)))
    assert by_sector == ["Green Bank", "Schoolhouse Fund"]  # business < philanthropy
    with workspace_context(ws):
        organization_update(
            workspace=ws,
            actor=None,
            organization=directory["lab"],
            name="Data Lab University",
            sector="academic",
        )
    assert _names(ws, DirectoryQuery(sort="-updated"))[0] == "Data Lab University"


def test_the_filters_never_reach_another_workspace(cast_a, cast_b, directory):
    make_org(cast_b.workspace, "Water of B", sdgs=[6], offers=["funding"])
    assert "Water of B" not in _names(cast_a.workspace, DirectoryQuery(q="water"))
    assert _names(cast_b.workspace, DirectoryQuery(q="water", sdgs=(6,))) == ["Water of B"]


def test_facet_counts(cast_a, cast_b, directory):
    make_org(cast_b.workspace, "Elsewhere", sector="business", sdgs=[4], offers=["funding"])
    with workspace_context(cast_a.workspace):
        everything = organization_facets(workspace=cast_a.workspace, query=DirectoryQuery())
        kenya = organization_facets(
            workspace=cast_a.workspace, query=DirectoryQuery(countries=("KE",), sdgs=(4,))
        )
    sectors = {f.value: f.count for f in everything.sectors}
    assert everything.total == 7  # five here and the cast's two
    assert sectors["nonprofit"] == 3 and sectors["business"] == 1
    assert {f.value: f.count for f in everything.sdgs}["4"] == 3
    assert {f.value: f.count for f in everything.offers}["funding"] == 2
    assert {f.value: f.count for f in everything.needs}["data"] == 2
    assert {f.value: f.count for f in everything.tags} == {"wash": 2, "education": 1}
    # Within Kenya and SDG 4; each facet counts as if its own filter were changed.
    assert kenya.total == 2
    assert {f.value: f.count for f in kenya.sdgs}["6"] == 1  # Kenya: Water for Schools
    assert {f.value: f.count for f in kenya.sdgs}["4"] == 2
    assert {f.value: f.count for f in kenya.needs}["funding"] == 2
    assert {f.value: f.count for f in kenya.sectors}["government"] == 1


def test_facets_take_a_constant_number_of_queries(cast_a, directory, django_assert_num_queries):
    query = DirectoryQuery(q="school", sdgs=(4,), offers=("funding",))
    # sectors, the unfiltered trait kinds together, then SDGs and offers on their own
    with workspace_context(cast_a.workspace), django_assert_num_queries(4):
        organization_facets(workspace=cast_a.workspace, query=query)


def test_export_batches_walk_every_row_once_in_order(cast_a, directory):
    for sort in ("name", "-updated", "sector"):
        query = DirectoryQuery(sort=sort)
        with workspace_context(cast_a.workspace):
            expected = [o.pk for o in organization_search(workspace=cast_a.workspace, query=query)]
            batches = list(
                organization_export_batches(workspace=cast_a.workspace, query=query, batch_size=2)
            )
        assert [o.pk for batch in batches for o in batch] == expected
        assert len(batches) == 4


def test_traits_come_prefetched(cast_a, directory, django_assert_num_queries):
    with workspace_context(cast_a.workspace), django_assert_num_queries(2):
        rows = list(organization_search(workspace=cast_a.workspace, query=DirectoryQuery()))
        grouped = {o.name: traits_of(o) for o in rows}
    assert grouped["Ministry of Education"]["tags"] == ["education", "wash"]
    assert grouped["Water for Schools"]["sdgs"] == [4, 6]


@pytest.mark.postgres
def test_postgres_search_expression_is_the_indexed_one(cast_a, directory):
    """The planner uses an expression index only for the very same expression: compare
    the search's expression (as PostgreSQL prints it in the plan) with the index's."""
    with workspace_context(cast_a.workspace):
        plan = _apply_search(Organization.objects.all(), "water").explain()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'organization_search_gin'"
            )
            (indexdef,) = cursor.fetchone()
    match = re.search(r"(to_tsvector\(.*\)) @@ ", plan)
    assert match, plan
    assert "USING gin" in indexdef
    assert match.group(1) in indexdef, (match.group(1), indexdef)


def test_a_partner_membership_counts_as_a_partner_user(cast_a):
    org = make_org(cast_a.workspace, "Represented")
    MembershipFactory(workspace=cast_a.workspace, role=Role.PARTNER, organization=org)
    with workspace_context(cast_a.workspace), pytest.raises(ValidationError):
        organization_delete(workspace=cast_a.workspace, actor=cast_a.admin, organization=org)
