from django.urls import path

from . import views

urlpatterns = [
    path("enterprises/signup/", views.enterprise_signup_view, name="enterprise-signup"),
    path("enterprises/", views.enterprise_list_view, name="enterprise-registry"),
    path("enterprises/import/", views.enterprise_import_view, name="enterprise-import"),
    path("enterprises/import/template/", views.enterprise_template_view, name="enterprise-template"),
    path("enterprises/<int:pk>/", views.enterprise_profile_view, name="enterprise-profile"),
    path("enterprises/<int:pk>/review/", views.enterprise_review_view, name="enterprise-review"),
]
