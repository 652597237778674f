"""Browser pages of the sales ↔ product flow, under the ``roadmap:`` namespace."""

from django.urls import path

from roadmap import views

app_name = "roadmap"

urlpatterns = [
    path("roadmap/", views.roadmap_list, name="roadmap_list"),
    path("roadmap/board/", views.roadmap_board, name="roadmap_board"),
    path("roadmap/impact/", views.impact_report, name="impact_report"),
    path("roadmap/promises/", views.promise_queue, name="promise_queue"),
    path("roadmap/promises/<int:pk>/approve/", views.promise_approve, name="promise_approve"),
    path("roadmap/promises/<int:pk>/decline/", views.promise_decline, name="promise_decline"),
    path("roadmap/requests/new/", views.feature_request_create, name="feature_request_create"),
    path("roadmap/requests/pick/", views.feature_picker, name="feature_picker"),
    path("roadmap/requests/<int:pk>/", views.feature_request_detail, name="feature_request_detail"),
    path(
        "roadmap/requests/<int:pk>/edit/", views.feature_request_edit, name="feature_request_edit"
    ),
    path(
        "roadmap/requests/<int:pk>/status/",
        views.feature_request_status,
        name="feature_request_status",
    ),
    path(
        "roadmap/requests/<int:pk>/merge/",
        views.feature_request_merge,
        name="feature_request_merge",
    ),
    path(
        "roadmap/requests/<int:pk>/demands/",
        views.feature_request_demand,
        name="feature_request_demand",
    ),
    path(
        "roadmap/requests/<int:pk>/reengage/<int:deal_pk>/",
        views.feature_request_reengage,
        name="feature_request_reengage",
    ),
    path("roadmap/companies/<int:pk>/demand/", views.company_demand, name="company_demand"),
    path("roadmap/deals/<int:pk>/promises/", views.deal_promise, name="deal_promise"),
]
