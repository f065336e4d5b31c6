"""The shared 1M-request benchmark database: seed it once, reuse it everywhere.

    .venv/bin/python bench/bigdb.py [--db postgres://root@127.0.0.1:5432/proftiket_bench1m]

seeds (or, when it is complete, only reports on) the database that bench/http_bench.py and
bench/load_bench.py measure: the data set of bench/reports_bench.py (1,000,000 requests over
two years, 200 organisations of 5,000 requests each, ~3M history events, SLA breaches) with
Russian subjects and descriptions in which some percent of the requests mention a modem in
different word forms, ~400k messages on a fifth of the requests (some of them internal notes),
one request with a 40-message conversation (internal notes and attachment rows), and known
passwords for the people the benches log in as. A `bench_seed` table records what was seeded
and how long it took; `--reseed` drops and recreates the database.

Seeding writes rows directly (INSERT … SELECT, bulk_create), bypassing the lifecycle on
purpose, as the factories do for setup; the schema comes from the project's migrations, so a
database seeded on an older main is brought up to date by `manage.py migrate` (which the
benches run) and stays usable.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://root@127.0.0.1:5432/proftiket_bench1m"
# Every bench user shares this password (the database holds nothing else worth protecting).
PASSWORD = "bench-1m-password"  # noqa: S105
SUPERVISOR = "bench-reports-supervisor@support.test"
MANAGER = "bench-reports-manager@org0.bench"  # customer manager of Bench Org 000 (5,000 requests)
AGENT_EMAIL = "bench-reports-engineer{i}@support.test"
CUSTOMER_EMAIL = "user@org{i}.bench"
AGENTS_WITH_PASSWORD = 10
CUSTOMERS_WITH_PASSWORD = 60
CONVERSATION_MESSAGES = 40
SEARCH_WORD = "модем"

# About 2.5% of subjects and 2.5% of descriptions mention a modem, in different word forms.
SUBJECTS = [
    "Обрыв линии E1 на узле",
    "Не проходят вызовы через SIP-транк",
    "Высокая задержка на канале",
    "Нет доступа к личному кабинету",
    "Запрос на изменение тарифа",
    "Консультация по настройке маршрутизации",
    "Ошибка 503 при обращении к API",
    "Пропадает связь с базовой станцией",
    "Не приходят SMS-уведомления абонентам",
    "Потери пакетов на магистральном канале",
    "Сбой биллинга при выставлении счетов",
    "Не работает резервирование каналов связи",
    "Требуется выгрузка CDR за прошлый месяц",
    "Ошибка авторизации RADIUS",
    "Медленная загрузка личного кабинета",
    "Настройка VLAN для нового офиса",
    "Не обновляется сертификат на портале",
    "Сбой синхронизации времени NTP",
    "Падает скорость на оптической линии",
    "Заявка на подключение новой площадки",
    "Ошибка при экспорте отчёта",
    "Не работает переадресация вызовов",
    "Отказ коммутатора в серверной",
    "Просьба продлить тестовый период",
    "Неверный баланс в личном кабинете",
    "Плохое качество голоса в IP-телефонии",
    "Недоступен DNS-сервер",
    "Проблема с маршрутизацией BGP",
    "Не проходит оплата по договору",
    "Замена оборудования по гарантии",
    "Обновление прошивки маршрутизатора",
    "Зависает веб-интерфейс мониторинга",
    "Не отправляются e-mail уведомления",
    "Потеря сигнала на спутниковом канале",
    "Изменение реквизитов организации",
    "Не проходит регистрация SIP-телефонов",
    "Сбой при переносе номера",
    "Нужна консультация по API",
    "Ошибка в счёте за услуги связи",
    "Перебои с интернетом в филиале",
    "Не загружается список абонентов",
    "Не работает модем на площадке",
    "Ошибка очереди сообщений SMPP",
    "Долгий ответ сервера статистики",
    "Нужна справка о качестве связи",
    "Не закрывается сессия PPPoE",
    "Ошибка в расчёте трафика",
    "Сбой в работе IVR-меню",
    "Перегрев оборудования в стойке",
    "Настройка QoS на границе сети",
    "Заявка на увеличение канала",
    "Нет связи с удалённым офисом",
    "Не приходят отчёты о доставке",
    "Сбой в работе АТС",
    "Запрос на смену IP-адреса",
    "Нет индикации на порту коммутатора",
    "Разрыв соединения VPN",
    "Ошибка импорта справочника",
    "Нужен доступ к журналу событий",
    "Замена модема после грозы",
    "Пропадает сигнал Wi-Fi в офисе",
    "Неверные данные в отчёте SLA",
    "Ошибка при смене тарифного плана",
    "Вопрос по документации API",
    "Не работает горячая линия",
    "Высокая загрузка процессора на сервере",
    "Отказ блока питания",
    "Не синхронизируются контакты",
    "Обрыв связи при передаче данных",
    "Неправильное время в журналах",
    "Проблема с ЭЦП при подписании акта",
    "Нет звука при входящих вызовах",
    "Медленный отклик сервера авторизации",
    "Сбой при резервном копировании",
    "Вопрос по условиям договора",
    "Не открывается отчёт по трафику",
    "Зацикливание маршрута в сети",
    "Ошибка при генерации счетов",
    "Нужна помощь с настройкой SNMP",
    "Сбой в работе колл-центра",
]
DESCRIPTIONS = [
    "После плановых работ связь восстановилась не полностью, часть абонентов жалуется.",
    "Проблема воспроизводится с утра, перезагрузка оборудования не помогла.",
    "Прошу проверить настройки на вашей стороне и сообщить о результатах.",
    "Ошибка появляется примерно раз в час, журналы прикладываем.",
    "Клиенты не могут дозвониться на основной номер компании.",
    "Скорость упала в несколько раз, в часы пиковой нагрузки канал почти недоступен.",
    "Нужна консультация специалиста, документация не отвечает на вопрос.",
    "Сбой затрагивает всех сотрудников офиса, работа остановлена.",
    "В отчёте за прошлый месяц расходятся итоговые суммы.",
    "Просим ускорить решение: завтра запуск нового сервиса.",
    "Индикатор аварии горит красным, тестовый вызов не проходит.",
    "Проблема наблюдается только в одном филиале, в остальных всё работает.",
    "Прилагаем трассировку и результаты ping до шлюза.",
    "Повторное обращение: в прошлый раз проблему решили лишь временно.",
    "Пользователи видят ошибку таймаута при входе.",
    "Прошу предоставить доступ инженеру подрядчика на время работ.",
    "Оборудование было заменено на прошлой неделе, проблема вернулась.",
    "Сообщения доставляются с задержкой до получаса.",
    "Нагрузка на сервер выросла после обновления версии.",
    "Перестали работать модемы в двух офисах, индикатор связи мигает.",
    "Проверьте, пожалуйста, корректность тарификации звонков.",
    "Не удаётся сохранить изменения в настройках, страница выдаёт ошибку.",
    "После отключения электричества оборудование не поднялось само.",
    "Связь периодически пропадает на несколько минут.",
    "Запрос согласован руководством, просьба выполнить до конца недели.",
    "Подозреваем проблему на стороне провайдера магистрали.",
    "Трафик идёт через резервный канал, основной недоступен.",
    "Нужна справка для отчёта перед регулятором.",
    "Сигнал слабый, уровень шума выше нормы.",
    "Изменения нужно внести без перерыва в обслуживании.",
    "Ошибка возникает при одновременной работе более ста пользователей.",
    "Данные в личном кабинете не совпадают с нашими расчётами.",
    "Сервис недоступен из внешней сети, из внутренней работает.",
    "Прошу проверить журнал аварий за последние сутки.",
    "Новые сотрудники не могут войти в систему.",
    "При звонке слышно эхо и посторонние шумы.",
    "Просим заменить неисправное оборудование.",
    "Сбой повторяется после каждой перезагрузки.",
    "Ошибка пропала сама, но просим выяснить причину.",
    "Требуется настроить доступ для нового подразделения.",
]
MESSAGES = [
    "Добрый день! Проблема сохраняется, проверили ещё раз.",
    "Спасибо, сейчас проверим и вернёмся с ответом.",
    "Прикладываем журналы за последние сутки.",
    "Уточните, пожалуйста, время начала сбоя.",
    "Перезагрузили модем, связь появилась, но через час снова пропала.",
    "Передали вопрос профильному инженеру.",
    "Проверили на нашей стороне: ошибок нет, просим проверить кабель.",
    "Работы запланированы на ночь, перерыв связи до 15 минут.",
    "Всё заработало, спасибо за помощь!",
    "Можно ли ускорить решение? Простаивает отдел продаж.",
    "Заменили блок питания, наблюдаем.",
    "Отправили инженера на площадку.",
    "Проблема на стороне магистрального провайдера, ждём их ответа.",
    "Пришлите, пожалуйста, серийный номер модема.",
    "Уточнили настройки, прошу проверить ещё раз.",
    "Сбой повторился сегодня утром.",
    "Обновили прошивку, перезагрузка не потребовалась.",
    "Подтверждаем, что всё работает.",
    "Нужен доступ в серверную в четверг.",
    "Готовы предоставить удалённый доступ.",
]
NOTES = [
    "Внутреннее: похоже на ту же аварию, что и на прошлой неделе.",
    "Внутреннее: клиент на премиальном плане, держим на контроле.",
    "Внутреннее: согласовать выезд с руководителем смены.",
    "Внутреннее: у клиента старый модем, предложить замену.",
]

# Subjects and descriptions: an array element chosen by the generator's draws (r1, and g for
# the description), so the same seed gives the same texts.
RUSSIAN_TEXTS = {
    "subject": "(%(subjects)s::text[])[1 + floor(r1 * %(subject_count)s)::int] || ' (' || g || ')'",
    "description": "(%(descriptions)s::text[])[1 + (g::bigint * 7919) %% %(description_count)s]"
    " || ' ' || (%(descriptions)s::text[])"
    "[1 + (g::bigint * 104729 + 13) %% %(description_count)s]",
    "params": {
        "subjects": SUBJECTS,
        "subject_count": len(SUBJECTS),
        "descriptions": DESCRIPTIONS,
        "description_count": len(DESCRIPTIONS),
    },
}

# Messages on every fifth request: one to three, alternately from the customer and the
# engineer, every third an internal note when an engineer is assigned.
COMMENTS_SQL = """
INSERT INTO tickets_comment (ticket_id, author_id, body, is_internal, created_at)
SELECT t.id,
       CASE WHEN n %% 2 = 1 OR t.assignee_id IS NULL THEN t.requester_id ELSE t.assignee_id END,
       CASE WHEN n = 3 AND t.assignee_id IS NOT NULL
            THEN (%(notes)s::text[])[1 + (t.id %% %(note_count)s)]
            ELSE (%(messages)s::text[])[1 + ((t.id * 31 + n * 7) %% %(message_count)s)] END,
       n = 3 AND t.assignee_id IS NOT NULL,
       LEAST(now(), t.created_at + n * interval '47 minutes')
