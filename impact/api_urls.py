"""REST API of the impact app under /api/v1/w/<slug>/."""

urlpatterns: list = []
