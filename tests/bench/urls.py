"""The project's URLs with the benchmark's reference views mounted, as BENCH_ENDPOINTS
mounts them (the tests' settings leave it off)."""

from django.urls import include, path

from partnerhub.urls import handler404, handler500
from partnerhub.urls import urlpatterns as project_patterns

urlpatterns = [*project_patterns, path("bench/", include("bench.urls"))]

__all__ = ["handler404", "handler500", "urlpatterns"]
