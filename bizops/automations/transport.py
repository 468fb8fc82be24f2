"""Sending to user-configured URLs without reaching inside the network (SSRF).

Only ``http`` and ``https``. The host is resolved when the socket is opened,
every address it resolves to is checked, and the socket connects to the
checked address itself (TLS still verifies and names the original host), so a
DNS answer that changes between the check and the connection (rebinding)
cannot slip through; a refused address is refused at every connection, not
only when the URL was saved. Redirects are not followed (a 3xx is a failed
attempt) and no proxy from the environment is used.

Refused unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS``: loopback, private ranges
(RFC 1918, IPv6 unique local), link-local (cloud metadata included),
carrier-grade NAT (100.64.0.0/10), multicast, unspecified, reserved and other
non-global ranges; IPv4-mapped (``::ffff:a.b.c.d``) and NAT64
(``64:ff9b::a.b.c.d``) forms are judged by the IPv4 address inside.
"""

import contextlib
import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

SCHEMES = ("http", "https")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedTarget(Exception):
    """A URL or address webhooks may not be sent to."""


def refusal(address: str) -> str | None:
    """Why ``address`` may not be reached (a class of addresses), or None if it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            inner = refusal(str(ip.ipv4_mapped))
            return f"IPv4-mapped {inner}" if inner else None
        if ip in _NAT64:
            inner = refusal(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
            return f"NAT64 {inner}" if inner else None
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.version == 4 and ip in _CGNAT:
        return "carrier-grade NAT"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


def check_url(url: str) -> None:
    """Refuse a URL whose scheme is not http(s) or that has no host (the address is checked on connect)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise RefusedTarget(f"only http and https URLs may receive webhooks, not {parts.scheme or 'none'}:")
    if not parts.hostname:
        raise RefusedTarget("the URL has no host")


def resolve_checked(host: str, port: int) -> list[tuple]:
    """``getaddrinfo`` for ``host``, refused if any address it gives is not public (unless allowed)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        for *_, sockaddr in infos:
            reason = refusal(sockaddr[0])
            if reason:
                raise RefusedTarget(f"{host} resolves to {sockaddr[0]}, refused ({reason} address)")
    return infos


def check_target(url: str) -> None:
    """The save-time check: scheme, host, and what the host resolves to now.

    A name that does not resolve yet is accepted (a receiver set up later):
    every connection is checked again anyway.
    """
    check_url(url)
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedTarget("the URL's port is not a number from 0 to 65535") from None
    with contextlib.suppress(socket.gaierror, UnicodeError):
        resolve_checked(parts.hostname, port)


class _CheckedConnect:
    def _new_conn(self) -> socket.socket:
        try:
            infos = resolve_checked(self._dns_host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        last = None
        for family, socktype, proto, _, sockaddr in infos:
            sock = socket.socket(family, socktype, proto)
            try:
                if self.timeout is not None:
                    sock.settimeout(self.timeout)
                for option in self.socket_options or []:
                    sock.setsockopt(*option)
                sock.connect(sockaddr)  # the checked address, not a second lookup
                return sock
            except TimeoutError as exc:
                sock.close()
                raise ConnectTimeoutError(self, f"connection to {self.host} timed out") from exc
            except OSError as exc:
                sock.close()
                last = exc
        raise NewConnectionError(self, f"failed to connect to {self.host}: {last}")


class CheckedHTTPConnection(_CheckedConnect, HTTPConnection):
    pass


class CheckedHTTPSConnection(_CheckedConnect, HTTPSConnection):
    pass


class CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": CheckedHTTPPool, "https": CheckedHTTPSPool}

    def proxy_manager_for(self, proxy, **kwargs):
        raise RefusedTarget("webhooks are not sent through a proxy")


def session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no proxy or .netrc from the environment
    adapter = CheckedAdapter(max_retries=0)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def post(s: requests.Session, url: str, *, body: bytes, headers: dict, timeout: float) -> requests.Response:
    check_url(url)
    return s.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True)
