import logging

import pytest

from bizops.redaction import MASK, RedactSecretsFilter, redact


@pytest.fixture
def capture():
    """A logger whose handler carries the project's redaction filter."""
    records = []

    class ListHandler(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = ListHandler()
    handler.addFilter(RedactSecretsFilter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, records
    logger.removeHandler(handler)


def test_it_masks_access_tokens_in_query_strings():
    url = "https://graph.facebook.com/v23.0/act_1/insights?fields=spend&access_token=EAAB123abc&limit=5"
    assert (
        redact(url)
        == f"https://graph.facebook.com/v23.0/act_1/insights?fields=spend&access_token={MASK}&limit=5"
    )


def test_it_masks_configured_secrets_wherever_they_appear(monkeypatch):
    monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "shpat_0123456789abcdef")
    text = "request failed with header shpat_0123456789abcdef attached"
    assert "shpat_0123456789abcdef" not in redact(text)


def test_it_masks_settings_that_hold_secrets(settings):
    settings.TIKTOK_ACCESS_TOKEN = "tt-secret-value-42"
    assert redact("token tt-secret-value-42 rejected") == f"token {MASK} rejected"


def test_it_masks_passwords_in_connection_urls():
    assert redact("could not connect to postgres://svc:s3cr3t-pw@db.example.com:5432/app") == (
        f"could not connect to postgres://svc:{MASK}@db.example.com:5432/app"
    )


@pytest.mark.parametrize(
    "header",
    ["Authorization: Bearer abc.def.ghi", "Access-Token: 0f0f0f0f0f", "X-Shopify-Access-Token: shpat_x1y2z3"],
)
def test_it_masks_token_headers(header):
    name = header.split(":")[0]
    assert redact(header) == f"{name}: " + ("Bearer " if "Bearer" in header else "") + MASK


def test_it_masks_tokens_in_json_bodies():
    assert (
        redact('{"access_token": "abcdef123", "scope": "read"}')
        == f'{{"access_token": "{MASK}", "scope": "read"}}'
    )


def test_the_log_filter_masks_arguments_and_tracebacks(capture, monkeypatch):
    monkeypatch.setenv("META_ACCESS_TOKEN", "EAAGm0PX4ZCpsBAKZC")
    logger, records = capture
    logger.info("calling %s", "https://x.test/?access_token=EAAGm0PX4ZCpsBAKZC")
    try:
        raise RuntimeError("bad token EAAGm0PX4ZCpsBAKZC")
    except RuntimeError:
        logger.exception("pull failed")
    joined = "\n".join(records)
    assert "EAAGm0PX4ZCpsBAKZC" not in joined
    assert MASK in records[0]
    assert "RuntimeError: bad token " + MASK in records[1]


def test_the_project_logging_configuration_filters_every_handler(settings):
    handlers = settings.LOGGING["handlers"]
    assert handlers and all("redact_secrets" in h.get("filters", []) for h in handlers.values())


def test_it_masks_a_secret_as_repr_escapes_it(monkeypatch):
    import requests

    monkeypatch.setenv("META_ACCESS_TOKEN", "EAAB-secret\nx")
    with pytest.raises(requests.exceptions.InvalidHeader) as caught:
        requests.Request(
            "GET", "https://x.test/", headers={"Authorization": "Bearer EAAB-secret\nx"}
        ).prepare()
    for text in (str(caught.value), repr(caught.value), repr({"error": repr(caught.value)})):
        assert "EAAB-secret" in text  # the escaped spelling, not the raw one
        assert "EAAB" not in redact(text)
        assert MASK in redact(text)


def test_it_masks_a_secret_url_encoded_and_each_line_of_a_multi_line_one(monkeypatch):
    monkeypatch.setenv("SHOPIFY_PASSWORD", "pa ss/w0rd&more\nsecond-line")
    masked = redact("GET /x?p=pa%20ss%2Fw0rd%26more%0Asecond-line and q=pa+ss%2Fw0rd%26more%0Asecond-line")
    assert "w0rd" not in masked
    assert "second-line" not in redact("first line only: pa ss/w0rd&more | second-line")
    assert "pa ss/w0rd&more" not in redact("first line only: pa ss/w0rd&more")


def test_it_masks_a_url_password_holding_a_raw_at_sign_whole():
    masked = redact("could not connect to postgres://svc:p@ss@word@db.example.com:5432/app")
    assert masked == f"could not connect to postgres://svc:{MASK}@db.example.com:5432/app"


def test_a_setting_naming_the_password_form_field_is_not_a_secret(settings):
    assert settings.AXES_PASSWORD_FORM_FIELD == "password"
    text = 'FATAL:  password authentication failed for user "postgres"'
    assert redact(text) == text
