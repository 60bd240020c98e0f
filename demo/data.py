"""The demo content: two workspaces, their organizations and one person per role.

Plain data, no database access. Later parts of the product add their own content next to
these (partnerships in ``demo.data_partnerships``; goals, indicators) keyed by the same
natural keys: a workspace's slug, an organization's name, a person's email.

Every workspace has organizations of every sector. Their offers and needs are chosen so
that partner discovery has something to say: each demo partnership lacks a resource that
no member offers and that organizations outside it do offer.
"""

from __future__ import annotations

from dataclasses import dataclass

from partnerhub.models import Role
from partners.models import OrganizationSize, Resource, Sector

R = Resource  # short name for the offers and needs below


@dataclass(frozen=True)
class ContactSpec:
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class OrganizationSpec:
    name: str
    sector: Sector
    mission: str
    website: str = ""
    country: str = "US"
    region: str = ""
    size: OrganizationSize | str = ""
    iati_identifier: str = ""
    sdgs: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    offers: tuple[Resource, ...] = ()
    needs: tuple[Resource, ...] = ()
    contacts: tuple[ContactSpec, ...] = ()

    def service_values(self) -> dict[str, object]:
        """The values in the shape the organization services take."""
        return {
            "name": self.name,
            "sector": self.sector,
            "mission": self.mission,
            "website": self.website,
            "country": self.country,
            "region": self.region,
            "size": self.size,
            "iati_identifier": self.iati_identifier,
            "sdgs": list(self.sdgs),
            "tags": list(self.tags),
            "offers": [str(code) for code in self.offers],
            "needs": [str(code) for code in self.needs],
        }

    def service_contacts(self) -> list[dict[str, str]]:
        return [
            {"name": c.name, "title": c.title, "email": c.email, "phone": c.phone}
            for c in self.contacts
        ]


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


