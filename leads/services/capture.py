"""Public lead capture (a website form posting to ``/api/v1/capture/<capture_key>/``).

Its retries are made safe by ``Idempotency-Key`` (``collab_hub.idempotency``, the scope
``capture`` of the organization): the view runs ``capture_lead`` through it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Organization
from collab_hub.exceptions import DomainError
from leads.models import Campaign, Lead, LeadSource
from leads.services import lifecycle
from leads.services.countries import clean_country, country_code
from leads.services.emails import clean_lead_email

# Lead fields a capture may fill on an existing lead when they are still empty there.
FILLABLE_FIELDS = tuple(field for field in lifecycle.EDITABLE_FIELDS if field != "email")


# --- Validation shape shared by capture and CSV import -----------------------------------


class LeadDataSerializer(serializers.ModelSerializer[Lead]):
    """The lead fields an outside party (a website form, a CSV row) may send, with the
    model's own rules (lengths, email syntax, non-negative headcount, money digits)."""

    class Meta:
        model = Lead
        fields = [field for field in lifecycle.EDITABLE_FIELDS if field != "campaign"]
        # De-duplication by email is the service's job, not a validation error.
        validators: list[Any] = []

    def to_internal_value(self, data: Any) -> Any:
        country = data.get("country") if hasattr(data, "get") else None
        if isinstance(country, str):
            data = {key: data[key] for key in data}
            data["country"] = country_code(country)
        return super().to_internal_value(data)

    def validate_email(self, value: str) -> str:
        # The one email rule (``leads.services.emails``), as a field error of this shape.
        try:
            return clean_lead_email(value)
        except DomainError as error:
            raise serializers.ValidationError(str(error.message)) from None

    def validate_country(self, value: str) -> str:
        try:
            return clean_country(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class CaptureSerializer(LeadDataSerializer):
    """A capture form's body: ``email`` required, every other lead field optional;
    ``campaign`` is a campaign id of the organization; ``source`` defaults to ``website``."""

    campaign = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Id of one of the organization's campaigns."),
    )
    # A declared field named like ``Field.source`` (the attribute the stubs type as a str):
    # the serializer's metaclass takes it out of the class, so nothing is shadowed.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=LeadSource.choices, required=False, default=LeadSource.WEBSITE
    )

    class Meta(LeadDataSerializer.Meta):
        fields = list(lifecycle.EDITABLE_FIELDS)

    def validate_campaign(self, value: int | None) -> Campaign | None:
        if value is None:
            return None
        campaign = Campaign.objects.for_org(self.context["organization"]).filter(pk=value).first()
        if campaign is None:
            raise serializers.ValidationError(_("No such campaign."))
        return campaign

    def to_internal_value(self, data: Any) -> Any:
        # Plain HTML forms send "" for every field left empty; for the optional numbers and
        # the campaign that means "not given", as it does for the text fields.
        if hasattr(data, "items"):
            data = {
                key: value
                for key, value in data.items()
                if not (key in ("employees", "annual_revenue", "campaign") and value == "")
            }
        return super().to_internal_value(data)


# --- Capture -------------------------------------------------------------------------------


def organization_for_capture_key(capture_key: str) -> Organization | None:
    """The organization whose public capture URL carries ``capture_key``, or None."""
    if not capture_key or len(capture_key) > 64:
        return None
    return Organization.objects.filter(capture_key=capture_key).first()


def _existing_lead(organization: Organization, email: str) -> Lead | None:
    return (
        Lead.objects.for_org(organization)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower=email.lower())
        .first()
    )


@transaction.atomic
def capture_lead(*, organization: Organization, data: dict[str, Any]) -> tuple[Lead, bool]:
    """Record a lead captured by the organization's public form. Returns ``(lead, created)``.

    ``data`` is validated (``CaptureSerializer``). The email de-duplicates within the
    organization: a new email creates a lead through ``lifecycle.create_lead`` (scored,
    tiered, auto-qualified when the organization does that; ``lead.created`` event); a known
    email keeps the existing lead and only fills its fields that are still empty (through
    ``lifecycle.update_lead``, ``lead.updated`` event) — a public form never overwrites what
    marketing or sales already know. Two concurrent captures of one new email make one lead:
    the loser of the unique constraint ``lead_email_unique_per_org`` takes the winner's lead.
    """
    data = {key: value for key, value in data.items() if key in lifecycle.EDITABLE_FIELDS}
    data["email"] = clean_lead_email(data.get("email"))
    data.setdefault("source", LeadSource.WEBSITE)
    lead = _existing_lead(organization, data["email"])
    if lead is None:
        try:
            with transaction.atomic():
                return lifecycle.create_lead(organization=organization, data=data, by=None), True
        except (IntegrityError, DomainError) as error:
            # A concurrent request created the same email first: its insert won the unique
            # constraint (we waited on its commit), or committed before our duplicate check.
            if isinstance(error, DomainError) and error.code != "duplicate":
                raise
            lead = _existing_lead(organization, data["email"])
            if lead is None:
                raise
    blanks = {
        field: value
        for field, value in data.items()
        if field in FILLABLE_FIELDS
        and value not in (None, "")
        and getattr(lead, field) in (None, "")
    }
    if blanks:
        lead = lifecycle.update_lead(by=None, lead=lead, data=blanks)
    return lead, False
