"""Reads of the partners app, one module per area; every function takes ``workspace=``.

The names other apps use are re-exported here (``from partners.selectors import
organization_get``); partnership reads live in ``partners.selectors.partnerships``.
"""

from partners.selectors.organizations import organization_get, organization_list

__all__ = ["organization_get", "organization_list"]
