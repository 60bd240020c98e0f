"""The API's JSON renderer gives DRF's bytes, encoded by orjson."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections import OrderedDict

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from partnerhub.api.renderers import FastJSONRenderer

UTC = datetime.UTC
CASES = [
    None,
    {},
    [],
    {"a": 1, "b": [1, 2, {"c": None}], "d": True, "e": False},
    {"text": 'Zürich — 東京 \u2028 line \u2029 para "quoted" \\ back \n new \t tab \x01'},
    {"emoji": "🙂", "control": "\x00\x1f", "html": "<script>&amp;</script>"},
    {"when": datetime.datetime(2026, 11, 27, 7, 5, 3, 120000, tzinfo=UTC)},
    {"when": datetime.datetime(2026, 11, 27, 7, 5, 3, tzinfo=UTC)},
    {
        "when": datetime.datetime(
            2026, 11, 27, 7, 5, 3, tzinfo=datetime.timezone(datetime.timedelta(hours=13))
        )
    },
    {"naive": datetime.datetime(2026, 1, 2, 3, 4, 5, 6)},
    {"day": datetime.date(2026, 2, 28), "time": datetime.time(9, 30, 1, 500)},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"lazy": gettext_lazy("Not found.")},
    {1: "int key", 2: "another"},
    {"floats": [0.1, 1.5, -2.25, 3.0, 1234.5678]},
    {"big": 2**63 + 5},
    OrderedDict([("z", 1), ("a", 2)]),
    ReturnDict({"serializer": "data"}, serializer=None),
    ReturnList([{"row": 1}, {"row": 2}], serializer=None),
    {"results": [{"id": i, "value": f"{i}.00", "note": "x" * (i % 7)} for i in range(500)]},
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_same_bytes_as_drf(data) -> None:  # type: ignore[no-untyped-def]
    assert FastJSONRenderer().render(data, "application/json") == JSONRenderer().render(
        data, "application/json"
    )


def test_numbers_in_exponent_form_are_the_same_numbers() -> None:
    # orjson spells 1e-06 as 1e-6: the same number, not the same bytes.
    data = {"amount": decimal.Decimal("12.50"), "tiny": decimal.Decimal("0.000001"), "f": 1e-7}
    fast = FastJSONRenderer().render(data, "application/json")
    assert json.loads(fast) == json.loads(JSONRenderer().render(data, "application/json"))
    assert json.loads(fast) == {"amount": 12.5, "tiny": 0.000001, "f": 1e-7}


def test_indented_output_on_request_is_drf_own() -> None:
    data = {"a": [1, 2]}
    expected = JSONRenderer().render(data, "application/json; indent=2")
    assert FastJSONRenderer().render(data, "application/json; indent=2") == expected
    assert b"\n" in expected


def test_line_separators_are_escaped_as_drf_does() -> None:
    body = FastJSONRenderer().render({"t": "a\u2028b\u2029c"}, "application/json")
    assert body == b'{"t":"a\\u2028b\\u2029c"}'