FROM tickets_ticket t, generate_series(1, 3) n
WHERE t.id %% 5 = 0 AND n <= 1 + (t.id / 5) %% 3
"""


def configure(url: str | None = None) -> str:
    """Point Django at the bench database with the bench settings; call before setting it up.

    The bench database is --db, else BENCH_DATABASE_URL, else proftiket_bench1m: never the
    DATABASE_URL a developer exports for their tests, which a 1M seed would swamp.
    """
    url = url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    return url


def seed_info() -> dict | None:
    """What the bench_seed table says was seeded, or None if the seed is incomplete."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_seed')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT value FROM bench_seed WHERE key = 'complete'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _record(key: str, value) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_seed (key text PRIMARY KEY, value text)")
        cursor.execute(
            "INSERT INTO bench_seed VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
            "EXCLUDED.value",
            [key, json.dumps(value, ensure_ascii=False)],
        )


def _set_passwords() -> None:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    emails = [SUPERVISOR, MANAGER]
    emails += [AGENT_EMAIL.format(i=i) for i in range(AGENTS_WITH_PASSWORD)]
    emails += [CUSTOMER_EMAIL.format(i=i) for i in range(CUSTOMERS_WITH_PASSWORD)]
    # One hash for all: hashing 70 passwords would take a minute for nothing.
    User.objects.filter(email__in=emails).update(password=make_password(PASSWORD))


