"""Impact API URLs (health)."""

urlpatterns: list = []
