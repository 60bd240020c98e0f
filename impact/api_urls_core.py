"""Impact API URLs (core)."""

urlpatterns: list = []
