"""Pages of long lists that never count more than they show: "more than 1,000"."""

from django.core.paginator import Paginator
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property

COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator whose count stops at COUNT_CAP + 1 (`is_capped` then says "more than").

    Counting 50,000 matching requests costs as much as finding them; nobody pages that far,
    and the filters narrow a list faster than page 400 would.
    """

    cap = COUNT_CAP

    @cached_property
    def count(self):
        if isinstance(self.object_list, list):
            return len(self.object_list)
        # Unordered: how many rows there are up to the cap does not depend on their order, and
        # the sort of the page's own ordering (an incremental sort at 1M) costs for nothing.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap


def page_number(value, *, last: int = 10_000) -> int:
    """A page number from a query string: 1 for anything that is not one."""
    value = str(value or "")
    return min(int(value), last) if value.isascii() and value.isdigit() and int(value) else 1


class LookaheadPaginator(CappedPaginator):
    """A paginator that fetches its page and one row more, and counts nothing else.

    For a search over every request: counting the 70,000 that mention «модем» costs as much
    as finding them, and one row past the page says whether there is a next one. `count` is
    what is known: the rows before this page and on it (plus the one past it).
    """

    is_lookahead = True  # templates show "page N" and a next link, no total

    def __init__(self, object_list, per_page, *, number, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._fetch(number)
        if number > 1 and not self.rows:
            self._fetch(1)  # a page past the end (an old link): start again at the first

    def _fetch(self, number):
        self.number = number
        self.offset = (number - 1) * self.per_page
        self.rows = list(self.object_list[self.offset : self.offset + self.per_page + 1])
        self.cap = self.offset + self.per_page  # "more than" this when there is a next page

    @cached_property
    def count(self):
        return self.offset + len(self.rows)

    def page(self, number):
        if self.validate_number(number) == self.number:
            return self._get_page(self.rows[: self.per_page], number, self)
        return super().page(number)


class PageFirstPaginator(CappedPaginator):
    """A capped paginator that reads its page and the capped count in one query.

    The count rides along as a scalar subquery (PostgreSQL runs it once), so a page of the
    queue is one round trip instead of two. Only a page past the end (an old link) counts
    again on its own, to say so.
    """

    COUNT_COLUMN = "capped_total"

    def __init__(self, object_list, per_page, *, number, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.number = number
        offset = (number - 1) * per_page
        capped = object_list.order_by().values("pk")[: self.cap + 1]
        sql, params = capped.query.sql_with_params()
        total = RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS capped", params)  # noqa: S608, S611  (Django-compiled SQL, params apart)
        rows = object_list.annotate(**{self.COUNT_COLUMN: total})
        self.rows = list(rows[offset : offset + per_page])

    @cached_property
    def count(self):
        if self.rows:
            return getattr(self.rows[0], self.COUNT_COLUMN)
        return 0 if self.number == 1 else super().count

    def page(self, number):
        if self.validate_number(number) == self.number:
            return self._get_page(self.rows, number, self)
        return super().page(number)
