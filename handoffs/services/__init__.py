"""State changes of the sales ↔ customer-success flow (DESIGN §3.3): every one checks the
policy first, runs in a transaction and records its event.

* ``handoffs.services.handoffs`` — opening a handoff on a won deal, the package, checklist,
  stakeholders, the status machine, promise sign-off, discrepancies, the acceptance SLA;
* ``handoffs.services.upsell`` — upsell signals: raising, routing, accepting (the expansion
  deal and its credit split), dismissing, the answer window;
* ``handoffs.services.accounts`` — the organization's settings, a customer's CS owner and
  health score.
"""
