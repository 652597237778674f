"""The slots the leads flow's pages offer to later flows' panels (``collab_hub.panels``).

Each is marked in its template with ``{% panels "<slot>" <record> %}``; the record is the
page's deal or company. Leads itself contributes no panels.
"""

from django.utils.translation import gettext_lazy as _

SLOTS = {
    "deal.detail": _(
        "The deal page's main column, after the details (a card or section per panel)."
    ),
    "deal.actions": _("The deal page's actions card: buttons and small forms about the deal."),
    "deal.win": _("The win confirmation page, above the button: warnings about winning this deal."),
    "deal.lose": _(
        "Inside the lose form on its own page, after the missing features: inputs posted "
        "with it (feature_request_ids) and what helps fill it in."
    ),
    "company.detail": _("The company page's main column, after its deals."),
    "company.actions": _("The company page's header actions: buttons about the company."),
}

PANELS: list = []
