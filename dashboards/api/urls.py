from django.urls import path

from .views import ProvinceFeedBulkView, ProvinceFeedView

urlpatterns = [
    path("province-feed/patents/", ProvinceFeedView.as_view(), name="province-feed"),
    path("province-feed/patents/bulk/", ProvinceFeedBulkView.as_view(), name="province-feed-bulk"),
]
