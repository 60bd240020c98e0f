"""Cursor pagination for every list: stable under inserts, no COUNT, no OFFSET scans.

With ``updated_since`` a list is read for incremental sync: it is ordered by
(updated_at, id) whatever ``ordering`` says, and its cursor is a keyset on both values.
DRF's own cursor keeps only the first field and skips ties by an offset, which loses a row
at a page boundary when another row of the same timestamp is updated meanwhile (it moves
to the end and the offset then jumps over an unseen one). A keyset cannot skip: a row
updated while a client pages moves past the cursor and is served again later.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.utils.urls import replace_query_param

SYNC_PARAM = "updated_since"
SYNC_ORDERING = ("updated_at", "id")


class CursorPagination(pagination.CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"
    keyset = False

    def paginate_queryset(self, queryset, request, view=None):  # type: ignore[no-untyped-def]
        self.keyset = SYNC_PARAM in request.query_params and _has_updated_at(queryset)
        if not self.keyset:
            return super().paginate_queryset(queryset, request, view)
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = SYNC_ORDERING
        after = self._decode_keyset(request)
        rows = queryset.order_by(*SYNC_ORDERING)
        if after is not None:
            stamp, pk = after
            rows = rows.filter(Q(updated_at__gt=stamp) | Q(updated_at=stamp, id__gt=pk))
        page = list(rows[: self.page_size + 1])
        self.has_next = len(page) > self.page_size
        self.has_previous = False
        self.page = page[: self.page_size]
        return self.page

    def decode_cursor(self, request):  # type: ignore[no-untyped-def]
        # DRF takes a cursor's position as it comes; on an id ordering a position that is
        # not a whole number would fail the query (a 500): it is an invalid cursor (404).
        cursor = super().decode_cursor(request)
        if (
            cursor is not None
            and cursor.position is not None
            and self.ordering
            and self.ordering[0].lstrip("-") == "id"
            and not _is_id(cursor.position)
        ):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_next_link(self) -> str | None:
        if not self.keyset:
            return super().get_next_link()
        if not self.has_next:
            return None
        last = self.page[-1]
        # A page of model instances, or of ``.values()`` rows (lists built without a
        # serializer per row).
        if isinstance(last, dict):
            stamp, pk = last["updated_at"], last["id"]
        else:
            stamp, pk = last.updated_at, last.pk
        raw = f"{stamp.isoformat()}|{pk}".encode()
        token = base64.urlsafe_b64encode(raw).decode()
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def get_previous_link(self) -> str | None:
        if not self.keyset:
            return super().get_previous_link()
        return None  # a sync pass only moves forward

    def _decode_keyset(self, request) -> tuple[Any, int] | None:  # type: ignore[no-untyped-def]
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None
        try:
            stamp_text, _, pk_text = (
                base64.urlsafe_b64decode(token.encode()).decode().partition("|")
            )
            stamp = parse_datetime(stamp_text)
            pk = int(pk_text)
        except (binascii.Error, UnicodeError, ValueError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if stamp is None or stamp.tzinfo is None or not 0 <= pk < 2**63:
            raise NotFound(self.invalid_cursor_message)
        try:
            # PostgreSQL refuses UTC offsets beyond 16 hours: hand it UTC.
            stamp = stamp.astimezone(dt.UTC)
        except OverflowError as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        return stamp, pk


def _is_id(position: str) -> bool:
    return position.isascii() and position.isdigit() and int(position) < 2**63


def _has_updated_at(queryset: Any) -> bool:
    model = getattr(queryset, "model", None)
    if model is None:
        return False
    return any(field.name == "updated_at" for field in model._meta.concrete_fields)
