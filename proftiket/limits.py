"""Counters of what someone did within a window of time, kept in the cache all processes share.

Used for the abuse limits: password-reset requests per address and per network address,
failed logins per account. The cache is Redis when REDIS_URL is set,
otherwise the database (settings.CACHES), so every web process sees the same counts.

A window starts with the first event counted and lasts `window` seconds; the count is kept
with its start, so each backend keeps the window's own end (Django's database cache would
otherwise reset a key's expiry on every increment). Two processes counting the same key at
the same moment may both read the old count: a limit can be passed by one or two under a
burst, never by more.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Rate:
    """At most `limit` (requests, files, bytes...) within `window` seconds."""

    limit: int
    window: int


def _key(name: str, ident: str) -> str:
    # Hashed: identifiers are e-mail addresses and network addresses, and keys have a length
    # limit; the name keeps the kinds of counter apart.
    digest = hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:40]
    return f"limit:{name}:{digest}"


def _current(key: str, rate: Rate, now: float) -> tuple[float, float]:
    """The window's start and its count so far (a fresh window if the last one ended)."""
    stored = cache.get(key)
    if isinstance(stored, list | tuple) and len(stored) == 2 and stored[0] + rate.window > now:
        return float(stored[0]), float(stored[1])
    return now, 0.0


def _store(key: str, rate: Rate, start: float, count: float, now: float) -> None:
    cache.set(key, [start, count], timeout=max(1, math.ceil(start + rate.window - now)))


def used(name: str, ident: str, rate: Rate, *, now: float | None = None) -> float:
    """How much of the rate has been used in the current window."""
    now = time.time() if now is None else now
    return _current(_key(name, ident), rate, now)[1]


def take(name: str, ident: str, rate: Rate, *, amount: float = 1, now: float | None = None) -> bool:
    """Count `amount` if it fits within the rate; False (and nothing counted) if it does not."""
    now = time.time() if now is None else now
    key = _key(name, ident)
    start, count = _current(key, rate, now)
    if count + amount > rate.limit:
        return False
    _store(key, rate, start, count + amount, now)
    return True


def add(name: str, ident: str, rate: Rate, *, amount: float = 1, now: float | None = None) -> float:
    """Count `amount` whatever the limit (a failure that happened); return the new count."""
    now = time.time() if now is None else now
    key = _key(name, ident)
    start, count = _current(key, rate, now)
    _store(key, rate, start, count + amount, now)
    return count + amount


def retry_after(name: str, ident: str, rate: Rate, *, now: float | None = None) -> int:
    """Seconds until the current window ends (0 when none is running)."""
    now = time.time() if now is None else now
    start, count = _current(_key(name, ident), rate, now)
    return max(0, math.ceil(start + rate.window - now)) if count else 0


def clear(name: str, ident: str) -> None:
    cache.delete(_key(name, ident))
