"""The API's filter backends: tenant-scoped choices, safe orderings, bounded date-times, sync.

``REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]`` names ``TenantFilterBackend`` and
``OrderingFilter`` (``collab_hub.api.SEARCH_FILTER_BACKENDS`` adds ``SearchFilter``), and
``collab_hub.api.TenantViewSet`` refuses a plain ``DjangoFilterBackend`` in a viewset's
``filter_backends``. Every list inherits, without declaring anything:

* ``TenantFilterBackend``: choices of tenant rows are the member's rows (a foreign id is a
  400); every date-time filter refuses offsets beyond ±15:59 and dates out of range (400,
  not 500); models with ``updated_at`` get ``?updated_after=`` (strictly later).
* ``OrderingFilter``: every ordering ends in ``id``; NULLs sort last ascending, first
  descending; an unknown key is a 400 (``invalid_ordering``). The cursor paginator
  (``collab_hub/pagination.py``) pages by the same keys.

It lives apart from ``collab_hub/api.py`` because DRF imports the default filter backends
while its generic views load, which ``collab_hub.api`` itself imports; this module imports no
DRF view. ``collab_hub.api`` re-exports what apps need.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import django_filters
from django import forms
from django.core.exceptions import (
    FieldDoesNotExist,
    FieldError,
    ImproperlyConfigured,
    ValidationError,
)
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from django.http import QueryDict
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters

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


# The API filterset of each (model, filterset_class or filterset_fields), built once.
_FILTERSETS: dict[tuple[Any, ...], Any] = {}


class TenantFilterBackend(DjangoFilterBackend):  # type: ignore[misc]  # django-filter is untyped
    """``DjangoFilterBackend`` whose ``ModelChoiceFilter``/``ModelMultipleChoiceFilter``
    over a tenant model choose among ``visible_to(request.membership)``.

    ``?department=<another organization's id>`` is then the same 400 ("Select a valid
    choice") as a missing id, instead of an empty 200 that confirms the id exists.
    """

    def get_filterset_class(self, view: Any, queryset: Any = None) -> Any:
        """The view's filterset (or one from ``filterset_fields``) as every API list filters:
        bounded date-times, ``updated_after`` on models with ``updated_at``."""
        model = getattr(queryset, "model", None)
        if model is None:
            return super().get_filterset_class(view, queryset)
        declared = getattr(view, "filterset_class", None)
        fields = getattr(view, "filterset_fields", None)
        key = (model, declared, None if declared else repr(fields))
        if key not in _FILTERSETS:
            _FILTERSETS[key] = _api_filterset(super().get_filterset_class(view, queryset), model)
        return _FILTERSETS[key]

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


# --- Errors in query parameters ---------------------------------------------------------------


class InvalidQuery(exceptions.APIException):
    """A 400 for a query parameter the list cannot honour: ``{"detail", "code", …extra}``
    (``invalid_ordering``, ``invalid_cursor``, ``invalid_page_size``)."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: Any, *, code: str, **extra: Any) -> None:
        super().__init__(detail={"detail": message, "code": code, **extra}, code=code)


# --- Ordering ---------------------------------------------------------------------------------

# The unique key every ordering ends in.
TIE_BREAKER = "id"
# The field that makes a model's list incrementally syncable (``?updated_after=``).
SYNC_FIELD = "updated_at"


def has_sync_field(model: type[models.Model] | None) -> bool:
    """Whether ``model`` has an ``updated_at`` date-time field (``?updated_after=``, and
    ``ordering=updated_at`` offered on its lists)."""
    if model is None:
        return False
    try:
        field = model._meta.get_field(SYNC_FIELD)
    except FieldDoesNotExist:
        return False
    return isinstance(field, models.DateTimeField)


