"""Root URLs: pages, the API and its schema, the admin, sign-in and the language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dashboards.views import home_view
from evaluations import views as evaluation_views
from institutions import views as institution_views

from . import library_views, views

urlpatterns = [
    path("", home_view, name="home"),
    path("patents/", views.patent_list_view, name="patent-list"),
    path("patents/new/", views.patent_create_view, name="patent-create"),
    path("patents/bulk/", views.patent_bulk_view, name="patent-bulk"),
    path("patents/<int:pk>/", views.patent_detail_view, name="patent-detail"),
    path("patents/<int:pk>/review/", views.patent_review_view, name="patent-review"),
    path("todo/", views.todo_view, name="todo"),
    path("patents/<int:pk>/edit/", views.patent_edit_view, name="patent-edit"),
    path("patents/<int:pk>/assessment/", evaluation_views.assessment_edit_view, name="assessment-edit"),
    path("library/", library_views.resource_list_view, name="resource-list"),
    path("library/<int:pk>/", library_views.resource_detail_view, name="resource-detail"),
    path("inventory/import/", institution_views.import_upload_view, name="import-upload"),
    path("inventory/import/<int:pk>/", institution_views.import_detail_view, name="import-detail"),
    path("inventory/template.xlsx", institution_views.inventory_template_view, name="inventory-template"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("patentpool.api.urls")),
    path("api/", include("institutions.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP forbids inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
