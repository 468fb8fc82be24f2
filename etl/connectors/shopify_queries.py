"""GraphQL documents the Shopify connector sends (Admin GraphQL API).

Fields follow the ``Order`` object
(https://shopify.dev/docs/api/admin-graphql/latest/objects/Order): money from
``*Set.shopMoney`` (the store currency; ``presentmentMoney`` is the buyer's),
ids as GIDs, ``refunds`` a list with their own ``createdAt``, line items a
connection. The bulk query differs where bulk operations require it
(https://shopify.dev/docs/api/usage/bulk-operations/queries): connections take
no ``first``, and a connection inside a list field (a refund's line items) is
not allowed. Either way refunds' returned goods are fetched afterwards with
``nodes`` in small groups: nesting them in the orders query would push its
requested cost past Shopify's 1,000-point ceiling for a single query.
"""

ORDER_SCALARS = """
      id name email createdAt processedAt updatedAt cancelledAt test currencyCode
      customer { id }
      subtotalPriceSet { shopMoney { amount } }
      totalDiscountsSet { shopMoney { amount } }
      totalTaxSet { shopMoney { amount } }
      totalShippingPriceSet { shopMoney { amount } }
      totalPriceSet { shopMoney { amount currencyCode } }
      currentTotalPriceSet { shopMoney { amount } }"""

LINE_FIELDS = """
          id sku title quantity
          originalUnitPriceSet { shopMoney { amount } }
          discountAllocations { allocatedAmountSet { shopMoney { amount } } }
          variant { inventoryItem { unitCost { amount } } }"""

REFUND_LINES = "refundLineItems(first: 50) { edges { node { subtotalSet { shopMoney { amount } } } } }"

LINES_PER_ORDER = 20
REFUNDS_PER_ORDER = 10
REFUNDS_PER_QUERY = 10

ORDERS_PAGE = f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ {ORDER_SCALARS}
      refunds(first: {REFUNDS_PER_ORDER}) {{
        id createdAt totalRefundedSet {{ shopMoney {{ amount }} }}
      }}
      lineItems(first: {LINES_PER_ORDER}) {{
        pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ {LINE_FIELDS} }} }}
      }}
    }} }}
  }}
}}
"""

MORE_LINES = f"""
query MoreLines($id: ID!, $after: String) {{
  node(id: $id) {{ ... on Order {{
    lineItems(first: 250, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ {LINE_FIELDS} }} }}
    }}
  }} }}
}}
"""

BULK_ORDERS = f"""
{{
  orders(query: "__FILTER__", sortKey: UPDATED_AT) {{
    edges {{ node {{ {ORDER_SCALARS}
      refunds {{ id createdAt totalRefundedSet {{ shopMoney {{ amount }} }} }}
      lineItems {{ edges {{ node {{ {LINE_FIELDS} }} }} }}
    }} }}
  }}
}}
"""

BULK_RUN = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}
"""

BULK_STATUS = """
query BulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation {
    id status errorCode objectCount rootObjectCount url partialDataUrl query
  } }
}
"""

CURRENT_BULK = """
query { currentBulkOperation(type: QUERY) {
  id status errorCode objectCount rootObjectCount url partialDataUrl query
} }
"""

REFUND_RETURNS = f"""
query RefundReturns($ids: [ID!]!) {{
  nodes(ids: $ids) {{ ... on Refund {{ id {REFUND_LINES} }} }}
}}
"""
