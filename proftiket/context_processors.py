from proftiket import __version__
from proftiket.portal_urls import PORTAL_URLS


def product(request):
    """The version in the footer, and the URLs of the portal's header and menu."""
    return {"PROFTIKET_VERSION": __version__, "portal_urls": PORTAL_URLS}
