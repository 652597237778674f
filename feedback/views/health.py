"""Placeholder until the pages are written: every page is a 404."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def collaboration_health(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
