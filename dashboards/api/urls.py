from django.urls import path

from .views import ProvinceFeedBulkView, ProvinceFeedEvaluationJobsView, ProvinceFeedEvaluationsView, ProvinceFeedView

urlpatterns = [
    path("province-feed/patents/", ProvinceFeedView.as_view(), name="province-feed"),
    path("province-feed/patents/bulk/", ProvinceFeedBulkView.as_view(), name="province-feed-bulk"),
    path("province-feed/evaluations/", ProvinceFeedEvaluationsView.as_view(), name="province-feed-evaluations"),
    path("province-feed/evaluations/jobs/", ProvinceFeedEvaluationJobsView.as_view(), name="province-feed-eval-jobs"),
]
