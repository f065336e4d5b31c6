"""Two years of demo history for `manage.py seed_demo`: every report chart has a story.

A few thousand requests of eight organisations over the last HISTORY_DAYS days: filed mostly
in office hours, answered and resolved by five engineers within the support hours (the SLA
clock's own arithmetic places every reply), some late (with their breaches), some disputed
and resolved again, closed by the customer's confirmation or automatically, some withdrawn;
many rated (worse when late or disputed). The last two weeks still have open work: new, in
progress, waiting for the customer, resolved and awaiting an answer.

Rows are written in bulk, not through the lifecycle per request (that would take minutes),
the way bench/bigdb.py seeds: but consistent as the lifecycle would have left them. Each
request's history entries follow its status, its SLA fields are the clock's (due times moved
by the time the clock stopped, business times to answer and resolve), each late target has
its Breach. Every entry is marked dispatched: nobody is mailed about the past.

Idempotent: the history is seeded once, when none of its own organisations has a request.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Organization, Role, User
from accounts.services import set_role
from proftiket import demo_incident
from sla import clock
from sla.calendars import working_day_calendar
from sla.models import Breach, Contract, SupportPlan
from tickets import sla_tracking
from tickets.models import CLOCK_RUNNING_STATUSES, Comment, Rating, Ticket, TicketEvent

HISTORY_DAYS = 730
HISTORY_REQUESTS = 3000
SEED = 16
S, Kind, Type, P = Ticket.Status, TicketEvent.Kind, Ticket.Type, Ticket.Priority

# Organisations of the history alone (the marker of a seeded history), with their plan.
HISTORY_ORGANIZATIONS = {
    "Гамма Связь": ("Премиум", "SLA-2024-103"),
    "Дельта Нет": ("Стандарт", "SLA-2024-104"),
    "Омега Телеком": ("Стандарт", "SLA-2024-105"),
    "Сигма Мобайл": ("Премиум", "SLA-2024-106"),
    "Каппа Онлайн": ("Стандарт", "SLA-2024-107"),
    "Лямбда Сети": ("Стандарт", "SLA-2024-108"),
}
HISTORY_AGENTS = [
    ("irina@proftiket.demo", "Ирина Сетевая"),
    ("kirill@proftiket.demo", "Кирилл Биллингов"),
    ("lev@proftiket.demo", "Лев Маршрутов"),
    ("maria@proftiket.demo", "Мария Голосова"),
]
CUSTOMERS = [("oleg", "Олег Связистов"), ("polina", "Полина Линейная"), ("roman", "Роман Узлов")]
SUBJECTS = {
    Type.INCIDENT: [
        "Не проходят вызовы на короткий номер",
        "Обрывы исходящих вызовов через 30 секунд",
        "Не приходят SMS с кодом подтверждения",
        "Нет доступа к личному кабинету абонента",
        "Плохое качество голоса в IP-телефонии",
        "Не работает переадресация вызовов",
    ],
    Type.PROBLEM: [
        "Недоступен модуль биллинга",
        "Потеря пакетов на магистральном канале",
        "Сбой маршрутизации BGP на границе сети",
        "Отказ коммутатора в узле связи",
    ],
    Type.SERVICE_REQUEST: [
        "Как выгрузить CDR за месяц?",
        "Нужна консультация по API",
        "Запрос доступа для нового сотрудника",
        "Справка о качестве связи для регулятора",
    ],
    Type.CHANGE_REQUEST: [
        "Добавить экспорт отчёта в XLSX",
        "Изменить тарифную сетку для корпоративных клиентов",
        "Увеличить ёмкость SIP-транка",
    ],
}
TYPES = [Type.INCIDENT] * 50 + [Type.PROBLEM] * 12 + [Type.SERVICE_REQUEST] * 28
TYPES += [Type.CHANGE_REQUEST] * 10
REPLIES = [
    "Здравствуйте! Обращение в работе, проверяем журналы оборудования.",
    "Добрый день! Взяли в работу, вернусь с результатом проверки.",
    "Видим проблему на нашей стороне, инженеры уже работают над ней.",
]
SOLUTIONS = [
    "Исправили маршрут на пограничном шлюзе, вызовы проходят. Проверьте, пожалуйста.",
    "Перезапустили сервис тарификации и пересчитали начисления за день.",
    "Обновили конфигурацию, ошибка больше не воспроизводится.",
    "Инструкция приложена к ответу: выгрузка доступна в разделе «Отчёты».",
]
CUSTOMER_REPLIES = [
    "Спасибо, ждём. Проблема затрагивает несколько офисов.",
    "Прикладываем журналы за последние сутки.",
    "Номер абонента 79001234567, время последней попытки 10:42.",
]
DISPUTES = ["После исправления ошибка повторилась.", "Проблема вернулась на следующий день."]
RATING_COMMENTS = {
    1: ["Три дня без ответа, пришлось звонить.", "Решение не помогло с первого раза."],
    2: ["Долго, хотя решили.", "Пришлось объяснять проблему дважды."],
    4: ["Спасибо, всё работает.", ""],
    5: ["Быстро и понятно, спасибо!", "Отличная работа инженера.", ""],
}


@dataclass
class Built:
    """One request with its messages, history entries, breaches and rating, before saving."""

    ticket: Ticket
    comments: list = field(default_factory=list)  # (Comment, history entry or None)
    events: list = field(default_factory=list)
    breaches: list = field(default_factory=list)
    rating: Rating | None = None


def seed_history(users: dict[str, User], *, now=None, count: int = HISTORY_REQUESTS) -> int:
    """The demo history (once); how many requests it added."""
    now = now or timezone.now()
    start = now - timedelta(days=HISTORY_DAYS)
    if count <= 0 or Ticket.objects.filter(organization__name__in=HISTORY_ORGANIZATIONS).exists():
        return 0
    with transaction.atomic():
        organisations = _organisations(start.date())
        engineers = [users["agent@proftiket.demo"], *_agents()]
        requesters = _requesters(organisations)
        plans = {
            plan.pk: plan
            for plan in SupportPlan.objects.select_related("calendar").prefetch_related("targets")
        }
        contracts = {
            c.organization_id: c for c in Contract.objects.filter(organization__in=organisations)
        }
        history = _History(random.Random(SEED), now=now, engineers=engineers)  # noqa: S311
        built = []
        for moment in history.filing_moments(start, count):
            organisation = history.rng.choice(organisations)
            contract = contracts[organisation.pk]
            requester = history.rng.choice(requesters[organisation.pk])
            built.append(history.request(moment, requester, contract, plans[contract.plan_id]))
        _save(built)
        demo_incident.seed_past_incident(
            users["lead@proftiket.demo"], organisations=HISTORY_ORGANIZATIONS, now=now
        )
    return len(built)


def _organisations(start: date) -> list[Organization]:
    """The demo organisations and the history's own, each with a contract covering the history."""
    plans = {plan.name: plan for plan in SupportPlan.objects.all()}
    for name, (plan_name, number) in HISTORY_ORGANIZATIONS.items():
        organisation, _ = Organization.objects.get_or_create(name=name)
        if not Contract.objects.filter(organization=organisation).exists():
            Contract.objects.create(
                organization=organisation, plan=plans[plan_name], number=number, starts_on=start
            )
    names = ["Alpha Telecom", "Beta Telecom", *HISTORY_ORGANIZATIONS]
    organisations = list(Organization.objects.filter(name__in=names).order_by("name"))
    # The demo contracts began in 2026: the history needs them in force from its start.
    Contract.objects.filter(organization__in=organisations, starts_on__gt=start).update(
        starts_on=start
    )
    return organisations


