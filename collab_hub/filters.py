"""The API's filter backend, failing closed: choices of tenant rows are the member's rows.

``REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]`` names ``TenantFilterBackend``, and
``collab_hub.api.TenantViewSet`` refuses a plain ``DjangoFilterBackend`` in a viewset's
``filter_backends``. It lives apart from ``collab_hub/api.py`` because DRF imports the default
filter backends while its generic views load, which ``collab_hub.api`` itself imports; this
module imports no DRF view. ``collab_hub.api`` re-exports what apps need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import django_filters
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend

from collab_hub.tenancy import TenantModel

if TYPE_CHECKING:
    from accounts.models import Membership


def visible_choices(
    queryset: models.QuerySet[Any] | models.Manager[Any], membership: Membership | None
) -> models.QuerySet[Any]:
    """The rows of ``queryset`` a member may choose: ``visible_to(membership)`` for a tenant
    model (none without a membership), the queryset unchanged for any other model.

    The serializer base and the filter backend both narrow their choices here, so another
    organization's id, or one hidden by record visibility, is as unknown as a missing id.
    """
    choices: Any = queryset.all()
    if not issubclass(choices.model, TenantModel):
        return cast("models.QuerySet[Any]", choices)
    if not hasattr(choices, "visible_to"):
        raise ImproperlyConfigured(
            f"{choices.model.__name__} choices come from a queryset without visible_to."
        )
    if membership is None:
        return cast("models.QuerySet[Any]", choices.none())
    return cast("models.QuerySet[Any]", choices.visible_to(membership))


class TenantFilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` whose ``ModelChoiceFilter``/``ModelMultipleChoiceFilter``
    over a tenant model choose among ``visible_to(request.membership)``.

    ``?department=<another organization's id>`` is then the same 400 ("Select a valid
    choice") as a missing id, instead of an empty 200 that confirms the id exists.
    """

    def get_filterset(self, request: Any, queryset: models.QuerySet[Any], view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        membership = getattr(request, "membership", None)
        for filter_ in filterset.filters.values():
            if not isinstance(
                filter_, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter
            ):
                continue
            choices = filter_.get_queryset(request)
            if choices is not None:
                filter_.queryset = visible_choices(choices, membership)
        return filterset