@dataclass(frozen=True)
class OrderKey:
    """One key of a list's ordering: how to sort by it, compare with it, and read it."""

    name: str  # as clients write it (``score``, ``user__email``, ``id``)
    path: str  # the ORM path (``score``, ``user__email``, ``pk``)
    descending: bool
    nullable: bool
    # The field that parses a cursor's value back (None: take it as it is).
    field: Any
    # Attributes to read the value from a row (``("user", "email")``).
    attrs: tuple[str, ...]

    @property
    def term(self) -> str:
        return f"-{self.name}" if self.descending else self.name

    def expression(self) -> OrderBy:
        """NULL sorts after every value ascending and before every value descending (as if
        it were the largest value), the same on SQLite and PostgreSQL."""
        if self.descending:
            return F(self.path).desc(nulls_first=True) if self.nullable else F(self.path).desc()
        return F(self.path).asc(nulls_last=True) if self.nullable else F(self.path).asc()

    def reversed(self) -> OrderKey:
        """The same key in the other direction (NULLs move to the other end with it)."""
        return replace(self, descending=not self.descending)

    def beyond(self, value: Any) -> Q | None:
        """Rows whose key comes strictly after ``value`` (None: no row can)."""
        if self.descending:
            if value is None:
                return Q(**{f"{self.path}__isnull": False}) if self.nullable else None
            return Q(**{f"{self.path}__lt": value})
        if value is None:
            return None
        later = Q(**{f"{self.path}__gt": value})
        return later | Q(**{f"{self.path}__isnull": True}) if self.nullable else later

    def same(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.path}__isnull": True})
        return Q(**{self.path: value})

    def value_of(self, row: Any) -> Any:
        if isinstance(row, dict):
            return row.get(self.path, row.get(self.name))
        value = row
        for attr in self.attrs:
            value = getattr(value, attr)
            if value is None:
                return None
        return value

    def parse(self, raw: Any) -> Any:
        if raw is None or self.field is None:
            return raw
        return self.field.to_python(raw)


def _order_key(model: type[models.Model], queryset: Any, name: str, descending: bool) -> OrderKey:
    """The key ``name`` of ``model``'s rows: the id, an annotation of ``queryset``, a field,
    or a field across to-one relations (``user__email``)."""
    if name == TIE_BREAKER:
        return OrderKey(name, "pk", descending, False, model._meta.pk, ("pk",))
    annotations = getattr(getattr(queryset, "query", None), "annotations", {})
    if name in annotations:
        try:
            output = annotations[name].output_field
        except FieldError:
            output = None
        return OrderKey(name, name, descending, True, output, (name,))
    parts = name.split("__")
    current: Any = model
    nullable, attrs = False, []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        try:
            field: Any = current._meta.get_field(part)
        except FieldDoesNotExist:
            raise ImproperlyConfigured(f"Cannot order {model.__name__} by {name!r}.") from None
        if not getattr(field, "concrete", False) or field.many_to_many or field.one_to_many:
            raise ImproperlyConfigured(
                f"Cannot order {model.__name__} by {name!r}: only fields and to-one relations."
            )
        nullable = nullable or bool(field.null)
        if last:
            attrs.append(field.attname)
            return OrderKey(
                name, "__".join([*parts[:-1], field.attname]), descending, nullable, field,
                tuple(attrs),
            )  # fmt: skip
        if not field.is_relation:
            raise ImproperlyConfigured(f"Cannot order {model.__name__} by {name!r}.")
        attrs.append(field.name)
        current = field.related_model
    raise ImproperlyConfigured(f"Cannot order {model.__name__} by {name!r}.")  # pragma: no cover


def _terms(ordering: Any) -> list[str]:
    if ordering is None:
        return []
    if isinstance(ordering, str):
        ordering = ordering.split(",")
    terms = [str(term).strip() for term in ordering]
    return [_public(term) for term in terms if term]


