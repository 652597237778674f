"""Browser pages of cross-department feedback, under the ``feedback:`` namespace."""

from django.urls import path

from feedback.views import actions, health, rounds

app_name = "feedback"

urlpatterns = [
    # --- Rounds, answering, results (views/rounds.py)
    path("feedback/", rounds.round_list, name="round_list"),
    path("feedback/new/", rounds.round_create, name="round_create"),
    path("feedback/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("feedback/<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("feedback/<int:pk>/open/", rounds.round_open, name="round_open"),
    path("feedback/<int:pk>/close/", rounds.round_close, name="round_close"),
    path("feedback/<int:pk>/answer/", rounds.round_answer, name="round_answer"),
    path("feedback/<int:pk>/results/", rounds.round_results, name="round_results"),
    path(
        "feedback/<int:pk>/results/<int:department_pk>/",
        rounds.department_view,
        name="department_view",
    ),
    # --- Action items (views/actions.py)
    path("feedback/actions/", actions.action_board, name="action_board"),
    path("feedback/<int:pk>/actions/new/", actions.action_item_create, name="action_item_create"),
    path("feedback/actions/<int:pk>/", actions.action_item_detail, name="action_item_detail"),
    # --- Collaboration health (views/health.py)
    path("feedback/health/", health.collaboration_health, name="collaboration_health"),
]
