"""Placeholder until the pages are written: every page is a 404."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def round_list(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def round_create(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def round_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def round_edit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def round_open(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def round_close(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def round_answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def round_results(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def department_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
