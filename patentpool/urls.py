from django.urls import path

from . import views

urlpatterns = [
    path("patents/new/", views.patent_create_view, name="patent-create"),
    path("patents/<int:pk>/edit/", views.patent_edit_view, name="patent-edit"),
]
