"""The status banner: which notices (tickets.status_notice.StatusNotice) a customer sees.

Every portal page shows the banner, so it must not cost a query per notice or per page: the
notices not yet ended are read once into the cache (one key for all organisations: there are
a handful), each page picks its organisation's and the current ones in Python. Any change of
a notice, and a major incident marked, unmarked or resolved, drops the cached list; the
cache's own expiry covers anything else.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from tickets.models import DONE_STATUSES
from tickets.status_notice import StatusNotice

CACHE_KEY = "status-notices:v1"
CACHE_SECONDS = 300


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
    """Every notice not ended yet, from the cache (read from the database when missing)."""
    notices = cache.get(CACHE_KEY)
    if notices is None:
        notices = _load(now or timezone.now())
        cache.set(CACHE_KEY, notices, CACHE_SECONDS)
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
    """Drop the cached notices: the next page reads them again."""
    cache.delete(CACHE_KEY)


@receiver(post_save, sender=StatusNotice)
@receiver(post_delete, sender=StatusNotice)
@receiver(m2m_changed, sender=StatusNotice.organizations.through)
def _notice_changed(**kwargs) -> None:
    transaction.on_commit(forget)
