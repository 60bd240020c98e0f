"""The admin's invitation pages, under /w/<workspace_slug>/."""

from django.urls import path

from partnerhub.views import invitations

urlpatterns = [
    path("invitations/", invitations.InvitationListView.as_view(), name="workspace_invitations"),
    path(
        "invitations/<int:pk>/resend/",
        invitations.InvitationResendView.as_view(),
        name="workspace_invitation_resend",
    ),
    path(
        "invitations/<int:pk>/revoke/",
        invitations.InvitationRevokeView.as_view(),
        name="workspace_invitation_revoke",
    ),
]
