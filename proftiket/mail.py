"""Templated e-mail in the recipient's language, sent after commit through django-q2.

Each e-mail is a folder under templates/emails/ with subject.txt, body.txt and body.html.
"""

import email.policy
import logging

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def render_mail(*, template: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of an e-mail, rendered in the given language."""
    with translation.override(language):
        subject = render_to_string(f"emails/{template}/subject.txt", context)
        text = render_to_string(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    # A subject must be one line: a stray newline would inject headers.
    return " ".join(subject.split()), text, html


class UnfoldedMessage(EmailMultiAlternatives):
    """An e-mail whose headers are not folded.

    CPython's header folding drops the space between two encoded words of a non-ASCII
    subject, so mail clients showed "Предложено решение:подтвердите". Headers up to the
    SMTP line limit are left on one line instead.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def mail_message(
    subject: str, text: str, html: str, *, to: str, headers: dict | None = None
) -> UnfoldedMessage:
    """An e-mail of a rendered subject, text and HTML, ready to send over any connection.

    `headers`: extra headers, e.g. the threading ones of tickets.mail_intake.thread_ids
    (Message-ID, In-Reply-To, References, Reply-To); Django makes a Message-ID otherwise.
    """
    message = UnfoldedMessage(subject, text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


def templated_message(
    *, template: str, to: str, context: dict, language: str, headers: dict | None = None
) -> UnfoldedMessage:
    """One e-mail rendered in the given language, ready to send over any connection."""
    rendered = render_mail(template=template, context=context, language=language)
    return mail_message(*rendered, to=to, headers=headers)


def send_templated_mail(
    *, template: str, to: str, context: dict, language: str, headers: dict | None = None
) -> None:
    """Render and send one e-mail now (the django-q2 task body; raises so q2 retries)."""
    templated_message(
        template=template, to=to, context=context, language=language, headers=headers
    ).send()
    logger.info("mail %s sent to %s", template, to)


def queue_mail(
    *, template: str, to: str, context: dict, language: str, headers: dict | None = None
) -> None:
    """Send an e-mail once the current transaction commits; a rolled-back change sends nothing."""

    def enqueue():
        async_task(
            "proftiket.mail.send_templated_mail",
            template=template,
            to=to,
            context=context,
            language=language,
            headers=headers or {},
            task_name=f"mail:{template}:{to}"[:100],
        )

    # robust: a failure to queue or (in sync mode) send is logged, never raised after commit.
    transaction.on_commit(enqueue, robust=True)
