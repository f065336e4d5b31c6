"""A realistic data set for an upgrade fixture: every kind of object a release can hold.

Run by `scripts/build-upgrade-fixture <release>` inside a checkout of that release (its own
code and venv, a freshly migrated database), as a plain script:

    PYTHONPATH=<checkout> DJANGO_SETTINGS_MODULE=proftiket.settings python dataset.py

It is written against the API of the release it loads (0.2 now). The next release may change
that API: then copy this file into the release before tagging it, adapted; the build script
prefers the release's own tests/upgrade/dataset.py. Fixtures already built never change.

Time is moved with time-machine through September–November 2026, so filing times, SLA
targets, breaches, reminders and automatic closing happen as they would have.
"""

import datetime as dt
import os
import random
import sys
import zoneinfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proftiket.settings")
django.setup()

import time_machine  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django_q.models import OrmQ, Schedule, Task  # noqa: E402
from django_q.tasks import async_task  # noqa: E402

from accounts import services, tokens  # noqa: E402
from accounts.models import ApiToken, Organization, Role, User  # noqa: E402
from inbound.models import InboundMessage, Mailbox  # noqa: E402
from sla.models import (  # noqa: E402
    Breach,
    BusinessCalendar,
    CalendarDay,
    Contract,
    PlanTarget,
    SupportPlan,
    WeeklyHours,
    WorkingDayOverride,
    default_calendar,
)
from tickets import lifecycle, notifications, satisfaction  # noqa: E402
from tickets import sla_monitor as monitor  # noqa: E402
from tickets.lifecycle import incidents  # noqa: E402
from tickets.models import (  # noqa: E402
    Attachment,
    CannedReply,
    Comment,
    Rating,
    StatusNotice,
    Ticket,
    TicketEvent,
)
from webhooks.models import EventType, Webhook  # noqa: E402

PASSWORD = os.environ.get("FIXTURE_PASSWORD", "upgrade-fixture-password")
MSK = zoneinfo.ZoneInfo("Europe/Moscow")
S, Kind = Ticket.Status, TicketEvent.Kind
rng = random.Random(20261201)  # reproducible test data


def at(year, month, day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=MSK)


class Clock:
    """Moves time-machine's clock forward only (so history stays in order)."""

    def __init__(self, start):
        self.traveller = time_machine.travel(start, tick=False)
        self.now = start
        self.coordinates = None

    def __enter__(self):
        self.coordinates = self.traveller.start()
        return self

    def __exit__(self, *exc):
        self.traveller.stop()

    def to(self, moment):
        if moment < self.now:
            raise ValueError(f"time goes forward only: {moment} < {self.now}")
        self.now = moment
        self.coordinates.move_to(moment)

    def by(self, **delta):
        self.to(self.now + dt.timedelta(**delta))


def png(label: str) -> SimpleUploadedFile:
    """A small valid PNG (one grey pixel) whose bytes differ per label."""
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    pixel = chunk(b"IDAT", zlib.compress(b"\x00" + bytes([len(label) % 256])))
    text = chunk(b"tEXt", b"Comment\x00" + label.encode())
    data = b"\x89PNG\r\n\x1a\n" + header + text + pixel + chunk(b"IEND", b"")
    return SimpleUploadedFile(f"{label}.png", data, content_type="image/png")


def text_file(name: str, lines: int) -> SimpleUploadedFile:
    body = "".join(
        f"2026-10-0{1 + n % 9}T10:{n % 60:02d}:00 sip[{1000 + n}]: INVITE 79001234{n:03d} → 404\n"
        for n in range(lines)
    )
    return SimpleUploadedFile(name, body.encode(), content_type="text/plain")


def user(email, full_name, role, organization=None, *, language="ru", phone=""):
    person = User(
        email=email,
        full_name=full_name,
        organization=organization,
        language=language,
        phone=phone,
    )
    person.set_password(PASSWORD)
    # Since 0.2 a role's group (its console permissions) follows through the service only.
    services.set_role(person, role=role, actor=None)
    return person


