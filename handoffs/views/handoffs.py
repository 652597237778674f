"""Placeholder until the pages are written: every page is a 404."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def handoff_list(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def handoff_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def handoff_edit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def handoff_submit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def handoff_return(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def handoff_accept(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def handoff_onboarding(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def handoff_go_live(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def stakeholder_add(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def stakeholder_remove(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def checklist_add(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def checklist_item(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def checklist_remove(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def promise_signoff(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def discrepancy_add(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def discrepancy_answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def discrepancy_resolve(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