S = OrganizationSize

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
            region="Riverside, Downtown",
            size=S.SMALL,
            sdgs=(4, 8, 17),
            tags=("youth employment", "backbone", "shared measurement"),
            offers=(R.NETWORKS, R.DATA, R.EXPERTISE),
            needs=(R.FUNDING, R.TECHNOLOGY),
            contacts=(
                ContactSpec(
                    "Nadia Hernandez",
                    "Executive Director",
                    "nadia@workforce.riverside.example",
                    "+1 555 0101",
                ),
                ContactSpec("Owen Price", "Data Manager", "owen@workforce.riverside.example"),
            ),
        ),
        OrganizationSpec(
            name="City of Riverside Office of Economic Opportunity",
            sector=Sector.GOVERNMENT,
            mission=(
                "Runs the city's summer jobs programme and aligns public workforce funding "
                "with the collective's common agenda."
            ),
            website="https://opportunity.riverside.example",
            region="Riverside, City Hall",
            size=S.MEDIUM,
            sdgs=(1, 8, 10, 11),
            tags=("summer jobs", "public workforce funding"),
            offers=(R.FUNDING, R.POLICY, R.FACILITIES),
            needs=(R.DATA, R.LOCAL_KNOWLEDGE),
            contacts=(
                ContactSpec(
                    "Marcus Bell",
                    "Director",
                    "mbell@opportunity.riverside.example",
                    "+1 555 0102",
                ),
            ),
        ),
        OrganizationSpec(
            name="Riverside Unified School District",
            sector=Sector.GOVERNMENT,
            mission=(
                "Career pathways in every high school: work-based learning, counselling and "
                "early warning for students at risk of leaving school."
            ),
            region="Riverside",
            size=S.LARGE,
            sdgs=(4, 10),
            tags=("career pathways", "work-based learning", "high school"),
            offers=(R.FACILITIES, R.LOCAL_KNOWLEDGE, R.DATA),
            needs=(R.VOLUNTEERS, R.TECHNOLOGY),
            contacts=(ContactSpec("Dr. Helen Carter", "Director of College and Career Readiness"),),
        ),
        OrganizationSpec(
            name="Riverside Community College",
            sector=Sector.ACADEMIC,
            mission=(
                "Short, stackable credentials in healthcare, logistics and IT, with tuition "
                "support for young people out of work and out of school."
            ),
            website="https://rcc.riverside.example",
            region="Riverside, Northgate",
            size=S.LARGE,
            sdgs=(4, 8),
            tags=("stackable credentials", "advanced manufacturing", "healthcare careers"),
            offers=(R.TRAINING, R.FACILITIES, R.RESEARCH),
            needs=(R.FUNDING, R.IN_KIND),
            contacts=(
                ContactSpec(
                    "Luis Ortega",
                    "Dean of Workforce Programs",
                    "lortega@rcc.riverside.example",
                    "+1 555 0104",
                ),
            ),
        ),
        OrganizationSpec(
            name="Harbor & Main Credit Union",
            sector=Sector.BUSINESS,
            mission=(
                "Offers paid apprenticeships in member services and financial coaching for "
                "first-time earners."
            ),
            website="https://harborandmain.example",
            region="Riverside, Harbor District",
            size=S.MEDIUM,
            sdgs=(1, 8, 10),
            tags=("apprenticeships", "financial coaching"),
            offers=(R.FUNDING, R.TRAINING, R.VOLUNTEERS),
            needs=(R.LOCAL_KNOWLEDGE, R.COMMUNICATIONS),
            contacts=(
                ContactSpec(
                    "Mei Lin Tan",
                    "Community Impact Manager",
                    "partner@riverside.example",
                    "+1 555 0105",
                ),
            ),
        ),
        OrganizationSpec(
            name="Lindqvist Precision Manufacturing",
            sector=Sector.BUSINESS,
            mission=(
                "Employer partner: hosts machining and quality-control apprentices and "
                "co-designs the college's advanced manufacturing course."
            ),
            region="Riverside, Industrial Park",
            size=S.MEDIUM,
            sdgs=(8, 9),
            tags=("advanced manufacturing", "apprenticeships", "employer"),
            offers=(R.TRAINING, R.IN_KIND, R.EXPERTISE),
            needs=(R.NETWORKS, R.COMMUNICATIONS),
            contacts=(
                ContactSpec("Erik Lindqvist", "Owner", "erik@lindqvist.example", "+1 555 0106"),
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
            region="Riverside",
            size=S.SMALL,
            iati_identifier="US-EIN-990000101",
            sdgs=(1, 8, 10, 17),
            tags=("pooled fund", "multi-year grants"),
            offers=(R.FUNDING, R.NETWORKS, R.ADVOCACY),
            needs=(R.DATA, R.RESEARCH),
            contacts=(
                ContactSpec(
                    "Claire Donovan", "Program Officer", "cdonovan@foundation.riverside.example"
                ),
            ),
        ),
        OrganizationSpec(
            name="Eastside Youth Voices",
            sector=Sector.COMMUNITY,
            mission=(
                "Youth-led group that recruits peers, runs job clubs and makes sure young "
                "people sit at the table where the collective decides."
            ),
            region="Riverside, Eastside",
            size=S.MICRO,
            sdgs=(8, 10, 16),
            tags=("youth voice", "peer recruitment", "job clubs"),
            offers=(R.LOCAL_KNOWLEDGE, R.VOLUNTEERS, R.ADVOCACY),
            needs=(R.FUNDING, R.FACILITIES, R.TRAINING),
            contacts=(ContactSpec("Jaylen Brooks", "Youth Organizer", "jaylen@eastside.example"),),
        ),
        OrganizationSpec(
            name="Global Youth Jobs Compact, North America Office",
            sector=Sector.MULTILATERAL,
            mission=(
                "Shares evidence on what works in youth employment and links the collective "
                "with peer cities."
            ),
            country="CA",
            region="Toronto",
            size=S.SMALL,
            iati_identifier="XM-DEMO-40021",
            sdgs=(4, 8, 17),
            tags=("evidence", "peer learning"),
            offers=(R.RESEARCH, R.EXPERTISE, R.NETWORKS),
            needs=(R.LOCAL_KNOWLEDGE, R.DATA),
            contacts=(ContactSpec("Aiko Tanaka", "Programme Specialist", "aiko@gyjc.example"),),
        ),
        OrganizationSpec(
            name="Riverside Public Library",
            sector=Sector.GOVERNMENT,
            mission=(
                "Free computer labs, digital skills classes and a career corner in all seven "
                "branches, open evenings and weekends."
            ),
            website="https://library.riverside.example",
            region="Riverside",
            size=S.MEDIUM,
            sdgs=(4, 10, 11),
            tags=("digital skills", "computer labs"),
            offers=(R.FACILITIES, R.TECHNOLOGY, R.COMMUNICATIONS),
            needs=(R.VOLUNTEERS, R.FUNDING),
            contacts=(
                ContactSpec(
                    "Rita Alvarez",
                    "Adult Learning Coordinator",
                    "ralvarez@library.riverside.example",
                ),
            ),
        ),
        OrganizationSpec(
            name="Circuit Forward Technologies",
            sector=Sector.BUSINESS,
            mission=(
                "Software company whose staff volunteer as coding mentors and which donates "
                "refurbished laptops to training programmes."
            ),
            website="https://circuitforward.example",
            region="Riverside, Northgate",
            size=S.SMALL,
            sdgs=(4, 8, 9),
            tags=("tech careers", "mentoring", "laptops"),
            offers=(R.TECHNOLOGY, R.VOLUNTEERS, R.EXPERTISE),
            needs=(R.LOCAL_KNOWLEDGE,),
            contacts=(
                ContactSpec("Priyanka Shah", "Head of People", "people@circuitforward.example"),
            ),
        ),
        OrganizationSpec(
            name="Mercy Valley Health System",
            sector=Sector.NONPROFIT,
            mission=(
                "Regional hospital group training young people as medical assistants, "
                "pharmacy technicians and patient-care staff."
            ),
            region="Riverside, Medical District",
            size=S.LARGE,
            sdgs=(3, 8),
            tags=("healthcare careers", "employer"),
            offers=(R.TRAINING, R.FACILITIES),
            needs=(R.LOCAL_KNOWLEDGE, R.COMMUNICATIONS),
            contacts=(ContactSpec("Dr. Samuel Osei", "Vice President, Workforce"),),
        ),
        OrganizationSpec(
            name="University of Riverside Labor Market Institute",
            sector=Sector.ACADEMIC,
            mission=(
                "Labor market analysis for the region: which jobs are growing, what they pay "
                "and which credentials lead to them."
            ),
            region="Riverside",
            size=S.SMALL,
            sdgs=(8, 17),
            tags=("labor market data", "evaluation"),
            offers=(R.RESEARCH, R.DATA),
            needs=(R.DATA, R.FUNDING),
            contacts=(ContactSpec("Prof. Dana Whitaker", "Director", "whitaker@uriv.example"),),
        ),
        OrganizationSpec(
            name="St. Brigid's Neighborhood Center",
            sector=Sector.COMMUNITY,
            mission=(
                "Drop-in centre on the Eastside: meals, homework help and a place to meet "
                "young people who have left school."
            ),
            region="Riverside, Eastside",
            size=S.MICRO,
            sdgs=(1, 2, 10),
            tags=("outreach", "drop-in"),
            offers=(R.LOCAL_KNOWLEDGE, R.FACILITIES, R.VOLUNTEERS),
            needs=(R.FUNDING, R.TRAINING),
            contacts=(ContactSpec("Sister Ana Ruiz", "Director", phone="+1 555 0113"),),
        ),
        OrganizationSpec(
            name="Castellanos Family Fund",
            sector=Sector.PHILANTHROPY,
            mission=(
                "Family foundation giving one-year seed grants to youth-led projects in Riverside."
            ),
            region="Riverside",
            size=S.MICRO,
            sdgs=(8, 10),
            tags=("seed grants", "youth-led"),
            offers=(R.FUNDING,),
            needs=(R.DATA,),
            contacts=(
                ContactSpec("Elena Castellanos", "Trustee", "elena@castellanosfund.example"),
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
            region="Port Alder",
            size=S.MEDIUM,
            sdgs=(1, 11, 13),
            tags=("sheltering", "volunteer teams", "relief supplies"),
            offers=(R.VOLUNTEERS, R.FACILITIES, R.DISTRIBUTION, R.TRAINING),
            needs=(R.FUNDING, R.TECHNOLOGY),
            contacts=(
                ContactSpec(
                    "Hannah Moore",
                    "Preparedness Director",
                    "hmoore@relief.coastal.example",
                    "+1 555 0201",
                ),
                ContactSpec("Victor Nguyen", "Volunteer Coordinator"),
            ),
        ),
        OrganizationSpec(
            name="Bay County Emergency Management Agency",
            sector=Sector.GOVERNMENT,
            mission=(
                "Plans evacuations, runs the emergency operations centre and issues public "
                "warnings for the county's twelve coastal towns."
            ),
            region="Bay County",
            size=S.MEDIUM,
            sdgs=(11, 13, 16),
            tags=("evacuation planning", "emergency operations centre", "public warnings"),
            offers=(R.POLICY, R.DATA, R.EXPERTISE),
            needs=(R.LOCAL_KNOWLEDGE, R.VOLUNTEERS),
            contacts=(
                ContactSpec(
                    "Chief Laura Benson",
                    "Emergency Manager",
                    "lbenson@baycounty.example",
                    "+1 555 0202",
                ),
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
            region="Port Alder",
            size=S.LARGE,
            sdgs=(6, 11, 13),
            tags=("public shelters", "stormwater"),
            offers=(R.FACILITIES, R.FUNDING, R.POLICY),
            needs=(R.DATA, R.TECHNOLOGY),
            contacts=(
                ContactSpec("Mayor's Resilience Office", "", "resilience@portalder.example"),
            ),
        ),
        OrganizationSpec(
            name="Gulfline Power & Light",
            sector=Sector.BUSINESS,
            mission=(
                "Utility partner: hardens the grid, shares outage data and restores power to "
                "shelters and clinics first."
            ),
            website="https://gulfline.example",
            region="Bay County",
            size=S.LARGE,
            sdgs=(7, 9, 13),
            tags=("grid resilience", "outage data"),
            offers=(R.TECHNOLOGY, R.DATA, R.IN_KIND, R.FUNDING),
            needs=(R.LOCAL_KNOWLEDGE, R.COMMUNICATIONS),
            contacts=(
                ContactSpec(
                    "Robert Fields", "Community Resilience Lead", "rfields@gulfline.example"
                ),
            ),
        ),
        OrganizationSpec(
            name="Tidewater Grocers Cooperative",
            sector=Sector.BUSINESS,
            mission=(
                "Keeps food and water moving before and after storms through its warehouses "
                "and delivery fleet."
            ),
            region="Port Alder",
            size=S.MEDIUM,
            sdgs=(2, 11, 12),
            tags=("food supply", "logistics"),
            offers=(R.DISTRIBUTION, R.IN_KIND, R.FACILITIES),
            needs=(R.DATA, R.COMMUNICATIONS),
            contacts=(
                ContactSpec(
                    "Priya Natarajan",
                    "Emergency Logistics Manager",
                    "partner@coastal.example",
                    "+1 555 0205",
                ),
            ),
        ),
        OrganizationSpec(
            name="Coastal State University Hazards Research Center",
            sector=Sector.ACADEMIC,
            mission=(
                "Flood and storm-surge modelling, after-action reviews and the partnership's "
                "evaluation."
            ),
            region="Bay County",
            size=S.SMALL,
            sdgs=(9, 11, 13, 14),
            tags=("storm surge modelling", "after-action reviews", "evaluation"),
            offers=(R.RESEARCH, R.DATA, R.EXPERTISE),
            needs=(R.FUNDING, R.LOCAL_KNOWLEDGE),
            contacts=(
                ContactSpec("Prof. Imani Clarke", "Center Director", "iclarke@csu-hazards.example"),
            ),
        ),
        OrganizationSpec(
            name="Shoreline Resilience Fund",
            sector=Sector.PHILANTHROPY,
            mission=(
                "Funds household preparedness kits, retrofits and the partnership's "
                "coordination staff."
            ),
            region="Port Alder",
            size=S.SMALL,
            iati_identifier="US-EIN-990000202",
            sdgs=(1, 11, 13),
            tags=("household kits", "retrofits"),
            offers=(R.FUNDING, R.NETWORKS),
            needs=(R.RESEARCH, R.DATA),
            contacts=(
                ContactSpec("Gabriel Santos", "Program Director", "gsantos@shoreline.example"),
            ),
        ),
        OrganizationSpec(
            name="Port Alder Neighborhood Preparedness Teams",
            sector=Sector.COMMUNITY,
            mission=(
                "Volunteer block captains who check on older and disabled neighbours and "
                "relay needs to the operations centre."
            ),
            region="Port Alder",
            size=S.MICRO,
            sdgs=(3, 10, 11),
            tags=("block captains", "check-ins", "older adults"),
            offers=(R.LOCAL_KNOWLEDGE, R.VOLUNTEERS),
            needs=(R.TRAINING, R.TECHNOLOGY, R.COMMUNICATIONS),
            contacts=(ContactSpec("Dolores Jackson", "Lead Block Captain", phone="+1 555 0208"),),
        ),
        OrganizationSpec(
            name="Regional Humanitarian Coordination Office",
            sector=Sector.MULTILATERAL,
            mission=(
                "Brings international standards for shelter and early warning, and mutual "
                "aid from neighbouring regions."
            ),
            region="Atlanta",
            size=S.SMALL,
            iati_identifier="XM-DEMO-51007",
            sdgs=(11, 13, 17),
            tags=("shelter standards", "early warning", "mutual aid"),
            offers=(R.EXPERTISE, R.NETWORKS, R.TRAINING),
            needs=(R.LOCAL_KNOWLEDGE,),
            contacts=(ContactSpec("Jean-Marc Dubois", "Regional Adviser", "jmd@rhco.example"),),
        ),
        OrganizationSpec(
            name="Bay County Amateur Radio Emergency Service",
            sector=Sector.COMMUNITY,
            mission=(
                "Licensed radio volunteers who keep shelters and the operations centre "
                "talking when phones and the internet go down."
            ),
            region="Bay County",
            size=S.MICRO,
            sdgs=(9, 11),
            tags=("emergency communications", "radio"),
            offers=(R.TECHNOLOGY, R.COMMUNICATIONS, R.VOLUNTEERS),
            needs=(R.FUNDING, R.FACILITIES),
            contacts=(
                ContactSpec("Walt Kowalski", "Emergency Coordinator", "ares@baycounty.example"),
            ),
        ),
        OrganizationSpec(
            name="Seaside Medical Center",
            sector=Sector.NONPROFIT,
            mission=(
                "The county's trauma centre: surge plans for storms, medical shelters and "
                "first-aid training for volunteers."
            ),
            region="Port Alder",
            size=S.LARGE,
            sdgs=(3, 11),
            tags=("medical shelters", "first aid"),
            offers=(R.EXPERTISE, R.TRAINING, R.FACILITIES),
            needs=(R.DISTRIBUTION, R.DATA),
            contacts=(ContactSpec("Dr. Olivia Grant", "Emergency Preparedness Officer"),),
        ),
        OrganizationSpec(
            name="Harborline Logistics",
            sector=Sector.BUSINESS,
            mission=(
                "Regional freight company that lends trucks, drivers and warehouse space when "
                "a storm is coming."
            ),
            website="https://harborline.example",
            region="Bay County",
            size=S.MEDIUM,
            sdgs=(9, 11),
            tags=("freight", "warehousing"),
            offers=(R.DISTRIBUTION, R.IN_KIND, R.FACILITIES),
            needs=(R.DATA, R.LOCAL_KNOWLEDGE),
            contacts=(
                ContactSpec("Tom Reilly", "Operations Manager", "treilly@harborline.example"),
            ),
        ),
        OrganizationSpec(
            name="Bay County Interfaith Council",
            sector=Sector.NONPROFIT,
            mission=(
                "Congregations that open their halls as overflow shelters and send "
                "volunteers to check on isolated neighbours."
            ),
            region="Bay County",
            size=S.SMALL,
            sdgs=(1, 10, 11),
            tags=("overflow shelters", "faith communities"),
            offers=(R.VOLUNTEERS, R.FACILITIES, R.LOCAL_KNOWLEDGE),
            needs=(R.TRAINING, R.FUNDING),
            contacts=(ContactSpec("Rev. Grace Okoye", "Chair", "chair@bayinterfaith.example"),),
        ),
        OrganizationSpec(
            name="Gulf Coast Climate Data Collaborative",
            sector=Sector.ACADEMIC,
            mission=(
                "Open tide-gauge, rainfall and flood-sensor data for the coast, with "
                "neighbourhood-level flood maps."
            ),
            region="Bay County",
            size=S.MICRO,
            sdgs=(13, 14, 17),
            tags=("open data", "flood sensors"),
            offers=(R.DATA, R.TECHNOLOGY, R.RESEARCH),
            needs=(R.FUNDING, R.LOCAL_KNOWLEDGE),
            contacts=(ContactSpec("Dr. Kofi Mensah", "Data Lead", "kofi@gccdc.example"),),
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
