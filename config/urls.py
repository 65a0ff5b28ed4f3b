"""Root URLs: each app's pages and API, the schema, the admin, sign-in and the language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("dashboards.urls")),
    path("", include("library.urls")),
    path("", include("evaluations.urls")),
    path("", include("inventory.urls")),
    path("", include("transfers.urls")),
    path("", include("market.urls")),
    path("", include("enterprises.urls")),
    path("", include("matching.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("library.api.urls")),
    path("api/", include("institutions.api.urls")),
    path("api/", include("inventory.api.urls")),
    path("api/", include("transfers.api.urls")),
    path("api/", include("dashboards.api.urls")),
    path("api/", include("market.api.urls")),
    path("api/", include("enterprises.api.urls")),
    path("api/", include("matching.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP forbids inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
