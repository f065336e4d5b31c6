"""Threading of our e-mails: Message-IDs we can recognise, and the addresses replies go to.

Every e-mail about a request carries the request's ID in its subject (`[PT-1042]`) and
Message-ID / In-Reply-To / References that name the request with a signature:

    <pt-1042-<sig>@domain>               the thread's root: the "registered" e-mail to the
                                         requester, referenced by every later one
    <pt-1042-<sig>.e553.<hash>@domain>   one e-mail: history entry 553 to one recipient

The signature (an HMAC of the request number under SECRET_KEY) makes an ID ours: a reply
quoting it is matched to the request without any table of sent IDs, and nobody can thread
a message into a request by writing a guessed ID. With MAIL_INTAKE_REPLY_ADDRESS set
(`support@example.com`), e-mails also say Reply-To `support+PT-1042.<sig>@example.com`.
"""

import hashlib
import re
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "proftiket.mail_intake.thread"
_ID = re.compile(r"pt-(\d{1,11})-([0-9a-f]{16})(?:\.[\w.-]+)?@", re.IGNORECASE)
_ADDRESS = re.compile(r"\+pt-(\d{1,11})\.([0-9a-f]{16})@", re.IGNORECASE)
SUBJECT_REFERENCE = re.compile(r"\[\s*PT-(\d{1,11})\s*\]", re.IGNORECASE)


def _signature(ticket_id: int) -> str:
    return salted_hmac(SALT, str(ticket_id), algorithm="sha256").hexdigest()[:16]


def _valid(ticket_id: str, signature: str) -> int | None:
    number = int(ticket_id)
    return number if constant_time_compare(_signature(number), signature.lower()) else None


def domain() -> str:
    """The domain of our Message-IDs: the sender address's (DEFAULT_FROM_EMAIL)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "proftiket.local"


def thread_root(ticket_id: int) -> str:
    """The Message-ID every e-mail about this request refers to."""
    return f"<pt-{ticket_id}-{_signature(ticket_id)}@{domain()}>"


def message_id(ticket_id: int, *, event_id: int | str, recipient: str) -> str:
    """A stable Message-ID of the e-mail about one history entry to one recipient."""
    recipient_hash = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:10]
    return f"<pt-{ticket_id}-{_signature(ticket_id)}.e{event_id}.{recipient_hash}@{domain()}>"


def headers(ticket_id: int, *, event_id: int | str, recipient: str, root: bool = False) -> dict:
    """The headers of an e-mail about a request: its own ID and its place in the thread."""
    result = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if root:
        result["Message-ID"] = thread_root(ticket_id)
    else:
        result["Message-ID"] = message_id(ticket_id, event_id=event_id, recipient=recipient)
        result["In-Reply-To"] = result["References"] = thread_root(ticket_id)
    if reply_to := reply_address(ticket_id):
        result["Reply-To"] = reply_to
    return result


def reply_address(ticket_id: int) -> str:
    """`support+PT-1042.<sig>@example.com`, or "" without MAIL_INTAKE_REPLY_ADDRESS."""
    base = settings.MAIL_INTAKE_REPLY_ADDRESS
    if not base or "@" not in base:
        return ""
    local, _at, host = base.rpartition("@")
    return f"{local}+PT-{ticket_id}.{_signature(ticket_id)}@{host}"


def tickets_in_ids(text: str) -> list[int]:
    """The requests named by our signed Message-IDs in a header value (References...)."""
    found = []
    for ticket_id, signature in _ID.findall(text or ""):
        number = _valid(ticket_id, signature)
        if number is not None and number not in found:
            found.append(number)
    return found


def is_ours(message_id_value: str) -> bool:
    """Whether a Message-ID is one of ours (our own e-mail come back)."""
    return bool(tickets_in_ids(message_id_value))


def ticket_in_addresses(addresses: list[str]) -> int | None:
    """The request named by a signed reply address among these recipients, if any."""
    for address in addresses:
        for ticket_id, signature in _ADDRESS.findall(address or ""):
            number = _valid(ticket_id, signature)
            if number is not None:
                return number
    return None


def ticket_in_subject(subject: str) -> int | None:
    """The request named as `[PT-1042]` in a subject (the last one: `Re: [PT-1] … [PT-2]`)."""
    found = SUBJECT_REFERENCE.findall(subject or "")
    return int(found[-1]) if found else None
