"""Read queries of the leads flow, shared by pages, the API, reports and metrics."""
