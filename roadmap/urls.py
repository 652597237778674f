"""Browser pages of the sales ↔ product flow, under the ``roadmap:`` namespace."""

from django.urls import path

from roadmap import views

app_name = "roadmap"

urlpatterns = [
    path("roadmap/requests/<int:pk>/", views.feature_request_detail, name="feature_request_detail"),
]
