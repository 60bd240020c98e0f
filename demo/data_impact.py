"""The demo impact data: indicators of the demo partnerships, the figures their members
reported, the partner users who reported them, and two health-check rounds per main
partnership.

Plain data, no database access. Organizations are named as in ``demo.data``,
partnerships as in ``demo.data_partnerships``, goals as in ``demo.data_goals``. Dates are
counted from the day the seeder runs, in months (an indicator's baseline lies
``baseline_months`` back, at the end of a reporting window; its target date
``target_months`` ahead, at the end of one) or days (a health-check round), so that the
demo always has about two years of closed periods behind it.

Across both workspaces every value type, reporting frequency, direction, result level and
aggregation appears in each workspace, and the figures are chosen (by the seeder, from
``status``) so that each workspace has indicators on track, at risk, off track, achieved
and needing data.

A figure's state, one letter per reporting organization (in the order of ``reporters``),
for the newest closed periods (``recent``, newest first; older periods are approved):

- ``A`` approved; ``C`` approved after it was returned once and corrected;
- ``S`` submitted, waiting for review; ``R`` returned with a note; ``D`` a draft;
- ``-`` missing: nothing reported at all (the missing-data board lists it).
"""

from __future__ import annotations

from dataclasses import dataclass

from demo.data import PersonSpec
from impact.models import Aggregation, Direction, Frequency, HealthFactor, ResultLevel, ValueType
from impact.progress import IndicatorStatus
from partnerhub.models import Role

A = Aggregation
D = Direction
F = Frequency
L = ResultLevel
T = ValueType
St = IndicatorStatus
HF = HealthFactor

APPROVED = "A"
CORRECTED = "C"
SUBMITTED = "S"
RETURNED = "R"
DRAFT = "D"
MISSING = "-"
FIGURE_CODES = frozenset({APPROVED, CORRECTED, SUBMITTED, RETURNED, DRAFT, MISSING})


@dataclass(frozen=True)
class DimensionSpec:
    name: str
    # (category, its usual share of the total); for an exhaustive dimension the shares
    # add up to 1, for another they add up to less (the rest is not broken down).
    categories: tuple[tuple[str, float], ...]
    exhaustive: bool = True


@dataclass(frozen=True)
class IndicatorSpec:
    partnership: str
    name: str  # unique per partnership: the indicator's natural key
    definition: str
    unit: str
    value_type: ValueType
    direction: Direction
    result_level: ResultLevel
    frequency: Frequency
    aggregation: Aggregation
    baseline: str
    target: str
    reporters: tuple[str, ...]  # current members of the partnership
    status: IndicatorStatus  # where the approved figures leave it
    recent: tuple[str, ...] = ()  # newest closed period first, one letter per reporter
    currency: str = ""
    decimals: int = 0  # of the figures (-3: whole thousands)
    goal: str | None = None  # a shared goal of the partnership, by title
    dimensions: tuple[DimensionSpec, ...] = ()
    baseline_months: int = 24
    target_months: int = 12
    weights: tuple[float, ...] = ()  # each reporter's share of a period's total
    old_missing: tuple[tuple[int, int], ...] = ()  # (periods back, reporter index)
    locked: int = 0  # how many of the oldest periods the coordinator has locked


@dataclass(frozen=True)
class HealthRoundSpec:
    partnership: str
    title: str  # unique per partnership: the round's natural key
    opens_day: int
    closes_day: int
    respondents: tuple[str, ...]  # demo users' emails
    # Mean score of each factor (1-5) across the partnership in this round.
    scores: dict[str, float]
    # How a sector sees a factor differently (added to the mean).
    sector_tilt: dict[str, dict[str, float]]
    comments: tuple[tuple[str, str, str], ...] = ()  # (email, factor, comment)


GENDER = DimensionSpec("Gender", (("Female", 0.52), ("Male", 0.45), ("Another", 0.03)))
AGE_GROUP = DimensionSpec("Age group", (("15-19", 0.31), ("20-24", 0.47), ("25-29", 0.22)))
OLDER_AGE_GROUP = DimensionSpec(
    "Age group", (("65-74", 0.46), ("75-84", 0.38), ("85 and over", 0.16))
)
RIVERSIDE_DISTRICT = DimensionSpec(
    "District",
    (("Eastside", 0.38), ("Harbor District", 0.27), ("Downtown", 0.14), ("Northgate", 0.09)),
    exhaustive=False,
)
COASTAL_DISTRICT = DimensionSpec(
    "District",
    (("Port Alder", 0.34), ("Pelican Bay", 0.21), ("Saltmarsh", 0.17), ("Heron Point", 0.12)),
    exhaustive=False,
)

