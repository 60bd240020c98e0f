"""The ``X-PartnerHub-Queries`` response header: how many SQL statements a request ran.

Installed first in MIDDLEWARE (outermost) only when ``BENCH_ENDPOINTS`` is on, so it
counts what every other middleware, the view and the template run, on every configured
database. It is in the measured path of the benchmark, so it does the least it can: one
execute wrapper per connection and an integer increment per statement. Statements count
as ``CaptureQueriesContext`` counts them (an ``executemany`` is one); the transaction's
BEGIN and COMMIT are not statements the application sends through a cursor and are not
counted. Queries a streaming response runs after the view returned are not seen.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

HEADER = "X-PartnerHub-Queries"


class _Counter:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class QueryCountHeaderMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _Counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        response[HEADER] = str(counter.count)
        return response
