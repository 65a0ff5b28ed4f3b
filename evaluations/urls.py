from django.urls import path

from . import views

urlpatterns = [
    path("patents/bulk/", views.patent_bulk_view, name="patent-bulk"),
    path("patents/<int:pk>/review/", views.patent_review_view, name="patent-review"),
    path("patents/<int:pk>/assessment/", views.assessment_edit_view, name="assessment-edit"),
    path("todo/", views.todo_view, name="todo"),
]
