"""The one email rule for leads, used by every path that writes a lead's email.

The lead form, ``POST /leads/``, capture, upsert/batch, the CSV import and a deal's
contact all accept and refuse the same addresses: Django's ``EmailValidator`` (the rule
behind the model's ``EmailField``, the forms' ``EmailField`` and DRF's ``EmailField``:
an ASCII local part, a domain name or IP literal) and at most ``MAX_LENGTH`` characters
(the column's length). The address is stored stripped and lower-cased, so two spellings
of one address are one lead.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from collab_hub.exceptions import DomainError

# ``Lead.email`` / ``Contact.email`` are ``EmailField``s of Django's default length.
MAX_LENGTH = 254

_validator = EmailValidator()


def clean_lead_email(value: object) -> str:
    """``value`` stripped and lower-cased when it is a valid email address.

    Raises ``DomainError(code="invalid_email", field="email")`` for anything else: not a
    string, empty, longer than ``MAX_LENGTH``, or not an address by ``EmailValidator``.
    """
    if not isinstance(value, str):
        raise DomainError(_("Enter a valid email address."), code="invalid_email", field="email")
    email = value.strip().lower()
    if not email:
        raise DomainError(_("An email address is required."), code="invalid_email", field="email")
    if len(email) > MAX_LENGTH:
        raise DomainError(
            _("An email address has at most %(limit)d characters.") % {"limit": MAX_LENGTH},
            code="invalid_email",
            field="email",
        )
    try:
        _validator(email)
    except ValidationError:
        raise DomainError(
            _("Enter a valid email address."), code="invalid_email", field="email"
        ) from None
    return email


def is_valid_lead_email(value: object) -> bool:
    """Whether ``clean_lead_email`` accepts ``value``."""
    try:
        clean_lead_email(value)
    except DomainError:
        return False
    return True
