"""Bad configuration fails before any request, naming the setting."""

import pytest

from etl.errors import ConfigError
from etl.pull import pull_source


def requests_made(sandbox) -> int:
    return sum(sandbox.stats()["requests"].values())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "setting"),
    [("meta", "META_ACCESS_TOKEN"), ("tiktok", "TIKTOK_ACCESS_TOKEN"), ("shopify", "SHOPIFY_ACCESS_TOKEN")],
)
def test_it_refuses_a_missing_token_before_any_request(etl_settings, sandbox, source, setting):
    setattr(etl_settings, setting, "")
    before = requests_made(sandbox)
    with pytest.raises(ConfigError, match=f"{setting} is not set"):
        pull_source(source)
    assert requests_made(sandbox) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("META_ACCOUNT_ID", "act_12,acct-9", "META_ACCOUNT_ID is malformed: 'acct-9'"),
        ("TIKTOK_ADVERTISER_ID", "70000x", "TIKTOK_ADVERTISER_ID is malformed: '70000x'"),
        ("SHOPIFY_STORE", "not a store!", "SHOPIFY_STORE is malformed"),
        ("META_API_BASE_URL", "graph.facebook.com", "META_API_BASE_URL is malformed"),
    ],
)
def test_it_refuses_a_malformed_setting_naming_it(etl_settings, sandbox, setting, value, message):
    setattr(etl_settings, setting, value)
    source = setting.split("_")[0].lower()
    before = requests_made(sandbox)
    with pytest.raises(ConfigError, match=message):
        pull_source(source)
    assert requests_made(sandbox) == before


@pytest.mark.django_db
def test_it_refuses_an_unknown_source():
    with pytest.raises(ConfigError, match="unknown source 'google'"):
        pull_source("google")


@pytest.mark.django_db
@pytest.mark.parametrize("window", ["7d_view", "28d_view"])
def test_it_refuses_attribution_windows_meta_no_longer_serves(etl_settings, window):
    etl_settings.META_ATTRIBUTION_WINDOWS = ["7d_click", window]
    with pytest.raises(
        ConfigError, match=f"META_ATTRIBUTION_WINDOWS asks for {window}, which Meta no longer serves"
    ):
        pull_source("meta")


@pytest.mark.django_db
def test_it_accepts_the_legacy_shopify_key_and_password(etl_settings):
    etl_settings.SHOPIFY_ACCESS_TOKEN = ""
    etl_settings.SHOPIFY_API_KEY = "legacy-key-0123"
    etl_settings.SHOPIFY_PASSWORD = "shppa_legacy_password_0123"
    result = pull_source("shopify", dry_run=True)
    assert result.rows_read > 0


def test_it_starts_without_any_connector_credentials(settings):
    # The demo and the test suite run with none of them set.
    assert settings.META_ACCESS_TOKEN == settings.TIKTOK_ACCESS_TOKEN == settings.SHOPIFY_ACCESS_TOKEN == ""


@pytest.mark.django_db
def test_it_refuses_overlapping_attribution_windows(etl_settings):
    etl_settings.META_ATTRIBUTION_WINDOWS = ["1d_click", "7d_click"]
    with pytest.raises(ConfigError, match="overlapping windows 1d_click, 7d_click"):
        pull_source("meta")
