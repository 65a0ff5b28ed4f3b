from django.urls import path

from . import views

urlpatterns = [
    path("deals/", views.deal_list_view, name="deal-list"),
    path("deals/overdue/", views.overdue_view, name="deal-overdue"),
    path("deals/<int:pk>/", views.deal_detail_view, name="deal-detail"),
    path("deals/<int:pk>/dossier.zip", views.deal_dossier_export_view, name="deal-dossier"),
    path("deals/documents/<int:pk>/", views.deal_document_view, name="deal-document"),
    path("patents/<int:pk>/deals/new/", views.deal_create_view, name="deal-create"),
    path("patents/<int:pk>/open-licence/", views.open_licence_declare_view, name="open-licence-declare"),
    path("open-licences/", views.open_licence_list_view, name="open-licence-list"),
    path("open-licences/<int:pk>/withdraw/", views.open_licence_withdraw_view, name="open-licence-withdraw"),
    path("open-licences/<int:pk>/take/", views.open_licence_take_view, name="open-licence-take"),
    path("promotion/", views.promotion_view, name="promotion"),
    path("idle-fiscal/", views.idle_fiscal_view, name="idle-fiscal"),
]
