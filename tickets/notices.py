"""The status banner: which notices (tickets.status_notice.StatusNotice) a customer sees.

Every portal page shows the banner, so it must cost no query on an ordinary page view: the
notices not yet ended (a handful) are read with one query into memory in each process and
kept there for LOCAL_SECONDS; each page picks its organisation's current ones in Python. A
change of a notice, or a major incident marked, unmarked or resolved, drops the copy of the
process that made it; the other processes see it within LOCAL_SECONDS.
"""

import time
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from tickets.models import DONE_STATUSES
from tickets.status_notice import StatusNotice

LOCAL_SECONDS = 30
# (monotonic expiry, notices): replaced whole, so a reading thread sees one or the other.
_memo: tuple[float, list] | None = None


@dataclass(frozen=True)
class Notice:
    """What the banner needs of a notice: plain data, fit for any cache."""

    text_ru: str
    text_en: str
    everyone: bool
    organizations: frozenset[int]
    starts_at: datetime
    ends_at: datetime | None

    def shown_to(self, organization_id: int | None, now: datetime) -> bool:
        """In force now, and for this organisation."""
        in_force = self.starts_at <= now and (self.ends_at is None or now < self.ends_at)
        return in_force and (self.everyone or organization_id in self.organizations)

    def text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en.strip() else self.text_ru


def _load(now: datetime) -> list[Notice]:
    """The notices not ended yet, their incident not resolved: two queries."""
    rows = list(
        StatusNotice.objects.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .exclude(incident__status__in=DONE_STATUSES)
        .exclude(incident__is_major_incident=False)
        .order_by("-starts_at", "-pk")
    )
    through = StatusNotice.organizations.through.objects.filter(
        statusnotice_id__in=[row.pk for row in rows]
    ).values_list("statusnotice_id", "organization_id")
    organizations: dict[int, set[int]] = {}
    for notice_id, organization_id in through:
        organizations.setdefault(notice_id, set()).add(organization_id)
    return [
        Notice(
            text_ru=row.text_ru,
            text_en=row.text_en,
            everyone=row.everyone,
            organizations=frozenset(organizations.get(row.pk, ())),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
        )
        for row in rows
    ]


def all_pending(*, now: datetime | None = None) -> list[Notice]:
    """Every notice not ended yet, from memory (read from the database when stale)."""
    global _memo
    memo = _memo
    if memo is not None and memo[0] > time.monotonic():
        return memo[1]
    notices = _load(now or timezone.now())
    _memo = (time.monotonic() + LOCAL_SECONDS, notices)
    return notices


def texts_for(user, *, now: datetime | None = None) -> list[str]:
    """The banner texts a customer sees now, in the current language; none for anyone else."""
    if not (user.is_authenticated and user.is_active and user.is_customer):
        return []
    now = now or timezone.now()
    language = translation.get_language() or "ru"
    return [
        notice.text(language)
        for notice in all_pending(now=now)
        if notice.shown_to(user.organization_id, now)
    ]


def context(request) -> dict:
    """Context processor: `status_notices`, read only by a page that shows them."""
    return {"status_notices": SimpleLazyObject(lambda: texts_for(request.user))}


def forget() -> None:
    """Drop this process's copy of the notices: the next page reads them again."""
    global _memo
    _memo = None


@receiver(post_save, sender=StatusNotice)
@receiver(post_delete, sender=StatusNotice)
@receiver(m2m_changed, sender=StatusNotice.organizations.through)
def _notice_changed(**kwargs) -> None:
    transaction.on_commit(forget)
