"""Tokens and an API client for the API tests."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import tokens
from accounts.models import ApiToken


@pytest.fixture
def make_token(db):
    """make_token(user, scope="write", **extra) -> raw token."""

    def make(user, scope=ApiToken.Scope.WRITE, name="Monitoring", expires_at=None):
        _token, raw = tokens.create_token(
            user=user, name=name, scope=scope, expires_at=expires_at, created_by=None
        )
        return raw

    return make


@pytest.fixture
def client_for(make_token):
    """client_for(user_or_raw_token, scope=...) -> APIClient sending that token."""

    def make(who, scope=ApiToken.Scope.WRITE, language="en"):
        raw = who if isinstance(who, str) else make_token(who, scope=scope)
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def refused_tokens(make_token, other_org_customer, customer):
    """Tokens that must be refused on a request of `customer` (and why), by status code."""
    revoked = make_token(customer, name="revoked")
    tokens.revoke(ApiToken.objects.get(name="revoked"))
    expired = make_token(customer, name="expired", expires_at=timezone.now() - dt.timedelta(1))
    return {
        "other organisation": (make_token(other_org_customer), 404),
        "revoked": (revoked, 401),
        "expired": (expired, 401),
        "garbage": ("pt_nope_nope", 401),
    }