def _agents() -> list[User]:
    agents = []
    for email, name in HISTORY_AGENTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, full_name=name)
            user.set_unusable_password()  # history only: nobody logs in as them
            set_role(user, role=Role.AGENT, actor=None)
        agents.append(user)
    return agents


def _requesters(organisations) -> dict[int, list[User]]:
    """The customers of each organisation; the history's own get three (without a password:
    they exist for the history)."""
    result = {}
    for organisation in organisations:
        people = list(User.objects.filter(organization=organisation, role=Role.CUSTOMER))
        if organisation.name in HISTORY_ORGANIZATIONS and not people:
            for login, name in CUSTOMERS:
                user = User(
                    email=f"{login}@org{organisation.pk}.demo",
                    full_name=name,
                    organization=organisation,
                )
                user.set_unusable_password()
                set_role(user, role=Role.CUSTOMER, actor=None)
                people.append(user)
        result[organisation.pk] = people
    return result


class _History:
    """The draws of one history: when things happen, how long they take, how they end."""

    def __init__(self, rng: random.Random, *, now: datetime, engineers: list[User]):
        self.rng, self.now, self.engineers = rng, now, engineers
        self._auto_close: dict = {}
        self._calendars: dict = {}

    def filing_moments(self, start: datetime, count: int) -> list[datetime]:
        """Moments in [start, now), mostly on weekdays in office hours, growing over time."""
        moments = []
        span = (self.now - start).total_seconds()
        while len(moments) < count:
            # Later months are busier: the service grows.
            moment = start + timedelta(seconds=span * self.rng.random() ** 0.8)
            local = timezone.localtime(moment)
            office = local.weekday() < 5 and 8 <= local.hour < 19
            if office or self.rng.random() < 0.15:
                moments.append(moment)
        return sorted(moments)

    def request(self, created: datetime, requester: User, contract, plan) -> Built:
        rng = self.rng
        type = rng.choice(TYPES)
        blocks_work = type != Type.PROBLEM and rng.random() < 0.08
        priority = Ticket.initial_priority(type, blocks_work=blocks_work)
        if rng.random() < 0.04:
            priority = P.CRITICAL
        elif priority == P.NORMAL and rng.random() < 0.2:
            priority = P.LOW
        ticket = Ticket(
            organization_id=requester.organization_id,
            requester=requester,
            type=type,
            priority=priority,
            blocks_work=blocks_work,
            subject=rng.choice(SUBJECTS[type]),
            description="Описание проблемы: с утра наблюдаем сбой, подробности ниже.",
            contract=contract,
            plan=plan,
            created_at=created,
            last_activity_at=created,
            status_changed_at=created,
        )
        for name, value in sla_tracking.on_filing(ticket).items():
            setattr(ticket, name, value)
        built = Built(ticket)
        self._event(built, Kind.CREATED, created, actor=requester, to_status=S.NEW)
        _Story(self, built).play()
        return built

    def auto_close(self, ticket: Ticket, resolved: datetime) -> dict:
        """When a request resolved then closes by itself (per resolution day: few queries)."""
        day = timezone.localtime(resolved).date()
        if day not in self._auto_close:
            if day.year not in self._calendars:  # one query per year, not per day
                self._calendars[day.year] = working_day_calendar(date(day.year, 1, 1))
            self._auto_close[day] = sla_tracking.auto_close_moments(
                ticket, resolved_at=resolved, calendar=self._calendars[day.year]
            )
        return self._auto_close[day]

    def _event(self, built, kind, at, *, actor=None, comment=None, **fields) -> TicketEvent:
        event = TicketEvent(
            ticket=built.ticket, kind=kind, actor=actor, created_at=at, notified_at=at, **fields
        )
        if comment is None:
            built.events.append(event)
        else:
            built.comments.append((comment, event))
        return event


