"""A lint rule, run as a test: views, API modules, forms, serializers and URL modules never
query a model directly. Reads go through selectors taking ``workspace=``, writes through
services; that is where tenant scoping lives, once.

Flagged in those modules:
- any ``<something>.objects``, ``._default_manager`` or ``._base_manager``;
- ``get_object_or_404`` / ``get_list_or_404`` imported from Django or DRF (they query a
  model's default manager; use ``partnerhub.web.get_or_404`` with a selector instead);
- a ``model = ...`` or ``queryset = ...`` class attribute on a view class (generic views
  then build an unscoped queryset themselves). ``class Meta`` of forms and serializers
  may name their model.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

PROJECT_APPS = ("partnerhub", "partners", "goals", "roles", "impact")
MANAGER_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager"})
UNSCOPED_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
SHORTCUT_MODULES = frozenset({"django.shortcuts", "rest_framework.generics"})
VIEW_CLASS_ATTRIBUTES = frozenset({"model", "queryset"})

# Modules of the listed kinds that may query directly, path -> reason. Keep it empty or
# nearly so: a module that needs a query gets a selector or service instead.
EXEMPT: dict[str, str] = {}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def is_checked_module(relative: Path) -> bool:
    """Views, API, forms, serializers and URL modules (``views.py``, ``views_x.py``,
    ``api.py``, ``forms_x.py``, ``serializers_x.py``, ``x_urls.py`` ...) and every module
    of a ``views/`` or ``api/`` package."""
    name, stem = relative.name, relative.stem
    return (
        stem in {"views", "api", "forms", "serializers"}
        or stem.startswith(("views_", "forms_", "serializers_"))
        or name.endswith("urls.py")
        or any(part in {"views", "api"} for part in relative.parts[:-1])
    )


def checked_modules(root: Path) -> Iterator[Path]:
    for app in PROJECT_APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root)
            if "migrations" in relative.parts or "tests" in relative.parts:
                continue
            if is_checked_module(relative):
                yield path


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.violations: list[Violation] = []

    def _flag(self, node: ast.AST, message: str) -> None:
        self.violations.append(Violation(self.path, getattr(node, "lineno", 0), message))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in MANAGER_ATTRIBUTES and not _is_empty_queryset(node):
            owner = ast.unparse(node.value)
            self._flag(
                node,
                f"{owner}.{node.attr} queries a model directly; "
                "use a selector (reads) or a service (writes) that takes workspace=",
            )
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module in SHORTCUT_MODULES:
            for alias in node.names:
                if alias.name in UNSCOPED_SHORTCUTS:
                    self._flag(
                        node,
                        f"{alias.name} from {node.module} queries a model's default manager; "
                        "use partnerhub.web.get_or_404 with a selector",
                    )
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # `shortcuts.get_object_or_404(...)` through a module attribute
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in UNSCOPED_SHORTCUTS
            and ast.unparse(func.value) in {"shortcuts", "generics", *SHORTCUT_MODULES}
        ):
            self._flag(node, f"{ast.unparse(func)} queries a model's default manager")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node.name != "Meta" and not _is_form_or_serializer(node):
            for statement in node.body:
                for target in _assigned_names(statement):
                    if target in VIEW_CLASS_ATTRIBUTES and not _assigns_empty_queryset(statement):
                        self._flag(
                            statement,
                            f"class {node.name} sets `{target} =`: a generic view would query "
                            "it unscoped; override get_queryset()/get_object() with a selector",
                        )
        self.generic_visit(node)


def _is_empty_queryset(manager: ast.Attribute) -> bool:
    """``X.objects.none()``: an empty queryset (schema generation) reads nothing."""
    parent = getattr(manager, "parent", None)
    call = getattr(parent, "parent", None)
    return (
        isinstance(parent, ast.Attribute)
        and parent.attr == "none"
        and isinstance(call, ast.Call)
        and call.func is parent
    )


def _assigns_empty_queryset(statement: ast.stmt) -> bool:
    value = getattr(statement, "value", None)
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "none"
        and not value.args
    )


def _assigned_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        return [statement.target.id] if isinstance(statement.target, ast.Name) else []
    return []


def _is_form_or_serializer(node: ast.ClassDef) -> bool:
    """Forms, filter sets and serializers name a model (or a queryset of choices) legitimately
    only in their Meta; a ``queryset`` of a field is built from a selector at run time."""
    bases = {ast.unparse(base).rsplit(".", 1)[-1] for base in node.bases}
    return any(
        base.endswith(("Form", "FormSet", "Serializer", "FilterSet", "Field")) for base in bases
    )


def check_source(source: str, path: str = "<string>") -> list[Violation]:
    """The rule itself: every direct model query in ``source``."""
    tree = ast.parse(source, filename=path)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]
    checker = _Checker(path)
    checker.visit(tree)
    return checker.violations


def project_violations(root: Path) -> list[Violation]:
    violations: list[Violation] = []
    for path in checked_modules(root):
        relative = path.relative_to(root).as_posix()
        if relative in EXEMPT:
            continue
        violations.extend(check_source(path.read_text(encoding="utf-8"), relative))
    return violations


# --- The tests --------------------------------------------------------------------------


def test_views_api_forms_and_urls_never_query_a_model_directly():
    root = Path(settings.BASE_DIR)
    modules = [p.relative_to(root).as_posix() for p in checked_modules(root)]
    # The rule looks at real files (not an empty list because of a wrong root).
    assert "partnerhub/urls.py" in modules
    assert any(m.startswith("partnerhub/views/") for m in modules)
    assert any(m.startswith("partnerhub/api/") for m in modules)
    violations = project_violations(root)
    assert not violations, "Unscoped model queries:\n" + "\n".join(map(str, violations))


def test_exemptions_are_still_needed():
    root = Path(settings.BASE_DIR)
    for relative, reason in EXEMPT.items():
        path = root / relative
        assert reason, f"give the reason for exempting {relative}"
        assert path.is_file(), f"stale exemption {relative}: no such file"
        assert is_checked_module(Path(relative)), f"needless exemption {relative}"
        assert check_source(path.read_text(encoding="utf-8"), relative), (
            f"stale exemption {relative}: it no longer queries a model"
        )


def test_the_rule_catches_direct_queries():
    source = """
