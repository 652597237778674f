"""The sales ↔ customer-success flow's API (DESIGN §4). Each module lists its viewsets in
``ROUTES`` (prefix, viewset, basename) and its nested lists in ``URLS``; ``HandoffsConfig``
mounts them under ``/api/v1/`` through ``collab_hub.api.register_api``.

* ``handoffs/`` (+ ``submit/``, ``accept/``, ``return/``, ``start-onboarding/``,
  ``go-live/``), ``handoffs/<id>/discrepancies/``, ``…/checklist/``, ``…/stakeholders/``,
  ``…/promise-signoffs/`` and ``discrepancies/`` (+ ``answer/``, ``resolve/``) —
  ``handoffs.api.handoffs``;
* ``upsell-signals/`` (+ ``accept/``, ``dismiss/``, ``credit-split/``) —
  ``handoffs.api.upsell``;
* ``companies/<id>/health/`` and ``companies/<id>/cs-owner/`` — ``handoffs.api.accounts``;
* the reports (surprise rate, upsell conversion) — ``handoffs.api.reports``.
"""

from handoffs.api import accounts, handoffs, reports, upsell

MODULES = [handoffs, upsell, accounts, reports]

ROUTES = [route for module in MODULES for route in module.ROUTES]
URLS = [pattern for module in MODULES for pattern in module.URLS]
