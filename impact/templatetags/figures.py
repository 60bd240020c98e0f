"""``{% load figures %}``: ``{{ value|figure }}`` shows a stored figure as people write
it: no trailing zeros and never an exponent (10.0000 is "10", 12.5000 is "12.5")."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


def plain(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(number)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def figure(value: Any) -> str:
    return plain(value)
