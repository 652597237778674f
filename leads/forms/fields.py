"""Fields, widgets and choice lists shared by the leads flow's forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from babel import Locale, UnknownLocaleError
from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from accounts.models import DepartmentKind, Membership
from leads.services.countries import country_codes

if TYPE_CHECKING:
    _MembershipChoiceField = forms.ModelChoiceField[Membership]
else:
    # Django's form fields are generic only in the stubs: not subscriptable at run time.
    _MembershipChoiceField = forms.ModelChoiceField


class MemberChoiceField(_MembershipChoiceField):
    """A choice of members, each shown by their display name."""

    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.display_name


def sales_members() -> QuerySet[Membership]:
    """Active members of sales departments, as a choice list. Unscoped: a form with
    ``TenantFormMixin`` narrows it to the member's organization."""
    return (
        Membership.objects.filter(is_active=True, department__kind=DepartmentKind.SALES)
        .select_related("user", "department")
        .order_by("user__full_name", "user__email")
    )


class DateInput(forms.DateInput):
    """``<input type=date>`` with an ISO value in every language (the browser shows it in the
    reader's format; a localized value such as Polish "04.09.2026" would show blank)."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _locale() -> Locale:
    try:
        return Locale.parse(to_locale(get_language() or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def country_names() -> dict[str, str]:
    """Every ISO 3166 alpha-2 country code with its name in the active language (Babel's
    CLDR data), sorted by name as that language sorts them closely enough (case and accents
    ignored)."""
    territories = _locale().territories
    names = {code: name for code, name in territories.items() if code in country_codes()}
    return dict(sorted(names.items(), key=lambda item: _sort_key(item[1])))


def _sort_key(name: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def country_name(code: str) -> str:
    """The country's name in the active language; the code itself when Babel has none."""
    if not code:
        return ""
    return _locale().territories.get(code.upper(), code)


def country_choices() -> list[tuple[str, Any]]:
    """The choices of a country picker: none, then every country by localized name."""
    return [("", _("No country")), *country_names().items()]


class CountrySelect(forms.Select):
    """A ``<select>`` of every country (native type-ahead works without JavaScript);
    ``static/js/country_picker.js`` adds a filter box above it."""

    class Media:
        js = ("js/country_picker.js",)

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        defaults = {
            "data-country-picker": "",
            "data-filter-placeholder": _("Type to filter countries…"),
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, choices=choices)


class CountryField(forms.ChoiceField):
    """A country as an ISO 3166 alpha-2 code, picked from localized names. A code stored
    before the picker existed that is not in the list stays a choice, so editing never
    loses it."""

    widget = CountrySelect

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", country_choices)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        # A code in any case, or a common name ("Polska"), is the code the picker shows.
        from leads.services.countries import country_code

        text = super().to_python(value)
        return country_code(text).strip().upper() if text else ""

    def keep_choice(self, code: str) -> None:
        """Add ``code`` (an unknown stored value) to this field's choices."""
        choices: list[tuple[str, Any]] = list(cast(Any, self.choices))
        if code and code not in dict(choices):
            self.choices = [*choices, (code, code)]
