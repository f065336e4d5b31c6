"""What one incoming message does, exactly once per Message-ID.

`process(raw)` records the message (inbound.InboundMessage, unique on its Message-ID) and
acts in the same transaction: a second poller reading the same message at the same moment
waits on the unique index and then finds it taken, so nothing is added twice.

- our own e-mails, bounces and automatic messages (Auto-Submitted, Precedence: bulk/list/junk,
  mailing lists, DSNs) are recorded and ignored: never answered, nothing added;
- beyond MAIL_INTAKE_SENDER_HOURLY messages an hour from one sender, the rest are ignored;
- a message that belongs to a request (tickets.mail_intake.matching) is a reply by its sender,
  through tickets.lifecycle exactly as in the portal: only a sender who may act on the
  request (tickets.access) is heard, anyone else gets a polite refusal; a reply to a closed
  request opens a follow-up; to a resolved one it is added and the links to confirm or
  dispute the solution are sent again;
- a message from a known customer that names no request files a new one;
- anyone else is pointed to the portal.
Automatic answers are limited to MAIL_INTAKE_ANSWERS_DAILY a day per address.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from inbound.models import InboundMessage, Mailbox
from proftiket import limits
from proftiket.mail import queue_mail
from tickets import attachments as attachment_rules
from tickets import lifecycle
from tickets.lifecycle.channel import through
from tickets.mail_intake import matching, parsing, thread_ids
from tickets.models import Attachment, Ticket

logger = logging.getLogger(__name__)
Outcome = InboundMessage.Outcome
HOUR, DAY = 3600, 24 * 3600
NOISE_OUTCOMES = {
    parsing.NOISE_OWN: Outcome.OWN,
    parsing.NOISE_BOUNCE: Outcome.BOUNCE,
    parsing.NOISE_AUTO: Outcome.AUTO_REPLY,
}


@dataclass
class Files:
    accepted: list
    refused: list[str]  # one line each: the name and why


def process(raw: bytes, *, mailbox: Mailbox | None = None) -> InboundMessage | None:
    """Record and act on one message; None if it was processed before (same Message-ID)."""
    parsed = parsing.parse(raw)
    key = InboundMessage.key_for(parsed.message_id)
    record = InboundMessage(
        mailbox=mailbox,
        message_key=key,
        message_id=parsed.message_id,
        sender=parsed.sender[:254],
        subject=parsed.subject[:255],
        received_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record.save(force_insert=True)
            except IntegrityError:
                return None  # taken by another poller, or processed before
            _act(parsed, record)
            record.save(update_fields=["outcome", "ticket", "comment", "note"])
    except DatabaseError:
        raise  # the database is away: the message stays unread in the mailbox for later
    except Exception as error:
        logger.exception("incoming message %s could not be processed", parsed.message_id)
        return _record_failure(record, error)
    return record


def _record_failure(record: InboundMessage, error: Exception) -> InboundMessage | None:
    record.pk = None
    record.outcome = Outcome.FAILED
    record.ticket = record.comment = None
    record.note = f"{type(error).__name__}: {error}"[:2000]
    try:
        with transaction.atomic():
            record.save(force_insert=True)
    except IntegrityError:
        return None
    return record


def _act(parsed: parsing.ParsedMail, record: InboundMessage) -> None:
    if parsed.noise:
        record.outcome = NOISE_OUTCOMES[parsed.noise]
        return
    hourly = limits.Rate(settings.MAIL_INTAKE_SENDER_HOURLY, HOUR)
    if not limits.take("mail-in", parsed.sender or "-", hourly):
        record.outcome = Outcome.RATE_LIMITED
        return
    sender = _user(parsed.sender)
    found = matching.match(parsed)
    if found.ticket is not None:
        _answer_request(parsed, record, sender, found.ticket)
    elif found.named:
        _refuse(parsed, record, sender)
    elif sender is not None and sender.is_customer:
        _file_request(parsed, record, sender)
    else:
        record.outcome = Outcome.UNKNOWN_SENDER
        _answer(parsed, record, kind="unknown_sender", user=sender)


def _user(address: str) -> User | None:
    if not address:
        return None
    return User.objects.filter(email__iexact=address, is_active=True).first()


def _answer_request(parsed, record, sender: User | None, ticket: Ticket) -> None:
    record.ticket = ticket
    if sender is None or lifecycle.party_of(sender, ticket) != lifecycle.Party.CUSTOMER:
        _refuse(parsed, record, sender)
        return
    if ticket.status == Ticket.Status.CLOSED:
        _file_request(parsed, record, sender, follow_up_of=ticket)
        return
    files = _files(parsed, uploader=sender, ticket=ticket)
    body = _body(parsed, files)
    with through("email", message=record.message_id[:300]):
        if ticket.status == Ticket.Status.RESOLVED:
            comment = lifecycle.comment_on_solution(
                ticket, actor=sender, body=body, files=files.accepted
            )
        else:
            comment = lifecycle.reply(ticket, actor=sender, body=body, files=files.accepted)
    _keep_original(parsed, ticket, comment=comment, uploader=sender)
    record.outcome, record.comment = Outcome.REPLIED, comment
    record.note = "\n".join(files.refused)
    if ticket.status == Ticket.Status.RESOLVED:
        _answer(parsed, record, kind="solution_links", user=sender, ticket=ticket, files=files)
    elif files.refused:
        _answer(parsed, record, kind="files_refused", user=sender, ticket=ticket, files=files)


def _file_request(parsed, record, sender: User, *, follow_up_of: Ticket | None = None) -> None:
    files = _files(parsed, uploader=sender, ticket=None)
    subject = " ".join(thread_ids.SUBJECT_REFERENCE.sub("", parsed.subject).split())
    try:
        with through("email", message=record.message_id[:300]):
            ticket = lifecycle.create_ticket(
                requester=sender,
                type=settings.MAIL_INTAKE_DEFAULT_TYPE,
                subject=(subject or _("Request by e-mail"))[:200],
                description=_body(parsed, files),
                files=files.accepted,
                follow_up_of=follow_up_of,
            )
    except lifecycle.TransitionRefused as refusal:  # NoContract among them
        record.outcome, record.note = Outcome.REFUSED, str(refusal)
        _answer(parsed, record, kind="refused", user=sender, reason=str(refusal))
        return
    _keep_original(parsed, ticket, comment=None, uploader=sender)
    record.ticket = ticket
    record.outcome = Outcome.FOLLOW_UP if follow_up_of else Outcome.CREATED
    record.note = "\n".join(files.refused)
    if follow_up_of is not None:
        _answer(
            parsed, record, kind="follow_up", user=sender, ticket=ticket, old=follow_up_of,
            files=files,
        )  # fmt: skip
    elif files.refused:
        _answer(parsed, record, kind="files_refused", user=sender, ticket=ticket, files=files)


def _refuse(parsed, record, sender: User | None) -> None:
    # The answer never says whether the request exists: it may be another customer's.
    record.outcome = Outcome.REFUSED
    record.note = _("The sender may not act on this request.")
    _answer(parsed, record, kind="refused", user=sender)


def _body(parsed, files: Files) -> str:
    body = parsed.text or _("(The e-mail had no text.)")
    if files.refused:
        body += (
            "\n\n" + _("Files not accepted:") + "\n" + "\n".join(f"- {r}" for r in files.refused)
        )
    return body


def _files(parsed, *, uploader: User, ticket: Ticket | None) -> Files:
    """The message's files under the portal's rules; the refused ones with the reason."""
    accepted, refused, total = [], [], 0
    for item in parsed.files:
        name = attachment_rules.safe_download_name(item.name)
        upload = SimpleUploadedFile(name, item.data, content_type=item.content_type)
        try:
            attachment_rules.validate_upload(upload)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
            continue
        if len(accepted) >= settings.ATTACHMENT_MAX_FILES or (
            total + upload.size > settings.ATTACHMENT_MAX_MESSAGE_BYTES
        ):
            refused.append(_("%(name)s: one message cannot carry more files.") % {"name": name})
            continue
        accepted.append(upload)
        total += upload.size
    if accepted:
        try:
            attachment_rules.check_quotas(accepted, uploader=uploader, ticket=ticket)
        except ValidationError as error:
            refused += [f"{upload.name}: {' '.join(error.messages)}" for upload in accepted]
            accepted = []
    return Files(accepted=accepted, refused=refused)


def _keep_original(parsed, ticket: Ticket, *, comment, uploader: User) -> None:
    """The e-mail as it came, for support only (what the customer's client really sent)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    Attachment.objects.create(
        ticket=ticket,
        comment=comment,
        file=ContentFile(parsed.raw, name="message.eml"),
        original_name=f"e-mail-{stamp}.eml",
        size=len(parsed.raw),
        content_type="message/rfc822",
        sha256=hashlib.sha256(parsed.raw).hexdigest(),
        uploaded_by=uploader,
        is_internal=True,
    )


