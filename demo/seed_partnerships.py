"""The partnerships step of the demo seeder, through the partners services.

Every row is written by the service a person would use in the app (so the same rules and
checks apply, including the content check of the uploaded agreement) and found again on
the next run by its natural key:

- a partnership by its name; its status history is written only when it is created;
- a member by (partnership, organization), current or past;
- a commitment by (partnership, member organization, description);
- a delivery by (commitment, note);
- an agreement document by (partnership, title);
- a collective impact condition is filled in only while nobody has filled it in.

The acting user is the workspace's demo coordinator.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile

from demo.data_partnerships import PARTNERSHIPS, CommitmentSpec, MemberSpec, PartnershipSpec
from demo.pdf import text_pdf
from partnerhub.models import Role, User
from partners.models import (
    AgreementDocument,
    CollectiveImpactCondition,
    Commitment,
    CommitmentDelivery,
    Partnership,
    PartnershipMember,
)
from partners.services.commitments import commitment_create, delivery_record
from partners.services.documents import document_upload
from partners.services.partnerships import (
    condition_update,
    partnership_change_status,
    partnership_create,
    partnership_member_add,
    partnership_member_remove,
    partnership_member_update,
    workspace_today,
)

if TYPE_CHECKING:
    from demo.seed import SeedRun, WorkspaceSeed


class _PartnershipSeed:
    """One partnership being seeded: the spec, its row, and what this run created."""

    def __init__(self, seed: WorkspaceSeed, run: SeedRun, spec: PartnershipSpec) -> None:
        self.seed = seed
        self.run = run
        self.spec = spec
        self.workspace = seed.workspace
        self.today = workspace_today(seed.workspace)
        self.actor = _coordinator(seed)
        self.members: dict[str, PartnershipMember] = {}
        self.new_members: set[int] = set()
        existing = Partnership.objects.for_workspace(self.workspace).filter(name=spec.name).first()
        self.created = existing is None
        self.partnership = existing or self._create()
        run.record("partnership", created=self.created)

    def day(self, offset: int | None) -> date | None:
        return None if offset is None else self.today + timedelta(days=offset)

    def _create(self) -> Partnership:
        spec = self.spec
        partnership = partnership_create(
            workspace=self.workspace,
            actor=self.actor,
            name=spec.name,
            model=spec.model,
            common_agenda=spec.common_agenda,
            needs=[str(code) for code in spec.needs],
            start_date=self.day(spec.start_day),
            end_date=self.day(spec.end_day),
            lead_organization=self.seed.organizations[spec.lead],
            status=spec.first_status,
        )
        self.run.record("status change", created=True)  # the first status, "Created."
        return partnership

    # --- Members --------------------------------------------------------------------------

    def seed_members(self) -> None:
        for spec in self.spec.members:
            self.members[spec.organization] = self._member(spec)

    def _member(self, spec: MemberSpec) -> PartnershipMember:
        organization = self.seed.organizations[spec.organization]
        member = (
            PartnershipMember.objects.for_workspace(self.workspace)
            .filter(partnership=self.partnership, organization=organization)
            .order_by("-joined_on", "-id")
            .first()
        )
        if member is None:
            member = partnership_member_add(
                workspace=self.workspace,
                actor=self.actor,
                partnership=self.partnership,
                organization=organization,
                roles=[str(role) for role in spec.roles],
                joined_on=self.day(spec.joined_day),
            )
            self.new_members.add(member.pk)
            self.run.record("member", created=True)
        elif self.created:
            # The lead, added as a member by partnership_create with the lead role only.
            member = partnership_member_update(
                workspace=self.workspace,
                actor=self.actor,
                member=member,
                roles=[str(role) for role in spec.roles],
                joined_on=self.day(spec.joined_day) or member.joined_on,
            )
            self.new_members.add(member.pk)
            self.run.record("member", created=True)
        else:
            self.run.record("member", created=False)
        return member

    def seed_departures(self) -> None:
        """Members that left do so after their commitments (a former member cannot pledge)."""
        for spec in self.spec.members:
            member = self.members[spec.organization]
            if spec.left_day is None or member.pk not in self.new_members:
                continue
            partnership_member_remove(
                workspace=self.workspace,
                actor=self.actor,
                member=member,
                left_on=self.day(spec.left_day),
            )

    # --- Commitments ----------------------------------------------------------------------

    def seed_commitments(self) -> None:
        for spec in self.spec.commitments:
            commitment = self._commitment(spec)
            if commitment is not None:
                self._deliveries(spec, commitment)

    def _commitment(self, spec: CommitmentSpec) -> Commitment | None:
        commitment = (
            Commitment.objects.for_workspace(self.workspace)
            .filter(
                partnership=self.partnership,
                member__organization__name=spec.organization,
                description=spec.description,
            )
            .first()
        )
        if commitment is not None:
            self.run.record("commitment", created=False)
            return commitment
        member = self.members[spec.organization]
        if member.left_on is not None:
            return None  # deleted in the app after the member left: it cannot pledge again
        commitment = commitment_create(
            workspace=self.workspace,
            actor=self.actor,
            member=member,
            kind=spec.kind,
            pledged=spec.pledged,
            currency=spec.currency,
            description=spec.description,
            pledged_on=self.day(spec.pledged_day),
            due_on=self.day(spec.due_day),
        )
        self.run.record("commitment", created=True)
        return commitment

    def _deliveries(self, spec: CommitmentSpec, commitment: Commitment) -> None:
        recorded = set(
            CommitmentDelivery.objects.for_workspace(self.workspace)
            .filter(commitment=commitment)
            .values_list("note", flat=True)
        )
        for delivery in spec.deliveries:
            created = delivery.note not in recorded
            if created:
                delivery_record(
                    workspace=self.workspace,
                    actor=self.actor,
                    commitment=commitment,
                    amount=delivery.amount,
                    delivered_on=self.day(delivery.day),
                    note=delivery.note,
                )
            self.run.record("delivery", created=created)

    # --- Conditions, document, status history -----------------------------------------------

    def seed_conditions(self) -> None:
        rows = {
            row.condition: row
            for row in CollectiveImpactCondition.objects.for_workspace(self.workspace).filter(
                partnership=self.partnership
            )
        }
        for spec in self.spec.conditions:
            row = rows.get(spec.condition)
            untouched = row is None or (not row.in_place and not row.evidence)
            if untouched:
                condition_update(
                    workspace=self.workspace,
                    actor=self.actor,
                    partnership=self.partnership,
                    condition=spec.condition,
                    in_place=spec.in_place,
                    evidence=spec.evidence,
                )
            self.run.record("condition filled in", created=untouched)

    def seed_document(self) -> None:
        spec = self.spec.document
        if spec is None:
            return
        exists = (
            AgreementDocument.objects.for_workspace(self.workspace)
            .filter(partnership=self.partnership, title=spec.title)
            .exists()
        )
        if not exists:
            # Uploaded like any file, so the content check (a real PDF) runs on it.
            upload = SimpleUploadedFile(spec.filename, text_pdf(spec.title, spec.lines))
            document_upload(
                workspace=self.workspace,
                actor=self.actor,
                partnership=self.partnership,
                # UploadedFileLike declares ``size`` as a plain attribute; Django's stubs
                # make it read-only, which is all the service needs.
                file=upload,  # type: ignore[arg-type]
                title=spec.title,
                kind=spec.kind,
            )
        self.run.record("document", created=not exists)

    def seed_history(self) -> None:
        """The transitions after creation, last: a partnership that ends completed or
        dissolved got its members and commitments while it was running."""
        if not self.created:
            return
        for step in self.spec.history:
            partnership_change_status(
                workspace=self.workspace,
                actor=self.actor,
                partnership=self.partnership,
                status=step.status,
                reason=step.reason,
            )
            self.run.record("status change", created=True)


def _coordinator(seed: WorkspaceSeed) -> User:
    email = next(p.email for p in seed.spec.people if p.role == Role.COORDINATOR)
    return seed.people[email]


def seed_partnerships(seed: WorkspaceSeed, run: SeedRun) -> None:
    """The workspace's demo partnerships, with everything in them."""
    for spec in PARTNERSHIPS.get(seed.spec.slug, ()):
        partnership = _PartnershipSeed(seed, run, spec)
        partnership.seed_members()
        partnership.seed_commitments()
        partnership.seed_departures()
        partnership.seed_conditions()
        partnership.seed_document()
        partnership.seed_history()
