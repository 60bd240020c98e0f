"""Fixtures of the goal tests."""

from __future__ import annotations

import pytest

from goals import hooks


@pytest.fixture
def responsible(monkeypatch):  # type: ignore[no-untyped-def]
    """``responsible({milestone_id: {org_id, ...}})``: a fake roles answer for the test."""

    def install(mapping: dict[int, set[int]]) -> None:
        def provider(*, workspace, milestone_ids):  # type: ignore[no-untyped-def]
            ids = set(milestone_ids)
            return {mid: orgs for mid, orgs in mapping.items() if mid in ids}

        monkeypatch.setattr(hooks, "_responsible_orgs_provider", provider)

    return install
