from django.urls import path

from . import views

urlpatterns = [
    path("market/patents/<int:pk>/evaluate/", views.evaluate_view, name="market-evaluate"),
    path("market/patents/<int:pk>/commission/", views.commission_create_view, name="market-commission-new"),
    path("market/evaluations/", views.evaluation_list_view, name="market-evaluations"),
    path("market/evaluations/<int:pk>/answer/", views.evaluation_answer_view, name="market-evaluation-answer"),
    path("market/experts/", views.expert_list_view, name="market-experts"),
    path("market/experts/<int:pk>/approve/", views.expert_approve_view, name="market-expert-approve"),
    path("market/commissions/", views.commission_list_view, name="market-commissions"),
    path("market/commissions/<int:pk>/respond/", views.commission_respond_view, name="market-commission-respond"),
    path("market/commissions/<int:pk>/evaluate/", views.commission_evaluate_view, name="market-commission-evaluate"),
    path("market/returns/", views.returns_view, name="market-returns"),
    path("market/returns/template.xlsx", views.returns_template_view, name="market-returns-template"),
    path("market/returns/<int:pk>/", views.return_detail_view, name="market-return-detail"),
]
