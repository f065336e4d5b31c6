"""Demo data for `manage.py seed_demo`: idempotent, so it runs on every `make run`."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Language, Organization, Role, User
from accounts.services import set_role
from proftiket import demo_history
from sla.models import Contract, PlanTarget, SupportPlan, default_calendar
from tickets import lifecycle, notifications
from tickets.models import CannedReply, Ticket

DEMO_PASSWORD = "proftiket-demo"  # noqa: S105  (documented demo login, refused in production)


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    organization: str | None


DEMO_ORGANIZATIONS = {
    "Alpha Telecom": {
        "short_name": "Альфа",
        "tax_number": "7701000001",
        "contact_email": "noc@alpha.demo",
        "contact_phone": "+7 495 000-00-01",
    },
    "Beta Telecom": {
        "short_name": "Бета",
        "tax_number": "7802000002",
        "contact_email": "noc@beta.demo",
        "contact_phone": "+7 812 000-00-02",
    },
}

DEMO_USERS = [
    DemoUser("client@alpha.demo", "Анна Клиентова", Role.CUSTOMER, "Alpha Telecom"),
    DemoUser("boss@alpha.demo", "Борис Начальников", Role.CUSTOMER_MANAGER, "Alpha Telecom"),
    DemoUser("client@beta.demo", "Вера Бетова", Role.CUSTOMER, "Beta Telecom"),
    DemoUser("agent@proftiket.demo", "Григорий Инженеров", Role.AGENT, None),
    DemoUser("lead@proftiket.demo", "Дарья Руководова", Role.SUPERVISOR, None),
    DemoUser("admin@proftiket.demo", "Евгений Админов", Role.ADMINISTRATOR, None),
]


@transaction.atomic
def seed_accounts() -> dict[str, User]:
    """Create or refresh the demo organisations and users; returns users by e-mail."""
    organizations = {}
    for name, fields in DEMO_ORGANIZATIONS.items():
        organizations[name], _ = Organization.objects.update_or_create(
            name=name, defaults={**fields, "is_active": True}
        )
    users = {}
    # One hash for every demo login (the password is public anyway): hashing it per user took
    # most of a `seed_demo` run, and it runs on every `make run`.
    encoded = make_password(DEMO_PASSWORD)
    for demo in DEMO_USERS:
        user = User.objects.filter(email=demo.email).first() or User(email=demo.email)
        user.full_name = demo.full_name
        user.organization = organizations.get(demo.organization)
        user.language = user.language or Language.RUSSIAN
        user.is_active = True
        user.password = encoded
        set_role(user, role=demo.role, actor=None)
        users[demo.email] = user
    return users


DEMO_PLANS = {
    # name: (description, {priority: (first response h, resolution h)})
    "Стандарт": (
        "Поддержка в часы работы, все типы обращений.",
        {1: (1, 8), 2: (2, 16), 3: (4, 40), 4: (8, 80)},
    ),
    "Премиум": (
        "Ускоренная реакция для операторов с высокой нагрузкой.",
        {1: (0.25, 4), 2: (0.5, 8), 3: (2, 24), 4: (4, 48)},
    ),
}
DEMO_CONTRACTS = {
    "Alpha Telecom": ("Премиум", "SLA-2026-001"),
    "Beta Telecom": ("Стандарт", "SLA-2026-002"),
}


@transaction.atomic
def seed_contracts() -> None:
    """Two plans on the default support hours, and a contract for each demo organisation."""
    calendar = default_calendar()
    all_types = [value for value, _label in Ticket.Type.choices]
    plans = {}
    for name, (description, targets) in DEMO_PLANS.items():
        plans[name], _ = SupportPlan.objects.update_or_create(
            name=name,
            defaults={"description": description, "calendar": calendar, "covered_types": all_types},
        )
        for priority, (first, resolution) in targets.items():
            PlanTarget.objects.update_or_create(
                plan=plans[name],
                priority=priority,
                defaults={
                    "first_response": timedelta(hours=first),
                    "resolution": timedelta(hours=resolution),
                },
            )
    for organization_name, (plan_name, number) in DEMO_CONTRACTS.items():
        organization = Organization.objects.get(name=organization_name)
        if not Contract.objects.filter(organization=organization).exists():
            Contract.objects.create(
                organization=organization,
                plan=plans[plan_name],
                number=number,
                starts_on=date(2026, 1, 1),
            )


def _demo_requests(users):
    """(requester, fields, steps) of the demo requests; steps run through the lifecycle."""
    agent, lead = users["agent@proftiket.demo"], users["lead@proftiket.demo"]
    alpha, boss, beta = (
        users["client@alpha.demo"],
        users["boss@alpha.demo"],
        users["client@beta.demo"],
    )

    def take(t):
        lifecycle.take(t, actor=agent)

    def ask(t):
        lifecycle.request_info(
            t,
            actor=agent,
            question=(
                "Уточните, пожалуйста, номер абонента и точное время последней неудачной попытки."
            ),
        )

    def resolve(t):
        lifecycle.resolve(
            t,
            actor=agent,
            solution=(
                "Исправили маршрут на пограничном шлюзе, вызовы проходят. Проверьте, пожалуйста."
            ),
        )

    return [
        (
            alpha,
            {
                "type": Ticket.Type.INCIDENT,
                "subject": "Не проходят вызовы на номер 0611",
                "description": "С утра у одного абонента не проходят вызовы на короткий номер.",
                "technical_details": "MSISDN 79001234567, ошибка SIP 404",
            },
            [],
        ),
        (
            alpha,
            {
                "type": Ticket.Type.PROBLEM,
                "blocks_work": True,
                "subject": "Недоступен модуль биллинга",
                "description": "Тарификация остановлена, операторы не могут начислять услуги.",
                "technical_details": "billing-core 4.2.1, ERROR 503 upstream timeout",
            },
            [take],
        ),
        (
            alpha,
            {
                "type": Ticket.Type.SERVICE_REQUEST,
                "subject": "Как выгрузить CDR за месяц?",
                "description": "Нужна инструкция по выгрузке CDR для сверки с партнёром.",
            },
            [take, ask],
        ),
        (
            alpha,
            {
                "type": Ticket.Type.INCIDENT,
                "subject": "Обрывы исходящих вызовов",
                "description": "Вызовы обрываются через 30 секунд после ответа.",
            },
            [take, resolve],
        ),
        (
            alpha,
            {
                "type": Ticket.Type.CHANGE_REQUEST,
                "subject": "Добавить экспорт отчёта в XLSX",
                "description": "Просим добавить выгрузку отчёта по трафику в XLSX.",
            },
            [take, resolve, lambda t: lifecycle.confirm(t, actor=alpha)],
        ),
        (
            boss,
            {
                "type": Ticket.Type.INCIDENT,
                "subject": "Не приходят SMS с кодом",
                "description": "Одному сотруднику не приходят SMS с кодом входа.",
            },
            [lambda t: lifecycle.withdraw(t, actor=boss, reason="Проблема ушла сама.")],
        ),
        (
            beta,
            {
                "type": Ticket.Type.PROBLEM,
                "subject": "Потеря пакетов на магистрали",
                "description": "На канале Москва–Санкт-Петербург потери до 5%.",
                "technical_details": "mtr: 5.1% loss at hop 7",
            },
            [lambda t: lifecycle.assign(t, actor=lead, assignee=agent)],
        ),
        (
            beta,
            {
                "type": Ticket.Type.SERVICE_REQUEST,
                "subject": "Документация по API",
                "description": "Где найти описание API для интеграции с CRM?",
            },
            [
                take,
                lambda t: lifecycle.reply(t, actor=agent, body="Смотрите раздел API в портале."),
            ],
        ),
        (
            beta,
            {
                "type": Ticket.Type.INCIDENT,
                "subject": "Не работает личный кабинет абонента",
                "description": "Абонент не может войти в личный кабинет.",
            },
            [
                take,
                resolve,
                lambda t: lifecycle.dispute(
                    t, actor=beta, reason="После исправления ошибка повторилась."
                ),
                resolve,
            ],
        ),
    ]


@transaction.atomic
def seed_tickets(users: dict[str, User]) -> int:
    """A realistic spread of requests in every status, once per organisation."""
    created = 0
    for requester, fields, steps in _demo_requests(users):
        if Ticket.objects.filter(
            organization=requester.organization, subject=fields["subject"]
        ).exists():
            continue
        ticket = lifecycle.create_ticket(requester=requester, **fields)
        for step in steps:
            step(ticket)
        created += 1
    return created


DEMO_CANNED_REPLIES = [
    (
        "Приветствие и взятие в работу",
        "Здравствуйте, {customer_name}!\n\nОбращение {ticket_id} у меня в работе. "
        "Вернусь с результатом проверки в течение дня.\n\nС уважением,\n{engineer_name}",
        "Hello {customer_name},\n\nI am working on {ticket_id} and will come back to you "
        "with the results today.\n\nBest regards,\n{engineer_name}",
    ),
    (
        "Запросить трассировку SIP",
        "{customer_name}, для диагностики пришлите, пожалуйста, трассировку SIP (pcap) "
        "неудачного вызова и точное время попытки. Файл можно приложить к ответу.",
        "{customer_name}, please send us a SIP trace (pcap) of a failed call and the exact "
        "time of the attempt. You can attach the file to your reply.",
    ),
    (
        "Решение: перезапуск шлюза",
        "Мы перезапустили пограничный шлюз и проверили маршрут: вызовы проходят. "
        "Пожалуйста, проверьте со своей стороны и подтвердите решение на странице обращения.",
        "We restarted the border gateway and checked the route: calls go through. Please "
        "check on your side and confirm the solution on the request page.",
    ),
    (
        "Передано второй линии",
        "{customer_name}, обращение {ticket_id} передано инженерам второй линии. "
        "Мы сообщим, как только появятся новости.",
        "",
    ),
]


@transaction.atomic
def seed_canned_replies() -> None:
    """A few reply templates engineers insert from the compose box."""
    for title, body_ru, body_en in DEMO_CANNED_REPLIES:
        CannedReply.objects.get_or_create(
            title=title, defaults={"body_ru": body_ru, "body_en": body_en}
        )


def seed() -> list[DemoUser]:
    """All demo data: organisations and users, contracts, reply templates, requests, and two
    years of history behind them (proftiket.demo_history)."""
    users = seed_accounts()
    seed_contracts()
    seed_canned_replies()
    with notifications.muted():
        seed_tickets(users)
    demo_history.seed_history(users, count=demo_history.HISTORY_REQUESTS)
    return DEMO_USERS
