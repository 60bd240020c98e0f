"""Accessibility check of a page with the vendored axe-core (WCAG 2.0/2.1, levels A and AA)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

AXE_STATIC_PATH = "vendor/axe-core/axe.min.js"
AXE_PATH = Path(__file__).resolve().parents[2] / "static" / AXE_STATIC_PATH
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe on the page as it is now and return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # By URL from our own origin, not inline: the page's Content-Security-Policy
        # (script-src 'self' plus a nonce) stays in force while axe runs.
        origin = page.evaluate("() => location.origin")
        page.add_script_tag(url=f"{origin}{settings.STATIC_URL}{AXE_STATIC_PATH}")
    result = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        WCAG_TAGS,
    )
    return result["violations"]


def format_violations(violations: list[dict[str, Any]], url: str) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(violations, page.url)
