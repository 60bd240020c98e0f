"""/w/<slug>/...: the RACI matrix of a partnership and "My work"."""

from django.urls import path

from roles import views

urlpatterns = [
    path("my-work/", views.MyWorkView.as_view(), name="my_work"),
    path("partnerships/<int:pk>/roles/", views.RaciMatrixView.as_view(), name="raci_matrix"),
    path("partnerships/<int:pk>/roles/cell/", views.RaciCellView.as_view(), name="raci_cell"),
]
