"""The demo content: two workspaces, their organizations and one person per role.

Plain data, no database access. Later parts of the product add their own content next to
these (partnerships, goals, indicators) keyed by the same natural keys: a workspace's
slug, an organization's name, a person's email.
"""

from __future__ import annotations

from dataclasses import dataclass

from partnerhub.models import Role
from partners.models import Sector


@dataclass(frozen=True)
class OrganizationSpec:
    name: str
    sector: Sector
    mission: str
    website: str = ""


@dataclass(frozen=True)
class PersonSpec:
    email: str
    full_name: str
    role: Role
    organization: str | None = None  # the organization's name, for the partner role


@dataclass(frozen=True)
class WorkspaceSpec:
    slug: str
    name: str
    timezone: str
    organizations: tuple[OrganizationSpec, ...]
    people: tuple[PersonSpec, ...]


RIVERSIDE = WorkspaceSpec(
    slug="riverside-youth",
    name="Riverside Youth Employment Collective",
    timezone="America/Chicago",
    organizations=(
        OrganizationSpec(
            name="Riverside Workforce Alliance",
            sector=Sector.NONPROFIT,
            mission=(
                "Backbone organization of the collective: convenes the partners, keeps the "
                "shared measurement system and supports the working groups."
            ),
            website="https://workforce.riverside.example",
        ),
        OrganizationSpec(
            name="City of Riverside Office of Economic Opportunity",
            sector=Sector.GOVERNMENT,
            mission=(
                "Runs the city's summer jobs programme and aligns public workforce funding "
                "with the collective's common agenda."
            ),
            website="https://opportunity.riverside.example",
        ),
        OrganizationSpec(
            name="Riverside Unified School District",
            sector=Sector.GOVERNMENT,
            mission=(
                "Career pathways in every high school: work-based learning, counselling and "
                "early warning for students at risk of leaving school."
            ),
        ),
        OrganizationSpec(
            name="Riverside Community College",
            sector=Sector.ACADEMIC,
            mission=(
                "Short, stackable credentials in healthcare, logistics and IT, with tuition "
                "support for young people out of work and out of school."
            ),
            website="https://rcc.riverside.example",
        ),
        OrganizationSpec(
            name="Harbor & Main Credit Union",
            sector=Sector.BUSINESS,
            mission=(
                "Offers paid apprenticeships in member services and financial coaching for "
                "first-time earners."
            ),
        ),
        OrganizationSpec(
            name="Lindqvist Precision Manufacturing",
            sector=Sector.BUSINESS,
            mission=(
                "Employer partner: hosts machining and quality-control apprentices and "
                "co-designs the college's advanced manufacturing course."
            ),
        ),
        OrganizationSpec(
            name="Riverside Community Foundation",
            sector=Sector.PHILANTHROPY,
            mission=(
                "Pooled fund for youth employment: multi-year grants to the backbone and to "
                "community organizations that reach young people first."
            ),
            website="https://foundation.riverside.example",
        ),
        OrganizationSpec(
            name="Eastside Youth Voices",
            sector=Sector.COMMUNITY,
            mission=(
                "Youth-led group that recruits peers, runs job clubs and makes sure young "
                "people sit at the table where the collective decides."
            ),
        ),
        OrganizationSpec(
            name="Global Youth Jobs Compact, North America Office",
            sector=Sector.MULTILATERAL,
            mission=(
                "Shares evidence on what works in youth employment and links the collective "
                "with peer cities."
            ),
        ),
    ),
    people=(
        PersonSpec("admin@riverside.example", "Amara Okafor", Role.ADMIN),
        PersonSpec("coordinator@riverside.example", "Daniel Reyes", Role.COORDINATOR),
        PersonSpec(
            "partner@riverside.example",
            "Mei Lin Tan",
            Role.PARTNER,
            organization="Harbor & Main Credit Union",
        ),
        PersonSpec("viewer@riverside.example", "Grace Whitfield", Role.VIEWER),
    ),
)

COASTAL = WorkspaceSpec(
    slug="coastal-preparedness",
    name="Coastal Disaster Preparedness Partnership",
    timezone="America/New_York",
    organizations=(
        OrganizationSpec(
            name="Coastal Relief Network",
            sector=Sector.NONPROFIT,
            mission=(
                "Relief organization leading the partnership: shelters, volunteer teams and "
                "pre-positioned supplies along the coast."
            ),
            website="https://relief.coastal.example",
        ),
        OrganizationSpec(
            name="Bay County Emergency Management Agency",
            sector=Sector.GOVERNMENT,
            mission=(
                "Plans evacuations, runs the emergency operations centre and issues public "
                "warnings for the county's twelve coastal towns."
            ),
        ),
        OrganizationSpec(
            name="City of Port Alder",
            sector=Sector.GOVERNMENT,
            mission=(
                "Municipal partner: shelters in public buildings, storm drain upkeep and "
                "neighbourhood preparedness grants."
            ),
            website="https://portalder.example",
        ),
        OrganizationSpec(
            name="Gulfline Power & Light",
            sector=Sector.BUSINESS,
            mission=(
                "Utility partner: hardens the grid, shares outage data and restores power to "
                "shelters and clinics first."
            ),
        ),
        OrganizationSpec(
            name="Tidewater Grocers Cooperative",
            sector=Sector.BUSINESS,
            mission=(
                "Keeps food and water moving before and after storms through its warehouses "
                "and delivery fleet."
            ),
        ),
        OrganizationSpec(
            name="Coastal State University Hazards Research Center",
            sector=Sector.ACADEMIC,
            mission=(
                "Flood and storm-surge modelling, after-action reviews and the partnership's "
                "evaluation."
            ),
        ),
        OrganizationSpec(
            name="Shoreline Resilience Fund",
            sector=Sector.PHILANTHROPY,
            mission=(
                "Funds household preparedness kits, retrofits and the partnership's "
                "coordination staff."
            ),
        ),
        OrganizationSpec(
            name="Port Alder Neighborhood Preparedness Teams",
            sector=Sector.COMMUNITY,
            mission=(
                "Volunteer block captains who check on older and disabled neighbours and "
                "relay needs to the operations centre."
            ),
        ),
        OrganizationSpec(
            name="Regional Humanitarian Coordination Office",
            sector=Sector.MULTILATERAL,
            mission=(
                "Brings international standards for shelter and early warning, and mutual "
                "aid from neighbouring regions."
            ),
        ),
    ),
    people=(
        PersonSpec("admin@coastal.example", "Rosa Delgado", Role.ADMIN),
        PersonSpec("coordinator@coastal.example", "Samuel Boateng", Role.COORDINATOR),
        PersonSpec(
            "partner@coastal.example",
            "Priya Natarajan",
            Role.PARTNER,
            organization="Tidewater Grocers Cooperative",
        ),
        PersonSpec("viewer@coastal.example", "Thomas Keane", Role.VIEWER),
    ),
)

WORKSPACES: tuple[WorkspaceSpec, ...] = (RIVERSIDE, COASTAL)
