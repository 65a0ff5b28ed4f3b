from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox_view, name="inbox"),
    path("inbox/<int:pk>/", views.push_detail_view, name="inbox-push"),
    path("inbox/<int:pk>/respond/", views.push_respond_view, name="push-respond"),
    path("pushes/", views.push_list_view, name="push-feedback"),
]
