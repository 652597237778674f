"""Browser pages of the sales ↔ customer-success flow, under the ``handoffs:`` namespace."""

from django.urls import path

from handoffs.views import accounts, handoffs, reports, upsell

app_name = "handoffs"

urlpatterns = [
    # --- Handoffs (views/handoffs.py)
    path("handoffs/", handoffs.handoff_list, name="handoff_list"),
    path("handoffs/<int:pk>/", handoffs.handoff_detail, name="handoff_detail"),
    path("handoffs/<int:pk>/edit/", handoffs.handoff_edit, name="handoff_edit"),
    path("handoffs/<int:pk>/submit/", handoffs.handoff_submit, name="handoff_submit"),
    path("handoffs/<int:pk>/return/", handoffs.handoff_return, name="handoff_return"),
    path("handoffs/<int:pk>/accept/", handoffs.handoff_accept, name="handoff_accept"),
    path(
        "handoffs/<int:pk>/start-onboarding/",
        handoffs.handoff_onboarding,
        name="handoff_onboarding",
    ),
    path("handoffs/<int:pk>/go-live/", handoffs.handoff_go_live, name="handoff_go_live"),
    path("handoffs/<int:pk>/stakeholders/", handoffs.stakeholder_add, name="stakeholder_add"),
    path(
        "handoffs/stakeholders/<int:pk>/remove/",
        handoffs.stakeholder_remove,
        name="stakeholder_remove",
    ),
    path("handoffs/<int:pk>/checklist/", handoffs.checklist_add, name="checklist_add"),
    path("handoffs/checklist/<int:pk>/", handoffs.checklist_item, name="checklist_item"),
    path(
        "handoffs/checklist/<int:pk>/remove/",
        handoffs.checklist_remove,
        name="checklist_remove",
    ),
    path(
        "handoffs/<int:pk>/promises/<int:promise_pk>/sign-off/",
        handoffs.promise_signoff,
        name="promise_signoff",
    ),
    path("handoffs/<int:pk>/discrepancies/", handoffs.discrepancy_add, name="discrepancy_add"),
    path(
        "handoffs/discrepancies/<int:pk>/answer/",
        handoffs.discrepancy_answer,
        name="discrepancy_answer",
    ),
    path(
        "handoffs/discrepancies/<int:pk>/resolve/",
        handoffs.discrepancy_resolve,
        name="discrepancy_resolve",
    ),
    # --- Upsell signals (views/upsell.py)
    path("upsell/", upsell.upsell_list, name="upsell_list"),
    path("upsell/new/", upsell.upsell_create, name="upsell_create"),
    path("upsell/<int:pk>/", upsell.upsell_detail, name="upsell_detail"),
    path("upsell/<int:pk>/accept/", upsell.upsell_accept, name="upsell_accept"),
    path("upsell/<int:pk>/dismiss/", upsell.upsell_dismiss, name="upsell_dismiss"),
    path("upsell/<int:pk>/credit/", upsell.upsell_credit, name="upsell_credit"),
    # --- Customer accounts (views/accounts.py)
    path("handoffs/companies/<int:pk>/health/", accounts.health_set, name="health_set"),
    path("handoffs/companies/<int:pk>/cs-owner/", accounts.cs_owner_set, name="cs_owner_set"),
    # --- Reports (views/reports.py)
    path("reports/surprise-rate/", reports.surprise_report, name="surprise_report"),
    path("reports/upsell/", reports.upsell_report, name="upsell_report"),
]
