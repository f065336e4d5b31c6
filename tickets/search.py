"""Finding requests by their words: the console's queue, the portal's list, similar requests.

PostgreSQL: full-text search with the `russian` configuration over the subject and the
description, so that «модемы» finds «модем» and «модема». The document is stored with each
request in the column `search_document` (tickets 0025–0027: kept right by a trigger on every
insert and every change of the subject or the description, filled in batches for the requests
that existed before, under the GIN index `ticket_search_document`). It is not a model field:
Django never loads or writes it; `StoredDocument` names it in queries. Reading it instead of
computing the document (the expression index `ticket_search_fts` of 0014, still there for the
previous release during an upgrade) makes checking a candidate row cheap, so PostgreSQL may
walk the newest requests and stop at the page's fiftieth match instead of fetching and
sorting every one of the 70,000 that mention a modem.
Each word is also looked for as a prefix of a word («мод» finds «модем»), and the text as
PostgreSQL's own parser splits it (`ge-0/0/1`, `client@beta.ru`). Besides the words:
the request's number (`PT-1042` only that request; a bare `1042` also that one) and, for
support staff, the organisations whose name and the people whose e-mail contain the text,
looked up first in their small tables — and the messages of the request (all of them for
support staff, see MessageMatch; the public ones within the customer's requests in the portal).

Similar requests: the open requests a customer may open whose subject or description shares
a word with a new subject (any of its words), ranked by full-text rank plus trigram word
similarity of the subject (pg_trgm), so that near spellings count too.

SQLite (the quick-start database) has neither: each word is matched with LIKE on its first
letters, a crude stem («модемы» → «моде», which finds «модем» and «модема»).
"""

import re
import time

