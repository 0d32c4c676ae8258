"""The tenant on every shop-scoped request: checked once at each service edge."""

from __future__ import annotations

import re

from kintsugi.v1 import common_pb2

from libs.errors import InvalidArgument

SHOP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def shop_of(scope: common_pb2.ShopScope) -> str:
    """The request's shop id, or INVALID_ARGUMENT when it is missing or malformed."""
    if not SHOP_ID.match(scope.shop_id):
        raise InvalidArgument.on("scope.shop_id", "must be 1-64 letters, digits, '.', '_' or '-'")
    return scope.shop_id
