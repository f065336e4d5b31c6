"""The URLs every portal page links to (header, menu, footer), reversed once per process.

`{% url %}` reverses its name on every use: a dozen reversals on each portal page, ~50 µs
each. These never change while the process runs, except with the script prefix or the
URLconf (tests), which are part of the key.
"""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Template name (`{{ portal_urls.list }}`) -> URL name.
NAMES = {
    "home": "home",
    "set_language": "accounts:set_language",
    "profile": "accounts:profile",
    "logout": "accounts:logout",
    "list": "tickets:list",
    "new": "tickets:new",
    "colleagues": "accounts:colleagues",
    "api_tokens": "accounts:api_tokens",
    "webhooks": "webhooks:list",
    "console": "admin:index",
    "reports": "reports:overview",
    "my_sla": "reports:my_sla",
}
_reversed: dict[tuple, str] = {}  # bounded: NAMES × the prefixes and URLconfs in use


def url(name: str, *args) -> str:
    """reverse(name, args=args), once per process for each prefix and URLconf."""
    key = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, name, *args)
    found = _reversed.get(key)
    if found is None:
        found = _reversed[key] = reverse(name, args=args)
    return found


class PortalUrls:
    """`{{ portal_urls.list }}`: the URL of NAMES["list"]; an unknown name is an error."""

    def __getitem__(self, key: str) -> str:
        return url(NAMES[key])


PORTAL_URLS = PortalUrls()