# --- Riverside Youth Employment Collective ------------------------------------------------

COLLECTIVE = "Riverside Youth Employment Collective"
APPRENTICESHIPS = "Advanced Manufacturing Apprenticeship Pathway"
ALLIANCE = "Riverside Workforce Alliance"
CITY = "City of Riverside Office of Economic Opportunity"
DISTRICT = "Riverside Unified School District"
COLLEGE = "Riverside Community College"
YOUTH_VOICES = "Eastside Youth Voices"
CREDIT_UNION = "Harbor & Main Credit Union"
LINDQVIST = "Lindqvist Precision Manufacturing"
JOBS_GOAL = "1,500 young people in jobs paying at least $18 an hour"
NEET_GOAL = "Halve the number of young people neither in school nor working"
BACKBONE_GOAL = "Fund the backbone beyond its fourth year"

RIVERSIDE_INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="Young people placed in jobs paying $18 an hour or more",
        definition=(
            "Participants aged 15 to 29 who started a job paying at least $18 an hour in "
            "the period, counted once, by the partner that placed them."
        ),
        unit="people",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTCOME,
        frequency=F.QUARTERLY,
        aggregation=A.SUM,
        baseline="0",
        target="1500",
        reporters=(ALLIANCE, CITY, COLLEGE),
        weights=(0.46, 0.34, 0.20),
        status=St.AT_RISK,
        recent=("SA-", "AAC"),
        goal=JOBS_GOAL,
        dimensions=(GENDER, AGE_GROUP),
        target_months=13,
        locked=2,
    ),
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="Young people in paid work",
        definition=(
            "Share of the young people who finished a programme twelve months ago who are "
            "in paid work now, from each partner's follow-up calls."
        ),
        unit="%",
        value_type=T.PERCENTAGE,
        direction=D.INCREASE,
        result_level=L.IMPACT,
        frequency=F.HALF_YEARLY,
        aggregation=A.LATEST,
        baseline="41",
        target="70",
        reporters=(ALLIANCE, COLLEGE),
        status=St.ON_TRACK,
        recent=("AS",),
        decimals=1,
        goal=JOBS_GOAL,
        target_months=20,
    ),
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="Employers signed the fair-chance hiring pledge",
        definition="Employers that have signed the pledge and not withdrawn, at period end.",
        unit="employers",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.QUARTERLY,
        aggregation=A.LATEST,
        baseline="12",
        target="60",
        reporters=(CITY,),
        status=St.ACHIEVED,
        recent=("A",),
        goal=JOBS_GOAL,
        target_months=6,
    ),
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="Average starting hourly wage of placed young people",
        definition="Mean hourly wage at the start of the jobs counted in the period.",
        unit="per hour",
        value_type=T.CURRENCY,
        currency="USD",
        direction=D.INCREASE,
        result_level=L.OUTCOME,
        frequency=F.QUARTERLY,
        aggregation=A.AVERAGE,
        baseline="15.80",
        target="18.50",
        reporters=(ALLIANCE,),
        status=St.ON_TRACK,
        recent=("S", "A"),
        decimals=2,
        target_months=13,
    ),
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="School dropout rate",
        definition=(
            "Share of students in grades 9 to 12 who left school without a diploma during "
            "the school year (district annual report)."
        ),
        unit="%",
        value_type=T.PERCENTAGE,
        direction=D.DECREASE,
        result_level=L.OUTCOME,
        frequency=F.ANNUAL,
        aggregation=A.LATEST,
        baseline="9.6",
        target="6.0",
        reporters=(DISTRICT,),
        status=St.AT_RISK,
        recent=("A",),
        decimals=1,
        goal=NEET_GOAL,
        target_months=12,
    ),
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="Young people neither in school nor working",
        definition=(
            "Riverside residents aged 16 to 24 neither in education, employment nor "
            "training, from the annual labour-market estimate."
        ),
        unit="people",
        value_type=T.NUMBER,
        direction=D.DECREASE,
        result_level=L.IMPACT,
        frequency=F.ANNUAL,
        aggregation=A.LATEST,
        baseline="4800",
        target="2400",
        reporters=(ALLIANCE,),
        status=St.ON_TRACK,
        recent=("A",),
        goal=NEET_GOAL,
        target_months=24,
    ),
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="Young people re-engaged in school or training",
        definition=(
            "Young people who had left school or training and enrolled again in the month, "
            "counted by the organization that enrolled them."
        ),
        unit="people",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.MONTHLY,
        aggregation=A.SUM,
        baseline="0",
        target="1200",
        reporters=(DISTRICT, COLLEGE, YOUTH_VOICES),
        weights=(0.5, 0.3, 0.2),
        status=St.ON_TRACK,
        recent=("S-D", "AS-", "AAR"),
        goal=NEET_GOAL,
        dimensions=(GENDER, RIVERSIDE_DISTRICT),
        old_missing=((7, 2), (8, 2), (15, 2)),
        target_months=13,
    ),
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="Funding raised for the backbone beyond year four",
        definition="New money pledged in writing for the backbone's years five to seven.",
        unit="USD",
        value_type=T.CURRENCY,
        currency="USD",
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.QUARTERLY,
        aggregation=A.SUM,
        baseline="0",
        target="1200000",
        reporters=(ALLIANCE,),
        status=St.OFF_TRACK,
        recent=("-", "A"),
        decimals=-3,
        goal=BACKBONE_GOAL,
        target_months=10,
    ),
    IndicatorSpec(
        partnership=COLLECTIVE,
        name="Youth savings accounts opened",
        definition="No-minimum-balance savings accounts opened by participants in the month.",
        unit="accounts",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.MONTHLY,
        aggregation=A.SUM,
        baseline="0",
        target="900",
        reporters=(CREDIT_UNION,),
        status=St.AT_RISK,
        recent=("D", "R", "A", "C"),
        dimensions=(AGE_GROUP,),
        target_months=13,
    ),
    IndicatorSpec(
        partnership=APPRENTICESHIPS,
        name="Apprentices enrolled",
        definition="Young people who signed a two-year apprenticeship agreement in the quarter.",
        unit="apprentices",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.QUARTERLY,
        aggregation=A.SUM,
        baseline="0",
        target="40",
        reporters=(COLLEGE, LINDQVIST),
        status=St.NEEDS_DATA,
        recent=("S-",),
        baseline_months=4,
        target_months=18,
    ),
)

