"""A local stand-in for the Meta, TikTok and Shopify APIs (``etl.sandbox.server``).

It answers in the providers' documented shapes from deterministic generated
data and injects faults on request, so the connectors, the tests and the demo
run with no credentials and no network.
"""
