"""Root URLs: each app's pages and API, the schema, the admin, sign-in and the language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin, the API docs): the site's icon.
    Resolved per request, so a hashed static name (the manifest) is read after collectstatic, not at import."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view()),
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