def build_reference_data():
    """Calendars, working-day overrides, plans with targets, organisations, users, contracts."""
    support_hours = default_calendar()
    round_the_clock = BusinessCalendar.objects.create(name="Круглосуточно", time_zone="UTC")
    WeeklyHours.objects.bulk_create(
        WeeklyHours(calendar=round_the_clock, weekday=d, opens=dt.time(0), closes=dt.time(0))
        for d in range(7)
    )
    ural = BusinessCalendar.objects.create(
        name="Екатеринбург, будни", time_zone="Asia/Yekaterinburg"
    )
    WeeklyHours.objects.bulk_create(
        [
            WeeklyHours(calendar=ural, weekday=d, opens=dt.time(8), closes=dt.time(12))
            for d in range(5)
        ]
        + [
            WeeklyHours(calendar=ural, weekday=d, opens=dt.time(13), closes=dt.time(17))
            for d in range(5)
        ]
    )
    CalendarDay.objects.create(
        calendar=support_hours, date=dt.date(2026, 11, 4), note="День народного единства"
    )
    CalendarDay.objects.create(
        calendar=support_hours,
        date=dt.date(2026, 12, 31),
        opens=dt.time(10),
        closes=dt.time(15),
        note="Сокращённый день",
    )
    CalendarDay.objects.create(calendar=ural, date=dt.date(2026, 11, 4), note="Праздник")
    WorkingDayOverride.objects.create(
        date=dt.date(2026, 12, 31), is_working_day=False, note="Перенос по решению руководства"
    )
    WorkingDayOverride.objects.create(
        date=dt.date(2027, 1, 9), is_working_day=True, note="Рабочая суббота"
    )

    all_types = [value for value, _label in Ticket.Type.choices]
    standard = SupportPlan.objects.create(
        name="Стандарт",
        description="Поддержка в рабочие часы.\nВсе типы обращений.",
        covered_types=all_types,
        calendar=support_hours,
        auto_close_working_days=10,
    )
    premium = SupportPlan.objects.create(
        name="Премиум 24/7",
        description="Инциденты и проблемы круглосуточно.",
        covered_types=[Ticket.Type.INCIDENT, Ticket.Type.PROBLEM],
        calendar=round_the_clock,
        auto_close_working_days=5,
    )
    regional = SupportPlan.objects.create(name="Регион", covered_types=all_types, calendar=ural)
    hours = dt.timedelta(hours=1)
    for plan, targets in (
        (standard, {1: (1, 8), 2: (2, 16), 3: (4, 40), 4: (8, 80)}),
        (premium, {1: (0.25, 4), 2: (0.5, 8), 3: (2, 24), 4: (4, 48)}),
        (regional, {1: (2, 16), 3: (8, 80)}),
    ):
        for priority, (first, resolution) in targets.items():
            PlanTarget.objects.create(
                plan=plan,
                priority=priority,
                first_response=first * hours,
                resolution=resolution * hours,
            )

    orgs = {
        "alpha": Organization.objects.create(
            name="Альфа Телеком",
            short_name="Альфа",
            tax_number="7701000001",
            contact_email="noc@alpha.example",
            contact_phone="+7 495 000-00-01",
        ),
        "beta": Organization.objects.create(
            name="Beta Telecom «Север»",
            short_name="Бета",
            tax_number="780200000212",
            contact_email="noc@beta.example",
        ),
        "gamma": Organization.objects.create(name="Гамма (бывший клиент)", is_active=False),
        "delta": Organization.objects.create(
            name="Дельта без договора", contact_phone="+7 343 000-00-04"
        ),
    }
    Contract.objects.create(
        organization=orgs["alpha"],
        plan=premium,
        number="SLA-2026-001",
        starts_on=dt.date(2026, 1, 1),
    )
    Contract.objects.create(
        organization=orgs["beta"],
        plan=standard,
        number="SLA-2025-017",
        starts_on=dt.date(2025, 3, 1),
        ends_on=dt.date(2025, 12, 31),
    )
    Contract.objects.create(
        organization=orgs["beta"],
        plan=standard,
        number="SLA-2026-002",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    Contract.objects.create(
        organization=orgs["gamma"],
        plan=regional,
        number="SLA-2024-003",
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2026, 6, 30),
    )

    people = {
        "admin": user("admin@support.example", "Евгений Админов", Role.ADMINISTRATOR),
        "lead": user("lead@support.example", "Дарья Руководова", Role.SUPERVISOR),
        "agent": user(
            "agent@support.example", "Григорий Инженеров", Role.AGENT, phone="+7 495 111-11-11"
        ),
        "agent2": user("agent2@support.example", "Ольга Дежурная", Role.AGENT, language="en"),
        "former_agent": user("former@support.example", "Пётр Уволенный", Role.AGENT),
        "a1": user("client@alpha.example", "Анна Клиентова", Role.CUSTOMER, orgs["alpha"]),
        "a2": user("noc@alpha.example", "Alex Smith", Role.CUSTOMER, orgs["alpha"], language="en"),
        "boss_a": user(
            "boss@alpha.example", "Борис Начальников", Role.CUSTOMER_MANAGER, orgs["alpha"]
        ),
        "b1": user("client@beta.example", "Вера Бетова", Role.CUSTOMER, orgs["beta"]),
        "b_left": user("left@beta.example", "Семён Ушедший", Role.CUSTOMER, orgs["beta"]),
        "boss_b": user("boss@beta.example", "Мария О'Коннор", Role.CUSTOMER_MANAGER, orgs["beta"]),
        "g1": user("client@gamma.example", "Галина Гаммова", Role.CUSTOMER, orgs["gamma"]),
        "d1": user("client@delta.example", "Денис Дельтов", Role.CUSTOMER, orgs["delta"]),
    }
    return orgs, people


