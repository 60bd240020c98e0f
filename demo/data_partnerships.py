"""The demo partnerships of each workspace: members and roles, status history, the five
conditions of the collective impact initiative, commitments with deliveries, and one
agreement document per workspace.

Plain data, no database access. Organizations are named as in ``demo.data``. Dates are
days counted from the day the seeder runs (negative: in the past), so that deliveries
are always in the past and current partnerships stay current whenever the demo is built.

Across the two workspaces every partnership model appears, partnerships are at
different statuses, some members hold several roles, one member has left (its history
stays), and commitments of every kind are fully delivered, partly delivered,
over-delivered or not delivered yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.models import (
    CommitmentKind,
    Condition,
    DocumentKind,
    MemberRole,
    PartnershipModel,
    PartnershipStatus,
    Resource,
)

R = Resource
Role = MemberRole
Kind = CommitmentKind
Status = PartnershipStatus


@dataclass(frozen=True)
class StatusStep:
    status: PartnershipStatus
    reason: str


@dataclass(frozen=True)
class MemberSpec:
    organization: str
    roles: tuple[MemberRole, ...]
    joined_day: int
    left_day: int | None = None  # set: the member has left (after its commitments)


@dataclass(frozen=True)
class DeliverySpec:
    amount: str
    day: int
    note: str  # unique per commitment: the delivery's natural key


@dataclass(frozen=True)
class CommitmentSpec:
    organization: str
    kind: CommitmentKind
    pledged: str
    description: str  # unique per member of a partnership: the commitment's natural key
    pledged_day: int
    currency: str = ""
    due_day: int | None = None
    deliveries: tuple[DeliverySpec, ...] = ()


@dataclass(frozen=True)
class ConditionSpec:
    condition: Condition
    in_place: bool
    evidence: str


@dataclass(frozen=True)
class DocumentSpec:
    title: str  # the document's natural key within its partnership
    kind: DocumentKind
    filename: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PartnershipSpec:
    name: str
    model: PartnershipModel
    common_agenda: str
    needs: tuple[Resource, ...]
    lead: str
    start_day: int | None
    end_day: int | None
    first_status: PartnershipStatus
    history: tuple[StatusStep, ...]  # the transitions after creation, in order
    members: tuple[MemberSpec, ...]
    commitments: tuple[CommitmentSpec, ...] = ()
    conditions: tuple[ConditionSpec, ...] = ()
    document: DocumentSpec | None = None


RIVERSIDE_PARTNERSHIPS: tuple[PartnershipSpec, ...] = (
    PartnershipSpec(
        name="Riverside Youth Employment Collective",
        model=PartnershipModel.COLLECTIVE_IMPACT,
        common_agenda=(
            "Within four years, halve the number of Riverside residents aged 16 to 24 who are "
            "neither in school nor working (from about 4,800 to 2,400), and help 1,500 young "
            "people into jobs paying at least $18 an hour that they still hold after a year."
        ),
        needs=(R.FUNDING, R.DATA, R.TECHNOLOGY, R.COMMUNICATIONS),
        lead="Riverside Workforce Alliance",
        start_day=-720,
        end_day=740,
        first_status=Status.EXPLORING,
        history=(
            StatusStep(
                Status.FORMING,
                "Ten organizations signed the letter of intent at the spring convening.",
            ),
            StatusStep(
                Status.ACTIVE,
                "The steering committee adopted the common agenda and the shared measurement "
                "plan; the memorandum of understanding is signed.",
            ),
        ),
        members=(
            MemberSpec("Riverside Workforce Alliance", (Role.LEAD,), -720),
            MemberSpec("Riverside Community Foundation", (Role.FUNDER,), -720),
            MemberSpec(
                "City of Riverside Office of Economic Opportunity",
                (Role.FUNDER, Role.IMPLEMENTER),
                -700,
            ),
            MemberSpec("Riverside Unified School District", (Role.IMPLEMENTER,), -690),
            MemberSpec("Riverside Community College", (Role.IMPLEMENTER,), -690),
            MemberSpec("Eastside Youth Voices", (Role.COMMUNITY,), -680),
            MemberSpec("Harbor & Main Credit Union", (Role.FUNDER, Role.IMPLEMENTER), -600),
            MemberSpec("Lindqvist Precision Manufacturing", (Role.IMPLEMENTER, Role.ADVISOR), -600),
            MemberSpec(
                "Global Youth Jobs Compact, North America Office",
                (Role.ADVISOR, Role.EVALUATOR),
                -500,
            ),
            # A one-year seed funder whose grant cycle ended: it left, its history stays.
            MemberSpec("Castellanos Family Fund", (Role.FUNDER,), -700, left_day=-330),
        ),
        commitments=(
            CommitmentSpec(
                "Riverside Community Foundation",
                Kind.CASH,
                "450000",
                "Three-year operating grant to the backbone",
                -700,
                currency="USD",
                due_day=400,
                deliveries=(
                    DeliverySpec("150000", -690, "First annual instalment"),
                    DeliverySpec("150000", -330, "Second annual instalment"),
                ),
            ),
            CommitmentSpec(
                "City of Riverside Office of Economic Opportunity",
                Kind.CASH,
                "300000",
                "City workforce funds for paid internships",
                -650,
                currency="USD",
                due_day=-100,
                deliveries=(
                    DeliverySpec("120000", -560, "First draw"),
                    DeliverySpec("180000", -200, "Final draw"),
                ),
            ),
            CommitmentSpec(
                "Harbor & Main Credit Union",
                Kind.IN_KIND,
                "24000",
                "Financial coaching workshops for participants (48 sessions)",
                -600,
                currency="USD",
                due_day=150,
                deliveries=(
                    DeliverySpec("9000", -420, "18 workshops held"),
                    DeliverySpec("6000", -120, "12 more workshops held"),
                ),
            ),
            CommitmentSpec(
                "Lindqvist Precision Manufacturing",
                Kind.STAFF_TIME,
                "600",
                "Mentoring hours from machinists and quality engineers",
                -600,
                due_day=200,
                deliveries=(
                    DeliverySpec("240", -300, "Spring cohort mentoring"),
                    DeliverySpec("180", -60, "Autumn cohort mentoring"),
                ),
            ),
            CommitmentSpec(
                "Riverside Workforce Alliance",
                Kind.STAFF_TIME,
                "1200",
                "Backbone staff: working group facilitation and data support",
                -720,
                due_day=365,
                deliveries=(
                    DeliverySpec("400", -360, "Year one"),
                    DeliverySpec("400", -10, "Year two"),
                ),
            ),
            CommitmentSpec(
                "Riverside Community College",
                Kind.IN_KIND,
                "36000",
                "Evening classroom and lab space for training cohorts",
                -690,
                currency="USD",
                deliveries=(DeliverySpec("36000", -200, "Two academic years of space"),),
            ),
            CommitmentSpec(
                "Eastside Youth Voices",
                Kind.STAFF_TIME,
                "300",
                "Peer recruiters at weekly job clubs",
                -680,
                due_day=90,
                deliveries=(DeliverySpec("120", -90, "Job clubs, first six months"),),
            ),
            CommitmentSpec(
                "Global Youth Jobs Compact, North America Office",
                Kind.CASH,
                "15000",
                "Travel fund for peer-city learning exchanges",
                -480,
                currency="CAD",
                due_day=250,
                deliveries=(DeliverySpec("5000", -200, "Exchange visit to Toronto"),),
            ),
            CommitmentSpec(
                "Castellanos Family Fund",
                Kind.CASH,
                "25000",
                "Seed grants for youth-led recruitment projects",
                -700,
                currency="USD",
                due_day=-400,
                deliveries=(DeliverySpec("25000", -650, "Five seed grants paid"),),
            ),
        ),
        conditions=(
            ConditionSpec(
                Condition.COMMON_AGENDA,
                True,
                "Common agenda adopted by the steering committee and signed by every founding "
                "partner in the memorandum of understanding.",
            ),
            ConditionSpec(
                Condition.SHARED_MEASUREMENT,
                True,
                "Six shared indicators (disconnection rate, placements at $18 an hour or "
                "more, 90-day and one-year retention, credentials earned, youth voice survey) "
                "reported quarterly by every implementing partner.",
            ),
            ConditionSpec(
                Condition.MUTUALLY_REINFORCING,
                True,
                "The plan of action divides the work: the school district flags students at "
                "risk, the college trains, employers host apprentices, Eastside Youth Voices "
                "recruits peers and the credit union coaches first-time earners.",
            ),
            ConditionSpec(
                Condition.CONTINUOUS_COMMUNICATION,
                True,
                "Monthly steering committee, fortnightly working groups and a quarterly open "
                "data walk for young people and families.",
            ),
            ConditionSpec(
                Condition.BACKBONE_SUPPORT,
                False,
                "Riverside Workforce Alliance acts as backbone with three staff, but the data "
                "manager post is funded only until next June: not yet secure.",
            ),
        ),
        document=DocumentSpec(
            title="Memorandum of understanding of the Riverside Youth Employment Collective",
            kind=DocumentKind.MOU,
            filename="riverside-collective-mou.pdf",
            lines=(
                "Between the ten founding partners of the collective.",
                "1. The partners adopt the common agenda and the shared indicators.",
                "2. Riverside Workforce Alliance acts as the backbone organization.",
                "3. Each partner reports its figures every quarter.",
                "4. This memorandum runs for four years and is reviewed every year.",
                "(Demo document generated by PartnerHub's seed_demo.)",
            ),
        ),
    ),
    PartnershipSpec(
        name="Riverside Summer Jobs Program",
        model=PartnershipModel.PUBLIC_PRIVATE,
        common_agenda=(
            "Eight-week paid summer jobs for 400 young people from the Eastside and "
            "Harbor District, with wages shared by the city and employers."
        ),
        needs=(R.FUNDING, R.VOLUNTEERS),
        lead="City of Riverside Office of Economic Opportunity",
        start_day=-520,
        end_day=-400,
        first_status=Status.FORMING,
        history=(
            StatusStep(Status.ACTIVE, "Employer agreements signed; applications open."),
            StatusStep(
                Status.COMPLETED, "Season over: 412 young people finished their summer jobs."
            ),
        ),
        members=(
            MemberSpec(
                "City of Riverside Office of Economic Opportunity", (Role.LEAD, Role.FUNDER), -520
            ),
            MemberSpec("Harbor & Main Credit Union", (Role.FUNDER, Role.IMPLEMENTER), -515),
            MemberSpec("Lindqvist Precision Manufacturing", (Role.IMPLEMENTER,), -515),
            MemberSpec("Mercy Valley Health System", (Role.IMPLEMENTER,), -510),
            MemberSpec("Eastside Youth Voices", (Role.COMMUNITY,), -510),
        ),
        commitments=(
            CommitmentSpec(
                "City of Riverside Office of Economic Opportunity",
                Kind.CASH,
                "500000",
                "City summer jobs budget: wages and transit passes",
                -520,
                currency="USD",
                due_day=-400,
                deliveries=(DeliverySpec("500000", -410, "Paid in full"),),
            ),
            CommitmentSpec(
                "Harbor & Main Credit Union",
                Kind.CASH,
                "60000",
                "Wages for 40 summer interns",
                -515,
                currency="USD",
                due_day=-400,
                deliveries=(DeliverySpec("60000", -405, "All intern wages paid"),),
            ),
            CommitmentSpec(
                "Mercy Valley Health System",
                Kind.STAFF_TIME,
                "800",
                "Supervisors for 60 patient-care interns",
                -510,
                due_day=-400,
                deliveries=(DeliverySpec("760", -400, "Supervision over the season"),),
            ),
        ),
    ),
    PartnershipSpec(
        name="Advanced Manufacturing Apprenticeship Pathway",
        model=PartnershipModel.CROSS_SECTOR,
        common_agenda=(
            "A pathway from high school machining classes to a paid two-year apprenticeship "
            "and a college credential in advanced manufacturing."
        ),
        needs=(R.FUNDING, R.TECHNOLOGY, R.FACILITIES),
        lead="Riverside Community College",
        start_day=-120,
        end_day=None,
        first_status=Status.EXPLORING,
        history=(
            StatusStep(
                Status.FORMING,
                "College, school district and employer agreed a shared curriculum; funding "
                "for the apprentices' wages is still to be found.",
            ),
        ),
        members=(
            MemberSpec("Riverside Community College", (Role.LEAD, Role.IMPLEMENTER), -120),
            MemberSpec("Lindqvist Precision Manufacturing", (Role.IMPLEMENTER, Role.ADVISOR), -110),
            MemberSpec("Riverside Unified School District", (Role.IMPLEMENTER,), -100),
        ),
        commitments=(
            CommitmentSpec(
                "Lindqvist Precision Manufacturing",
                Kind.IN_KIND,
                "85000",
                "Two CNC training machines on loan to the college's lab",
                -60,
                currency="USD",
                due_day=60,
            ),
            CommitmentSpec(
                "Riverside Community College",
                Kind.STAFF_TIME,
                "400",
                "Instructor time to adapt the machining curriculum",
                -90,
                due_day=120,
                deliveries=(DeliverySpec("120", -20, "First two course modules"),),
            ),
        ),
    ),
    PartnershipSpec(
        name="Riverside Digital Skills Lab",
        model=PartnershipModel.OTHER,
        common_agenda=(
            "Evening coding and digital skills classes in the library's computer labs, "
            "taught by volunteer mentors from local tech companies."
        ),
        needs=(R.VOLUNTEERS, R.TECHNOLOGY),
        lead="Riverside Public Library",
        start_day=-400,
        end_day=-90,
        first_status=Status.EXPLORING,
        history=(
            StatusStep(
                Status.ACTIVE,
                "Library and Circuit Forward agreed a six-month pilot of evening classes.",
            ),
            StatusStep(
                Status.DISSOLVED,
                "Folded into the collective's training working group; the library keeps "
                "hosting the classes.",
            ),
        ),
        members=(
            MemberSpec("Riverside Public Library", (Role.LEAD,), -400),
            MemberSpec("Circuit Forward Technologies", (Role.IMPLEMENTER, Role.FUNDER), -395),
            MemberSpec("Eastside Youth Voices", (Role.COMMUNITY,), -380),
        ),
        commitments=(
            CommitmentSpec(
                "Circuit Forward Technologies",
                Kind.IN_KIND,
                "12000",
                "Twenty refurbished laptops",
                -395,
                currency="USD",
                deliveries=(DeliverySpec("12000", -370, "Laptops delivered to the lab"),),
            ),
            CommitmentSpec(
                "Circuit Forward Technologies",
                Kind.STAFF_TIME,
                "150",
                "Volunteer coding mentors",
                -395,
                due_day=-90,
                deliveries=(
                    DeliverySpec("90", -250, "First three months"),
                    DeliverySpec("72", -100, "Last three months"),  # more than pledged
                ),
            ),
        ),
    ),
)

COASTAL_PARTNERSHIPS: tuple[PartnershipSpec, ...] = (
    PartnershipSpec(
        name="Bay County Hurricane Readiness Partnership",
        model=PartnershipModel.CROSS_SECTOR,
        common_agenda=(
            "Every household in the twelve coastal towns has a plan and a kit, every shelter "
            "opens within six hours of an evacuation order, and no older or disabled "
            "resident is left without a check-in during a storm."
        ),
        needs=(R.FUNDING, R.DATA, R.TECHNOLOGY, R.COMMUNICATIONS, R.IN_KIND),
        lead="Coastal Relief Network",
        start_day=-600,
        end_day=500,
        first_status=Status.EXPLORING,
        history=(
            StatusStep(
                Status.FORMING,
                "County, city and relief network agreed to plan the season "
                "together after last year's after-action review.",
            ),
            StatusStep(Status.ACTIVE, "Joint hurricane season plan signed by eight partners."),
        ),
        members=(
            MemberSpec("Coastal Relief Network", (Role.LEAD, Role.IMPLEMENTER), -600),
            MemberSpec("Bay County Emergency Management Agency", (Role.IMPLEMENTER,), -600),
            MemberSpec("City of Port Alder", (Role.FUNDER, Role.IMPLEMENTER), -590),
            MemberSpec("Tidewater Grocers Cooperative", (Role.IMPLEMENTER,), -580),
            MemberSpec(
                "Coastal State University Hazards Research Center",
                (Role.EVALUATOR, Role.ADVISOR),
                -580,
            ),
            MemberSpec("Shoreline Resilience Fund", (Role.FUNDER,), -580),
            MemberSpec("Port Alder Neighborhood Preparedness Teams", (Role.COMMUNITY,), -560),
            MemberSpec("Regional Humanitarian Coordination Office", (Role.ADVISOR,), -500),
        ),
        commitments=(
            CommitmentSpec(
                "Shoreline Resilience Fund",
                Kind.CASH,
                "200000",
                "Coordination staff and household preparedness kits",
                -580,
                currency="USD",
                due_day=150,
                deliveries=(
                    DeliverySpec("100000", -560, "First tranche"),
                    DeliverySpec("50000", -200, "Second tranche"),
                ),
            ),
            CommitmentSpec(
                "City of Port Alder",
                Kind.CASH,
                "75000",
                "Neighbourhood preparedness grants",
                -590,
                currency="USD",
                due_day=-200,
                deliveries=(DeliverySpec("75000", -300, "Grants paid to 15 neighbourhoods"),),
            ),
            CommitmentSpec(
                "Tidewater Grocers Cooperative",
                Kind.IN_KIND,
                "40000",
                "Pre-positioned water and shelf-stable food for 2,000 people",
                -500,
                currency="USD",
                due_day=100,
                deliveries=(DeliverySpec("25000", -150, "First three shelters stocked"),),
            ),
            CommitmentSpec(
                "Coastal State University Hazards Research Center",
                Kind.STAFF_TIME,
                "350",
                "Storm-surge scenarios and the after-action review",
                -580,
                due_day=-30,
                deliveries=(
                    DeliverySpec("200", -300, "Storm-surge scenarios"),
                    DeliverySpec("150", -40, "After-action review"),
                ),
            ),
            CommitmentSpec(
                "Port Alder Neighborhood Preparedness Teams",
                Kind.STAFF_TIME,
                "2000",
                "Block captain check-in hours during the season",
                -560,
                due_day=200,
                deliveries=(DeliverySpec("640", -30, "Check-ins during the last season"),),
            ),
            CommitmentSpec(
                "Regional Humanitarian Coordination Office",
                Kind.CASH,
                "20000",
                "Shelter manager training to international standards",
                -480,
                currency="EUR",
                due_day=180,
            ),
        ),
        document=DocumentSpec(
            title="Hurricane season cooperation agreement",
            kind=DocumentKind.MOU,
            filename="bay-county-hurricane-readiness-mou.pdf",
            lines=(
                "Between the eight partners of the Bay County Hurricane Readiness Partnership.",
                "1. Coastal Relief Network leads and convenes the partnership.",
                "2. Shelters open within six hours of an evacuation order.",
                "3. Partners share outage, supply and check-in data during a storm.",
                "(Demo document generated by PartnerHub's seed_demo.)",
            ),
        ),
    ),
    PartnershipSpec(
        name="Shelter Power Resilience Program",
        model=PartnershipModel.PUBLIC_PRIVATE,
        common_agenda=(
            "Backup power at all twelve public shelters and the medical centre, and first "
            "restoration of the grid to them after a storm."
        ),
        needs=(R.FUNDING, R.TECHNOLOGY, R.DISTRIBUTION),
        lead="City of Port Alder",
        start_day=-300,
        end_day=400,
        first_status=Status.FORMING,
        history=(
            StatusStep(
                Status.ACTIVE,
                "Utility and city signed the generator and priority-restoration agreement.",
            ),
            StatusStep(
                Status.PAUSED,
                "Utility crews are on storm duty; the retrofit work resumes after the season.",
            ),
        ),
        members=(
            MemberSpec("City of Port Alder", (Role.LEAD, Role.FUNDER), -300),
            MemberSpec("Gulfline Power & Light", (Role.FUNDER, Role.IMPLEMENTER), -300),
            MemberSpec("Seaside Medical Center", (Role.IMPLEMENTER,), -280),
            MemberSpec("Bay County Emergency Management Agency", (Role.ADVISOR,), -280),
        ),
        commitments=(
            CommitmentSpec(
                "Gulfline Power & Light",
                Kind.CASH,
                "250000",
                "Generator hook-ups at twelve shelters",
                -300,
                currency="USD",
                due_day=200,
                deliveries=(DeliverySpec("100000", -200, "Five shelters wired"),),
            ),
            CommitmentSpec(
                "Gulfline Power & Light",
                Kind.IN_KIND,
                "180000",
                "Twelve portable generators",
                -300,
                currency="USD",
                deliveries=(DeliverySpec("180000", -150, "All generators delivered"),),
            ),
            CommitmentSpec(
                "City of Port Alder",
                Kind.IN_KIND,
                "30000",
                "Storage and maintenance of the generators at city depots",
                -290,
                currency="USD",
            ),
        ),
    ),
    PartnershipSpec(
        name="Neighbor-to-Neighbor Check-in Network",
        model=PartnershipModel.OTHER,
        common_agenda=(
            "A phone tree and door-knocking rota so that every older or disabled resident "
            "hears from a neighbour before and after a storm."
        ),
        needs=(R.TRAINING, R.TECHNOLOGY, R.COMMUNICATIONS, R.VOLUNTEERS),
        lead="Port Alder Neighborhood Preparedness Teams",
        start_day=-30,
        end_day=None,
        first_status=Status.EXPLORING,
        history=(),
        members=(
            MemberSpec(
                "Port Alder Neighborhood Preparedness Teams", (Role.LEAD, Role.COMMUNITY), -30
            ),
            MemberSpec("Bay County Interfaith Council", (Role.COMMUNITY, Role.IMPLEMENTER), -20),
            MemberSpec("Coastal Relief Network", (Role.ADVISOR,), -25),
        ),
        commitments=(
            CommitmentSpec(
                "Bay County Interfaith Council",
                Kind.STAFF_TIME,
                "200",
                "Volunteer callers for the check-in phone tree",
                -20,
                due_day=90,
            ),
        ),
    ),
)

PARTNERSHIPS: dict[str, tuple[PartnershipSpec, ...]] = {
    "riverside-youth": RIVERSIDE_PARTNERSHIPS,
    "coastal-preparedness": COASTAL_PARTNERSHIPS,
}