from django.shortcuts import get_object_or_404, render
from django.views.generic import DetailView, ListView
from partners.models import Organization


class OrganizationList(ListView):
    model = Organization


class OrganizationDetail(DetailView):
    queryset = Organization.objects.all()


def detail(request, pk):
    org = Organization.objects.get(pk=pk)
    other = Organization._default_manager.filter(pk=pk).first()
    every = Organization._base_manager.all()
    some = Organization.objects.none().union(Organization.objects.all())
    same = get_object_or_404(Organization, pk=pk)
    return render(request, "x.html", {"org": org, "other": other, "every": every, "some": some})
"""
    found = sorted((v.line, v.message.split(" ", 1)[0]) for v in check_source(source, "views.py"))
    assert found == [
        (2, "get_object_or_404"),
        (8, "class"),
        (12, "Organization.objects"),
        (12, "class"),
        (16, "Organization.objects"),
        (17, "Organization._default_manager"),
        (18, "Organization._base_manager"),
        (19, "Organization.objects"),  # the second one: .none() does not excuse the union
    ]
    assert str(check_source(source, "partners/views.py")[0]).startswith("partners/views.py:2: ")


def test_the_rule_allows_selectors_services_and_form_meta():
    source = """
from django import forms
from partnerhub.web import get_or_404
from partners.models import Organization
from partners.selectors import organization_get, organization_list


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name"]


class OrganizationViewSet(WorkspaceViewSet):
    queryset = Organization.objects.none()  # schema generation only

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organization._default_manager.none()
        return organization_list(workspace=self.workspace)


def detail(request, workspace_slug, pk):
    org = get_or_404(organization_get, workspace=request.workspace, pk=pk)
    rows = organization_list(workspace=request.workspace)
    return org, rows
"""
    assert check_source(source, "views.py") == []


def test_the_module_selection():
    checked = [
        "partners/views.py",
        "partners/api.py",
        "partners/views_partnerships.py",
        "partners/serializers_partnerships.py",
        "partners/serializers.py",
        "partners/forms.py",
        "partnerhub/forms_invitations.py",
        "partners/urls.py",
        "partners/api_urls.py",
        "partnerhub/views/members.py",
        "partnerhub/api/members.py",
    ]
    unchecked = [
        "partners/selectors.py",
        "partners/selectors/organizations.py",
        "partners/services.py",
        "partners/services/documents.py",
        "partnerhub/services/api_keys.py",
        "partners/models.py",
        "partners/apps.py",
        "partners/admin.py",
        "partners/tasks.py",
    ]
    assert all(is_checked_module(Path(p)) for p in checked)
    assert not any(is_checked_module(Path(p)) for p in unchecked)