RIVERSIDE_PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec("tomas.avila@workforce.riverside.example", "Tomás Ávila", Role.PARTNER, ALLIANCE),
    PersonSpec("keisha.grant@opportunity.riverside.example", "Keisha Grant", Role.PARTNER, CITY),
    PersonSpec("dev.patel@opportunity.riverside.example", "Dev Patel", Role.PARTNER, CITY),
    PersonSpec("laura.chen@rusd.riverside.example", "Laura Chen", Role.PARTNER, DISTRICT),
    PersonSpec("sam.okonkwo@rcc.riverside.example", "Sam Okonkwo", Role.PARTNER, COLLEGE),
    PersonSpec("jordan.hayes@harborandmain.example", "Jordan Hayes", Role.PARTNER, CREDIT_UNION),
    PersonSpec("ingrid.berg@lindqvist.example", "Ingrid Berg", Role.PARTNER, LINDQVIST),
    PersonSpec("mateo.ruiz@lindqvist.example", "Mateo Ruiz", Role.PARTNER, LINDQVIST),
    PersonSpec("ana.flores@eastside.example", "Ana Flores", Role.PARTNER, YOUTH_VOICES),
)

BUSINESS, GOVERNMENT, NONPROFIT, COMMUNITY, ACADEMIC = (
    "business",
    "government",
    "nonprofit",
    "community",
    "academic",
)