def _seed_comments() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            COMMENTS_SQL,
            {
                "messages": MESSAGES,
                "message_count": len(MESSAGES),
                "notes": NOTES,
                "note_count": len(NOTES),
            },
        )
        return cursor.rowcount


def _seed_conversation() -> int:
    """An open request of organisation 0, taken by the bench agent, with 40 messages."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from tickets.models import Attachment, Comment, Ticket, TicketEvent

    agent = User.objects.get(email=AGENT_EMAIL.format(i=0))
    of_org0 = Ticket.objects.filter(organization__name="Bench Org 000").order_by("-created_at")
    # A small seed may have no request in progress: then the newest one is set up as one.
    ticket = of_org0.filter(status="in_progress").first() or of_org0.first()
    now = timezone.now()
    start = now - timedelta(days=3)
    with transaction.atomic():
        ticket.comments.all().delete()
        Ticket.objects.filter(pk=ticket.pk).update(
            status="in_progress",
            assignee=agent,
            subject="Не работает модем на узле связи: переписка из 40 сообщений",
            created_at=start - timedelta(hours=1),
            last_activity_at=now,
            status_changed_at=start,
        )
        comments = []
        for i in range(CONVERSATION_MESSAGES):
            kind = i % 4  # customer, engineer's reply, customer, internal note
            author = ticket.requester if kind in (0, 2) else agent
            body = NOTES[i % len(NOTES)] if kind == 3 else MESSAGES[i % len(MESSAGES)]
            comments.append(
                Comment(
                    ticket=ticket,
                    author=author,
                    body=f"{body}\n\nСообщение {i + 1} из {CONVERSATION_MESSAGES}.",
                    is_internal=kind == 3,
                    created_at=start + timedelta(minutes=90 * i),
                )
            )
        comments = Comment.objects.bulk_create(comments)
        kinds = {0: "customer_replied", 1: "replied", 2: "customer_replied", 3: "note_added"}
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=ticket,
                actor=c.author,
                kind=kinds[i % 4],
                is_public=not c.is_internal,
                comment=c,
                created_at=c.created_at,
            )
            for i, c in enumerate(comments)
        )
        files = [(None, "схема-сети.pdf", "application/pdf", False)]
        files += [
            (comments[i], f"журнал-{i + 1}.log", "text/plain", comments[i].is_internal)
            for i in (0, 2, 3, 8, 11, 16, 24, 35)
        ]
        files += [(comments[5], "фото-модема.png", "image/png", False)]
        Attachment.objects.bulk_create(
            Attachment(
                ticket=ticket,
                comment=comment,
                file=f"attachments/bench/{n:02d}.{name.rsplit('.', 1)[1]}",
                original_name=name,
                size=12_345 + n * 1000,
                content_type=content_type,
                sha256=f"{n:064x}",
                uploaded_by=comment.author if comment else ticket.requester,
                is_internal=internal,
                created_at=comment.created_at if comment else start,
            )
            for n, (comment, name, content_type, internal) in enumerate(files)
        )
    return ticket.pk


def seed(*, tickets: int = 1_000_000, orgs: int = 200) -> dict:
    """Seed the database Django is connected to (it must be empty of bench data)."""
    from django.db import connection

    from bench import reports_bench

    timings = {}
    started = time.perf_counter()
    reports_bench.seed(tickets, orgs, texts=RUSSIAN_TEXTS)
    timings["requests, breaches, events"] = time.perf_counter() - started
    step = time.perf_counter()
    _set_passwords()
    comments = _seed_comments()
    print(f"  messages: {comments} rows in {time.perf_counter() - step:.1f} s")
    conversation = _seed_conversation()
    timings["messages and conversation"] = time.perf_counter() - step
    step = time.perf_counter()
    reports_bench.ensure_report_indexes(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["indexes, vacuum, analyze"] = time.perf_counter() - step
    info = {
        "tickets": tickets,
        "orgs": orgs,
        "messages": comments,
        "conversation_ticket": conversation,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "total_seconds": round(time.perf_counter() - started, 1),
        "seeded_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "git": code_version(),
    }
    _record("complete", info)
    return info


def _git(*args: str) -> str:
    import subprocess

    result = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), *args],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip()


def code_version() -> str:
    """The commit checked out and the last one that changed the application (not bench/, docs):
    two runs on the same application commit measured the same code."""
    head = _git("log", "-1", "--format=%h")
    application = _git("log", "-1", "--format=%h %s", "--", ".", ":!bench", ":!*.md")
    dirty = " (uncommitted changes)" if _git("status", "--porcelain", "--", ".", ":!bench") else ""
    return f"{head}, application at {application[:80]}{dirty}"


def drop_database(url: str) -> None:
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    with psycopg.connect(
        dbname="postgres", host=config["HOST"] or None, port=config["PORT"] or None,
        user=config["USER"] or None, autocommit=True,
    ) as connection:  # fmt: skip
        connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
    print(f"dropped database {config['NAME']}")


def ensure(
    *, db: str | None = None, reseed: bool = False, tickets: int = 1_000_000, orgs: int = 200
) -> dict:
    """Set Django up on the bench database and seed it unless a complete seed is there."""
    url = configure(db)
    if reseed:
        drop_database(url)
    from bench.benchsetup import setup_django

    setup_django(postgres_required=True)
    info = seed_info()
    if info is not None:
        if info["tickets"] != tickets:
            print(f"note: the database holds a {info['tickets']}-request seed, not {tickets}")
        return info
    from tickets.models import Ticket

    if Ticket.objects.exists():
        sys.exit(f"{url} has requests but no complete bench seed: run with --reseed.")
    print(f"seeding {tickets} requests into {url} (this takes a while) …", flush=True)
    info = seed(tickets=tickets, orgs=orgs)
    print(f"seeded in {info['total_seconds']:.0f} s: {info['seconds']}")
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help=f"database URL (default: BENCH_DATABASE_URL or {DEFAULT_URL})")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed anew")
    args = parser.parse_args()
    info = ensure(db=args.db, reseed=args.reseed, tickets=args.tickets, orgs=args.orgs)
    print(json.dumps(info, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
