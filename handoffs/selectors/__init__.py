"""Read queries of the sales ↔ customer-success flow, shared by pages, API, home items and
metrics: ``handoffs.selectors.handoffs`` (lists, the promises-and-status panel),
``handoffs.selectors.reports`` (surprise rate, upsell conversion)."""
