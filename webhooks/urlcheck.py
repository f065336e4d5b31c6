"""Where a webhook may point: https (http only if allowed), never a private, loopback or
link-local address unless the installation allows it (SSRF). Every address the host resolves
to is checked, at registration and again at each sending; the connection then goes to the
address that was checked, so a DNS answer that changes in between cannot redirect it."""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UrlRefused(Exception):
    """The URL may not be used; the message says why, in the user's language; `code` too."""

    def __init__(self, message, *, code: str):
        super().__init__(message)
        self.code = code


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> tuple[str, int, list[str]]:
    """(host, port, addresses) of a URL that may be used; raises UrlRefused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UrlRefused(_("This is not a valid URL."), code="invalid") from error
    schemes = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in schemes:
        raise UrlRefused(_("The URL must start with https://."), code="https")
    if not parts.hostname or parts.username or parts.password:
        raise UrlRefused(_("The URL needs a host name and no user name or password."), code="host")
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UrlRefused(_("The host name cannot be resolved."), code="unresolved") from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.WEBHOOK_ALLOW_PRIVATE and not all(_allowed(a) for a in addresses):
        raise UrlRefused(
            _("The host resolves to a private, loopback or reserved address; it is not allowed."),
            code="private",
        )
    return parts.hostname, port, addresses


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, *, timeout: float) -> int:
    """POST to a checked address of the URL's host; the response code (no redirect followed)."""
    host, port, addresses = resolve(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(host, port, address=addresses[0], timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()