class _Story:
    """What happens to one request, written as its fields, messages and history entries."""

    def __init__(self, history: _History, built: Built):
        self.h, self.b, self.t = history, built, built.ticket
        self.rng, self.now = history.rng, history.now
        self.schedule = sla_tracking.schedule_of(self.t)
        self.targets = sla_tracking.targets_of(self.t)
        self.status = S.NEW

    def after(self, moment: datetime, business: timedelta) -> datetime:
        return clock.add_business_time(self.schedule, moment, business)

    def between(self, start: datetime, end: datetime, fraction: float) -> datetime:
        """A moment of support hours `fraction` of the way from `start` to `end`."""
        open_time = clock.business_time_between(self.schedule, start, end)
        return self.after(start, open_time * fraction)

    def share(self, target: timedelta, *, late_chance: float) -> timedelta:
        """A business duration: mostly well within `target`, sometimes past it."""
        if self.rng.random() < late_chance:
            return target * self.rng.uniform(1.05, 2.5)
        return target * self.rng.uniform(0.1, 0.95)

    def play(self) -> None:
        self.story()
        if self.status in CLOCK_RUNNING_STATUSES:
            self.late_while_open()

    def story(self) -> None:
        age = self.now - self.t.created_at
        if age < timedelta(hours=6) and self.rng.random() < 0.5:
            return  # new, nobody has it yet
        engineer = self.rng.choice(self.h.engineers)
        if self.rng.random() < 0.04 and age > timedelta(days=1):
            return self.withdraw(self.t.created_at + timedelta(hours=self.rng.uniform(1, 20)))
        first = self.targets.first_response if self.targets else timedelta(hours=2)
        answered = self.after(self.t.created_at, self.share(first, late_chance=0.1))
        if answered >= self.now:
            return
        self.take(engineer, self.t.created_at + (answered - self.t.created_at) * 0.8)
        self.reply(engineer, answered)
        resolution = self.targets.resolution if self.targets else timedelta(hours=24)
        resolved = self.after(self.t.created_at, self.share(resolution, late_chance=0.12))
        resolved = max(resolved, self.after(answered, timedelta(minutes=30)))
        if resolved >= self.now:
            if self.rng.random() < 0.3:
                self.ask(engineer, self.between(answered, self.now, self.rng.uniform(0.2, 0.6)))
            return None
        if age < timedelta(days=120) and self.rng.random() < 0.03:
            return self.stuck(engineer, answered)  # the backlog's old tail
        if self.rng.random() < 0.12:  # a question first; the clock stops while it waits
            self.ask(engineer, self.between(answered, resolved, 0.2))
            self.provide(answered + (resolved - answered) * 0.5)
        elif self.rng.random() < 0.25:
            self.customer_message(answered + (resolved - answered) * 0.4)
        self.resolve(engineer, resolved)
        if self.rng.random() < 0.08:
            disputed = resolved + timedelta(hours=self.rng.uniform(2, 30))
            again = self.after(disputed, timedelta(hours=self.rng.uniform(1, 12)))
            if again >= self.now:
                return self.dispute(disputed)
            self.dispute(disputed)
            self.resolve(engineer, again)
            resolved = again
        self.close(resolved)

    # --- The steps: each sets the fields and writes what the lifecycle would -------------------

    def take(self, engineer, at):
        self.t.assignee = engineer
        data = {"from": None, "to": engineer.pk}
        self.h._event(
            self.b,
            Kind.ASSIGNED,
            at,
            actor=engineer,
            note=engineer.full_name,
            data=data,
            assigned_to=engineer,
        )
        self.move(S.IN_PROGRESS, Kind.STATUS_CHANGED, at, actor=engineer)

    def reply(self, engineer, at):
        self.t.first_response_at = at
        self.t.first_response_time = sla_tracking.elapsed(self.t, until=at)
        self.breach_if_late("first_response", at)
        comment = Comment(ticket=self.t, author=engineer, body=self.rng.choice(REPLIES))
        comment.created_at = at
        self.h._event(self.b, Kind.REPLIED, at, actor=engineer, comment=comment)

    def customer_message(self, at):
        comment = Comment(ticket=self.t, author=self.t.requester, created_at=at)
        comment.body = self.rng.choice(CUSTOMER_REPLIES)
        self.h._event(self.b, Kind.CUSTOMER_REPLIED, at, actor=self.t.requester, comment=comment)

    def ask(self, engineer, at):
        comment = Comment(ticket=self.t, author=engineer, created_at=at)
        comment.body = "Уточните, пожалуйста, номер абонента и время последней попытки."
        self.move(S.WAITING, Kind.INFO_REQUESTED, at, actor=engineer, comment=comment)

    def provide(self, at):
        requester = self.t.requester
        comment = Comment(ticket=self.t, author=requester, created_at=at)
        comment.body = self.rng.choice(CUSTOMER_REPLIES)
        self.move(S.IN_PROGRESS, Kind.CUSTOMER_REPLIED, at, actor=requester, comment=comment)

    def resolve(self, engineer, at):
        self.t.resolved_at = at
        self.t.resolution_time = sla_tracking.elapsed(self.t, until=at)
        self.breach_if_late("resolution", at)
        comment = Comment(ticket=self.t, author=engineer, created_at=at)
        comment.body = self.rng.choice(SOLUTIONS)
        self.move(S.RESOLVED, Kind.RESOLVED, at, actor=engineer, comment=comment)
        for name, value in self.h.auto_close(self.t, at).items():
            setattr(self.t, name, value)

    def dispute(self, at):
        reason = self.rng.choice(DISPUTES)
        comment = Comment(ticket=self.t, author=self.t.requester, body=reason, created_at=at)
        self.t.auto_close_at = self.t.auto_close_reminder_at = None
        self.move(S.IN_PROGRESS, Kind.DISPUTED, at, actor=self.t.requester, comment=comment)

    def close(self, resolved):
        rng = self.rng
        confirmed = resolved + timedelta(hours=rng.uniform(0.5, 72))
        confirms = rng.random() < 0.6 and confirmed < self.now
        reminder = self.t.auto_close_reminder_at
        if reminder is not None and reminder <= (confirmed if confirms else self.now):
            self.remind(reminder)
        if confirms:
            reason, kind, at = Ticket.CloseReason.CONFIRMED, Kind.CONFIRMED, confirmed
            actor = self.t.requester
        elif self.t.auto_close_at <= self.now:
            reason, kind, at = Ticket.CloseReason.AUTO, Kind.AUTO_CLOSED, self.t.auto_close_at
            actor = None
        else:
            return  # resolved, the customer has not answered yet
        self.t.auto_close_at = self.t.auto_close_reminder_at = None
        self.t.closed_at, self.t.close_reason = at, reason
        self.move(S.CLOSED, kind, at, actor=actor)
        self.rate(at)

    def remind(self, at):
        """The reminder job's entry before the automatic closing (sent once, then cleared)."""
        data = {"closes_at": self.t.auto_close_at.isoformat()}
        self.h._event(self.b, Kind.AUTO_CLOSE_REMINDER, at, data=data)
        self.t.auto_close_reminder_at = None

    def stuck(self, engineer, answered):
        """Still open long after filing: waiting for the customer, or in progress (late)."""
        asked = self.after(answered, timedelta(hours=self.rng.uniform(1, 24)))
        if self.rng.random() < 0.4 and asked < self.now:
            self.ask(engineer, asked)

    def withdraw(self, at):
        self.t.closed_at, self.t.close_reason = at, Ticket.CloseReason.WITHDRAWN
        self.move(S.CLOSED, Kind.WITHDRAWN, at, actor=self.t.requester)

    def rate(self, closed):
        rng = self.rng
        rated = closed + timedelta(hours=rng.uniform(0.1, 96))
        if rng.random() > 0.45 or rated >= self.now:
            return
        trouble = len(self.b.breaches) + 2 * sum(
            e.kind == Kind.DISPUTED for _c, e in self.b.comments
        )
        weights = [[2, 3, 10, 35, 50], [10, 20, 30, 25, 15], [30, 30, 20, 15, 5]][min(trouble, 2)]
        score = rng.choices([1, 2, 3, 4, 5], weights=weights)[0]
        comment = rng.choice(RATING_COMMENTS.get(score, [""]))
        self.b.rating = Rating(
            ticket=self.t, score=score, comment=comment, rated_by=self.t.requester, created_at=rated
        )
        data = {"score": score}
        self.h._event(
            self.b, Kind.RATED, rated, actor=self.t.requester, note=f"{score}/5", data=data
        )

    def late_while_open(self):
        """Still open: what the monitor would have recorded by now (at risk, then missed)."""
        unanswered = self.t.first_response_at is None
        for target, risk, warned in (
            ("first_response", "first_response_risk_at", "first_response_warned_at"),
            ("resolution", "resolution_risk_at", "resolution_warned_at"),
        ):
            at = getattr(self.t, risk)
            if at and at <= self.now and (unanswered or target == "resolution"):
                setattr(self.t, warned, at)
                data = {"target": target}
                self.h._event(self.b, Kind.SLA_AT_RISK, at, is_public=False, data=data)
        first_due = self.t.first_response_due_at
        if unanswered and first_due and first_due < self.now:
            self.add_breach("first_response", first_due, None)
        escalation = self.t.escalation_at
        untaken = self.t.priority == P.CRITICAL and self.t.assignee_id is None
        if untaken and escalation and escalation <= self.now:
            self.t.escalated_at = escalation
            self.h._event(self.b, Kind.ESCALATED, escalation, is_public=False)
        due = self.t.resolution_due_at
        if due and due < self.now:
            self.add_breach("resolution", due, None)

    def breach_if_late(self, target: str, at):
        if missed := sla_tracking.missed(self.t, target, at=at):
            due, late_by = missed
            self.add_breach(target, due, at, late_by)

    def add_breach(self, target, due, met, late_by=None):
        if any(breach.target == target for breach in self.b.breaches):
            return  # one per target: a later miss of the same target adds nothing
        breach = Breach(ticket=self.t, target=target, due_at=due, recorded_at=due, notified_at=due)
        breach.met_at, breach.late_by = met, late_by
        self.b.breaches.append(breach)
        data = {"target": target}
        self.h._event(self.b, Kind.SLA_BREACHED, due, is_public=False, data=data)

    def move(self, status, kind, at, *, actor=None, comment=None):
        """A change of status as the lifecycle's _move makes it, clock included."""
        old, self.status = self.status, status
        changes = sla_tracking.clock_change(self.t, old=old, new=status, now=at)
        for name, value in changes.items():
            setattr(self.t, name, value)
        self.t.status, self.t.status_changed_at, self.t.last_activity_at = status, at, at
        fields = {"from_status": old, "to_status": status}
        self.h._event(self.b, kind, at, actor=actor, comment=comment, **fields)


