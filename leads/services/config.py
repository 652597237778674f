"""The funnel's configuration: ideal-customer tiers and scoring rules (admins).

A change to either re-scores and re-tiers every lead of the organization in the background
(``scoring.scoring_changed``, dispatched when the transaction commits).

Every number here stays within the bounds its model field declares (``leads.models``,
README "Bounds"): ``check_bounds`` refuses anything else with a field message, whoever calls
(API, admin, a task, a command).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.policy import require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import Conflict, DomainError
from collab_hub.notifications.services import record_event
from leads.models import LeadSettings, ScoringField, ScoringOperator, ScoringRule, Tier
from leads.services import scoring
from leads.services.countries import valid_country

if TYPE_CHECKING:
    from accounts.models import Membership

TIER_FIELDS = (
    "rank", "name", "industries", "countries", "min_employees", "max_employees",
    "min_annual_revenue", "acquisition_playbook", "value_proposition", "response_sla_hours",
    "monthly_mql_target_per_rep",
)  # fmt: skip
RULE_FIELDS = ("field", "operator", "value", "points", "is_active")
NUMERIC_FIELDS = (ScoringField.EMPLOYEES, ScoringField.ANNUAL_REVENUE)


# --- Bounds ---------------------------------------------------------------------------------


def check_bounds(instance: models.Model, fields: Iterable[str]) -> None:
    """Refuse a number of ``instance`` outside the bounds its model field declares.

    Checks each of ``fields`` that is an integer or decimal field and not empty, with the
    field's own validators (minimum, maximum, digits), after converting the value as the
    field would (a task may pass "12"). Raises ``DomainError`` (400, code ``out_of_range``,
    or ``invalid`` for what is not a number) naming the field; sets nothing else."""
    for name in fields:
        field = instance._meta.get_field(name)
        if not isinstance(field, models.IntegerField | models.DecimalField):
            continue
        value = getattr(instance, field.attname)
        if value is None:
            continue
        try:
            value = field.to_python(value)
        except ValidationError as error:
            raise DomainError(error.messages[0], code="invalid", field=name) from None
        try:
            field.run_validators(value)
        except ValidationError as error:
            raise DomainError(error.messages[0], code="out_of_range", field=name) from None
        setattr(instance, field.attname, value)


# --- Tiers ----------------------------------------------------------------------------------


def _check_tier(tier: Tier) -> None:
    clash = Tier.objects.for_org(tier.organization_id).filter(rank=tier.rank).exclude(pk=tier.pk)
    if clash.exists():
        raise Conflict(
            _("Another tier already has rank %(rank)s.") % {"rank": tier.rank},
            code="duplicate_rank",
        )
    if (
        tier.min_employees is not None
        and tier.max_employees is not None
        and tier.min_employees > tier.max_employees
    ):
        raise DomainError(
            _("The maximum number of employees must not be below the minimum."),
            code="invalid_employee_range",
        )
    tier.industries = [str(i).strip() for i in tier.industries or [] if str(i).strip()]
    tier.countries = [
        valid_country(str(c), field="countries") for c in tier.countries or [] if str(c).strip()
    ]


def _tier_event(by: Membership, verb: str, tier: Tier, **payload: Any) -> None:
    record_event(
        organization=by.organization,
        actor=by,
        verb=verb,
        target=tier,
        payload={"rank": tier.rank, **payload},
    )


@transaction.atomic
def create_tier(*, by: Membership, data: dict[str, Any]) -> Tier:
    """Add an ideal-customer tier (needs ``tiers.manage``: admins). Ranks are unique per
    organization (``Conflict`` otherwise). Every lead is re-tiered after commit; emits
    ``tier.created``."""
    require(by, "tiers.manage")
    tier = Tier(
        organization=by.organization,
        **{key: value for key, value in data.items() if key in TIER_FIELDS},
    )
    check_bounds(tier, TIER_FIELDS)
    _check_tier(tier)
    tier.save()
    _tier_event(by, "tier.created", tier)
    scoring.scoring_changed(organization_id=tier.organization_id)
    return tier


@transaction.atomic
def update_tier(*, by: Membership, tier: Tier, data: dict[str, Any]) -> Tier:
    """Change a tier's criteria, texts or SLA (``tiers.manage``). Every lead is re-tiered
    after commit when anything changed; emits ``tier.updated`` with the changed fields."""
    require(by, "tiers.manage", tier)
    tier = Tier.objects.select_for_update().get(pk=tier.pk)
    changed = apply_changes(tier, data, TIER_FIELDS)
    # Only what changes: a row saved before the bounds stays editable in its other fields.
    check_bounds(tier, changed)
    _check_tier(tier)
    if changed:
        tier.save()
        _tier_event(by, "tier.updated", tier, fields=sorted(changed))
        scoring.scoring_changed(organization_id=tier.organization_id)
    return tier


@transaction.atomic
def delete_tier(*, by: Membership, tier: Tier) -> None:
    """Remove a tier no lead has (``tiers.manage``); a tier in use is a ``Conflict``
    (``tier_in_use``): change its criteria so no lead matches, or keep it. Emits
    ``tier.deleted``; leads are re-tiered after commit."""
    require(by, "tiers.manage", tier)
    tier = Tier.objects.select_for_update().get(pk=tier.pk)
    if tier.leads.exists():
        raise Conflict(
            _("Leads have this tier; it cannot be removed while they do."), code="tier_in_use"
        )
    _tier_event(by, "tier.deleted", tier, name=tier.name)
    organization_id = tier.organization_id
    tier.delete()
    scoring.scoring_changed(organization_id=organization_id)


# --- Scoring rules --------------------------------------------------------------------------


def check_rule(field: str, operator: str, value: str) -> dict[str, str]:
    """Why a rule would not make sense, per field name (empty when it is fine): the same
    checks as ``ScoringRule.clean``, plus finite numbers for numeric comparisons."""
    errors: dict[str, str] = {}
    if field not in ScoringField.values:
        errors["field"] = _("Choose a lead field.")
    if operator not in ScoringOperator.values:
        errors["operator"] = _("Choose an operator.")
    if errors:
        return errors
    numeric = field in NUMERIC_FIELDS
    if operator in (ScoringOperator.GTE, ScoringOperator.LTE) and not numeric:
        errors["operator"] = _("At least / at most only apply to numeric fields.")
    elif numeric and operator in (ScoringOperator.GTE, ScoringOperator.LTE, ScoringOperator.EQ):
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            errors["value"] = _("Enter a number.")
    if not str(value).strip():
        errors["value"] = _("Enter a value.")
    return errors


def _check_rule(rule: ScoringRule) -> None:
    errors = check_rule(rule.field, rule.operator, rule.value)
    if errors:
        raise DomainError(" ".join(errors.values()), code="invalid_rule")
    rule.value = rule.value.strip()


def _rule_event(by: Membership, verb: str, rule: ScoringRule, **payload: Any) -> None:
    record_event(
        organization=by.organization,
        actor=by,
        verb=verb,
        target=rule,
        payload={"points": rule.points, **payload},
    )


@transaction.atomic
def create_scoring_rule(*, by: Membership, data: dict[str, Any]) -> ScoringRule:
    """Add a scoring rule (``scoring.manage``: admins); every lead is re-scored after
    commit. Emits ``scoring_rule.created``."""
    require(by, "scoring.manage")
    rule = ScoringRule(
        organization=by.organization,
        **{key: value for key, value in data.items() if key in RULE_FIELDS},
    )
    check_bounds(rule, RULE_FIELDS)
    _check_rule(rule)
    rule.save()
    _rule_event(by, "scoring_rule.created", rule)
    scoring.scoring_changed(organization_id=rule.organization_id)
    return rule


@transaction.atomic
def update_scoring_rule(*, by: Membership, rule: ScoringRule, data: dict[str, Any]) -> ScoringRule:
    """Change a rule (``scoring.manage``); leads are re-scored after commit when anything
    changed. Emits ``scoring_rule.updated`` with the changed fields."""
    require(by, "scoring.manage", rule)
    rule = ScoringRule.objects.select_for_update().get(pk=rule.pk)
    changed = apply_changes(rule, data, RULE_FIELDS)
    check_bounds(rule, changed)
    _check_rule(rule)
    if changed:
        rule.save()
        _rule_event(by, "scoring_rule.updated", rule, fields=sorted(changed))
        scoring.scoring_changed(organization_id=rule.organization_id)
    return rule


@transaction.atomic
def deactivate_scoring_rule(*, by: Membership, rule: ScoringRule) -> ScoringRule:
    """Switch a rule off instead of deleting it (its history stays readable); leads are
    re-scored after commit. Already inactive: nothing happens. Emits
    ``scoring_rule.deactivated``."""
    require(by, "scoring.manage", rule)
    rule = ScoringRule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active:
        rule.is_active = False
        rule.save(update_fields=["is_active", "updated_at"])
        _rule_event(by, "scoring_rule.deactivated", rule)
        scoring.scoring_changed(organization_id=rule.organization_id)
    return rule


# --- Lead settings --------------------------------------------------------------------------

SETTINGS_FIELDS = ("mql_threshold", "auto_qualify", "complaint_response_days")


@transaction.atomic
def update_lead_settings(*, by: Membership, data: dict[str, Any]) -> LeadSettings:
    """Change the organization's MQL threshold, automatic qualification or the days marketing
    has to answer a quality complaint (``lead_settings.manage``: admins). The row is created
    on first use. Out-of-range values are a ``DomainError``; emits ``lead_settings.updated``
    with the changes when anything changed. Applies to what happens next: existing leads and
    open complaints keep their state."""
    require(by, "lead_settings.manage")
    current = scoring.lead_settings(by.organization)
    settings = LeadSettings.objects.select_for_update().get(pk=current.pk)
    changes = apply_changes(settings, data, SETTINGS_FIELDS)
    # A threshold no score can reach, or no time to answer, is a typo (README "Bounds").
    check_bounds(settings, changes)
    if changes:
        settings.save()
        record_event(
            organization=by.organization,
            actor=by,
            verb="lead_settings.updated",
            target=settings,
            payload={"changes": changes},
        )
    return settings
