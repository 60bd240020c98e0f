"""The organization directory's endpoints, under /api/v1/w/<workspace_slug>/."""

from django.urls import path

from partners.api.organizations import OrganizationViewSet

organization_list = OrganizationViewSet.as_view({"get": "list", "post": "create"})
organization_detail = OrganizationViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("organizations/", organization_list, name="api_organization-list"),
    path("organizations/<int:pk>/", organization_detail, name="api_organization-detail"),
]
