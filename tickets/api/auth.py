"""How the API knows who calls: a Bearer token, its scope, and its rate limit."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from accounts import tokens


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer pt_…`: the token's user, with `request.auth` the token."""

    keyword = "bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Bearer <token>”."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from error
        token = tokens.find_token(raw)
        if token is None:
            # One answer for unknown, revoked, expired and deactivated: nothing to probe.
            raise exceptions.AuthenticationFailed(
                _("The token is not valid: unknown, revoked or expired.")
            )
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenScope(permissions.BasePermission):
    """A token is needed; a read-only one may only read."""

    message = _("This token is read-only; this needs a read-and-write token.")

    def has_permission(self, request, view):
        token = request.auth
        if token is None:
            raise exceptions.NotAuthenticated(_("An API token is needed: “Bearer <token>”."))
        return request.method in permissions.SAFE_METHODS or token.can_write


class StaffOnly(permissions.BasePermission):
    """Support's endpoints (the queue, the console's actions)."""

    message = _("Only support staff can do this.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_staff)


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """API_RATE_LIMIT calls per token, counted in the shared cache (Redis or the database)."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        if request.auth is None:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "tickets.api.auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "pt_<prefix>_<secret>"}
