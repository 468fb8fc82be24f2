"""Connector configuration, read from settings and checked when a pull starts.

Credentials are optional at start-up (the demo and the tests run without
them); a pull of a source checks what that source needs before its first
request and raises ``ConfigError`` naming the setting.
"""

import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

from etl.errors import ConfigError

# The sources and which reader below each one needs: etl/sources.py.

# Meta stopped serving these view-through windows on 2026-01-12
# (https://developers.facebook.com/docs/marketing-api/insights/parameters/ ,
# action_attribution_windows); asking for them silently returns nothing.
RETIRED_META_WINDOWS = {"7d_view", "28d_view"}
META_WINDOWS = {"1d_click", "7d_click", "28d_click", "1d_view", "1d_ev"}


@dataclass(frozen=True)
class HttpConf:
    connect_timeout: float
    read_timeout: float
    max_retries: int
    backoff_max: float
    max_wait: float


@dataclass(frozen=True)
class MetaConf:
    base_url: str
    version: str
    token: str
    account_ids: list[str]
    purchase_action_type: str
    attribution_windows: list[str]
    lookback_days: int
    initial_days: int
    days_per_request: int


@dataclass(frozen=True)
class TikTokConf:
    base_url: str
    token: str
    advertiser_ids: list[str]
    lookback_days: int
    initial_days: int


@dataclass(frozen=True)
class ShopifyConf:
    base_url: str
    version: str
    shop: str
    token: str
    overlap_minutes: int
    initial_days: int
    bulk_threshold_days: int
    page_size: int


def http_conf() -> HttpConf:
    return HttpConf(
        connect_timeout=settings.ETL_HTTP_CONNECT_TIMEOUT,
        read_timeout=settings.ETL_HTTP_READ_TIMEOUT,
        max_retries=settings.ETL_HTTP_MAX_RETRIES,
        backoff_max=settings.ETL_HTTP_BACKOFF_MAX,
        max_wait=settings.ETL_HTTP_MAX_WAIT,
    )


def _required(name: str) -> str:
    value = str(getattr(settings, name, "") or "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: the pull needs it (set it in the environment or in .env)")
    return value


def _url(name: str) -> str:
    value = _required(name).rstrip("/")
    if not re.match(r"^https?://[^\s/]+", value):
        raise ConfigError(f"{name} is malformed: expected an http(s) URL such as https://host")
    return value


def _ids(name: str, pattern: str, example: str) -> list[str]:
    ids = [part.strip() for part in _required(name).split(",") if part.strip()]
    for value in ids:
        if not re.fullmatch(pattern, value):
            raise ConfigError(f"{name} is malformed: {value!r} is not an id like {example}")
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{name} lists an account twice")
    return ids


def _positive(name: str) -> int:
    value = getattr(settings, name)
    if value < 1:
        raise ConfigError(f"{name} must be at least 1 (it is {value})")
    return value


def meta_conf() -> MetaConf:
    ids = _ids("META_ACCOUNT_ID", r"(act_)?\d{1,20}", "act_1234567890")
    windows = [w.strip() for w in settings.META_ATTRIBUTION_WINDOWS if w.strip()]
    retired = sorted(set(windows) & RETIRED_META_WINDOWS)
    if retired:
        raise ConfigError(
            f"META_ATTRIBUTION_WINDOWS asks for {', '.join(retired)}, which Meta no longer serves "
            "(removed 2026-01-12); use 1d_click, 7d_click, 28d_click or 1d_view"
        )
    unknown = sorted(set(windows) - META_WINDOWS)
    if unknown or not windows:
        raise ConfigError(
            f"META_ATTRIBUTION_WINDOWS has unknown windows {unknown or '(none)'}; "
            f"choose from {', '.join(sorted(META_WINDOWS))}"
        )
    clicks = [w for w in windows if w.endswith("_click")]
    views = [w for w in windows if not w.endswith("_click")]
    if len(clicks) > 1 or len(views) > 1:
        # 7d_click contains 1d_click: adding both would count a purchase twice.
        raise ConfigError(
            f"META_ATTRIBUTION_WINDOWS lists overlapping windows {', '.join(windows)}: "
            "choose at most one click window and one view window"
        )
    version = _required("META_API_VERSION")
    if not re.fullmatch(r"v\d+\.\d+", version):
        raise ConfigError(f"META_API_VERSION is malformed: {version!r} is not like v25.0")
    return MetaConf(
        base_url=_url("META_API_BASE_URL"),
        version=version,
        token=_required("META_ACCESS_TOKEN"),
        account_ids=[i if i.startswith("act_") else f"act_{i}" for i in ids],
        purchase_action_type=_required("META_PURCHASE_ACTION_TYPE"),
        attribution_windows=windows,
        lookback_days=_positive("META_LOOKBACK_DAYS"),
        initial_days=_positive("META_INITIAL_DAYS"),
        days_per_request=_positive("META_DAYS_PER_REQUEST"),
    )


def tiktok_conf() -> TikTokConf:
    return TikTokConf(
        base_url=_url("TIKTOK_API_BASE_URL"),
        token=_required("TIKTOK_ACCESS_TOKEN"),
        advertiser_ids=_ids("TIKTOK_ADVERTISER_ID", r"\d{1,25}", "7012345678901234567"),
        lookback_days=_positive("TIKTOK_LOOKBACK_DAYS"),
        initial_days=_positive("TIKTOK_INITIAL_DAYS"),
    )


def shop_domain(store: str) -> str:
    """``acme-store`` or ``https://acme-store.myshopify.com/`` -> ``acme-store.myshopify.com``."""
    value = re.sub(r"^https?://", "", store.strip().lower()).rstrip("/")
    handle = value.removesuffix(".myshopify.com")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", handle):
        raise ConfigError(
            f"SHOPIFY_STORE is malformed: {store!r} is not a store like acme-store.myshopify.com"
        )
    return f"{handle}.myshopify.com"


def shopify_conf() -> ShopifyConf:
    shop = shop_domain(_required("SHOPIFY_STORE"))
    token = str(settings.SHOPIFY_ACCESS_TOKEN or "").strip()
    if not token:
        # A legacy private app authenticates with its password as the access token.
        if settings.SHOPIFY_API_KEY and settings.SHOPIFY_PASSWORD:
            token = settings.SHOPIFY_PASSWORD.strip()
        else:
            raise ConfigError(
                "SHOPIFY_ACCESS_TOKEN is not set (or the legacy SHOPIFY_API_KEY and SHOPIFY_PASSWORD pair): "
                "the pull needs it"
            )
    version = _required("SHOPIFY_API_VERSION")
    if not re.fullmatch(r"\d{4}-\d{2}", version):
        raise ConfigError(f"SHOPIFY_API_VERSION is malformed: {version!r} is not like 2025-10")
    base = _url("SHOPIFY_API_BASE_URL") if "{store}" not in settings.SHOPIFY_API_BASE_URL else None
    if base is None:
        base = settings.SHOPIFY_API_BASE_URL.rstrip("/").replace(
            "{store}", shop.removesuffix(".myshopify.com")
        )
    return ShopifyConf(
        base_url=base,
        version=version,
        shop=shop,
        token=token,
        overlap_minutes=max(0, settings.SHOPIFY_OVERLAP_MINUTES),
        initial_days=_positive("SHOPIFY_INITIAL_DAYS"),
        bulk_threshold_days=_positive("SHOPIFY_BULK_THRESHOLD_DAYS"),
        page_size=min(250, _positive("SHOPIFY_PAGE_SIZE")),
    )


def check_timezone(name: str, where: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where} reports time zone {name!r}, which is not an IANA name") from exc