RIVERSIDE_HEALTH: tuple[HealthRoundSpec, ...] = (
    HealthRoundSpec(
        partnership=COLLECTIVE,
        title="Collaboration health check, round 1",
        opens_day=-196,
        closes_day=-182,
        respondents=(
            "partner@riverside.example",
            "jordan.hayes@harborandmain.example",
            "ingrid.berg@lindqvist.example",
            "keisha.grant@opportunity.riverside.example",
            "dev.patel@opportunity.riverside.example",
            "laura.chen@rusd.riverside.example",
            "tomas.avila@workforce.riverside.example",
            "ana.flores@eastside.example",
        ),
        scores={
            HF.TRUST: 3.9,
            HF.SHARED_VISION: 4.3,
            HF.ROLE_CLARITY: 2.8,
            HF.COMMUNICATION: 3.1,
            HF.DECISION_MAKING: 3.2,
            HF.RESOURCES: 2.6,
            HF.MUTUAL_BENEFIT: 3.6,
            HF.ACCOUNTABILITY: 3.0,
            HF.LEARNING: 3.3,
            HF.LEADERSHIP: 4.0,
        },
        sector_tilt={
            BUSINESS: {HF.DECISION_MAKING: -0.9, HF.MUTUAL_BENEFIT: -0.7, HF.ROLE_CLARITY: -0.4},
            GOVERNMENT: {HF.RESOURCES: 0.8, HF.ACCOUNTABILITY: 0.6, HF.COMMUNICATION: -0.5},
            COMMUNITY: {HF.DECISION_MAKING: -1.0, HF.TRUST: -0.6},
        },
        comments=(
            (
                "jordan.hayes@harborandmain.example",
                HF.DECISION_MAKING,
                "Decisions seem to be made in the steering committee before employers hear "
                "about them.",
            ),
            (
                "ana.flores@eastside.example",
                HF.DECISION_MAKING,
                "Young people are asked for their views, but rarely told what changed.",
            ),
            (
                "laura.chen@rusd.riverside.example",
                HF.ROLE_CLARITY,
                "It is not clear who follows up with students who drop out mid-year.",
            ),
            (
                "tomas.avila@workforce.riverside.example",
                HF.RESOURCES,
                "The data work is carried by one and a half people.",
            ),
        ),
    ),
    HealthRoundSpec(
        partnership=COLLECTIVE,
        title="Collaboration health check, round 2",
        opens_day=-9,
        closes_day=12,
        # The demo partner user has not answered yet: the round is theirs to try.
        respondents=(
            "jordan.hayes@harborandmain.example",
            "ingrid.berg@lindqvist.example",
            "mateo.ruiz@lindqvist.example",
            "keisha.grant@opportunity.riverside.example",
            "dev.patel@opportunity.riverside.example",
            "laura.chen@rusd.riverside.example",
            "tomas.avila@workforce.riverside.example",
            "sam.okonkwo@rcc.riverside.example",
            "ana.flores@eastside.example",
        ),
        scores={
            HF.TRUST: 4.1,
            HF.SHARED_VISION: 4.4,
            HF.ROLE_CLARITY: 3.7,
            HF.COMMUNICATION: 3.6,
            HF.DECISION_MAKING: 3.4,
            HF.RESOURCES: 2.4,
            HF.MUTUAL_BENEFIT: 3.8,
            HF.ACCOUNTABILITY: 3.7,
            HF.LEARNING: 3.5,
            HF.LEADERSHIP: 4.1,
        },
        sector_tilt={
            BUSINESS: {HF.DECISION_MAKING: -0.6, HF.MUTUAL_BENEFIT: -0.3},
            GOVERNMENT: {HF.RESOURCES: 0.7, HF.ACCOUNTABILITY: 0.4},
            COMMUNITY: {HF.DECISION_MAKING: -0.5},
        },
        comments=(
            (
                "mateo.ruiz@lindqvist.example",
                HF.MUTUAL_BENEFIT,
                "The apprentices we hired through the collective are staying; that is worth "
                "the meetings.",
            ),
            (
                "laura.chen@rusd.riverside.example",
                HF.ROLE_CLARITY,
                "The RACI matrix settled who calls whom after a dropout.",
            ),
            (
                "sam.okonkwo@rcc.riverside.example",
                HF.RESOURCES,
                "Bridge courses are full; we need a second instructor to keep up.",
            ),
        ),
    ),
)

