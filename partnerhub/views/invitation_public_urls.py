"""The public invitation link, under /invitations/ (the emailed token is the credential)."""

from django.urls import path

from partnerhub.views import invitations

urlpatterns = [
    path("<str:token>/", invitations.InvitationAcceptView.as_view(), name="invitation_accept"),
]
