"""Placeholder until the pages are written: every page is a 404."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def action_board(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def action_item_create(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def action_item_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
