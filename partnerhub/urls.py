"""The composition root of URLs: the core, then each domain app, then the API."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from django.views import defaults

from partnerhub.api.errors import problem_response
from partnerhub.views import api_guide, health, home


def flat(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The patterns with each ``path("", include(module))`` of a plain module (no
    namespace, no extra arguments) replaced by that module's own patterns, recursively:
    the same URLs in the same order, so the same view answers each path and every name
    reverses as before. Resolving then walks one list: Django's resolver raises and
    catches a Resolver404 (with the list of what it tried) for every included module a
    path is not in, which cost more than the matching itself on every request."""
    spliced: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if (
            isinstance(pattern, URLResolver)
            and str(pattern.pattern) == ""
            and pattern.namespace is None
            and pattern.app_name is None
            and not pattern.default_kwargs
        ):
            spliced.extend(flat(pattern.url_patterns))
        else:
            spliced.append(pattern)
    return spliced


# The pages of a workspace (/w/<workspace_slug>/...), as each app declares them.
WORKSPACE_INCLUDES = [
    path("", home.WorkspaceOverviewView.as_view(), name="workspace_overview"),
    path("", include("partnerhub.views.workspace_urls")),
    path("", include("partnerhub.views.invitation_urls")),
    path("", include("partnerhub.views.api_key_urls")),
    path("api-guide/", api_guide.ApiGuideView.as_view(), name="workspace_api_guide"),
    path("", include("partnerhub.views.webhook_urls")),
    path("", include("partnerhub.views.activity_urls")),
    path("", include("partnerhub.views.notification_urls")),
    path("", include("partners.urls")),
    path("", include("goals.urls")),
    path("", include("roles.urls")),
    path("", include("impact.urls")),
]
# The workspace's API (/api/v1/w/<workspace_slug>/...), likewise.
WORKSPACE_API_INCLUDES = [
    path("", include("partners.api_urls")),
    path("", include("goals.api_urls")),
    path("", include("roles.api_urls")),
    path("", include("impact.api_urls")),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", health.health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("invitations/", include("partnerhub.views.invitation_public_urls")),
    path("reminders/", include("partnerhub.views.unsubscribe_urls")),
    path("w/<slug:workspace_slug>/", include(flat(WORKSPACE_INCLUDES))),
    path("api/v1/", include("partnerhub.api.urls")),
    path("api/v1/w/<slug:workspace_slug>/", include(flat(WORKSPACE_API_INCLUDES))),
]
if settings.BENCH_ENDPOINTS:
    # The benchmark suite's reference views; never mounted in a normal deployment.
    urlpatterns.append(path("bench/", include("bench.urls")))


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(404, "Not found.")
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(500, "An unexpected error occurred; it has been logged.")
    return defaults.server_error(request)