def _answer(parsed, record, *, kind: str, user: User | None, **context) -> None:
    """An automatic answer, in the thread of the message; limited per address and day."""
    if not parsed.sender or "@" not in parsed.sender:
        return
    daily = limits.Rate(settings.MAIL_INTAKE_ANSWERS_DAILY, DAY)
    if not limits.take("mail-answer", parsed.sender, daily):
        logger.info("no automatic answer to %s: daily limit reached", parsed.sender)
        return
    ticket, old, files = context.get("ticket"), context.get("old"), context.get("files")
    number = ticket.pk if ticket else 0
    headers = thread_ids.headers(number, event_id=f"in{record.pk}{kind}", recipient=parsed.sender)
    headers |= {
        "Auto-Submitted": "auto-replied",
        "In-Reply-To": parsed.message_id,
        "References": f"{parsed.references} {parsed.message_id}".strip()[-900:],
    }
    queue_mail(
        template="mail_intake",
        to=parsed.sender,
        language=user.language if user else settings.LANGUAGE_CODE,
        headers=headers,
        context={
            "kind": kind,
            "subject": parsed.subject[:200],
            "reference": ticket.reference if ticket else "",
            "old_reference": old.reference if old else "",
            "url": f"{settings.SITE_URL}{ticket.get_absolute_url()}" if ticket else "",
            "portal_url": f"{settings.SITE_URL}/",
            "refused_files": files.refused if files else [],
            "reason": context.get("reason", ""),
        },
    )