def file_request(requester, subject, *, type=Ticket.Type.INCIDENT, **fields):
    return lifecycle.create_ticket(
        requester=requester,
        type=type,
        subject=subject,
        description=fields.pop("description", f"{subject}.\n\nПодробности в приложении."),
        **fields,
    )


def refresh(ticket):
    ticket.refresh_from_db()
    return ticket


def build_requests(clock, orgs, people):
    """The story of each request, through the lifecycle, the SLA monitor and the jobs."""
    p = people
    agent, agent2, lead = p["agent"], p["agent2"], p["lead"]
    made = {}

    # An outage at Alpha (24/7 plan): critical, escalated, at risk, both targets missed.
    clock.to(at(2026, 9, 1, 9, 0))
    outage = file_request(
        p["boss_a"],
        "Недоступен модуль биллинга",
        type=Ticket.Type.PROBLEM,
        blocks_work=True,
        technical_details="billing-core 4.2.1: 503",
        files=[png("billing-error"), text_file("billing.log", 40)],
    )
    clock.by(minutes=2)
    lifecycle.set_priority(refresh(outage), actor=lead, priority=Ticket.Priority.CRITICAL)
    clock.by(minutes=20)
    monitor.run()  # unassigned critical after 15 min: escalated; first response missed
    clock.by(hours=3, minutes=15)
    monitor.run()  # less than 20% of the resolution time left: at risk
    lifecycle.take(refresh(outage), actor=agent)
    lifecycle.reply(
        refresh(outage),
        actor=agent,
        body="Видим проблему на шлюзе, работаем. <b>Не</b> перезапускайте сервис.",
    )
    clock.by(hours=1)
    monitor.run()  # resolution missed
    lifecycle.set_executors(refresh(outage), actor=lead, executors=[agent2, p["former_agent"]])
    lifecycle.add_note(
        refresh(outage),
        actor=agent2,
        body="Коллеги, смотрите дамп.",
        files=[text_file("gateway-dump.txt", 15)],
    )
    made["outage"] = outage

    # Incidents linked to the outage, one of another organisation (the link is internal there).
    clock.by(minutes=30)
    related = file_request(p["a1"], "Не проходят начисления абонентам")
    beta_related = file_request(
        p["b1"], "Ошибки тарификации у партнёра", type=Ticket.Type.SERVICE_REQUEST
    )
    clock.by(minutes=5)
    lifecycle.link(refresh(related), refresh(outage), actor=agent)
    lifecycle.link(refresh(beta_related), refresh(outage), actor=lead)
    lifecycle.assign(refresh(related), actor=lead, assignee=agent2)
    made["related"], made["beta_related"] = related, beta_related

    # Waiting for the customer (Beta, standard plan on the support hours).
    clock.to(at(2026, 9, 14, 11, 0))
    waiting = file_request(p["b1"], "Как выгрузить CDR за месяц?", type=Ticket.Type.SERVICE_REQUEST)
    clock.by(minutes=40)
    lifecycle.take(refresh(waiting), actor=agent)
    lifecycle.request_info(
        refresh(waiting), actor=agent, question="Уточните, пожалуйста, период и формат выгрузки."
    )
    made["waiting"] = waiting

    # Volume: ordinary requests with ordinary histories, spread over the autumn.
    start = at(2026, 9, 15, 10, 0)
    customers = [p["a1"], p["a2"], p["boss_a"], p["b1"], p["boss_b"]]
    types = [value for value, _label in Ticket.Type.choices]
    for n in range(16):
        clock.to(start + dt.timedelta(days=n * 1.2, hours=rng.randrange(0, 6)))
        ticket = file_request(
            rng.choice(customers),
            f"Обращение №{n}: {rng.choice(SUBJECTS)}",
            type=rng.choice(types),
            blocks_work=rng.random() < 0.2,
        )
        engineer = rng.choice([agent, agent2])
        for step in rng.choice(STORIES):
            clock.by(minutes=rng.randrange(5, 240))
            step(refresh(ticket), engineer)
    clock.by(hours=2)
    monitor.run()  # the SLA of the ordinary requests: warnings and breaches as they fell due

    # Confirmed; followed up by a new request.
    clock.to(at(2026, 10, 5, 12, 0))
    confirmed = file_request(p["b1"], "Документация по API", type=Ticket.Type.SERVICE_REQUEST)
    clock.by(hours=1)
    lifecycle.take(refresh(confirmed), actor=agent)
    lifecycle.resolve(refresh(confirmed), actor=agent, solution="Смотрите раздел «API» портала.")
    clock.by(hours=3)
    lifecycle.confirm(refresh(confirmed), actor=p["b1"])
    clock.by(days=1)
    follow_up = file_request(
        p["b1"],
        "Ещё вопрос по API: лимиты",
        type=Ticket.Type.SERVICE_REQUEST,
        follow_up_of=refresh(confirmed),
    )
    made["confirmed"], made["follow_up"] = confirmed, follow_up

    # Withdrawn by a customer manager.
    clock.by(hours=2)
    withdrawn = file_request(p["boss_a"], "Не приходят SMS с кодом")
    lifecycle.withdraw(refresh(withdrawn), actor=p["boss_a"], reason="Проблема ушла сама.")
    made["withdrawn"] = withdrawn

    # Disputed, resolved again, then closed by support with an internal reason.
    clock.to(at(2026, 10, 12, 10, 0))
    disputed = file_request(p["b1"], "Не работает личный кабинет абонента")
    clock.by(hours=1)
    lifecycle.take(refresh(disputed), actor=agent)
    lifecycle.resolve(refresh(disputed), actor=agent, solution="Сбросили кэш авторизации.")
    clock.by(hours=5)
    lifecycle.dispute(
        refresh(disputed), actor=p["b1"], reason="Ошибка повторилась.", files=[png("lk-error")]
    )
    clock.by(hours=1)
    lifecycle.resolve(refresh(disputed), actor=agent, solution="Исправили конфигурацию LDAP.")
    clock.by(days=1)
    lifecycle.close(refresh(disputed), actor=lead, note="Дубль PT-… закрыт по договорённости.")
    made["disputed"] = disputed

    # Reopened by support, resolved again, reminded, then closed automatically.
    clock.to(at(2026, 10, 19, 10, 0))
    auto = file_request(p["b_left"], "Обрывы исходящих вызовов")
    clock.by(hours=1)
    lifecycle.take(refresh(auto), actor=agent2)
    lifecycle.resolve(refresh(auto), actor=agent2, solution="Заменили транк.")
    clock.by(hours=1)
    lifecycle.reopen(refresh(auto), actor=agent2, note="Рано закрыли: ждём подтверждения NOC.")
    clock.by(hours=1)
    lifecycle.resolve(refresh(auto), actor=agent2, solution="NOC подтвердил, всё работает.")
    auto = refresh(auto)
    clock.to(auto.auto_close_reminder_at + dt.timedelta(minutes=1))
    lifecycle.send_auto_close_reminders()
    clock.to(auto.auto_close_at + dt.timedelta(minutes=1))
    lifecycle.auto_close_due()
    made["auto"] = auto

    # One message, two problems: support splits the second into a request of its own.
    clock.to(at(2026, 11, 10, 14, 0))
    mixed = file_request(p["b1"], "Проблемы с роумингом")
    clock.by(minutes=30)
    lifecycle.take(refresh(mixed), actor=agent)
    message = lifecycle.reply(
        refresh(mixed), actor=p["b1"], body="И ещё: не работает USSD *100#.", files=[png("ussd")]
    )
    lifecycle.split(refresh(mixed), actor=agent, comment=message, subject="Не работает USSD *100#")
    made["mixed"] = mixed

    # A requester who later left the company (deactivated by the manager; history stays).
    services.set_user_active(p["b_left"], active=False, acting_user=p["boss_b"])

    # The full conversation with files, ending resolved (still waiting for the customer).
    clock.to(at(2026, 11, 23, 10, 0))
    resolved = file_request(
        p["a2"],
        "Calls drop after 30 seconds",
        technical_details="SBC 7.1, SIP BYE from 10.0.0.5",
        files=[png("sip-trace")],
    )
    clock.by(minutes=10)
    lifecycle.take(refresh(resolved), actor=agent2)
    lifecycle.request_info(refresh(resolved), actor=agent2, question="Please send a pcap.")
    clock.by(hours=2)
    lifecycle.reply(
        refresh(resolved),
        actor=p["a2"],
        body="Here it is.",
        files=[SimpleUploadedFile("call.pcap", b"\xd4\xc3\xb2\xa1" + bytes(60))],
    )
    lifecycle.reply(refresh(resolved), actor=p["boss_a"], body="Просим ускорить 🙏")
    clock.by(hours=1)
    lifecycle.resolve(
        refresh(resolved),
        actor=agent2,
        solution="Session timer fixed on the SBC; please check.",
        files=[text_file("sbc-config.conf", 5)],
    )
    made["resolved"] = resolved

    # Newest: just filed, nobody has looked yet (its e-mails stay queued: see below).
    clock.to(at(2026, 11, 30, 10, 0))
    made["new"] = file_request(
        p["a1"], "Не проходят вызовы на номер 0611", technical_details="MSISDN 79001234567, SIP 404"
    )
    return made


