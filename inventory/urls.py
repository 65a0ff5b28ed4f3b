from django.urls import path

from . import views

urlpatterns = [
    path("inventory/import/", views.import_upload_view, name="import-upload"),
    path("inventory/import/<int:pk>/", views.import_detail_view, name="import-detail"),
    path("inventory/import/<int:pk>/retry/", views.import_retry_view, name="import-retry"),
    path("inventory/import/<int:pk>/cancel/", views.import_cancel_view, name="import-cancel"),
    path("inventory/template.xlsx", views.inventory_template_view, name="inventory-template"),
]
