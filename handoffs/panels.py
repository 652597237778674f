"""The handoffs flow's panels on the leads flow's pages (``collab_hub.panels``), registered
by ``HandoffsConfig``: a won deal's handoff (status, CS owner, link) or an expansion deal's
upsell signal (who raised it, the credit split); a customer's health (score, band, note,
history, CS owner, the forms to change them, "Raise a retention demand" when at risk); a
company's upsell signals with "Raise an upsell signal" for CS.

Each ``context`` costs one or two queries, whatever the number of rows it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.policy import can
from collab_hub.panels import Panel
from handoffs.forms.accounts import CsOwnerForm, HealthForm
from handoffs.models import (
    PERCENT_MAX,
    CustomerAccount,
    Handoff,
    HealthBand,
    HealthChange,
    UpsellSignal,
)
from handoffs.selectors import handoffs as selectors
from leads.models import Deal, DealStage

if TYPE_CHECKING:
    from django.http import HttpRequest

HISTORY_SHOWN = 10
SIGNALS_SHOWN = 20


class DealHandoff(Panel):
    """The deal page: the handoff a won deal opened (status, CS owner, link), and for an
    expansion deal opened from an upsell signal, the signal and the credit split."""

    name = "handoffs.deal_handoff"
    slot = "deal.detail"
    permission = "handoffs.view"
    order = 20
    template = "handoffs/panels/deal_handoff.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        membership = getattr(request, "membership", None)
        handoff = (
            Handoff.objects.filter(deal_id=obj.pk).select_related("cs_owner__user").first()
            if obj.stage == DealStage.WON
            else None
        )
        signal = (
            UpsellSignal.objects.filter(deal_id=obj.pk).select_related("raised_by__user").first()
        )
        if handoff is None and signal is None:
            return None
        split = None
        if signal is not None and signal.cs_credit_percent is not None:
            split = {
                "cs": signal.cs_credit_percent,
                "sales": PERCENT_MAX - signal.cs_credit_percent,
            }
        return {
            "handoff": handoff,
            "signal": signal,
            "split": split,
            "can_credit": signal is not None and can(membership, "upsell.answer", signal),
        }


def _is_customer(company: Any) -> bool:
    return Deal.objects.filter(company_id=company.pk, stage=DealStage.WON).exists()


class CompanyHealth(Panel):
    """The company page: the customer's health score with its band, note and history, its
    CS owner; CS sets the score, CS managers change the owner; an at-risk customer offers
    "Raise a retention demand" (the roadmap's form) to who may raise demands."""

    name = "handoffs.company_health"
    slot = "company.detail"
    permission = "health.view"
    order = 5
    template = "handoffs/panels/company_health.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        membership = getattr(request, "membership", None)
        account = (
            CustomerAccount.objects.filter(company_id=obj.pk)
            .select_related("cs_owner__user")
            .first()
        )
        history: list[HealthChange] = []
        if account is not None:
            history = list(
                HealthChange.objects.filter(account_id=account.pk)
                .select_related("by__user")
                .order_by("-at", "-pk")[:HISTORY_SHOWN]
            )
        elif not _is_customer(obj):
            # Not a customer yet (no won deal, no account): nothing for CS to look after.
            return None
        may_set = can(membership, "health.set", obj)
        may_assign = can(membership, "handoffs.assign", obj)
        at_risk = account is not None and account.health_band == HealthBand.RED
        return {
            "company": obj,
            "account": account,
            "history": history,
            "sparkline": _sparkline(history),
            "at_risk": at_risk,
            "can_retention": at_risk and can(membership, "roadmap.demand", obj),
            "health_form": HealthForm(auto_id="health-%s") if may_set else None,
            "owner_form": CsOwnerForm(
                membership=membership,
                initial={"cs_owner": account.cs_owner_id if account else None},
                auto_id="cs-owner-%s",
            )
            if may_assign and membership is not None
            else None,
        }


def _sparkline(history: list[HealthChange]) -> list[dict[str, Any]]:
    """The history oldest first as bars (height = score %), for a tiny inline chart."""
    return [{"score": change.score, "band": change.band} for change in reversed(history)]


class CompanySignals(Panel):
    """The company page: its upsell signals (status, value, link) and, for CS, "Raise an
    upsell signal"."""

    name = "handoffs.company_signals"
    slot = "company.detail"
    permission = "handoffs.view"
    order = 6
    template = "handoffs/panels/company_signals.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        membership = getattr(request, "membership", None)
        signals = list(selectors.signals_of_company(obj)[:SIGNALS_SHOWN])
        may_raise = can(membership, "upsell.raise", obj)
        if not signals and not (may_raise and _is_customer(obj)):
            return None
        return {"signals": signals, "company": obj, "can_raise": may_raise}


PANELS: list[Panel] = [DealHandoff(), CompanyHealth(), CompanySignals()]