SUBJECTS = [
    "потери пакетов",
    "ошибка 503 в API",
    "медленный отчёт",
    "сбой SMS-шлюза",
    "не приходит счёт",
    "вопрос по тарифу",
    "настройка VPN",
    "обновление ПО",
]
STORIES = [
    [],
    [lambda t, e: lifecycle.take(t, actor=e)],
    [
        lambda t, e: lifecycle.take(t, actor=e),
        lambda t, e: lifecycle.reply(t, actor=e, body="Проверяем, вернёмся с ответом."),
    ],
    [
        lambda t, e: lifecycle.take(t, actor=e),
        lambda t, e: lifecycle.resolve(t, actor=e, solution="Исправлено."),
        lambda t, e: lifecycle.confirm(t, actor=t.requester),
    ],
    [
        lambda t, e: lifecycle.request_info(t, actor=e, question="Пришлите логи, пожалуйста."),
        lambda t, e: lifecycle.reply(
            t, actor=t.requester, body="Логи во вложении.", files=[text_file("app.log", 8)]
        ),
        lambda t, e: lifecycle.add_note(t, actor=e, body="Похоже на известную ошибку."),
        lambda t, e: lifecycle.resolve(t, actor=e, solution="Установите обновление 4.2.2."),
    ],
]


def build_since_0_2(clock, orgs, people, made):
    """What 0.2 added: type and "blocks work" changes, major incidents (one run and ended, one
    open with a child), a status notice, a rating, a reply template, an away agent, an API
    token, a webhook, a mailbox with a message taken from it."""
    p = people
    lead, agent = p["lead"], p["agent"]
    clock.by(hours=1)
    gateway = file_request(p["a1"], "Не приходят SMS через шлюз", type=Ticket.Type.PROBLEM)
    beta_sms = file_request(p["b1"], "SMS абонентам не доходят")
    lifecycle.set_type(refresh(beta_sms), actor=agent, type=Ticket.Type.PROBLEM)
    lifecycle.set_blocks_work(refresh(beta_sms), actor=agent, blocks_work=True)
    clock.by(minutes=20)
    incidents.mark(refresh(gateway), actor=lead, title="Сбой SMS-шлюза")
    incidents.attach(refresh(beta_sms), incident=refresh(gateway), actor=agent)
    clock.by(minutes=30)
    incidents.post_update(refresh(gateway), actor=agent, body="Нашли причину, восстанавливаем.")
    incidents.detach(refresh(beta_sms), actor=agent)
    incidents.unmark(refresh(gateway), actor=lead)
    clock.by(minutes=10)
    billing = file_request(p["a2"], "Billing export fails", type=Ticket.Type.PROBLEM)
    beta_billing = file_request(p["boss_b"], "Не выгружается биллинг")
    incidents.mark(refresh(billing), actor=lead, title="Сбой выгрузки биллинга")
    incidents.attach(refresh(beta_billing), incident=refresh(billing), actor=agent)
    notice = StatusNotice.objects.create(
        text_ru="Известный сбой выгрузки биллинга, работаем над ним.",
        text_en="Billing export is failing; we are working on it.",
        everyone=False,
        incident=refresh(billing),
        created_by=lead,
    )
    notice.organizations.add(orgs["alpha"], orgs["beta"])
    satisfaction.rate(refresh(made["confirmed"]), rater=p["b1"], score=4, comment="Спасибо!")
    CannedReply.objects.create(
        title="Запрос логов",
        body_ru="Здравствуйте, {customer}! Пришлите, пожалуйста, логи по {reference}.",
        body_en="Hello {customer}, please send the logs for {reference}.",
    )
    User.objects.filter(pk=p["agent2"].pk).update(away_since=clock.now)
    tokens.create_token(
        user=p["boss_a"], name="Zabbix", scope=ApiToken.Scope.WRITE, created_by=p["boss_a"]
    )
    Webhook.objects.create(
        organization=orgs["alpha"],
        url="https://noc.alpha.example/hooks/proftiket",
        events=[EventType.CREATED, EventType.RESOLVED],
        created_by=p["boss_a"],
    )
    mailbox = Mailbox.objects.create(
        name="Поддержка",
        host="imap.support.example",
        username="support@support.example",
        password_env="MAILBOX_SUPPORT_PASSWORD",
    )
    InboundMessage.objects.create(
        mailbox=mailbox,
        message_key="0" * 64,
        message_id="<reply-1@alpha.example>",
        sender="client@alpha.example",
        subject="Re: [PT-1] ответ по почте",
        outcome=InboundMessage.Outcome.REFUSED,
        note="fixture",
    )


