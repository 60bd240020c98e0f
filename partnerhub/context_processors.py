"""What every page's navigation needs: the user's workspaces and the current one."""

from __future__ import annotations

from django.http import HttpRequest

from partnerhub.selectors import memberships_of_user


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # Lazily evaluated: pages that do not render the switcher run no query.
        "nav_memberships": memberships_of_user(user=user),
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": getattr(request, "membership", None),
    }
