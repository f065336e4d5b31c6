from proftiket import __version__


def product(request):
    """The version in the footer, and the URL of the portal for links."""
    return {"PROFTIKET_VERSION": __version__}
