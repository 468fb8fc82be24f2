"""One module per provider. A connector speaks its provider's API and yields
normalised records (``etl.connectors.records``); it never touches the database."""
