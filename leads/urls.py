"""Browser pages of the leads flow, under the ``leads:`` namespace; each module of
``leads.views`` lists its own routes."""

from leads.views import campaigns, collateral, deals, imports, leads, quality, reports

app_name = "leads"

urlpatterns = [
    *leads.urlpatterns,
    *imports.urlpatterns,
    *campaigns.urlpatterns,
    *deals.urlpatterns,
    *collateral.urlpatterns,
    *quality.urlpatterns,
    *reports.urlpatterns,
]
