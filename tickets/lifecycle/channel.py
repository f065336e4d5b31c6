"""Which channel a change came through, written into its history entries (`data["via"]`).

The portal and the console are the default and write nothing; the e-mail intake wraps its
lifecycle calls in `through("email", message=…)` so that the history and the workspace say
that a message came by e-mail, without a parameter on every action.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[dict] = ContextVar("lifecycle_channel", default={})  # noqa: B039  (never mutated)


@contextmanager
def through(via: str, **details):
    """History entries written inside say `{"via": via, **details}` in their data."""
    token = _current.set({"via": via, **details})
    try:
        yield
    finally:
        _current.reset(token)


def current() -> dict:
    """The channel data of the change being made ({} for the portal and the console)."""
    return dict(_current.get())