# --- Bay County Hurricane Readiness Partnership -------------------------------------------

READINESS = "Bay County Hurricane Readiness Partnership"
SHELTER_POWER = "Shelter Power Resilience Program"
CHECK_INS = "Neighbor-to-Neighbor Check-in Network"
RELIEF = "Coastal Relief Network"
EMA = "Bay County Emergency Management Agency"
PORT_ALDER = "City of Port Alder"
GROCERS = "Tidewater Grocers Cooperative"
UNIVERSITY = "Coastal State University Hazards Research Center"
TEAMS = "Port Alder Neighborhood Preparedness Teams"
UTILITY = "Gulfline Power & Light"
SHELTER_GOAL = "Every shelter opens within six hours of an evacuation order"
HOUSEHOLD_GOAL = "Every household in the twelve towns has a plan and a kit"

COASTAL_INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        partnership=READINESS,
        name="Households with a written plan and a kit",
        definition=(
            "Share of surveyed households in the twelve coastal towns with a written "
            "evacuation plan and a three-day kit, from each partner's door-step survey."
        ),
        unit="%",
        value_type=T.PERCENTAGE,
        direction=D.INCREASE,
        result_level=L.OUTCOME,
        frequency=F.HALF_YEARLY,
        aggregation=A.LATEST,
        baseline="31",
        target="75",
        reporters=(UNIVERSITY, RELIEF),
        status=St.AT_RISK,
        recent=("SA",),
        decimals=1,
        goal=HOUSEHOLD_GOAL,
        target_months=19,
    ),
    IndicatorSpec(
        partnership=READINESS,
        name="Preparedness kits distributed",
        definition="Three-day household kits handed out in the month.",
        unit="kits",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.MONTHLY,
        aggregation=A.SUM,
        baseline="0",
        target="12000",
        reporters=(RELIEF, GROCERS),
        weights=(0.62, 0.38),
        status=St.ON_TRACK,
        recent=("AD", "AR", "AA", "CA"),
        goal=HOUSEHOLD_GOAL,
        dimensions=(COASTAL_DISTRICT,),
        old_missing=((9, 1),),
        target_months=13,
    ),
    IndicatorSpec(
        partnership=READINESS,
        name="Older residents reached by door-to-door plan sessions",
        definition="Residents aged 65 or over who completed a plan session at home.",
        unit="people",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.MONTHLY,
        aggregation=A.SUM,
        baseline="0",
        target="2400",
        reporters=(TEAMS,),
        status=St.ON_TRACK,
        recent=("-", "S", "A"),
        goal=HOUSEHOLD_GOAL,
        dimensions=(GENDER, OLDER_AGE_GROUP),
        target_months=13,
    ),
    IndicatorSpec(
        partnership=READINESS,
        name="Average emergency response time (minutes)",
        definition=(
            "Mean minutes from a 911 call in the county to the first responder on scene, "
            "from the dispatch system."
        ),
        unit="minutes",
        value_type=T.NUMBER,
        direction=D.DECREASE,
        result_level=L.IMPACT,
        frequency=F.QUARTERLY,
        aggregation=A.AVERAGE,
        baseline="14.0",
        target="9.0",
        reporters=(EMA,),
        status=St.ON_TRACK,
        recent=("A", "C"),
        decimals=1,
        target_months=13,
    ),
    IndicatorSpec(
        partnership=READINESS,
        name="Shelters open within six hours of an evacuation order",
        definition="Share of the twelve public shelters open and staffed within six hours.",
        unit="%",
        value_type=T.PERCENTAGE,
        direction=D.INCREASE,
        result_level=L.OUTCOME,
        frequency=F.ANNUAL,
        aggregation=A.LATEST,
        baseline="42",
        target="100",
        reporters=(EMA,),
        status=St.AT_RISK,
        recent=("A",),
        decimals=1,
        goal=SHELTER_GOAL,
        target_months=18,
    ),
    IndicatorSpec(
        partnership=READINESS,
        name="Shelter managers trained",
        definition="People who completed the two-day shelter manager course.",
        unit="people",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.QUARTERLY,
        aggregation=A.SUM,
        baseline="0",
        target="48",
        reporters=(RELIEF, PORT_ALDER),
        weights=(0.6, 0.4),
        status=St.ACHIEVED,
        recent=("AS",),
        goal=SHELTER_GOAL,
        dimensions=(GENDER,),
        target_months=7,
        locked=1,
    ),
    IndicatorSpec(
        partnership=READINESS,
        name="Emergency grants paid to households",
        definition="Grants paid out of the household emergency fund after a storm.",
        unit="USD",
        value_type=T.CURRENCY,
        currency="USD",
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.QUARTERLY,
        aggregation=A.SUM,
        baseline="0",
        target="400000",
        reporters=(RELIEF,),
        status=St.OFF_TRACK,
        recent=("R", "A"),
        decimals=-2,
        target_months=13,
    ),
    IndicatorSpec(
        partnership=SHELTER_POWER,
        name="Shelters with working backup power",
        definition="Public shelters whose generator passed the monthly load test.",
        unit="shelters",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.QUARTERLY,
        aggregation=A.LATEST,
        baseline="3",
        target="13",
        reporters=(PORT_ALDER,),
        status=St.OFF_TRACK,
        recent=("A",),
        baseline_months=10,
        target_months=11,
    ),
    IndicatorSpec(
        partnership=SHELTER_POWER,
        name="Hours to restore power to priority sites",
        definition=(
            "Mean hours from an outage to restored grid power at shelters and the medical "
            "centre, over the outages of the half-year."
        ),
        unit="hours",
        value_type=T.NUMBER,
        direction=D.DECREASE,
        result_level=L.OUTCOME,
        frequency=F.HALF_YEARLY,
        aggregation=A.AVERAGE,
        baseline="36",
        target="12",
        reporters=(UTILITY,),
        status=St.ON_TRACK,
        recent=("S",),
        decimals=1,
        target_months=14,
    ),
    IndicatorSpec(
        partnership=CHECK_INS,
        name="Residents enrolled for storm check-ins",
        definition="Older or disabled residents who agreed to be called before and after a storm.",
        unit="residents",
        value_type=T.NUMBER,
        direction=D.INCREASE,
        result_level=L.OUTPUT,
        frequency=F.MONTHLY,
        aggregation=A.SUM,
        baseline="0",
        target="600",
        reporters=(TEAMS,),
        status=St.NEEDS_DATA,
        recent=("S",),
        baseline_months=1,
        target_months=12,
    ),
)

