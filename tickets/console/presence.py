"""Who else has a request open in the console, or typed in its compose box lately.

Each open workspace posts a beat every BEAT seconds (and one when it is left). Presence lives
in Django's cache ("default"; Redis or the database, whichever is configured): one key per
request, holding {user id: (name, last seen, last typed)}. Entries past their window are
dropped whenever the key is written, and the key itself expires after the longest window, so
presence nobody refreshes disappears by itself; nothing scans keys. Two beats in the same
instant may each drop the other's entry: it comes back with the next beat.
"""

from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.http import JsonResponse
from django.utils import timezone

BEAT = timedelta(seconds=20)
OPEN_FOR = timedelta(seconds=65)  # three beats missed: the page is gone
TYPED_FOR = timedelta(minutes=3)  # "typed in the last minutes"


def _key(ticket_id: int) -> str:
    return f"console:presence:{ticket_id}"


def _alive(entry: dict, now: float) -> bool:
    seen, typed = entry.get("seen"), entry.get("typed")
    return bool(
        (seen and now - seen < OPEN_FOR.total_seconds())
        or (typed and now - typed < TYPED_FOR.total_seconds())
    )


def beat(ticket_id: int, user, *, typing: bool = False, leaving: bool = False, now=None):
    """Record this user's page on this request; return who else is there (plain dicts)."""
    moment = (now or timezone.now()).timestamp()
    stored = cache.get(_key(ticket_id)) or {}
    entries = {uid: entry for uid, entry in stored.items() if _alive(entry, moment)}
    mine = entries.get(user.pk, {})
    entries[user.pk] = {
        "name": user.full_name or user.email,
        # Leaving closes the page but keeps "typed lately": a reply may be on its way.
        "seen": None if leaving else moment,
        "typed": moment if typing else mine.get("typed"),
    }
    if not _alive(entries[user.pk], moment):
        del entries[user.pk]
    cache.set(_key(ticket_id), entries, timeout=int(TYPED_FOR.total_seconds()) + 5)
    return others(entries, user, moment)


def others(entries: dict, user, moment: float) -> list[dict]:
    result = []
    for uid, entry in entries.items():
        if uid == user.pk or not _alive(entry, moment):
            continue
        typed = entry.get("typed")
        typed_recently = bool(typed and moment - typed < TYPED_FOR.total_seconds())
        result.append(
            {
                "name": entry["name"],
                "open": bool(
                    entry.get("seen") and moment - entry["seen"] < OPEN_FOR.total_seconds()
                ),
                "typing": typed_recently,
                "typed_at": datetime.fromtimestamp(typed, tz=UTC).isoformat()
                if typed_recently
                else None,
            }
        )
    return sorted(result, key=lambda e: e["name"])


def beat_view(request, ticket) -> JsonResponse:
    """POST: typing=1 if the compose box changed since the last beat, leaving=1 on leaving.

    Also answers the request's status and last history entry, so that the page can say that
    the request changed before the engineer sends anything.
    """
    people = beat(
        ticket.pk,
        request.user,
        typing=request.POST.get("typing") == "1",
        leaving=request.POST.get("leaving") == "1",
    )
    last_event = ticket.events.order_by("-pk").values_list("pk", flat=True).first() or 0
    return JsonResponse(
        {
            "others": people,
            "status": ticket.status,
            "status_label": str(ticket.get_status_display()),
            "last_event": last_event,
            "beat_seconds": int(BEAT.total_seconds()),
        }
    )
