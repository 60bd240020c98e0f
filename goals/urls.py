"""/w/<slug>/...: the goal and milestone pages."""

from django.urls import path

from goals import views

urlpatterns = [
    path("partnerships/<int:pk>/goals/", views.GoalListView.as_view(), name="goal_list"),
    path("partnerships/<int:pk>/goals/new/", views.GoalCreateView.as_view(), name="goal_create"),
    path("goals/<int:pk>/", views.GoalDetailView.as_view(), name="goal_detail"),
    path("goals/<int:pk>/edit/", views.GoalEditView.as_view(), name="goal_edit"),
    path("goals/<int:pk>/delete/", views.GoalDeleteView.as_view(), name="goal_delete"),
    path(
        "goals/<int:pk>/milestones/new/",
        views.MilestoneCreateView.as_view(),
        name="milestone_create",
    ),
    path("milestones/<int:pk>/", views.MilestoneDetailView.as_view(), name="milestone_detail"),
    path(
        "milestones/<int:pk>/update/", views.MilestoneUpdateView.as_view(), name="milestone_update"
    ),
    path("milestones/<int:pk>/edit/", views.MilestoneEditView.as_view(), name="milestone_edit"),
    path(
        "milestones/<int:pk>/delete/",
        views.MilestoneDeleteView.as_view(),
        name="milestone_delete",
    ),
    path(
        "milestones/<int:pk>/comments/",
        views.CommentCreateView.as_view(),
        name="milestone_comment",
    ),
]