def _save(built: list[Built]) -> None:
    """Everything in bulk: requests, messages, history entries (linked), breaches, ratings.

    Keys are reserved from the tables' sequences first, so that rows can name each other
    before they are written, and the rows go in with executemany: Django's bulk_create spent
    most of the seeding time preparing tens of thousands of rows value by value.
    """
    tickets = [b.ticket for b in built]
    for b in built:
        moments = [b.ticket.created_at, *(e.created_at for e in b.events)]
        b.ticket.last_activity_at = max(moments + [c.created_at for c, _e in b.comments])
    _with_ids(Ticket, tickets)
    comments = [c for b in built for c, _e in b.comments]
    for comment in comments:
        comment.ticket_id = comment.ticket.pk
    _with_ids(Comment, comments)
    events = []
    for b in built:
        for comment, event in b.comments:
            event.comment_id = comment.pk
        events += sorted(b.events + [e for _c, e in b.comments], key=lambda e: e.created_at)
    breaches = [breach for b in built for breach in b.breaches]
    ratings = [b.rating for b in built if b.rating]
    for row in (*events, *breaches, *ratings):
        row.ticket_id = row.ticket.pk
    for model, rows in ((Ticket, tickets), (Comment, comments), (TicketEvent, events)):
        _insert(model, rows)
    _insert(Breach, breaches)
    _insert(Rating, ratings)


def _with_ids(model, rows) -> None:
    """Give the rows keys from the table's sequence (as their INSERTs would have taken)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        else:  # SQLite: the one writer, inside this transaction
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            first = cursor.fetchone()[0] + 1
            ids = range(first, first + len(rows))
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk


def _insert(model, rows, *, chunk: int = 2000) -> None:
    """INSERT the rows' concrete fields with executemany (values adapted once per field)."""
    fields = [f for f in model._meta.concrete_fields if rows and (f.attname != "id" or rows[0].pk)]
    adapt = [_adapter(f) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            cursor.executemany(
                sql,
                [
                    [a(getattr(row, f.attname)) for f, a in zip(fields, adapt, strict=True)]
                    for row in rows[start : start + chunk]
                ],
            )


def _adapter(field):
    """How a value of this field is written (only the kinds of field these models have)."""

    def plain(value):
        return value.value if isinstance(value, Enum) else value

    def prepared(value):
        return None if value is None else field.get_db_prep_save(value, connection)

    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DurationField | models.JSONField):
        return prepared
    return plain
