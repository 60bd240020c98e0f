"""The demo shared goals of the main partnership of each workspace: milestones at every
status, the progress updates that brought them there, the RACI matrix and a few comments.

Plain data, no database access. Organizations are named as in ``demo.data``, partnerships
as in ``demo.data_partnerships``. Dates are days counted from the day the seeder runs
(negative: in the past), so that whenever the demo is built some milestones are overdue
and some are due this week.

Across both workspaces:

- every milestone status appears (not started, in progress, at risk, blocked, done);
- every goal and milestone has an Accountable and a Responsible organization, except one
  deliberate gap per partnership (a milestone with a Responsible but no Accountable),
  so that the RACI matrix has something to flag; every current member holds a letter
  somewhere and no organization is Accountable for most of the items;
- the demo partner user's organization is Responsible or Accountable for several open
  milestones, one of them overdue and one due within the week, so that their "My work"
  page has something to act on.

A progress update is posted by ``PARTNER`` (the workspace's demo partner user, whose
organization must be Responsible or Accountable for the milestone) or by ``COORDINATOR``
(the demo coordinator). Comments name their author the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from goals.models import MilestoneStatus

S = MilestoneStatus
PARTNER = "partner"
COORDINATOR = "coordinator"


@dataclass(frozen=True)
class UpdateSpec:
    by: str  # PARTNER or COORDINATOR
    status: MilestoneStatus
    percent: int
    narrative: str  # unique per milestone: the update's natural key
    blockers: str = ""


@dataclass(frozen=True)
class CommentSpec:
    by: str  # PARTNER or COORDINATOR
    body: str  # unique per milestone: the comment's natural key
    reply_to: int | None = None  # index in the milestone's ``updates``


@dataclass(frozen=True)
class Letters:
    """One row of the RACI matrix: organization names per letter."""

    accountable: str | None
    responsible: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()

    def by_organization(self) -> list[tuple[str, str]]:
        """(organization, letter) pairs, Accountable first."""
        pairs = [(self.accountable, "A")] if self.accountable else []
        for letter, names in (
            ("R", self.responsible),
            ("C", self.consulted),
            ("I", self.informed),
        ):
            pairs.extend((name, letter) for name in names)
        return pairs


@dataclass(frozen=True)
class MilestoneSpec:
    title: str  # unique per goal: the milestone's natural key
    due_day: int
    roles: Letters
    description: str = ""
    # Where it stood when it was planned; the updates take it from there.
    status: MilestoneStatus = S.NOT_STARTED
    percent: int = 0
    updates: tuple[UpdateSpec, ...] = ()
    comments: tuple[CommentSpec, ...] = ()


@dataclass(frozen=True)
class GoalSpec:
    title: str  # unique per partnership: the goal's natural key
    description: str
    target_day: int
    sdgs: tuple[int, ...]
    roles: Letters
    milestones: tuple[MilestoneSpec, ...]


# --- Riverside Youth Employment Collective ------------------------------------------------

ALLIANCE = "Riverside Workforce Alliance"
FOUNDATION = "Riverside Community Foundation"
CITY = "City of Riverside Office of Economic Opportunity"
DISTRICT = "Riverside Unified School District"
COLLEGE = "Riverside Community College"
YOUTH_VOICES = "Eastside Youth Voices"
CREDIT_UNION = "Harbor & Main Credit Union"  # the demo partner's organization
LINDQVIST = "Lindqvist Precision Manufacturing"
COMPACT = "Global Youth Jobs Compact, North America Office"

RIVERSIDE_GOALS: tuple[GoalSpec, ...] = (
    GoalSpec(
        title="1,500 young people in jobs paying at least $18 an hour",
        description=(
            "Young people placed through the collective who still hold a job paying $18 an "
            "hour or more twelve months later."
        ),
        target_day=740,
        sdgs=(8, 10),
        roles=Letters(ALLIANCE, (CITY,), consulted=(LINDQVIST,), informed=(FOUNDATION,)),
        milestones=(
            MilestoneSpec(
                title="Sixty employers sign the fair-chance hiring pledge",
                due_day=-150,
                roles=Letters(CITY, (ALLIANCE,), consulted=(LINDQVIST,)),
                description="Pledges to interview every referred young person.",
                status=S.IN_PROGRESS,
                percent=40,
                updates=(
                    UpdateSpec(
                        COORDINATOR,
                        S.IN_PROGRESS,
                        75,
                        "45 employers signed at the chamber breakfast; the hospital group "
                        "and two logistics firms are next.",
                    ),
                    UpdateSpec(
                        COORDINATOR,
                        S.DONE,
                        100,
                        "63 employers have signed the pledge; the list is on the website.",
                    ),
                ),
            ),
            MilestoneSpec(
                title="Financial coaching for every participant of the spring cohort",
                due_day=-12,
                roles=Letters(ALLIANCE, (CREDIT_UNION,), informed=(YOUTH_VOICES,)),
                description="Three coaching sessions per participant, at the credit union.",
                updates=(
                    UpdateSpec(
                        PARTNER,
                        S.IN_PROGRESS,
                        30,
                        "First round of group workshops held in both branches: 52 "
                        "participants came.",
                    ),
                    UpdateSpec(
                        PARTNER,
                        S.AT_RISK,
                        55,
                        "One-to-one sessions for 80 of 140 participants. Two of our four "
                        "coaches left in the spring, so the rest will be late.",
                        blockers=(
                            "We need volunteer coaches for evening sessions, or two more weeks."
                        ),
                    ),
                ),
                comments=(
                    CommentSpec(
                        COORDINATOR,
                        "Could the college's accounting students help? I can introduce you "
                        "to their volunteer office.",
                        reply_to=1,
                    ),
                    CommentSpec(
                        PARTNER,
                        "Yes please: three or four students on Tuesday evenings would let us "
                        "catch up before the end of the month.",
                        reply_to=1,
                    ),
                ),
            ),
            MilestoneSpec(
                title="Launch a youth savings account with no minimum balance",
                due_day=4,
                roles=Letters(CREDIT_UNION, (YOUTH_VOICES,), consulted=(COMPACT,)),
                description="Open to every participant aged 16 and over, with a $25 match.",
                updates=(
                    UpdateSpec(
                        PARTNER,
                        S.IN_PROGRESS,
                        50,
                        "Product approved by our board; the sign-up form is being tested "
                        "with the youth council.",
                    ),
                    UpdateSpec(
                        PARTNER,
                        S.IN_PROGRESS,
                        80,
                        "The youth council's changes are in; staff training happens this "
                        "week, launch on schedule.",
                    ),
                ),
            ),
            MilestoneSpec(
                title="Mentoring by machinists for the autumn cohort",
                due_day=45,
                roles=Letters(LINDQVIST, (COLLEGE,)),
                description="Each apprentice paired with a machinist for twelve weeks.",
            ),
        ),
    ),
    GoalSpec(
        title="Halve the number of young people neither in school nor working",
        description="From about 4,800 to 2,400 residents aged 16 to 24, in four years.",
        target_day=740,
        sdgs=(4, 8),
        roles=Letters(ALLIANCE, (DISTRICT,), consulted=(YOUTH_VOICES,), informed=(FOUNDATION,)),
        milestones=(
            MilestoneSpec(
                title="Shared data agreement between district, college and city",
                due_day=-200,
                roles=Letters(ALLIANCE, (DISTRICT,), consulted=(COLLEGE, CITY)),
                status=S.DONE,
                percent=100,
                description="Lets the partners match records to follow young people over time.",
            ),
            MilestoneSpec(
                title="Re-engagement outreach in the Eastside and Harbor District",
                due_day=-5,
                roles=Letters(YOUTH_VOICES, (DISTRICT,)),
                description="Door knocking and peer outreach to young people who left school.",
                updates=(
                    UpdateSpec(
                        COORDINATOR,
                        S.IN_PROGRESS,
                        40,
                        "Peer outreach teams trained; 300 doors knocked in the Eastside.",
                    ),
                    UpdateSpec(
                        COORDINATOR,
                        S.BLOCKED,
                        40,
                        "Outreach in the Harbor District has stopped: the contact lists "
                        "cannot be shared until the data agreement is amended.",
                        blockers="The district's legal team has to sign the amendment.",
                    ),
                ),
                comments=(
                    CommentSpec(
                        COORDINATOR,
                        "The amendment is on the agenda of the district board next Tuesday.",
                        reply_to=1,
                    ),
                ),
            ),
            MilestoneSpec(
                title="Bridge courses at the college for 200 returning students",
                due_day=3,
                roles=Letters(COLLEGE, (DISTRICT,)),
                status=S.IN_PROGRESS,
                percent=60,
            ),
            MilestoneSpec(
                title="First shared-measurement report to the steering committee",
                due_day=30,
                roles=Letters(COMPACT, (ALLIANCE,), informed=(FOUNDATION, CITY)),
            ),
            # The deliberate gap: Responsible, but nobody is Accountable.
            MilestoneSpec(
                title="Free transit passes for every participant",
                due_day=60,
                roles=Letters(None, (CITY,), informed=(YOUTH_VOICES,)),
            ),
        ),
    ),
    GoalSpec(
        title="Fund the backbone beyond its fourth year",
        description="Three more years of backbone staff and shared measurement, fully funded.",
        target_day=500,
        sdgs=(17,),
        roles=Letters(FOUNDATION, (ALLIANCE,), informed=(CREDIT_UNION, COMPACT)),
        milestones=(
            MilestoneSpec(
                title="Funders' roundtable with five new funders",
                due_day=6,
                roles=Letters(FOUNDATION, (ALLIANCE,)),
                updates=(
                    UpdateSpec(
                        COORDINATOR,
                        S.AT_RISK,
                        30,
                        "Two funders confirmed; three more have not answered yet.",
                        blockers="Introductions to the regional banks' foundations.",
                    ),
                ),
            ),
            MilestoneSpec(
                title="Renew the financial coaching sponsorship for year three",
                due_day=90,
                roles=Letters(FOUNDATION, (CREDIT_UNION,)),
            ),
        ),
    ),
)

# --- Bay County Hurricane Readiness Partnership ---------------------------------------------

RELIEF = "Coastal Relief Network"
EMERGENCY = "Bay County Emergency Management Agency"
PORT_ALDER = "City of Port Alder"
GROCERS = "Tidewater Grocers Cooperative"  # the demo partner's organization
HAZARDS = "Coastal State University Hazards Research Center"
RESILIENCE_FUND = "Shoreline Resilience Fund"
NEIGHBORHOODS = "Port Alder Neighborhood Preparedness Teams"
HUMANITARIAN = "Regional Humanitarian Coordination Office"

COASTAL_GOALS: tuple[GoalSpec, ...] = (
    GoalSpec(
        title="Every shelter opens within six hours of an evacuation order",
        description="All twelve public shelters staffed, stocked and open within six hours.",
        target_day=180,
        sdgs=(11, 13),
        roles=Letters(EMERGENCY, (RELIEF,), consulted=(HUMANITARIAN,), informed=(RESILIENCE_FUND,)),
        milestones=(
            MilestoneSpec(
                title="Shelter manager training for all twelve shelters",
                due_day=-60,
                roles=Letters(RELIEF, (HUMANITARIAN,)),
                updates=(
                    UpdateSpec(
                        COORDINATOR,
                        S.IN_PROGRESS,
                        50,
                        "Managers of six shelters trained to the international standard.",
                    ),
                    UpdateSpec(
                        COORDINATOR,
                        S.DONE,
                        100,
                        "All twelve shelters now have two trained managers each.",
                    ),
                ),
            ),
            MilestoneSpec(
                title="Pre-position water and food at the twelve shelters",
                due_day=-8,
                roles=Letters(RELIEF, (GROCERS,)),
                description="Water and shelf-stable food for 2,000 people for three days.",
                updates=(
                    UpdateSpec(
                        PARTNER,
                        S.IN_PROGRESS,
                        25,
                        "The first three shelters are stocked from our central warehouse.",
                    ),
                    UpdateSpec(
                        PARTNER,
                        S.IN_PROGRESS,
                        50,
                        "Six shelters stocked. The island shelters need a refrigerated "
                        "truck we do not have.",
                        blockers="A refrigerated truck for two days, or a ferry slot.",
                    ),
                ),
                comments=(
                    CommentSpec(
                        COORDINATOR,
                        "Harborline Logistics offered a truck last season; I will ask them.",
                        reply_to=1,
                    ),
                ),
            ),
            MilestoneSpec(
                title="Shelter opening drill with every partner",
                due_day=2,
                roles=Letters(EMERGENCY, (PORT_ALDER,), informed=(GROCERS,)),
                status=S.IN_PROGRESS,
                percent=60,
            ),
            MilestoneSpec(
                title="Backup supply contracts for the storm season",
                due_day=5,
                roles=Letters(GROCERS, (RELIEF,)),
                updates=(
                    UpdateSpec(
                        PARTNER,
                        S.AT_RISK,
                        40,
                        "Two of our three backup suppliers signed; the third wants a "
                        "guaranteed minimum order.",
                        blockers="A decision from the fund on guaranteeing the minimum order.",
                    ),
                ),
            ),
            MilestoneSpec(
                title="Water distribution points for the first week after landfall",
                due_day=120,
                roles=Letters(RELIEF, (GROCERS,), consulted=(PORT_ALDER,)),
            ),
        ),
    ),
    GoalSpec(
        title="Every household in the twelve towns has a plan and a kit",
        description="A written household plan and a three-day kit in every home.",
        target_day=300,
        sdgs=(1, 11, 13),
        roles=Letters(RELIEF, (NEIGHBORHOODS,), consulted=(HAZARDS,), informed=(GROCERS,)),
        milestones=(
            MilestoneSpec(
                title="Storm-surge risk maps for each town",
                due_day=-120,
                roles=Letters(EMERGENCY, (HAZARDS,)),
                status=S.DONE,
                percent=100,
            ),
            MilestoneSpec(
                title="Kit distribution in the six lowest-lying towns",
                due_day=-30,
                roles=Letters(RESILIENCE_FUND, (NEIGHBORHOODS,)),
                updates=(
                    UpdateSpec(
                        COORDINATOR,
                        S.IN_PROGRESS,
                        35,
                        "1,400 kits handed out in Port Alder, Gull Point and Marsh Creek.",
                    ),
                    UpdateSpec(
                        COORDINATOR,
                        S.BLOCKED,
                        35,
                        "Distribution paused: the kits for the last three towns are not "
                        "paid for yet.",
                        blockers="The fund's third tranche.",
                    ),
                ),
            ),
            MilestoneSpec(
                title="Door-to-door plan sessions for older residents",
                due_day=40,
                roles=Letters(NEIGHBORHOODS, (PORT_ALDER,), consulted=(HAZARDS,)),
            ),
            # The deliberate gap: Responsible, but nobody is Accountable.
            MilestoneSpec(
                title="Preparedness guide in the five most spoken languages",
                due_day=75,
                roles=Letters(None, (RELIEF,)),
            ),
        ),
    ),
)

MAIN_PARTNERSHIPS: dict[str, str] = {
    "riverside-youth": "Riverside Youth Employment Collective",
    "coastal-preparedness": "Bay County Hurricane Readiness Partnership",
}

GOALS: dict[str, tuple[GoalSpec, ...]] = {
    "riverside-youth": RIVERSIDE_GOALS,
    "coastal-preparedness": COASTAL_GOALS,
}
