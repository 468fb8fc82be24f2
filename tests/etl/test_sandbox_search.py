"""The sandbox answers Shopify's search syntax as Shopify does, over real HTTP."""

from datetime import timedelta

import pytest

from etl import conf as etl_conf
from etl.connectors.shopify import ShopifyClient
from etl.errors import ProviderError
from etl.http import HttpClient
from etl.sandbox.shopify_api import iso


@pytest.fixture
def client(etl_settings):
    cfg = etl_conf.shopify_conf()
    http = HttpClient(etl_conf.http_conf(), provider="Shopify", headers=ShopifyClient.headers(cfg))
    yield ShopifyClient(cfg, http)
    http.close()


def ids(client: ShopifyClient, search: str) -> list[int]:
    return [o.external_id for page in client.order_pages(search) for o in page]


def test_it_selects_orders_placed_in_either_of_two_windows_with_or(client, sandbox):
    orders = sandbox.data.orders
    a, b = orders[10].created_at, orders[60].created_at
    hour = timedelta(hours=6)
    search = (
        f"(created_at:>='{iso(a)}' AND created_at:<'{iso(a + hour)}') OR "
        f"(created_at:>='{iso(b)}' created_at:<'{iso(b + hour)}')"
    )
    wanted = [o for o in orders if a <= o.created_at < a + hour or b <= o.created_at < b + hour]
    assert ids(client, search) == [o.gid for o in sorted(wanted, key=lambda o: (o.updated_at, o.gid))]
    assert orders[10].gid in ids(client, search) and orders[60].gid in ids(client, search)


def test_it_combines_updated_at_and_created_at_bounds(client, sandbox):
    orders = sandbox.data.orders
    refunded = next(o for o in orders[20:] if o.refunds and o.updated_at - o.created_at > timedelta(days=1))
    cut = refunded.created_at + timedelta(seconds=1)
    start = cut - timedelta(days=2)
    found = set(ids(client, f"updated_at:>='{iso(start)}' AND created_at:<'{iso(cut)}'"))
    assert found == {o.gid for o in orders if o.updated_at >= start and o.created_at < cut}
    assert refunded.gid in found and not any(o.created_at >= cut for o in orders if o.gid in found)


def test_it_negates_a_term(client, sandbox):
    middle = sandbox.data.orders[len(sandbox.data.orders) // 2].created_at
    found = set(ids(client, f"-created_at:<'{iso(middle)}'"))
    assert found == {o.gid for o in sandbox.data.orders if o.created_at >= middle}


def test_it_refuses_a_field_it_cannot_evaluate_rather_than_match_everything(client):
    with pytest.raises(ProviderError, match="Invalid search query: the sandbox knows no order search field"):
        ids(client, "financial_status:refunded")
