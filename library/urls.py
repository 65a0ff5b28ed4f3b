from django.urls import path

from . import views

urlpatterns = [
    path("patents/", views.patent_list_view, name="patent-list"),
    path("patents/new/", views.patent_create_view, name="patent-create"),
    path("patents/<int:pk>/", views.patent_detail_view, name="patent-detail"),
    path("patents/<int:pk>/edit/", views.patent_edit_view, name="patent-edit"),
    path("library/", views.resource_list_view, name="resource-list"),
    path("library/<int:pk>/", views.resource_detail_view, name="resource-detail"),
]
