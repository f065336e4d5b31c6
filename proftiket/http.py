"""What a request says about its client, trusting proxy headers only when configured to."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's network address, for per-address limits and the login lockout.

    REMOTE_ADDR, unless the site runs behind PROXY_COUNT reverse proxies that each append the
    address they saw to X-Forwarded-For: then the address the outermost proxy saw. Anything
    left of it was written by the client and proves nothing. Without this, behind a proxy
    every visitor had the proxy's address, and one visitor's failures locked out everyone.
    """
    count = settings.PROXY_COUNT
    if count:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count and _is_address(forwarded[-count]):
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None  # None: not a network request (a test's)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
