"""Lead score and tier: pure rules over a lead's fields, recomputed on every change."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from leads.models import (
    SCORE_MAX,
    SCORE_MIN,
    Lead,
    LeadSettings,
    ScoringOperator,
    ScoringRule,
    Tier,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import Organization

NUMERIC_FIELDS = ("employees", "annual_revenue")
# Leads re-scored per chunk (one SELECT, then the UPDATEs of its changed rows) when tiers or
# rules change.
RESCORE_CHUNK = 2000
# Seconds a re-scoring run goes on with the rules and tiers it read before reading them again.
RULES_MAX_AGE = 1.0


def lead_settings(organization: Organization | int) -> LeadSettings:
    """The organization's lead settings, created with defaults on first use."""
    org_id = organization if isinstance(organization, int) else organization.pk
    settings, _created = LeadSettings.objects.get_or_create(organization_id=org_id)
    return settings


def _number(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def rule_matches(rule: ScoringRule, lead: Lead) -> bool:
    """Whether ``lead`` satisfies ``rule``. Text compares case-insensitively; an empty lead
    field matches nothing."""
    actual = getattr(lead, rule.field, None)
    if actual is None or actual == "":
        return False
    if rule.operator in (ScoringOperator.GTE, ScoringOperator.LTE):
        number, threshold = _number(actual), _number(rule.value)
        if number is None or threshold is None:
            return False
        return number >= threshold if rule.operator == ScoringOperator.GTE else number <= threshold
    text = str(actual).strip().lower()
    wanted = rule.value.strip().lower()
    if rule.operator == ScoringOperator.EQ:
        if rule.field in NUMERIC_FIELDS:
            return _number(actual) == _number(rule.value)
        return text == wanted
    if rule.operator == ScoringOperator.IN:
        return text in {item.strip() for item in wanted.split(",") if item.strip()}
    if rule.operator == ScoringOperator.CONTAINS:
        return bool(wanted) and wanted in text
    return False


def compute_score(lead: Lead, rules: Iterable[ScoringRule]) -> int:
    """The sum of the points of the active ``rules`` that ``lead`` meets, clamped to
    ``SCORE_MIN``..``SCORE_MAX``: however many rules match, the score fits its column."""
    total = sum(rule.points for rule in rules if rule.is_active and rule_matches(rule, lead))
    return max(SCORE_MIN, min(SCORE_MAX, total))


def tier_matches(tier: Tier, lead: Lead) -> bool:
    """A criterion left empty matches every lead; a set criterion needs the lead's value."""
    if tier.industries:
        wanted = {str(i).strip().lower() for i in tier.industries}
        if (lead.industry or "").strip().lower() not in wanted:
            return False
    if tier.countries:
        wanted = {str(c).strip().upper() for c in tier.countries}
        if (lead.country or "").strip().upper() not in wanted:
            return False
    if tier.min_employees is not None or tier.max_employees is not None:
        if lead.employees is None:
            return False
        if tier.min_employees is not None and lead.employees < tier.min_employees:
            return False
        if tier.max_employees is not None and lead.employees > tier.max_employees:
            return False
    if tier.min_annual_revenue is not None:
        revenue = _number(lead.annual_revenue)
        if revenue is None or revenue < tier.min_annual_revenue:
            return False
    return True


def best_tier(lead: Lead, tiers: Sequence[Tier]) -> Tier | None:
    """The best-ranked (lowest rank) tier whose criteria ``lead`` meets, or None."""
    for tier in sorted(tiers, key=lambda t: t.rank):
        if tier_matches(tier, lead):
            return tier
    return None


class Scorer:
    """Loads an organization's rules and tiers once, then scores any number of leads."""

    def __init__(self, organization_id: int):
        self.rules = list(
            ScoringRule.objects.filter(organization_id=organization_id, is_active=True)
        )
        self.tiers = list(Tier.objects.filter(organization_id=organization_id).order_by("rank"))

    def apply(self, lead: Lead) -> bool:
        """Set ``lead.score`` and ``lead.tier``; True when either changed (nothing saved)."""
        score = compute_score(lead, self.rules)
        tier = best_tier(lead, self.tiers)
        changed = score != lead.score or (tier.pk if tier else None) != lead.tier_id
        lead.score = score
        lead.tier = tier
        return changed


def rescore_organization(
    *, organization_id: int, after_pk: int = 0, scorer: Scorer | None = None
) -> int | None:
    """Re-score and re-tier one chunk of the organization's leads with primary key above
    ``after_pk``, with ``scorer`` (the organization's current rules and tiers when None).
    Returns the last primary key handled (call again from there), or None when done. Only
    changed rows are written: one UPDATE per distinct new (score, tier) in the chunk."""
    scorer = scorer or Scorer(organization_id)
    leads = list(
        Lead.objects.filter(organization_id=organization_id, pk__gt=after_pk)
        .only(
            "pk",
            "email",
            "company_name",
            "title",
            "industry",
            "country",
            "employees",
            "annual_revenue",
            "source",
            "score",
            "tier_id",
        )
        .order_by("pk")[:RESCORE_CHUNK]
    )
    if not leads:
        return None
    # Leads sharing a new score and tier are written by one UPDATE: a chunk takes as many
    # statements as it has distinct outcomes (usually a handful), with no per-lead CASE arm.
    changed: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    for lead in leads:
        if scorer.apply(lead):
            changed[(lead.score, lead.tier_id)].append(lead.pk)
    for (score, tier_id), pks in changed.items():
        # ``update()`` skips auto_now: stamp it, so an incremental sync sees the new score.
        Lead.objects.filter(pk__in=pks).update(
            score=score, tier_id=tier_id, updated_at=timezone.now()
        )
    return leads[-1].pk


def rescore_all_leads(*, organization_id: int, after_pk: int = 0) -> int:
    """Re-score and re-tier every lead of the organization with primary key above
    ``after_pk``, in one loop: keyset pagination over primary keys, ``RESCORE_CHUNK`` leads a
    chunk, each chunk one SELECT and an UPDATE per distinct outcome of its changed rows
    (``rescore_organization``). Idempotent: a second run writes nothing. Returns the chunks
    handled."""
    scorer, loaded_at = Scorer(organization_id), time.monotonic()
    chunks, last = 0, after_pk
    while True:
        # A change made during a long run applies to the rest of it, so the run queued by that
        # change is not undone by this one writing the old scores behind it.
        if time.monotonic() - loaded_at > RULES_MAX_AGE:
            scorer, loaded_at = Scorer(organization_id), time.monotonic()
        handled = rescore_organization(
            organization_id=organization_id, after_pk=last, scorer=scorer
        )
        if handled is None:
            return chunks
        chunks, last = chunks + 1, handled


def scoring_changed(*, organization_id: int) -> None:
    """Tiers or scoring rules changed: re-score every lead of the organization in the
    background, once the change is committed."""
    from leads.tasks import rescore_leads

    transaction.on_commit(lambda: rescore_leads.delay(organization_id))


def leads_matching(tier: Tier) -> QuerySet[Lead]:
    """Leads of the tier's organization that meet its criteria, as one SQL query (the same
    rules as ``tier_matches``, whatever tier they currently have)."""
    from django.db.models.functions import Lower, Upper

    qs: QuerySet[Lead] = Lead.objects.for_org(tier.organization_id)
    if tier.industries:
        qs = qs.annotate(_industry=Lower("industry")).filter(
            _industry__in=[str(i).strip().lower() for i in tier.industries]
        )
    if tier.countries:
        qs = qs.annotate(_country=Upper("country")).filter(
            _country__in=[str(c).strip().upper() for c in tier.countries]
        )
    if tier.min_employees is not None:
        qs = qs.filter(employees__gte=tier.min_employees)
    if tier.max_employees is not None:
        qs = qs.filter(employees__lte=tier.max_employees)
    if tier.min_annual_revenue is not None:
        qs = qs.filter(annual_revenue__gte=tier.min_annual_revenue)
    return qs