from django.contrib.postgres.search import (
    Lexeme,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection, connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import Col, Expression

from accounts.models import Organization, User
from tickets.models import OPEN_STATUSES, REFERENCE_PREFIX, Comment, Ticket, parse_reference

CONFIG = "russian"
FTS_INDEX_NAME = "ticket_search_document"  # migration tickets 0027, over the stored column
DOCUMENT_COLUMN = "search_document"  # tickets 0025: the triggers keep it equal to document()
MAX_WORDS = 8  # longer texts are cut: more words only narrow an AND search further
MAX_LOOKUPS = 20  # organisations or people matched by name or e-mail
SIMILAR_LIMIT = 5
# A word is common when at least COMMON_MATCHES of the newest NEWEST requests have it; a rare
# word's matches, up to RARE_MATCHES, are listed by their ids (see _common).
NEWEST, COMMON_MATCHES, RARE_MATCHES = 5000, 50, 2000
MIN_SIMILAR_LENGTH = 4  # characters of a subject before suggestions make sense
# word_similarity() of the typed subject to a request's subject that counts as "looks like".
SIMILARITY_THRESHOLD = 0.5
# The crude SQLite stem keeps at least this many letters and drops at most two.
STEM_KEEP, STEM_DROP = 4, 2
# Letters and digits: everything else separates words (and never reaches to_tsquery).
WORD = re.compile(r"[^\W_]+")
# The words the `russian` configuration leaves out of the index (PostgreSQL's
# tsearch_data/russian.stop, the Snowball list): looked for, they would find nothing.
_STOP_LIST = """
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
    было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был
    него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней
    для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того
    потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем
    всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про
    всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
    нельзя такой им более всегда конечно всю между"""
STOP_WORDS = frozenset(_STOP_LIST.split())


def document():
    """The searchable text of a request, computed: what the column `search_document` holds."""
    return SearchVector("subject", weight="A", config=CONFIG) + SearchVector(
        "description", weight="B", config=CONFIG
    )


_DOCUMENT_FIELD = SearchVectorField()
_DOCUMENT_FIELD.set_attributes_from_name(DOCUMENT_COLUMN)
_DOCUMENT_FIELD.model = Ticket  # named like a field of the requests (Django hashes queries so)


class StoredDocument(Expression):
    """The request's stored document, `search_document` (PostgreSQL only; not a model field).

    Resolved to a column of the query's own requests table, under whatever alias it has there
    (also when the query becomes a subquery and its tables are renamed).
    """

    output_field = _DOCUMENT_FIELD

    def __init__(self, *, unindexed: bool = False):
        super().__init__()
        self.unindexed = unindexed

    def resolve_expression(self, query=None, *args, **kwargs):
        column = Col(query.get_initial_alias(), _DOCUMENT_FIELD)
        if not self.unindexed:
            return column
        # The same document, but not what the GIN index holds: checked row by row.
        return Func(
            column, template="COALESCE(%(expressions)s, ''::tsvector)", output_field=_DOCUMENT_FIELD
        )


class MessageMatch(Expression):
    """Whether one of the request's messages (replies and internal notes) has the words.

    `EXISTS (… OFFSET 0)`, checked for each request the walk reaches, through the messages'
    index by request: the OFFSET keeps PostgreSQL from reading every matching message of the
    whole table first (a hashed subplan: 50,000 messages for «модем» at 1M requests) when the
    page needs the newest fifty requests. The text is computed as the index `comment_search_fts`
    (tickets 0030) holds it; that index serves the rare words (`_rare_message_matches`).
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, query: SearchQuery, ticket_alias: str | None = None):
        super().__init__()
        self.query = query
        self.ticket_alias = ticket_alias

    def get_source_expressions(self):
        return [self.query]

    def set_source_expressions(self, expressions):
        (self.query,) = expressions

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        resolved.ticket_alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, change_map):
        clone = super().relabeled_clone(change_map)
        clone.ticket_alias = change_map.get(self.ticket_alias, self.ticket_alias)
        return clone

    def as_sql(self, compiler, connection):
        query_sql, params = compiler.compile(self.query)
        ticket = compiler.quote_name(self.ticket_alias)
        return (
            "EXISTS (SELECT 1 FROM tickets_comment search_message"  # noqa: S608 (names are ours)
            f" WHERE search_message.ticket_id = {ticket}.id AND {MESSAGE_DOCUMENT_SQL}"
            f" @@ ({query_sql}) OFFSET 0)",
            params,
        )


def message_document():
    """The searchable text of a message, computed: what the index `comment_search_fts` holds."""
    return SearchVector("body", config=CONFIG)


# message_document() of the alias `search_message`, written out for MessageMatch.
MESSAGE_DOCUMENT_SQL = "to_tsvector('russian'::regconfig, COALESCE(search_message.body, ''::text))"


def words(text: str) -> list[str]:
    """The words of a search text, at most MAX_WORDS."""
    return WORD.findall(text or "")[:MAX_WORDS]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _word_query(word: str) -> SearchQuery:
    """One word: itself as the beginning of a word, or the stem of itself or a shorter form.

    The Snowball stemmer does not bring every form of a word to one stem («модемы», «модема»
    → модем, but «модем», «модему» → мод), so the forms with one or two letters fewer are
    stemmed as well. The prefix is matched without stemming (the `simple` configuration):
    a stem as a prefix («мод»:*) would also find «модуль» and «мода».
    """
    stems = Lexeme(word)
    for shorter in (word[:-1], word[:-2]):
        if len(shorter) >= STEM_KEEP:
            stems |= Lexeme(shorter)
    return SearchQuery(Lexeme(word, prefix=True), config="simple") | SearchQuery(
        stems, config=CONFIG
    )


def _fts_query(text: str, *, any_word: bool = False) -> SearchQuery | None:
    """Every word (or any word), or the text as PostgreSQL's own parser splits it.

    The second catches what the word splitting above loses: `ge-0/0/1`, `client@beta.ru`.
    """
    found = [word.lower() for word in words(text)]
    found = [word for word in found if word not in STOP_WORDS]
    parsed = SearchQuery(text, search_type="websearch", config=CONFIG)
    if not found:
        return None if any_word or not text.strip() else parsed
    query = _word_query(found[0])
    for word in found[1:]:
        query = (query | _word_query(word)) if any_word else (query & _word_query(word))
    return query if any_word else query | parsed


def _stem(word: str) -> str:
    return word[: max(STEM_KEEP, len(word) - STEM_DROP)]


def _sqlite_words(text: str, fields: tuple[str, ...]) -> Q | None:
    """Each word's stem in one of the fields (LIKE; proftiket.sqlite folds every alphabet)."""
    found = words(text)
    if not found:
        return None
    condition = Q()
    for word in found:
        stem = _stem(word)
        condition &= Q.create([(f"{field}__icontains", stem) for field in fields], Q.OR)
    return condition


def _text_condition(queryset: QuerySet, text: str) -> tuple[QuerySet, Q | None]:
    """The queryset (with the document aliased on PostgreSQL) and the words' condition."""
    if _postgres():
        query = _fts_query(text)
        if query is None:
            return queryset, None
        return queryset.alias(search_document=StoredDocument()), Q(search_document=query)
    return queryset, _sqlite_words(text, ("subject", "description"))


def _matching_people_and_organisations(text: str) -> tuple[list[int], list[int]]:
    """Organisations whose name and people whose e-mail contain the text: one query."""
    term = text.strip()
    if len(term) < 3:
        return [], []
    rows = (
        Organization.objects.filter(name__icontains=term)
        .order_by()
        .values_list(Value("o"), "pk")
        .union(User.objects.filter(email__icontains=term).order_by().values_list(Value("u"), "pk"))
        .order_by()
    )
    organisations, people = [], []
    for kind, pk in rows:
        (organisations if kind == "o" else people).append(pk)
    return organisations[:MAX_LOOKUPS], people[:MAX_LOOKUPS]


def search_console(queryset: QuerySet, text: str) -> QuerySet:
    """Support staff's search: number, words (of the request or of any of its messages, internal
    notes included), organisation name, requester's e-mail."""
    term = text.strip()
    number = parse_reference(term)
    if number and term.upper().startswith(REFERENCE_PREFIX):
        return queryset.filter(pk=number)
    base = queryset
    queryset, words_condition = _text_condition(queryset, term)
    others = Q(pk__in=[])
    organisations, people = _matching_people_and_organisations(term)
    if organisations:
        others |= Q(organization_id__in=organisations)
    if people:
        others |= Q(requester_id__in=people)
    if number:
        others |= Q(pk=number)
    if words_condition is None:
        return queryset.filter(others)
    if not _postgres():
        messages = Comment.objects.filter(_sqlite_words(term, ("body",))).values("ticket_id")
        return queryset.filter(words_condition | others | Q(pk__in=messages))
    messages = MessageMatch(_fts_query(term))
    if not _common(base, words_condition | others):
        rare = _rare_word_matches(term, using=base.db)
        if rare is not None:
            in_messages = _rare_word_matches(term, using=base.db, messages=True)
            if in_messages is not None:
                return base.filter(Q(pk__in=sorted({*rare, *in_messages})) | others)
    return queryset.filter(words_condition | others | messages)


def _common(queryset: QuerySet, condition: Q) -> bool:
    """Whether at least COMMON_MATCHES of the newest NEWEST requests meet `condition`.

    A search lists the newest first. For a common word PostgreSQL walks the requests from the
    newest, checks each one's stored document and stops at the page's last match: a few hundred
    rows for «модем» (70,000 matches at 1M requests). But its statistics cannot tell a rare or
    absent word from a common one (a word outside the most common counts as 0.5% of the
    requests), and for a rare word that walk reads the whole table: seconds. So the newest
    requests are asked first: at most NEWEST rows of the newest-first index, fewer for a common
    word (it stops at COMMON_MATCHES). The words are checked on each of these rows, not through
    the GIN index: for a common word, collecting all its matches there costs more than the
    whole search.
    """
    since = _newest_since(queryset.db)
    if since is None:
        return False  # fewer requests than that: a rare word's few matches are read by id
    recent = (
        queryset.alias(search_document=StoredDocument(unindexed=True))
        .filter(condition, created_at__gte=since)
        .order_by()
    )
    return recent[:COMMON_MATCHES].count() >= COMMON_MATCHES


_NEWEST_SINCE: dict[str, tuple[float, object]] = {}  # database → (until, date)
NEWEST_KEPT = 300  # seconds: the date only moves forward, a little, as requests are filed


def _newest_since(using: str):
    """The filing date of the NEWEST-th newest request (None when there are fewer).

    Kept for a few minutes per process: a date a little old only widens the window a little.
    Its own query, so that the planner sees the date and reads its range through the index.
    """
    until, since = _NEWEST_SINCE.get(using, (0.0, None))
    if until < time.monotonic():
        newest = Ticket.objects.using(using).order_by("-created_at").values_list("created_at")
        found = newest[NEWEST - 1 : NEWEST].first()
        since = found[0] if found else None
        _NEWEST_SINCE[using] = (time.monotonic() + NEWEST_KEPT, since)
    return since


def _rare_word_matches(term: str, *, using: str, messages: bool = False) -> list[int] | None:
    """The ids of the requests with the words of `term`, when at most RARE_MATCHES have them.

    Read through the GIN index alone by `tickets_ticket_search_ids` (tickets 0025), which
    switches the planner's other ways off for its own statement only. With `messages`, the
    requests of the messages that have them (at most RARE_MATCHES messages), by
    `tickets_comment_search_ticket_ids` through `comment_search_fts` (tickets 0030).
    """
    function = "tickets_comment_search_ticket_ids" if messages else "tickets_ticket_search_ids"
    query = _fts_query(term)
    plain = Ticket.objects.using(using).all().query
    sql, params = plain.get_compiler(using=using).compile(query.resolve_expression(plain))
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {function}({sql}, %s)", [*params, RARE_MATCHES + 1])
        ids = cursor.fetchone()[0]
    return ids if len(ids) <= RARE_MATCHES else None


def search_portal(queryset: QuerySet, text: str) -> QuerySet:
    """A customer's search within the requests they may see: number, words, public messages.

    `queryset` is already limited to what the customer may see (tickets.access); internal
    notes are never searched.
    """
    term = text.strip()
    number = parse_reference(term)
    if number and term.upper().startswith(REFERENCE_PREFIX):
        return queryset.filter(pk=number)
    scope = queryset
    queryset, condition = _text_condition(queryset, term)
    if condition is None:
        return queryset.filter(pk=number) if number else queryset.none()
    # The public messages of the requests in view (not correlated row by row: PostgreSQL
    # reads the organisation's messages once, through the requests' index).
    messages = Comment.objects.filter(is_internal=False, ticket__in=scope.values("pk"))
    if _postgres():
        messages = messages.alias(message_document=SearchVector("body", config=CONFIG)).filter(
            message_document=_fts_query(term)
        )
    else:
        messages = messages.filter(_sqlite_words(term, ("body",)))
    condition |= Q(pk__in=messages.values("ticket_id"))
    if number:
        condition |= Q(pk=number)
    return queryset.filter(condition)


def similar_open_requests(queryset: QuerySet, subject: str, *, limit: int = SIMILAR_LIMIT):
    """Up to `limit` open requests of `queryset` that look like `subject`, best first.

    `queryset` is what the user may open (tickets.access.visible_tickets): the suggestions
    are there to be followed instead of filing a duplicate.
    """
    subject = subject.strip()
    if len(subject) < MIN_SIMILAR_LENGTH or not words(subject):
        return []
    candidates = queryset.filter(status__in=OPEN_STATUSES).order_by()
    if _postgres():
        query = _fts_query(subject, any_word=True)
        if query is None:
            return []  # stop words only («не для»): nothing to compare
        ordered = (
            candidates.alias(search_document=StoredDocument())
            .annotate(
                subject_likeness=TrigramWordSimilarity(Value(subject), "subject"),
                likeness=SearchRank(F("search_document"), query) + F("subject_likeness"),
            )
            .filter(Q(search_document=query) | Q(subject_likeness__gte=SIMILARITY_THRESHOLD))
            .order_by(F("likeness").desc(), "-created_at")
        )
    else:
        condition = Q.create(
            [
                (f"{field}__icontains", _stem(word))
                for word in words(subject)
                for field in ("subject", "description")
            ],
            Q.OR,
        )
        ordered = candidates.filter(condition).order_by("-created_at")
    return list(ordered.only("pk", "subject", "status", "created_at")[:limit])
