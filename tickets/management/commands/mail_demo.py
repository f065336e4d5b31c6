"""See the e-mail channel work locally: sample e-mails through a throwaway IMAP server.

    .venv/bin/python manage.py mail_demo            # deliver the samples, poll once, report
    .venv/bin/python manage.py mail_demo --serve    # ... and keep the server for the worker

With Debian's dovecot-imapd installed (`apt-get install dovecot-imapd`) the samples go into
a real IMAP mailbox that a Mailbox row ("Local demo mailbox") points at; without it they go
straight to the intake, without IMAP. For development only: it refuses to run with DEBUG off.
"""

import os
import time
from email.message import EmailMessage
from email.utils import make_msgid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from imap_tools import MailBoxUnencrypted

from accounts.models import User
from inbound.models import Mailbox
from tickets import access
from tickets.mail_intake import acting, polling, thread_ids
from tickets.mail_intake.local_dovecot import Dovecot, available
from tickets.models import OPEN_STATUSES

CUSTOMER = "client@alpha.demo"
PASSWORD_VARIABLE = "PROFTIKET_DEMO_MAILBOX_PASSWORD"  # noqa: S105  (a variable name)
DEMO_PASSWORD = "demo-imap"  # noqa: S105  (a throwaway local server)
NAME = "Local demo mailbox"


def _mail(sender, subject, text, **headers) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "support@proftiket.local", subject
    message["Message-ID"] = make_msgid(domain="demo.test")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return bytes(message)


def samples(customer: User) -> list[tuple[str, bytes]]:
    """A reply to the customer's latest open request, a new request, an unknown sender, an
    out-of-office answer."""
    result = []
    ticket = access.visible_tickets(customer).filter(status__in=OPEN_STATUSES).first()
    if ticket is not None:
        root = thread_ids.thread_root(ticket.pk)
        reply = (
            "Добрый день!\n\nЖурнал узла приложить не могу, но сбой повторился в 9:15.\n\n"
            "пн, 30 нояб. 2026 г. в 10:00, ProfTicket <support@proftiket.local>:\n"
            "> Пришлите, пожалуйста, журнал узла.\n"
        )
        subject = f"Re: [{ticket.reference}] {ticket.subject}"
        result.append(
            (
                f"reply to {ticket.reference}",
                _mail(customer.email, subject, reply, In_Reply_To=root),
            )
        )
    result += [
        ("new request", _mail(customer.email, "Нет связи на узле Самара-3", "С 9:00 нет связи.")),
        ("unknown sender", _mail("someone@elsewhere.test", "Помогите", "Как подключиться?")),
        (
            "auto-reply",
            _mail(customer.email, "Автоответ", "Я в отпуске.", Auto_Submitted="auto-replied"),
        ),
    ]
    return result


class Command(BaseCommand):
    help = "Deliver sample e-mails to a local IMAP mailbox and show what the intake does."

    def add_arguments(self, parser):
        parser.add_argument(
            "--serve",
            action="store_true",
            help="Keep the local IMAP server running (Ctrl-C stops it): the worker of "
            "`make run` polls it every minute; append more mail to it with any IMAP client.",
        )

    def handle(self, *args, serve=False, **options):
        if not settings.DEBUG:
            raise CommandError("mail_demo is for development (DEBUG=true) only.")
        customer = User.objects.filter(email=CUSTOMER).first()
        if customer is None:
            raise CommandError("No demo data: run `manage.py seed_demo` (or `make run`) first.")
        mails = samples(customer)
        if not available():
            self.stdout.write("Dovecot is not installed: the samples go to the intake directly.")
            for label, raw in mails:
                record = acting.process(raw)
                self._report(label, record)
            return
        self._through_imap(mails, serve=serve)

    def _through_imap(self, mails, *, serve: bool) -> None:
        server = Dovecot.create({"support": DEMO_PASSWORD})
        server.start()
        os.environ[PASSWORD_VARIABLE] = DEMO_PASSWORD
        mailbox, _created = Mailbox.objects.update_or_create(
            name=NAME,
            defaults={
                "host": server.host,
                "port": server.port,
                "security": Mailbox.Security.NONE,
                "username": "support",
                "password_env": PASSWORD_VARIABLE,
                "is_active": True,
                "failures": 0,
                "next_poll_at": None,
                "lease_until": None,
            },
        )
        try:
            with MailBoxUnencrypted(server.host, server.port).login(
                "support", DEMO_PASSWORD
            ) as box:
                for _label, raw in mails:
                    box.append(raw, "INBOX", dt=None, flag_set=())
            self.stdout.write(f"Delivered {len(mails)} e-mails to imap://127.0.0.1:{server.port}")
            started = time.perf_counter()
            result = polling.poll(mailbox.pk)
            took = time.perf_counter() - started
            self.stdout.write(f"Polled in {took:.2f} s: {result.processed} processed")
            for record in mailbox.messages.order_by("-pk")[: len(mails)][::-1]:
                self._report(record.subject, record)
            if serve:
                self.stdout.write(
                    f"IMAP server on 127.0.0.1:{server.port}, user support, password "
                    f"{DEMO_PASSWORD} (the worker needs {PASSWORD_VARIABLE} set to it). "
                    "Ctrl-C stops it."
                )
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)
            server.remove()

    def _report(self, label, record) -> None:
        if record is None:
            self.stdout.write(f"  {label}: processed before")
            return
        where = f" → {record.ticket.reference}" if record.ticket_id else ""
        self.stdout.write(f"  {label}: {record.get_outcome_display()}{where}")
