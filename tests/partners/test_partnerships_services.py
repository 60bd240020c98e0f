"""Services and selectors of partnerships: lifecycle, members, commitments, totals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from partnerhub.access import WorkspaceAccess
from partnerhub.models import ApiKey, ApiKeyScope, Role
from partners.models import (
    CollectiveImpactCondition,
    Commitment,
    Condition,
    MemberRole,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatus,
    PartnershipStatusChange,
)
from partners.selectors_partnerships import (
    commitment_list,
    commitment_totals,
    condition_list,
    describe_roles,
    iati_roles,
    member_list,
    organizations_not_members,
    partnership_get,
    partnership_list,
    status_history,
)
from partners.services.commitments import commitment_create, commitment_update, delivery_record
from partners.services.partnerships import (
    allowed_transitions,
    condition_update,
    partnership_change_status,
    partnership_create,
    partnership_member_add,
    partnership_member_remove,
    partnership_member_update,
    partnership_update,
    workspace_today,
)
from tests.partners.partnership_helpers import api_key, make_partnership

pytestmark = pytest.mark.django_db


def _access(cast, role: str) -> WorkspaceAccess:  # type: ignore[no-untyped-def]
    from partnerhub.models import Membership

    membership = Membership.objects.get(workspace=cast.workspace, user=cast.user(role))
    return WorkspaceAccess(workspace=cast.workspace, role=role, membership=membership)


def _errors(exc_info: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc_info.value.message_dict


# --- Create and update ------------------------------------------------------------------


def test_create_records_the_first_status_and_adds_the_lead_as_member(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="  Clean Water Alliance ",
            model=PartnershipModel.PUBLIC_PRIVATE,
            common_agenda="Safe water for every school.",
            needs=["data", "funding", "data"],
            start_date=date(2026, 3, 1),
            end_date=date(2027, 3, 1),
            lead_organization=cast_a.other_organization,
        )
        assert partnership.name == "Clean Water Alliance"
        assert partnership.status == PartnershipStatus.EXPLORING
        assert partnership.needs == ["funding", "data"]  # vocabulary order, no repeats
        (change,) = status_history(workspace=cast_a.workspace, partnership=partnership)
        assert (change.from_status, change.to_status) == ("", PartnershipStatus.EXPLORING)
        assert change.changed_by == cast_a.coordinator
        (lead,) = member_list(workspace=cast_a.workspace, partnership=partnership)
        assert lead.organization == cast_a.other_organization
        assert lead.roles == [MemberRole.LEAD]
        assert lead.joined_on == date(2026, 3, 1)
        assert not CollectiveImpactCondition.objects.filter(partnership=partnership).exists()


def test_collective_impact_gets_its_five_conditions(cast_a, tenant):
    partnership = make_partnership(cast_a, model=PartnershipModel.COLLECTIVE_IMPACT)
    with tenant(cast_a.workspace):
        rows = condition_list(workspace=cast_a.workspace, partnership=partnership)
        assert [r.condition for r in rows] == list(Condition.values)
        assert all(r.pk and not r.in_place for r in rows)


def test_switching_to_collective_impact_adds_the_conditions_once(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        for _ in range(2):
            partnership_update(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                partnership=partnership,
                model=PartnershipModel.COLLECTIVE_IMPACT,
            )
        assert CollectiveImpactCondition.objects.filter(partnership=partnership).count() == 5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "river partnership"}, "name"),  # another's name, any case
        ({"model": "joint_venture"}, "model"),
        ({"needs": ["money"]}, "needs"),
        ({"start_date": date(2026, 5, 1), "end_date": date(2026, 4, 30)}, "end_date"),
    ],
)
def test_create_refuses_bad_fields(cast_a, tenant, changes, field):
    make_partnership(cast_a)
    values = {"name": "Second", "model": PartnershipModel.OTHER, **changes}
    with tenant(cast_a.workspace), pytest.raises(ValidationError) as exc_info:
        partnership_create(workspace=cast_a.workspace, actor=cast_a.coordinator, **values)
    assert field in _errors(exc_info)


def test_lead_organization_must_be_of_the_workspace(cast_a, cast_b, tenant):
    with tenant(cast_a.workspace), pytest.raises(ValidationError) as exc_info:
        partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Cross",
            model=PartnershipModel.OTHER,
            lead_organization=cast_b.organization,
        )
    assert _errors(exc_info) == {"lead_organization": ["Choose an organization of this workspace."]}


def test_update_changes_only_the_fields_given(cast_a, tenant):
    partnership = make_partnership(cast_a, common_agenda="Old agenda", needs=["data"])
    with tenant(cast_a.workspace):
        partnership_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            common_agenda="New agenda",
        )
        partnership.refresh_from_db()
        assert partnership.common_agenda == "New agenda"
        assert partnership.needs == ["data"]
        assert partnership.name == "River Partnership"
        # Keeping its own name is not a clash with itself.
        partnership_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            name="River Partnership",
        )


def test_new_lead_that_is_a_member_gets_the_lead_role(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        partnership_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            lead_organization=cast_a.organization,
        )
        (member,) = member_list(workspace=cast_a.workspace, partnership=partnership)
        assert member.roles == [MemberRole.LEAD, MemberRole.IMPLEMENTER]


# --- Status -------------------------------------------------------------------------------


def test_status_changes_are_recorded_with_who_and_why(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        partnership_change_status(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            status=PartnershipStatus.ACTIVE,
        )
        partnership_change_status(
            workspace=cast_a.workspace,
            actor=cast_a.admin,
            partnership=partnership,
            status=PartnershipStatus.PAUSED,
            reason="Funding review",
        )
        assert partnership.status == PartnershipStatus.PAUSED
        history = list(status_history(workspace=cast_a.workspace, partnership=partnership))
        assert [(c.from_status, c.to_status) for c in history] == [
            ("active", "paused"),
            ("exploring", "active"),
            ("", "exploring"),
        ]
        assert history[0].changed_by == cast_a.admin
        assert history[0].reason == "Funding review"
        assert history[1].changed_by == cast_a.coordinator


def test_status_change_by_an_api_key_records_the_key(cast_a, tenant):
    api_key(cast_a, ApiKeyScope.WRITE)
    key = ApiKey.objects.get(workspace=cast_a.workspace)
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        change = partnership_change_status(
            workspace=cast_a.workspace,
            actor=key,
            partnership=partnership,
            status=PartnershipStatus.FORMING,
        )
    change.refresh_from_db()
    assert change.changed_by_key == key
    assert change.changed_by is None


@pytest.mark.parametrize(
    ("path", "new", "reason", "field"),
    [
        ([], "exploring", "", "status"),  # the same status
        ([], "finished", "", "status"),  # not a status
        ([], "paused", "", "reason"),
        ([], "dissolved", " ", "reason"),
        (["completed"], "paused", "why not", "status"),  # final: only reopening
        (["dissolved:over"], "forming", "try again", "status"),
        (["completed"], "active", "", "reason"),  # reopening needs a reason
    ],
)
def test_status_rules(cast_a, tenant, path, new, reason, field):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        for step in path:
            status, _, why = step.partition(":")
            partnership_change_status(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                partnership=partnership,
                status=status,
                reason=why,
            )
        before = PartnershipStatusChange.objects.filter(partnership=partnership).count()
        with pytest.raises(ValidationError) as exc_info:
            partnership_change_status(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                partnership=partnership,
                status=new,
                reason=reason,
            )
        assert field in _errors(exc_info)
        assert PartnershipStatusChange.objects.filter(partnership=partnership).count() == before


def test_a_closed_partnership_reopens_as_active_with_a_reason(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        partnership_change_status(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            status=PartnershipStatus.COMPLETED,
        )
        assert allowed_transitions(PartnershipStatus.COMPLETED) == [PartnershipStatus.ACTIVE]
        partnership_change_status(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            status=PartnershipStatus.ACTIVE,
            reason="Second phase funded",
        )
        partnership.refresh_from_db()
        assert partnership.status == PartnershipStatus.ACTIVE


def test_every_open_status_may_move_to_every_other():
    for status in ("exploring", "forming", "active", "paused"):
        assert set(allowed_transitions(status)) == set(PartnershipStatus.values) - {status}


# --- Conditions ---------------------------------------------------------------------------


def test_condition_update_records_evidence(cast_a, tenant):
    partnership = make_partnership(cast_a, model=PartnershipModel.COLLECTIVE_IMPACT)
    with tenant(cast_a.workspace):
        condition_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            condition=Condition.SHARED_MEASUREMENT,
            in_place=True,
            evidence=" Shared dashboard since May. ",
        )
        rows = {
            r.condition: r
            for r in condition_list(workspace=cast_a.workspace, partnership=partnership)
        }
        assert rows["shared_measurement"].in_place
        assert rows["shared_measurement"].evidence == "Shared dashboard since May."
        assert not rows["common_agenda"].in_place


def test_conditions_only_for_collective_impact(cast_a, tenant):
    partnership = make_partnership(cast_a, model=PartnershipModel.PUBLIC_PRIVATE)
    with tenant(cast_a.workspace), pytest.raises(ValidationError):
        condition_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            condition=Condition.COMMON_AGENDA,
            in_place=True,
        )


# --- Members --------------------------------------------------------------------------------


def test_member_add_rules(cast_a, cast_b, tenant):
    partnership = make_partnership(cast_a)
    add = {"workspace": cast_a.workspace, "actor": cast_a.coordinator, "partnership": partnership}
    with tenant(cast_a.workspace):
        with pytest.raises(ValidationError) as exc_info:
            partnership_member_add(**add, organization=cast_a.organization, roles=["funder"])
        assert "already a member" in _errors(exc_info)["organization"][0]
        with pytest.raises(ValidationError) as exc_info:
            partnership_member_add(**add, organization=cast_a.other_organization, roles=[])
        assert "roles" in _errors(exc_info)
        with pytest.raises(ValidationError) as exc_info:
            partnership_member_add(**add, organization=cast_a.other_organization, roles=["boss"])
        assert "roles" in _errors(exc_info)
        with pytest.raises(ValidationError) as exc_info:
            partnership_member_add(**add, organization=cast_b.organization, roles=["funder"])
        assert _errors(exc_info) == {"organization": ["Choose an organization of this workspace."]}
        member = partnership_member_add(
            **add, organization=cast_a.other_organization, roles=["evaluator", "funder"]
        )
        assert member.roles == ["funder", "evaluator"]
        assert member.joined_on == workspace_today(cast_a.workspace)
        assert iati_roles(member.roles) == [1, 3]
        assert [(r.label, r.iati_name) for r in describe_roles(member.roles)] == [
            ("Funder", "Funding"),
            ("Evaluator", "Extending"),
        ]


def test_member_remove_keeps_history_and_the_organization_can_rejoin(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        (member,) = member_list(workspace=cast_a.workspace, partnership=partnership)
        partnership_member_remove(
            workspace=cast_a.workspace, actor=cast_a.coordinator, member=member
        )
        member.refresh_from_db()
        assert member.left_on == workspace_today(cast_a.workspace)
        assert (
            list(member_list(workspace=cast_a.workspace, partnership=partnership, current=True))
            == []
        )
        with pytest.raises(ValidationError):
            partnership_member_remove(
                workspace=cast_a.workspace, actor=cast_a.coordinator, member=member
            )
        assert cast_a.organization in organizations_not_members(
            workspace=cast_a.workspace, partnership=partnership
        )
        again = partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            organization=cast_a.organization,
            roles=["advisor"],
        )
        rows = list(member_list(workspace=cast_a.workspace, partnership=partnership))
        assert [r.pk for r in rows] == [again.pk, member.pk]  # current first, then the past
        assert PartnershipMember.objects.filter(organization=cast_a.organization).count() == 2


def test_the_lead_cannot_leave_while_it_leads(cast_a, tenant):
    partnership = make_partnership(cast_a, lead_organization=cast_a.other_organization)
    with tenant(cast_a.workspace):
        lead = member_list(workspace=cast_a.workspace, partnership=partnership).get(
            organization=cast_a.other_organization
        )
        with pytest.raises(ValidationError) as exc_info:
            partnership_member_remove(
                workspace=cast_a.workspace, actor=cast_a.coordinator, member=lead
            )
        assert "leads this partnership" in _errors(exc_info)["member"][0]


def test_member_update_changes_roles(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        (member,) = member_list(workspace=cast_a.workspace, partnership=partnership)
        partnership_member_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            member=member,
            roles=["community", "lead"],
        )
        member.refresh_from_db()
        assert member.roles == ["lead", "community"]
        with pytest.raises(ValidationError):
            partnership_member_update(
                workspace=cast_a.workspace, actor=cast_a.coordinator, member=member, roles=[]
            )


# --- Commitments ----------------------------------------------------------------------------


def _member(cast, partnership):  # type: ignore[no-untyped-def]
    return member_list(workspace=cast.workspace, partnership=partnership).get(
        organization=cast.organization
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "cash", "pledged": "100"}, "currency"),
        ({"kind": "cash", "pledged": "100", "currency": "EURO"}, "currency"),
        ({"kind": "cash", "pledged": "100", "currency": "12A"}, "currency"),
        ({"kind": "cash", "pledged": "0", "currency": "EUR"}, "pledged"),
        ({"kind": "cash", "pledged": "-5", "currency": "EUR"}, "pledged"),
        ({"kind": "cash", "pledged": "1.234", "currency": "EUR"}, "pledged"),
        ({"kind": "cash", "pledged": "abc", "currency": "EUR"}, "pledged"),
        ({"kind": "in_kind", "pledged": "500", "currency": "EUR"}, "description"),
        ({"kind": "in_kind", "pledged": "500", "description": "Laptops"}, "currency"),
        ({"kind": "staff_time", "pledged": "40", "currency": "EUR"}, "currency"),
        ({"kind": "grant", "pledged": "40"}, "kind"),
        (
            {
                "kind": "staff_time",
                "pledged": "40",
                "pledged_on": date(2026, 5, 1),
                "due_on": date(2026, 4, 1),
            },
            "due_on",
        ),
    ],
)
def test_commitment_rules_per_kind(cast_a, tenant, values, field):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        with pytest.raises(ValidationError) as exc_info:
            commitment_create(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                member=_member(cast_a, partnership),
                **values,
            )
        assert field in _errors(exc_info)
        assert not Commitment.objects.exists()


def test_valid_commitments_of_each_kind(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        member = _member(cast_a, partnership)
        common = {"workspace": cast_a.workspace, "actor": cast_a.coordinator, "member": member}
        cash = commitment_create(**common, kind="cash", pledged="2500.50", currency="eur")
        goods = commitment_create(
            **common, kind="in_kind", pledged=800, currency="USD", description="Ten laptops"
        )
        hours = commitment_create(**common, kind="staff_time", pledged="120")
        assert (cash.currency, cash.pledged, cash.partnership_id) == (
            "EUR",
            Decimal("2500.50"),
            partnership.pk,
        )
        assert goods.description == "Ten laptops"
        assert hours.currency == ""
        assert cash.pledged_on == workspace_today(cast_a.workspace)


def test_only_current_members_pledge(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        member = _member(cast_a, partnership)
        partnership_member_remove(
            workspace=cast_a.workspace, actor=cast_a.coordinator, member=member
        )
        with pytest.raises(ValidationError) as exc_info:
            commitment_create(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                member=member,
                kind="staff_time",
                pledged=10,
            )
        assert "member" in _errors(exc_info)


def test_deliveries_and_their_rules(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        commitment = commitment_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            member=_member(cast_a, partnership),
            kind="cash",
            pledged=100,
            currency="EUR",
        )
        common = {
            "workspace": cast_a.workspace,
            "actor": cast_a.coordinator,
            "commitment": commitment,
        }
        for bad, field in [
            ({"amount": 0}, "amount"),
            ({"amount": "-1"}, "amount"),
            (
                {
                    "amount": 5,
                    "delivered_on": workspace_today(cast_a.workspace) + timedelta(days=2),
                },
                "delivered_on",
            ),
        ]:
            with pytest.raises(ValidationError) as exc_info:
                delivery_record(**common, **bad)
            assert field in _errors(exc_info)
        delivery_record(**common, amount=60, note="First tranche")
        delivery_record(**common, amount="55.25")  # more than pledged: allowed, flagged
        (row,) = commitment_list(workspace=cast_a.workspace, access=_access(cast_a, "viewer"))
        assert row.delivered == Decimal("115.25")
        with pytest.raises(ValidationError) as exc_info:
            commitment_update(**common, kind="staff_time", currency="")
        assert "kind" in _errors(exc_info)
        commitment_update(**common, pledged="150", description="Core funding")
        commitment.refresh_from_db()
        assert commitment.pledged == Decimal("150.00")


def test_totals_per_member_and_partnership_by_kind_and_currency(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        first = _member(cast_a, partnership)
        second = partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            organization=cast_a.other_organization,
            roles=["funder"],
        )
        ws, who = cast_a.workspace, cast_a.coordinator
        a = commitment_create(
            workspace=ws, actor=who, member=first, kind="cash", pledged=100, currency="EUR"
        )
        commitment_create(
            workspace=ws, actor=who, member=first, kind="cash", pledged=50, currency="EUR"
        )
        commitment_create(
            workspace=ws, actor=who, member=first, kind="cash", pledged=70, currency="USD"
        )
        b = commitment_create(
            workspace=ws, actor=who, member=second, kind="cash", pledged=30, currency="EUR"
        )
        h = commitment_create(workspace=ws, actor=who, member=second, kind="staff_time", pledged=10)
        delivery_record(workspace=ws, actor=who, commitment=a, amount=40)
        delivery_record(workspace=ws, actor=who, commitment=a, amount=20)
        delivery_record(workspace=ws, actor=who, commitment=b, amount=45)
        delivery_record(workspace=ws, actor=who, commitment=h, amount=4)
        # Another partnership's ledger does not leak in.
        other = make_partnership(cast_a, name="Other")
        commitment_create(
            workspace=ws,
            actor=who,
            member=_member(cast_a, other),
            kind="cash",
            pledged=999,
            currency="EUR",
        )
        totals = commitment_totals(workspace=ws, partnership=partnership)

    def flat(amounts):  # type: ignore[no-untyped-def]
        return [(x.kind, x.currency, x.pledged, x.delivered) for x in amounts]

    assert flat(totals.for_member(first.pk)) == [
        ("cash", "EUR", Decimal("150"), Decimal("60")),
        ("cash", "USD", Decimal("70"), Decimal("0")),
    ]
    assert flat(totals.for_member(second.pk)) == [
        ("cash", "EUR", Decimal("30"), Decimal("45")),
        ("staff_time", "", Decimal("10"), Decimal("4")),
    ]
    assert flat(totals.totals) == [
        ("cash", "EUR", Decimal("180"), Decimal("105")),
        ("cash", "USD", Decimal("70"), Decimal("0")),
        ("staff_time", "", Decimal("10"), Decimal("4")),
    ]
    eur = totals.totals[0]
    assert (eur.percent_delivered, eur.remaining, eur.over_delivered) == (58, Decimal("75"), False)
    assert totals.for_member(second.pk)[0].over_delivered
    assert totals.totals[2].unit == "hours"


def test_totals_take_a_constant_number_of_queries(cast_a, tenant, django_assert_num_queries):
    from tests.partners.partnership_helpers import add_members_with_commitments

    partnership = make_partnership(cast_a)
    add_members_with_commitments(cast_a, partnership, 1)
    with tenant(cast_a.workspace), django_assert_num_queries(2):
        commitment_totals(workspace=cast_a.workspace, partnership=partnership)
    add_members_with_commitments(cast_a, partnership, 5)
    with tenant(cast_a.workspace), django_assert_num_queries(2):
        totals = commitment_totals(workspace=cast_a.workspace, partnership=partnership)
    assert totals.totals[0].pledged == Decimal("6000")


# --- Visibility -------------------------------------------------------------------------


def test_partners_see_only_partnerships_of_their_organization(cast_a, tenant):
    own = make_partnership(cast_a, name="Own")
    others = make_partnership(cast_a, name="Others", with_partner_org=False)
    with tenant(cast_a.workspace):
        left = make_partnership(cast_a, name="Left")
        partnership_member_remove(
            workspace=cast_a.workspace, actor=cast_a.coordinator, member=_member(cast_a, left)
        )
        partner = _access(cast_a, Role.PARTNER)
        assert list(partnership_list(workspace=cast_a.workspace, access=partner)) == [own]
        with pytest.raises(type(own).DoesNotExist):
            partnership_get(workspace=cast_a.workspace, access=partner, pk=others.pk)
        for role in (Role.ADMIN, Role.COORDINATOR, Role.VIEWER):
            names = [
                p.name
                for p in partnership_list(workspace=cast_a.workspace, access=_access(cast_a, role))
            ]
            assert names == ["Left", "Others", "Own"]


def test_list_filters_and_member_count(cast_a, tenant):
    one = make_partnership(cast_a, name="One", model=PartnershipModel.COLLECTIVE_IMPACT)
    make_partnership(
        cast_a, name="Two", with_partner_org=False, lead_organization=cast_a.other_organization
    )
    viewer = _access(cast_a, Role.VIEWER)
    with tenant(cast_a.workspace):
        partnership_change_status(
            workspace=cast_a.workspace, actor=cast_a.coordinator, partnership=one, status="active"
        )
        rows = {p.name: p for p in partnership_list(workspace=cast_a.workspace, access=viewer)}
        assert rows["One"].member_count == 1
        assert rows["Two"].member_count == 1
        assert [
            p.name
            for p in partnership_list(workspace=cast_a.workspace, access=viewer, status="active")
        ] == ["One"]
        assert [
            p.name
            for p in partnership_list(
                workspace=cast_a.workspace, access=viewer, model=PartnershipModel.COLLECTIVE_IMPACT
            )
        ] == ["One"]
        assert [
            p.name
            for p in partnership_list(
                workspace=cast_a.workspace, access=viewer, organization=cast_a.other_organization.pk
            )
        ] == ["Two"]


def test_another_workspaces_objects_are_refused(cast_a, cast_b, tenant):
    partnership_b = make_partnership(cast_b)
    with tenant(cast_a.workspace):
        with pytest.raises(ValidationError):
            partnership_member_add(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                partnership=partnership_b,
                organization=cast_a.organization,
                roles=["funder"],
            )
        with pytest.raises(ValidationError):
            partnership_change_status(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                partnership=partnership_b,
                status="active",
            )