def _public(term: str) -> str:
    """``pk`` as clients see it: ``id``."""
    sign, name = ("-", term[1:]) if term.startswith("-") else ("", term)
    return f"{sign}{TIE_BREAKER}" if name == "pk" else term


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=`` that always ends in the unique ``id`` and refuses what it cannot do.

    * The keys a list offers are its ``ordering_fields`` (declared on every list viewset; a
      missing or ``"__all__"`` declaration is an error), plus ``id`` and, on models with an
      ``updated_at`` field, ``updated_at``. Annotations of the view's queryset may be
      offered; so may fields across to-one relations (``user__email``).
    * ``?ordering=-score`` sorts by ``-score,-id``: ``id`` is appended in the direction of the
      last key, and keys after ``id`` are dropped. Several keys: ``?ordering=stage,-value``
      (or the parameter repeated).
    * NULL sorts as the largest value: last ascending, first descending.
    * An unknown key, or a key given twice, is a 400 with ``code: "invalid_ordering"`` and
      ``allowed`` (every accepted term).
    * Without ``?ordering=``: the view's ``ordering``, else newest first (``-id``).

    ``collab_hub.pagination.CursorPagination`` pages with the same keys (``resolve``).
    """

    ordering_description = _(  # type: ignore[assignment]  # lazy, like DRF's own
        "Sort keys, comma-separated; `-` sorts descending. `id` is always the last key "
        "(`-score` sorts by `-score,-id`) and NULLs sort last ascending, first descending. "
        "An unknown key is a 400 with code `invalid_ordering`."
    )

    @classmethod
    def allowed_names(cls, queryset: Any, view: Any) -> list[str]:
        """The keys ``view`` offers, in its order, then ``id`` and ``updated_at``."""
        declared = getattr(view, "ordering_fields", None)
        if declared is None or declared == "__all__":
            raise ImproperlyConfigured(
                f"{type(view).__name__} must list the keys it offers in ordering_fields "
                "(not '__all__')."
            )
        names: list[str] = []
        for item in declared:
            name = _public(item if isinstance(item, str) else item[0])
            if name not in names:
                names.append(name)
        model = getattr(queryset, "model", None)
        for extra in (TIE_BREAKER, SYNC_FIELD if has_sync_field(model) else None):
            if extra and extra not in names:
                names.append(extra)
        return names

    @classmethod
    def allowed_terms(cls, queryset: Any, view: Any) -> list[str]:
        return [term for name in cls.allowed_names(queryset, view) for term in (name, f"-{name}")]

    @classmethod
    def reads_parameter(cls, view: Any) -> bool:
        """Whether ``view`` lets clients choose the ordering (filters with an ordering
        backend, this one or DRF's)."""
        return any(
            isinstance(backend, type) and issubclass(backend, filters.OrderingFilter)
            for backend in getattr(view, "filter_backends", ())
        )

    @classmethod
    def resolve(
        cls, request: Any, queryset: Any, view: Any, *, default: Any = "-id"
    ) -> list[OrderKey]:
        """The keys the rows of this request are sorted by, ending in ``id``."""
        model = queryset.model
        requested: list[str] = []
        if cls.reads_parameter(view):
            for value in request.query_params.getlist(cls.ordering_param):
                requested += _terms(value)
        if requested:
            allowed = cls.allowed_names(queryset, view)
            seen: set[str] = set()
            for term in requested:
                name = term.removeprefix("-")
                if name not in allowed or name in seen:
                    raise InvalidQuery(
                        _("Cannot order by %(term)s. Allowed: %(allowed)s.")
                        % {
                            "term": term if name not in seen else f"{name} twice",
                            "allowed": ", ".join(cls.allowed_terms(queryset, view)),
                        },
                        code="invalid_ordering",
                        allowed=cls.allowed_terms(queryset, view),
                    )
                seen.add(name)
            terms = requested
        else:
            terms = _terms(getattr(view, "ordering", None)) or _terms(default) or ["-id"]
        keys: list[OrderKey] = []
        for term in terms:
            descending = term.startswith("-")
            keys.append(_order_key(model, queryset, term.removeprefix("-"), descending))
            if keys[-1].name == TIE_BREAKER:
                break
        else:
            keys.append(_order_key(model, queryset, TIE_BREAKER, keys[-1].descending))
        return keys

    @staticmethod
    def label(keys: list[OrderKey]) -> str:
        """The ordering as a client writes it (``-score,-id``)."""
        return ",".join(key.term for key in keys)

    @staticmethod
    def _paginator_default(view: Any) -> Any:
        paginator_class = getattr(view, "pagination_class", None)
        return getattr(paginator_class, "ordering", None) or "-id"

    # DRF's hooks (the browsable API's ordering menu and other callers) answer the same.

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        keys = self.resolve(request, queryset, view, default=self._paginator_default(view))
        return tuple(key.term for key in keys)

    def get_valid_fields(
        self, queryset: Any, view: Any, context: Mapping[str, Any] | None = None
    ) -> list[tuple[str, str]]:
        return [(name, name) for name in self.allowed_names(queryset, view)]

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if getattr(view, "detail", False):
            # One row (retrieve, update, a detail action): its order means nothing.
            return queryset
        keys = self.resolve(request, queryset, view, default=self._paginator_default(view))
        return queryset.order_by(*(key.expression() for key in keys))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        queryset = getattr(view, "queryset", None)
        schema: dict[str, Any] = {"type": "string"}
        description = force_str(self.ordering_description)
        if queryset is not None:
            items = {"type": "string", "enum": self.allowed_terms(queryset, view)}
            schema = {"type": "array", "items": items}
            default = self.label(
                self.resolve(_NoQuery(), queryset, view, default=self._paginator_default(view))
            )
            description = f"{description} {_('Default')}: `{default}`."
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": description,
                "schema": schema,
                "style": "form",
                "explode": False,
            }
        ]


