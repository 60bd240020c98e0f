"""Goal endpoints under /api/v1/w/<workspace_slug>/."""

from django.urls import path

from goals.api import (
    CommentViewSet,
    GoalViewSet,
    MilestoneCommentViewSet,
    MilestoneProgressUpdateViewSet,
    MilestoneViewSet,
    ProgressUpdateViewSet,
)

urlpatterns = [
    path("goals/", GoalViewSet.as_view({"get": "list", "post": "create"}), name="api_goal-list"),
    path(
        "goals/<int:pk>/",
        GoalViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api_goal-detail",
    ),
    path(
        "milestones/",
        MilestoneViewSet.as_view({"get": "list", "post": "create"}),
        name="api_milestone-list",
    ),
    path(
        "milestones/<int:pk>/",
        MilestoneViewSet.as_view(
            {
                "get": "retrieve",
                "put": "update",
                "patch": "partial_update",
                "delete": "destroy",
            }
        ),
        name="api_milestone-detail",
    ),
    path(
        "milestones/<int:milestone_pk>/progress-updates/",
        MilestoneProgressUpdateViewSet.as_view({"get": "list", "post": "create"}),
        name="api_milestone-progress-updates",
    ),
    path(
        "milestones/<int:milestone_pk>/comments/",
        MilestoneCommentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_milestone-comments",
    ),
    path(
        "progress-updates/",
        ProgressUpdateViewSet.as_view({"get": "list", "post": "create"}),
        name="api_progress_update-list",
    ),
    path(
        "progress-updates/<int:pk>/",
        ProgressUpdateViewSet.as_view({"get": "retrieve"}),
        name="api_progress_update-detail",
    ),
    path(
        "comments/",
        CommentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_comment-list",
    ),
]
