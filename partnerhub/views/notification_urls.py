"""/w/<slug>/notifications/...: a person's reminders and cadence; the workspace's reminder
policy (admins) and a partnership's reminder log (coordinators)."""

from django.urls import path

from partnerhub.views import notifications

urlpatterns = [
    path("notifications/", notifications.NotificationListView.as_view(), name="notification_list"),
    path(
        "notifications/read/",
        notifications.NotificationMarkReadView.as_view(),
        name="notification_mark_read",
    ),
    path(
        "notifications/<int:pk>/open/",
        notifications.NotificationOpenView.as_view(),
        name="notification_open",
    ),
    path(
        "notifications/settings/",
        notifications.NotificationSettingsView.as_view(),
        name="notification_settings",
    ),
    path(
        "settings/reminders/",
        notifications.ReminderPolicyView.as_view(),
        name="reminder_policy",
    ),
    path(
        "partnerships/<int:pk>/reminders/",
        notifications.PartnershipRemindersView.as_view(),
        name="partnership_reminders",
    ),
]