COASTAL_PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec("nia.brooks@relief.coastal.example", "Nia Brooks", Role.PARTNER, RELIEF),
    PersonSpec("carl.jensen@baycounty.example", "Carl Jensen", Role.PARTNER, EMA),
    PersonSpec("maria.souza@baycounty.example", "Maria Souza", Role.PARTNER, EMA),
    PersonSpec("ethan.wright@portalder.example", "Ethan Wright", Role.PARTNER, PORT_ALDER),
    PersonSpec("luis.mendez@tidewatergrocers.example", "Luis Mendez", Role.PARTNER, GROCERS),
    PersonSpec("hannah.cole@tidewatergrocers.example", "Hannah Cole", Role.PARTNER, GROCERS),
    PersonSpec("omar.haddad@csu-hazards.example", "Omar Haddad", Role.PARTNER, UNIVERSITY),
    PersonSpec("rita.osei@alderteams.example", "Rita Osei", Role.PARTNER, TEAMS),
    PersonSpec("paul.dubois@gulfline.example", "Paul Dubois", Role.PARTNER, UTILITY),
)

COASTAL_HEALTH: tuple[HealthRoundSpec, ...] = (
    HealthRoundSpec(
        partnership=READINESS,
        title="Collaboration health check, round 1",
        opens_day=-190,
        closes_day=-176,
        respondents=(
            "partner@coastal.example",
            "luis.mendez@tidewatergrocers.example",
            "hannah.cole@tidewatergrocers.example",
            "carl.jensen@baycounty.example",
            "maria.souza@baycounty.example",
            "ethan.wright@portalder.example",
            "nia.brooks@relief.coastal.example",
            "rita.osei@alderteams.example",
            "omar.haddad@csu-hazards.example",
        ),
        scores={
            HF.TRUST: 3.6,
            HF.SHARED_VISION: 4.2,
            HF.ROLE_CLARITY: 3.0,
            HF.COMMUNICATION: 3.4,
            HF.DECISION_MAKING: 3.5,
            HF.RESOURCES: 2.9,
            HF.MUTUAL_BENEFIT: 3.9,
            HF.ACCOUNTABILITY: 3.2,
            HF.LEARNING: 2.8,
            HF.LEADERSHIP: 3.8,
        },
        sector_tilt={
            BUSINESS: {HF.ROLE_CLARITY: -1.0, HF.COMMUNICATION: -0.6, HF.MUTUAL_BENEFIT: 0.4},
            GOVERNMENT: {HF.LEADERSHIP: 0.7, HF.RESOURCES: -0.7, HF.LEARNING: 0.5},
            COMMUNITY: {HF.TRUST: -0.5},
        },
        comments=(
            (
                "luis.mendez@tidewatergrocers.example",
                HF.ROLE_CLARITY,
                "We found out from the news which shelters we were meant to stock.",
            ),
            (
                "carl.jensen@baycounty.example",
                HF.RESOURCES,
                "Overtime for the shelter openings is not budgeted anywhere.",
            ),
            (
                "omar.haddad@csu-hazards.example",
                HF.LEARNING,
                "The after-action review from last season has not been discussed yet.",
            ),
        ),
    ),
    HealthRoundSpec(
        partnership=READINESS,
        title="Collaboration health check, round 2",
        opens_day=-14,
        closes_day=7,
        respondents=(
            "partner@coastal.example",
            "luis.mendez@tidewatergrocers.example",
            "hannah.cole@tidewatergrocers.example",
            "carl.jensen@baycounty.example",
            "maria.souza@baycounty.example",
            "ethan.wright@portalder.example",
            "nia.brooks@relief.coastal.example",
            "omar.haddad@csu-hazards.example",
        ),
        scores={
            HF.TRUST: 3.9,
            HF.SHARED_VISION: 4.3,
            HF.ROLE_CLARITY: 3.8,
            HF.COMMUNICATION: 3.7,
            HF.DECISION_MAKING: 3.6,
            HF.RESOURCES: 2.7,
            HF.MUTUAL_BENEFIT: 4.0,
            HF.ACCOUNTABILITY: 3.6,
            HF.LEARNING: 3.4,
            HF.LEADERSHIP: 3.9,
        },
        sector_tilt={
            BUSINESS: {HF.ROLE_CLARITY: -0.4, HF.MUTUAL_BENEFIT: 0.3},
            GOVERNMENT: {HF.LEADERSHIP: 0.6, HF.RESOURCES: -0.8},
        },
        comments=(
            (
                "hannah.cole@tidewatergrocers.example",
                HF.COMMUNICATION,
                "The weekly storm-season call made a real difference this year.",
            ),
            (
                "maria.souza@baycounty.example",
                HF.RESOURCES,
                "Still no budget line for shelter staffing overtime.",
            ),
        ),
    ),
)

INDICATORS: dict[str, tuple[IndicatorSpec, ...]] = {
    "riverside-youth": RIVERSIDE_INDICATORS,
    "coastal-preparedness": COASTAL_INDICATORS,
}
REPORTING_PEOPLE: dict[str, tuple[PersonSpec, ...]] = {
    "riverside-youth": RIVERSIDE_PEOPLE,
    "coastal-preparedness": COASTAL_PEOPLE,
}
HEALTH_ROUNDS: dict[str, tuple[HealthRoundSpec, ...]] = {
    "riverside-youth": RIVERSIDE_HEALTH,
    "coastal-preparedness": COASTAL_HEALTH,
}

RETURN_NOTES: tuple[str, ...] = (
    "The total does not match the breakdown sheet you attached; please check the count.",
    "This looks like the cumulative figure, not the period's own figure. Please resend.",
    "Much higher than last period: can you confirm, or add a note on what changed?",
    "Please attach the sign-in sheets or the report this figure comes from.",
)
FIGURE_NOTES: tuple[str, ...] = (
    "",
    "",
    "",
    "Includes a catch-up from the previous period.",
    "Lower than usual: staff were on leave for two weeks.",
    "Counted from the case management system on the first working day after period end.",
)
