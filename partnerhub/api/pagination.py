"""Cursor pagination for every list: stable under inserts, no COUNT, no OFFSET scans."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"
