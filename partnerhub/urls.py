"""The composition root of URLs: the core, then each domain app, then the API."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import defaults

from partnerhub.api.errors import problem_response
from partnerhub.views import api_guide, health, home

workspace_patterns = [
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

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", health.health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("invitations/", include("partnerhub.views.invitation_public_urls")),
    path("reminders/", include("partnerhub.views.unsubscribe_urls")),
    path("w/<slug:workspace_slug>/", include(workspace_patterns)),
    path("api/v1/", include("partnerhub.api.urls")),
    path("api/v1/w/<slug:workspace_slug>/", include("partners.api_urls")),
    path("api/v1/w/<slug:workspace_slug>/", include("goals.api_urls")),
    path("api/v1/w/<slug:workspace_slug>/", include("roles.api_urls")),
    path("api/v1/w/<slug:workspace_slug>/", include("impact.api_urls")),
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
