"""Placeholder until the pages are written: every page is a 404."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def upsell_list(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def upsell_create(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def upsell_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def upsell_accept(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def upsell_dismiss(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def upsell_credit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
