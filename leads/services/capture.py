"""Public lead capture (a website form posting to ``/api/v1/capture/<capture_key>/``) and
the ``Idempotency-Key`` machinery that makes its retries safe.

Idempotency follows draft-ietf-httpapi-idempotency-key-header: a key is scoped to the
organization; the first request with a key is processed and its response (status and body)
stored; a retry with the same key and the same body gets that stored response however many
times it comes; the same key with a different body is refused (422); the same key while the
first request is still being processed is refused (409). Keys are kept for at least
``KEY_RETENTION`` (24 hours) and deleted by a beat job after ``KEY_EXPIRY`` (48 hours).

The in-flight detection is the unique constraint on (organization, key): the record is
inserted first, in its own committed transaction, so a concurrent retry's insert fails and
finds the record still without a response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import IdempotencyRecord, Organization
from collab_hub.exceptions import DomainError
from leads.models import Campaign, Lead, LeadSource
from leads.services import lifecycle
from leads.services.countries import clean_country, country_code

# The draft asks servers to publish how long a key is honoured: at least this long.
KEY_RETENTION = timedelta(hours=24)
# Records older than this are deleted by the beat job (and may be reused after that).
KEY_EXPIRY = timedelta(hours=48)
# A record still without a response after this long belongs to a request whose process died
# between the insert and the answer; a retry may then take the key over.
STALE_IN_FLIGHT = timedelta(minutes=2)
MAX_KEY_LENGTH = 255

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
        return value.strip().lower()

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
    data["email"] = data["email"].strip().lower()
    data.setdefault("source", LeadSource.WEBSITE)
    lead = _existing_lead(organization, data["email"])
    if lead is None:
        try:
            with transaction.atomic():
                return lifecycle.create_lead(organization=organization, data=data, by=None), True
        except IntegrityError:
            # A concurrent request created the same email first (we waited on its commit).
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


# --- Idempotency-Key -----------------------------------------------------------------------


class IdempotencyKeyInvalid(DomainError):
    """The ``Idempotency-Key`` header is not a usable string (400)."""

    default_code = "idempotency_key_invalid"


class IdempotencyKeyReused(DomainError):
    """The key was used before with a different request body (422)."""

    status_code = 422
    default_code = "idempotency_key_reused"


class IdempotencyRequestInFlight(DomainError):
    """A request with this key is still being processed (409)."""

    status_code = 409
    default_code = "idempotency_request_in_flight"


def parse_idempotency_key(raw: str | None) -> str | None:
    """The key of an ``Idempotency-Key`` header, or None when absent.

    The draft defines the field as a Structured Field String (``"8e03978e-…"``, RFC 8941);
    the quoted form is unquoted here, and a bare value is accepted as well, as most clients
    send it that way. Raises ``IdempotencyKeyInvalid`` for an empty, over-long or
    non-printable key.
    """
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        inner = value[1:-1]
        key, escaped = [], False
        for char in inner:
            if escaped:
                if char not in '"\\':
                    raise IdempotencyKeyInvalid(_("The Idempotency-Key is not a valid string."))
                key.append(char)
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                raise IdempotencyKeyInvalid(_("The Idempotency-Key is not a valid string."))
            else:
                key.append(char)
        if escaped:
            raise IdempotencyKeyInvalid(_("The Idempotency-Key is not a valid string."))
        value = "".join(key)
    if not value:
        raise IdempotencyKeyInvalid(_("The Idempotency-Key must not be empty."))
    if len(value) > MAX_KEY_LENGTH:
        raise IdempotencyKeyInvalid(
            _("The Idempotency-Key must be at most %(max)d characters.") % {"max": MAX_KEY_LENGTH}
        )
    if not all(" " <= char <= "~" for char in value):
        raise IdempotencyKeyInvalid(
            _("The Idempotency-Key may only contain printable ASCII characters.")
        )
    return value


def plain_body(data: Any) -> Any:
    """A request's parsed body as plain JSON data: form bodies (``QueryDict``) become a dict of
    strings (a list where a field repeats); JSON bodies stay as they are."""
    if hasattr(data, "lists"):
        return {key: values[0] if len(values) == 1 else values for key, values in data.lists()}
    return data


def request_fingerprint(data: Any) -> str:
    """SHA-256 of the canonical form of a parsed body (sorted keys, no insignificant
    whitespace): the same fields and values give the same fingerprint however they were
    spelled on the wire (JSON spacing, key order, form encoding)."""
    canonical = json.dumps(
        plain_body(data),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        # A file in a multipart body counts by its name (the serializer refuses it anyway).
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    replayed: bool


def _claim(
    organization: Organization, key: str, fingerprint: str
) -> IdempotencyRecord | StoredResponse:
    """Insert the key's record in its own transaction (the request is now in flight), or
    answer from the record a previous request left."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    organization=organization, scope="capture", key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            pass
        record = (
            IdempotencyRecord.objects.for_org(organization).filter(scope="capture", key=key).first()
        )
        if record is None:
            # The first request crashed and gave its key back meanwhile: claim it again.
            continue
        now = timezone.now()
        if record.created_at < now - KEY_EXPIRY:
            # Expired but not swept yet: the key may be used afresh.
            IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            continue
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                _(
                    "This Idempotency-Key was already used with a different request body. "
                    "Use a new key for a new request."
                )
            )
        # A record is completed with its status in one update (see ``run_idempotently``).
        if record.completed_at is None or record.response_status is None:
            if record.created_at < now - STALE_IN_FLIGHT:
                # Its process died before answering; conditional, so one retry takes over.
                IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
                continue
            raise IdempotencyRequestInFlight(
                _(
                    "A request with this Idempotency-Key is still being processed. "
                    "Retry in a moment."
                )
            )
        return StoredResponse(record.response_status, record.response_body, replayed=True)
    raise IdempotencyRequestInFlight(
        _("A request with this Idempotency-Key is still being processed. Retry in a moment.")
    )


def run_idempotently(
    *,
    organization: Organization,
    key: str,
    fingerprint: str,
    work: Callable[[], tuple[int, Any]],
) -> StoredResponse:
    """Run ``work`` (returning ``(status, JSON body)``) at most once per ``key`` within
    ``organization``, and answer every retry with the first answer.

    Precondition: called outside a transaction (the claim must commit on its own to be seen
    by concurrent retries). Raises ``IdempotencyKeyReused`` (422) when the key was used with
    another ``fingerprint``, ``IdempotencyRequestInFlight`` (409) while the first request
    runs. ``work``'s answer — a success or a validation error — is stored in the same
    transaction as its effects. When ``work`` raises, nothing of it is kept and the key is
    released, so a retry runs it again.
    """
    claimed = _claim(organization, key, fingerprint)
    if isinstance(claimed, StoredResponse):
        return claimed
    try:
        with transaction.atomic():
            status, body = work()
            body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            IdempotencyRecord.objects.filter(pk=claimed.pk).update(
                response_status=status, response_body=body, completed_at=timezone.now()
            )
    except BaseException:
        IdempotencyRecord.objects.filter(pk=claimed.pk, completed_at__isnull=True).delete()
        raise
    return StoredResponse(status, body, replayed=False)


def delete_expired_idempotency_records(*, now: Any = None) -> int:
    """Delete idempotency records older than ``KEY_EXPIRY`` (48 hours), every organization.
    Returns how many were deleted. Keys are honoured for at least ``KEY_RETENTION``. Run
    hourly by the beat job ``leads.tasks.delete_expired_idempotency_keys``."""
    cutoff = (now or timezone.now()) - KEY_EXPIRY
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
