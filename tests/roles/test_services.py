"""Role assignment services, the single-Accountable rule (service and database), the
goals hook, and the "My work" selector."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import roles.services as role_services
from goals.hooks import responsible_org_ids_for_milestones
from goals.models import MilestoneStatus
from partnerhub.models import ActivityEvent, EventAction, Role
from partnerhub.permissions import Action
from partnerhub.tenancy import workspace_context
from partners.services.partnerships import partnership_member_remove
from roles.models import Raci, RoleAssignment
from roles.selectors import my_work
from roles.services import role_assign, role_remove, role_set_letter
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.roles.helpers import make_goal, make_milestone, setup_matrix

pytestmark = pytest.mark.django_db


def assign(cast, **kwargs):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return role_assign(workspace=cast.workspace, actor=cast.coordinator, **kwargs)


def test_assign_and_replace_the_letter_of_an_organization(cast_a):
    _, _goal, milestone = setup_matrix(cast_a)
    first = assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="C")
    second = assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="R")
    assert first.pk == second.pk
    with workspace_context(cast_a.workspace):
        rows = list(RoleAssignment.objects.for_workspace(cast_a.workspace).values_list("raci"))
    assert rows == [("R",)]
    assert second.partnership_id == milestone.partnership_id and second.goal_id is None


def test_a_second_accountable_is_refused_with_a_clear_message(cast_a):
    _, goal, _ = setup_matrix(cast_a)
    assign(cast_a, goal=goal, organization=cast_a.organization, raci="A")
    with pytest.raises(ValidationError) as caught:
        assign(cast_a, goal=goal, organization=cast_a.other_organization, raci="A")
    message = caught.value.message_dict["raci"][0]
    assert message == (
        f"{cast_a.organization.name} is already Accountable; make them Responsible first or "
        "change the Accountable."
    )
    with workspace_context(cast_a.workspace):
        assert RoleAssignment.objects.for_workspace(cast_a.workspace).count() == 1


def test_replace_accountable_moves_a_and_demotes_the_holder_to_responsible(cast_a):
    _, _, milestone = setup_matrix(cast_a)
    old = assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="A")
    new = assign(
        cast_a,
        milestone=milestone,
        organization=cast_a.other_organization,
        raci="A",
        replace_accountable=True,
    )
    old.refresh_from_db()
    assert (old.raci, new.raci) == (Raci.RESPONSIBLE, Raci.ACCOUNTABLE)


def test_the_same_organization_may_stay_accountable(cast_a):
    _, goal, _ = setup_matrix(cast_a)
    assign(cast_a, goal=goal, organization=cast_a.organization, raci="A")
    again = assign(cast_a, goal=goal, organization=cast_a.organization, raci="A")
    assert again.raci == "A"


@pytest.mark.parametrize("item", ["goal", "milestone"])
def test_the_database_refuses_a_second_accountable(cast_a, item):
    partnership, goal, milestone = setup_matrix(cast_a)
    target = {"goal": goal} if item == "goal" else {"milestone": milestone}
    with workspace_context(cast_a.workspace):
        RoleAssignment.objects.create(
            workspace=cast_a.workspace,
            partnership=partnership,
            organization=cast_a.organization,
            raci="A",
            **target,
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            RoleAssignment.objects.create(
                workspace=cast_a.workspace,
                partnership=partnership,
                organization=cast_a.other_organization,
                raci="A",
                **target,
            )


def test_a_race_past_the_check_becomes_the_same_validation_error(cast_a, monkeypatch):
    """Two coordinators at once: the check saw no Accountable, the index refuses."""
    _, goal, _ = setup_matrix(cast_a)
    assign(cast_a, goal=goal, organization=cast_a.organization, raci="A")
    monkeypatch.setattr(role_services, "_other_accountable", lambda on_item, organization: None)
    with pytest.raises(ValidationError) as caught:
        assign(cast_a, goal=goal, organization=cast_a.other_organization, raci="A")
    assert "is already Accountable" in caught.value.message_dict["raci"][0]
    assert cast_a.organization.name in caught.value.message_dict["raci"][0]


def test_only_current_members_may_hold_a_role(cast_a):
    partnership, goal, _ = setup_matrix(cast_a)
    with workspace_context(cast_a.workspace):
        outsider = OrganizationFactory(workspace=cast_a.workspace, name="Not A Member")
    with pytest.raises(ValidationError) as caught:
        assign(cast_a, goal=goal, organization=outsider, raci="R")
    assert "not a current member" in caught.value.message_dict["organization"][0]
    # An organization that left is no longer a member either.
    with workspace_context(cast_a.workspace):
        member = partnership.members.get(organization=cast_a.other_organization)
        partnership_member_remove(
            workspace=cast_a.workspace, actor=cast_a.coordinator, member=member
        )
    with pytest.raises(ValidationError):
        assign(cast_a, goal=goal, organization=cast_a.other_organization, raci="R")


def test_an_organization_of_another_workspace_is_refused(cast_a, cast_b):
    _, goal, _ = setup_matrix(cast_a)
    with pytest.raises(ValidationError) as caught:
        assign(cast_a, goal=goal, organization=cast_b.organization, raci="R")
    assert "organization" in caught.value.message_dict


def test_a_named_person_must_represent_the_organization(cast_a):
    _, goal, _ = setup_matrix(cast_a)
    with pytest.raises(ValidationError) as caught:
        assign(
            cast_a,
            goal=goal,
            organization=cast_a.other_organization,
            raci="R",
            person=cast_a.partner,
        )
    assert "person" in caught.value.message_dict
    assignment = assign(
        cast_a, goal=goal, organization=cast_a.organization, raci="R", person=cast_a.partner
    )
    assert assignment.person_id == cast_a.partner.pk
    stranger = UserFactory(email="stranger@example.org")
    MembershipFactory(user=stranger, workspace=cast_a.workspace, role=Role.VIEWER)
    with pytest.raises(ValidationError):
        assign(cast_a, goal=goal, organization=cast_a.organization, raci="R", person=stranger)


def test_exactly_one_item_and_a_known_letter(cast_a):
    _, goal, milestone = setup_matrix(cast_a)
    with pytest.raises(ValidationError):
        assign(cast_a, organization=cast_a.organization, raci="R")
    with pytest.raises(ValidationError):
        assign(cast_a, goal=goal, milestone=milestone, organization=cast_a.organization, raci="R")
    with pytest.raises(ValidationError) as caught:
        assign(cast_a, goal=goal, organization=cast_a.organization, raci="X")
    assert "raci" in caught.value.message_dict


def test_events_are_recorded_for_create_update_and_delete(cast_a):
    partnership, goal, _ = setup_matrix(cast_a)
    assignment = assign(cast_a, goal=goal, organization=cast_a.organization, raci="C")
    assignment_id = assignment.pk
    assign(cast_a, goal=goal, organization=cast_a.organization, raci="R")
    with workspace_context(cast_a.workspace):
        role_remove(workspace=cast_a.workspace, actor=cast_a.coordinator, assignment=assignment)
        events = list(
            ActivityEvent.objects.for_workspace(cast_a.workspace)
            .filter(object_type="roles.roleassignment")
            .order_by("id")
        )
    assert [e.action for e in events] == [
        EventAction.CREATE,
        EventAction.UPDATE,
        EventAction.DELETE,
    ]
    assert all(e.partnership_id == partnership.pk for e in events)
    assert all(e.actor_user_id == cast_a.coordinator.pk for e in events)
    assert events[0].changes["raci"] == "C"
    assert events[1].changes == {"raci": ["C", "R"]}
    assert {e.object_id for e in events} == {assignment_id}
    assert events[2].changes["organization"] == cast_a.organization.pk


def test_set_letter_assigns_keeps_and_removes(cast_a):
    _, _, milestone = setup_matrix(cast_a)
    kwargs = {"milestone": milestone, "organization": cast_a.organization}
    with workspace_context(cast_a.workspace):
        first = role_set_letter(workspace=cast_a.workspace, actor=cast_a.admin, raci="I", **kwargs)
        same = role_set_letter(workspace=cast_a.workspace, actor=cast_a.admin, raci="I", **kwargs)
        assert first is not None and same is not None and same.pk == first.pk
        assert (
            role_set_letter(workspace=cast_a.workspace, actor=cast_a.admin, raci="", **kwargs)
            is None
        )
        assert not RoleAssignment.objects.for_workspace(cast_a.workspace).exists()


def test_the_goals_hook_answers_responsible_and_accountable_in_one_query(
    cast_a, django_assert_num_queries
):
    _, goal, milestone = setup_matrix(cast_a)
    other = make_milestone(cast_a, goal, title="Report")
    third = make_milestone(cast_a, goal, title="Nobody")
    assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="R")
    assign(cast_a, milestone=milestone, organization=cast_a.other_organization, raci="A")
    assign(cast_a, milestone=other, organization=cast_a.organization, raci="C")
    with workspace_context(cast_a.workspace), django_assert_num_queries(1):
        answer = responsible_org_ids_for_milestones(
            workspace=cast_a.workspace, milestone_ids=[milestone.pk, other.pk, third.pk]
        )
    assert answer == {milestone.pk: {cast_a.organization.pk, cast_a.other_organization.pk}}


# --- My work -------------------------------------------------------------------------------


class _Access:
    def __init__(self, role: str, organization_id: int | None = None) -> None:
        self.role, self.organization_id = role, organization_id

    def can(self, action: Action) -> bool:
        from partnerhub.permissions import can

        return can(self.role, action)


def test_my_work_for_a_partner_is_overdue_first_then_by_due_date(cast_a):
    _partnership, goal, _ = setup_matrix(cast_a)
    today = date(2026, 6, 1)
    later = make_milestone(cast_a, goal, title="Later", due=today + timedelta(days=20))
    sooner = make_milestone(cast_a, goal, title="Sooner", due=today + timedelta(days=2))
    late = make_milestone(cast_a, goal, title="Late", due=today - timedelta(days=3))
    very_late = make_milestone(cast_a, goal, title="Very late", due=today - timedelta(days=9))
    done = make_milestone(
        cast_a, goal, title="Done", due=today - timedelta(days=30), status=MilestoneStatus.DONE
    )
    consulted = make_milestone(cast_a, goal, title="Consulted", due=today)
    for m in (later, sooner, late, done):
        assign(cast_a, milestone=m, organization=cast_a.organization, raci="R")
    assign(cast_a, milestone=very_late, organization=cast_a.organization, raci="A")
    assign(cast_a, milestone=consulted, organization=cast_a.organization, raci="C")
    access = _Access(Role.PARTNER, cast_a.organization.pk)
    with workspace_context(cast_a.workspace):
        work = my_work(workspace=cast_a.workspace, access=access, today=today)
    assert [m.title for m in work.milestones] == ["Very late", "Late", "Sooner", "Later"]
    assert [m.is_overdue for m in work.milestones] == [True, True, False, False]
    assert work.milestones[0].my_letter == "A" and work.milestones[1].my_letter == "R"
    assert work.scope == "organization"


def test_my_work_hides_partnerships_the_organization_left(cast_a):
    partnership, _goal, milestone = setup_matrix(cast_a)
    assign(cast_a, milestone=milestone, organization=cast_a.other_organization, raci="R")
    with workspace_context(cast_a.workspace):
        member = partnership.members.get(organization=cast_a.other_organization)
        partnership_member_remove(
            workspace=cast_a.workspace, actor=cast_a.coordinator, member=member
        )
        work = my_work(
            workspace=cast_a.workspace,
            access=_Access(Role.PARTNER, cast_a.other_organization.pk),
            today=date.today(),
        )
    assert work.milestones == []


def test_my_work_for_coordinators_lists_unassigned_or_overdue(cast_a):
    _, goal, covered = setup_matrix(cast_a)
    today = date.today()
    unassigned = make_milestone(cast_a, goal, title="Unassigned", due=today + timedelta(days=5))
    overdue = make_milestone(cast_a, goal, title="Overdue", due=today - timedelta(days=1))
    assign(cast_a, milestone=covered, organization=cast_a.organization, raci="R")
    assign(cast_a, milestone=overdue, organization=cast_a.organization, raci="R")
    with workspace_context(cast_a.workspace):
        work = my_work(workspace=cast_a.workspace, access=_Access(Role.COORDINATOR), today=today)
    assert [m.pk for m in work.milestones] == [overdue.pk, unassigned.pk]
    assert [m.has_responsible for m in work.milestones] == [True, False]
    assert work.scope == "workspace"


def test_goal_roles_are_not_milestone_work(cast_a):
    partnership, _goal, _milestone = setup_matrix(cast_a)
    other_goal = make_goal(cast_a, partnership, title="Second goal")
    assign(cast_a, goal=other_goal, organization=cast_a.organization, raci="R")
    with workspace_context(cast_a.workspace):
        work = my_work(
            workspace=cast_a.workspace,
            access=_Access(Role.PARTNER, cast_a.organization.pk),
            today=date.today(),
        )
    assert work.milestones == []
