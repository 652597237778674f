"""Money and numbers follow the active language (Babel/CLDR conventions)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from collab_hub.dashboard.templatetags.formatting import money, number

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "€1,234.50"), ("pl", f"1{NBSP}234,50{NBSP}€")],
)
def test_money_in_the_active_language(language, expected):
    with translation.override(language):
        assert money(Decimal("1234.5"), "EUR") == expected


def test_money_uses_the_organizations_currency():
    with translation.override("en"):
        assert money(99, "USD") == "$99.00"
    with translation.override("pl"):
        assert money(99, "PLN") == f"99,00{NBSP}zł"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1,234,567.891"), ("pl", f"1{NBSP}234{NBSP}567,891")],
)
def test_number_in_the_active_language(language, expected):
    with translation.override(language):
        assert number("1234567.891") == expected


def test_number_rounds_to_the_requested_decimals():
    with translation.override("pl"):
        assert number(Decimal("0.456"), 1) == "0,5"
    with translation.override("en"):
        assert number(1234.4, 0) == "1,234"


def test_empty_or_garbage_values_render_as_nothing():
    assert money(None, "EUR") == ""
    assert money("", "EUR") == ""
    assert number("n/a") == ""


def test_filters_work_in_templates():
    template = Template("{% load formatting %}{{ amount|money:currency }} · {{ count|number }}")

    with translation.override("pl"):
        rendered = template.render(Context({"amount": 1500, "currency": "EUR", "count": 25000}))

    assert rendered == f"1{NBSP}500,00{NBSP}€ · 25{NBSP}000"
