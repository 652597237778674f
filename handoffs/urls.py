"""Placeholder: the pages' URLs (replaced by the pages' work)."""

from django.http import HttpResponse
from django.urls import path

app_name = "handoffs"


def _todo(request, *args, **kwargs):  # type: ignore[no-untyped-def]
    return HttpResponse("")


urlpatterns = [
    path("handoffs/", _todo, name="handoff_list"),
    path("handoffs/<int:pk>/", _todo, name="handoff_detail"),
    path("upsell/", _todo, name="upsell_list"),
    path("upsell/<int:pk>/", _todo, name="upsell_detail"),
]
