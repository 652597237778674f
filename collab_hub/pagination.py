"""API list pagination (DESIGN §4)."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages however deep (``results``, ``next``, ``previous``); 50 rows, up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"