class _NoQuery:
    """A request without query parameters (the schema's default ordering)."""

    query_params = QueryDict()


# --- Date-time filters --------------------------------------------------------------------------

# PostgreSQL's limit for a time-zone offset (and the widest one in use anywhere is +14:00).
MAX_UTC_OFFSET = datetime.timedelta(hours=15, minutes=59)


class BoundedDateTimeMixin:
    """A date-time form field whose value the database can store: an offset beyond ±15:59, or
    a date and time that is out of range once in UTC, is "Enter a valid date/time" (400)."""

    error_messages: dict[str, Any]

    def to_python(self, value: Any) -> Any:
        try:
            result = super().to_python(value)  # type: ignore[misc]
        except (ValueError, OverflowError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if isinstance(result, datetime.datetime):
            offset = result.utcoffset()
            if offset is not None and abs(offset) > MAX_UTC_OFFSET:
                raise ValidationError(
                    _("Time-zone offsets go from -15:59 to +15:59."), code="invalid"
                )
            try:
                result.astimezone(datetime.UTC)
            except (OverflowError, ValueError):
                raise ValidationError(
                    _("This date and time is out of range."), code="invalid"
                ) from None
        return result


# The bounded subclass of each date-time form field class, built once.
_BOUNDED: dict[type, type] = {}


def _bounded(field_class: type) -> type:
    if issubclass(field_class, BoundedDateTimeMixin):
        return field_class
    if field_class not in _BOUNDED:
        name = f"Bounded{field_class.__name__}"
        _BOUNDED[field_class] = type(name, (BoundedDateTimeMixin, field_class), {})
    return _BOUNDED[field_class]


def _api_filterset(
    filterset_class: type[django_filters.FilterSet] | None, model: type[models.Model]
) -> type[django_filters.FilterSet] | None:
    """``filterset_class`` as every API list filters: every date-time filter bounded, and
    ``updated_after`` (strictly later) on models with ``updated_at``."""
    attrs: dict[str, Any] = {}
    sync = has_sync_field(model)
    if filterset_class is None:
        if not sync:
            return None
        meta = type("Meta", (), {"model": model, "fields": []})
        filterset_class = type(
            f"{model.__name__}FilterSet", (django_filters.FilterSet,), {"Meta": meta}
        )
    if sync and "updated_after" not in filterset_class.base_filters:
        attrs["updated_after"] = django_filters.IsoDateTimeFilter(
            field_name=SYNC_FIELD,
            lookup_expr="gt",
            label=_(
                "Only rows changed strictly after this date and time (ISO 8601); with "
                "ordering=updated_at for incremental sync."
            ),
        )
    derived: Any = type(
        filterset_class.__name__,
        (filterset_class,),
        {**attrs, "__module__": filterset_class.__module__, "__doc__": filterset_class.__doc__},
    )
    for name, filter_ in list(derived.base_filters.items()):
        field_class = getattr(filter_, "field_class", None)
        if isinstance(field_class, type) and issubclass(field_class, forms.DateTimeField):
            bounded = copy.deepcopy(filter_)
            bounded.field_class = _bounded(field_class)
            derived.base_filters[name] = bounded
    return cast("type[django_filters.FilterSet]", derived)