def build_queue_and_sessions(clock, people, made):
    """django-q2: a user schedule besides ProfTicket's, a finished task, queued e-mails;
    django-axes: failed logins; a session."""
    Schedule.objects.create(
        name="admin: clear expired sessions",
        func="django.core.management.call_command",
        args="'clearsessions'",
        schedule_type=Schedule.DAILY,
        repeats=-1,
        next_run=clock.now + dt.timedelta(hours=14),
    )
    async_task("tickets.jobs.sla_monitor", sync=True, task_name="sla monitor (run by hand)")
    # Queued, not yet run: the newest request's e-mails and an invitation.
    made["new"] = refresh(made["new"])
    lifecycle.reply(made["new"], actor=people["agent"], body="Взяли в работу.")
    services.invite_user(
        email="newbie@alpha.example",
        full_name="Новый Сотрудник",
        organization=people["a1"].organization,
        role=Role.CUSTOMER,
        language="ru",
        invited_by=people["boss_a"],
    )
    client = Client()
    for _ in range(2):
        client.post("/account/login/", {"username": "client@alpha.example", "password": "wrong"})
    client.post("/account/login/", {"username": "client@beta.example", "password": PASSWORD})


def check_everything_is_there():
    """Fail the build unless the data set has every status, close reason and event kind."""
    missing = []
    statuses = set(Ticket.objects.values_list("status", flat=True))
    missing += [f"status {s}" for s in S.values if s not in statuses]
    reasons = set(Ticket.objects.exclude(close_reason="").values_list("close_reason", flat=True))
    missing += [f"close reason {r}" for r in Ticket.CloseReason.values if r not in reasons]
    kinds = set(TicketEvent.objects.values_list("kind", flat=True))
    missing += [f"event {k}" for k in Kind.values if k not in kinds]
    targets = set(Breach.objects.values_list("target", flat=True))
    missing += [f"breach {t}" for t in Breach.Target.values if t not in targets]
    missing += [f"role {r}" for r in Role.values if not User.objects.filter(role=r).exists()]
    checks = {
        "internal note": Comment.objects.filter(is_internal=True).exists(),
        "internal attachment": Attachment.objects.filter(is_internal=True).exists(),
        "attachment of a message": Attachment.objects.filter(comment__isnull=False).exists(),
        "executors": Ticket.executors.through.objects.exists(),
        "links": Ticket.related.through.objects.exists(),
        "queued task": OrmQ.objects.exists(),
        "finished task": Task.objects.exists(),
        "inactive user": User.objects.filter(is_active=False).exists(),
        "major incident with a child": Ticket.objects.filter(major_incident__isnull=False).exists(),
        "status notice": StatusNotice.objects.exists(),
        "rating": Rating.objects.exists(),
        "reply template": CannedReply.objects.exists(),
        "away agent": User.objects.filter(away_since__isnull=False).exists(),
        "API token": ApiToken.objects.exists(),
        "webhook": Webhook.objects.exists(),
        "mailbox message": InboundMessage.objects.exists(),
    }
    missing += [name for name, present in checks.items() if not present]
    if missing:
        sys.exit("the data set lacks: " + ", ".join(missing))
    print(
        f"data set: {Ticket.objects.count()} requests, {Comment.objects.count()} messages, "
        f"{TicketEvent.objects.count()} history entries, {Attachment.objects.count()} files, "
        f"{Breach.objects.count()} breaches, {User.objects.count()} users, "
        f"{OrmQ.objects.count()} queued tasks"
    )


def main():
    with Clock(at(2026, 8, 20, 12, 0)) as clock:
        orgs, people = build_reference_data()
        with notifications.muted():
            made = build_requests(clock, orgs, people)
            build_since_0_2(clock, orgs, people, made)
        build_queue_and_sessions(clock, people, made)
    check_everything_is_there()


if __name__ == "__main__":
    main()
