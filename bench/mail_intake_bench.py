"""How fast the e-mail intake processes a mailbox (issue 14): messages per second.

    DATABASE_URL=postgres://root@127.0.0.1:5432/pt_mail_intake_bench \
        .venv/bin/python bench/mail_intake_bench.py --messages 500

1. The database (`DATABASE_URL`, SQLite if unset) is migrated; an organisation under contract,
   `--customers` customers and one open request each are created.
2. A throwaway Dovecot (tickets.mail_intake.local_dovecot) receives `--messages` e-mails by
   IMAP APPEND: 70 % replies threaded by headers (Gmail-style quote, UTF-8 base64), 20 % new
   requests, 10 % out-of-office answers.
3. One poll reads them all (fetch, parse, strip the quote, match, reply through the
   lifecycle, keep the .eml, mark read and move): the time, messages per second, and the
   1-minute load average (the machine is shared: read the rate next to it), and this
   process's CPU per message (what the intake itself costs, apart from the database and
   Dovecot). Notifications are
   muted and the automatic answers go to the in-memory mail backend: this is the intake alone.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proftiket.settings_test")
os.environ["Q_SYNC"] = "true"


def mail(sender, subject, text, **headers) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "support@proftiket.local", subject
    message["Message-ID"] = make_msgid(domain="bench.test")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text, cte="base64")
    return bytes(message)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--customers", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from imap_tools import MailBoxUnencrypted

    call_command("migrate", verbosity=0)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

    from inbound.models import InboundMessage, Mailbox
    from tests.factories import ContractFactory, OrganizationFactory, TicketFactory, UserFactory
    from tickets import notifications
    from tickets.mail_intake import polling, thread_ids
    from tickets.mail_intake.local_dovecot import Dovecot

    stamp = int(time.time())
    organization = OrganizationFactory(name=f"Bench Telecom {stamp}")
    ContractFactory(organization=organization)
    customers = [
        UserFactory(email=f"bench{stamp}-{n}@alpha.test", organization=organization)
        for n in range(args.customers)
    ]
    tickets = [TicketFactory(requester=customer) for customer in customers]

    quote = "\n\nпн, 30 нояб. 2026 г. в 10:00, ProfTicket <support@proftiket.local>:\n> Вопрос\n"
    messages = []
    for n in range(args.messages):
        ticket, customer = tickets[n % len(tickets)], customers[n % len(customers)]
        if n % 10 < 7:
            root = thread_ids.thread_root(ticket.pk)
            messages.append(
                mail(
                    customer.email, f"Re: {ticket.subject}", f"Ответ {n}." + quote, In_Reply_To=root
                )
            )
        elif n % 10 < 9:
            messages.append(mail(customer.email, f"Новый сбой {n}", f"Описание {n}."))
        else:
            messages.append(
                mail(customer.email, "Автоответ", "В отпуске.", Auto_Submitted="auto-replied")
            )

    server = Dovecot.create({"support": "bench"})
    server.start()
    os.environ["BENCH_MAILBOX_PASSWORD"] = "bench"  # noqa: S105  (a throwaway local server)
    try:
        with MailBoxUnencrypted(server.host, server.port).login("support", "bench") as box:
            for raw in messages:
                box.append(raw, "INBOX", dt=None, flag_set=())
        mailbox = Mailbox.objects.create(
            name=f"Bench {stamp}", host=server.host, port=server.port,
            security=Mailbox.Security.NONE, username="support",
            password_env="BENCH_MAILBOX_PASSWORD",  # noqa: S106  (a variable name)
        )  # fmt: skip
        load_before = os.getloadavg()[0]
        started, cpu_started = time.perf_counter(), time.process_time()
        with notifications.muted():
            result = polling.poll(mailbox.pk, batch=args.messages, budget=timedelta(hours=1))
        took = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        load_after = os.getloadavg()[0]
    finally:
        server.remove()
    outcomes = dict(
        InboundMessage.objects.filter(mailbox=mailbox)
        .values_list("outcome")
        .annotate(n=django.db.models.Count("pk"))
    )
    print(f"database: {django.db.connection.vendor}")
    print(
        f"messages: {result.fetched} fetched, {result.processed} processed, error={result.error!r}"
    )
    print(f"outcomes: {outcomes}")
    print(f"time: {took:.2f} s, rate: {result.processed / took:.1f} messages/s")
    per_message = cpu / max(result.fetched, 1) * 1000
    print(f"CPU of this process (parsing, ORM, IMAP client): {per_message:.1f} ms a message")
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after")


if __name__ == "__main__":
    main()
