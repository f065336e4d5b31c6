"""Incoming e-mails as mail clients write them: Outlook, Gmail, Thunderbird; Russian and
English; base64 and quoted-printable; Windows-1251, KOI8-R and UTF-8."""

from email import charset as email_charset
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid

OUTLOOK_RU = (
    "Добрый день!\n\nПосле перезагрузки узла связь восстановилась, спасибо.\n\n"
    "От: ProfTicket <support@proftiket.local>\nОтправлено: 30 ноября 2026 г. 10:00\n"
    "Кому: Анна Иванова <client@alpha.test>\nТема: [PT-1] Поддержке нужна информация\n\n"
    "Пришлите, пожалуйста, журнал узла за вчера.\n"
)
OUTLOOK_RU_OWN = "Добрый день!\n\nПосле перезагрузки узла связь восстановилась, спасибо."

GMAIL_RU = (
    "Журнал приложила.\n\n"
    "пн, 30 нояб. 2026 г. в 10:00, ProfTicket <support@proftiket.local>:\n\n"
    "> Пришлите, пожалуйста, журнал узла за вчера.\n> \n> ProfTicket\n"
)
GMAIL_RU_OWN = "Журнал приложила."

THUNDERBIRD_EN = (
    "It works again since 9:15, thanks.\n\n"
    "On 30.11.2026 10:00, ProfTicket wrote:\n> Please send us the node's log.\n"
)
THUNDERBIRD_EN_OWN = "It works again since 9:15, thanks."

THUNDERBIRD_RU = (
    "Сбой повторился сегодня в 9:15, абоненты без связи.\n\n"
    "30.11.2026 10:00, ProfTicket пишет:\n> Пришлите, пожалуйста, журнал узла.\n"
)
THUNDERBIRD_RU_OWN = "Сбой повторился сегодня в 9:15, абоненты без связи."

ENCODINGS = {"qp": email_charset.QP, "base64": email_charset.BASE64}


def _text_part(text: str, subtype: str, charset: str, encoding: str) -> MIMEText:
    cs = email_charset.Charset(charset)
    cs.header_encoding = email_charset.BASE64
    cs.body_encoding = ENCODINGS[encoding]
    return MIMEText(text, subtype, cs)


def mail(
    *,
    sender: str,
    subject: str,
    text: str | None = None,
    html: str | None = None,
    charset: str = "utf-8",
    encoding: str = "qp",
    name: str = "Анна Иванова",
    to: str = "support@proftiket.local",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict | None = None,
    files: tuple = (),
    mailer: str = "Microsoft Outlook 16.0",
) -> bytes:
    """One e-mail as a client sends it: text and/or HTML, files, in the given charset."""
    parts = []
    if text is not None:
        parts.append(_text_part(text, "plain", charset, encoding))
    if html is not None:
        parts.append(_text_part(html, "html", charset, encoding))
    body = parts[0] if len(parts) == 1 else MIMEMultipart("alternative", _subparts=parts)
    if files:
        message = MIMEMultipart("mixed", _subparts=[body])
        for filename, content_type, data, inline in files:
            maintype, subtype = content_type.split("/")
            part = MIMEBase(maintype, subtype)
            part.set_payload(data)
            encoders.encode_base64(part)
            disposition = "inline" if inline else "attachment"
            part.add_header("Content-Disposition", disposition, filename=("utf-8", "", filename))
            message.attach(part)
    else:
        message = body
    message["From"] = formataddr((str(Header(name, charset)), sender))
    message["To"] = to
    message["Subject"] = Header(subject, charset).encode()
    message["Message-ID"] = message_id or make_msgid(domain="client.test")
    message["Date"] = "Mon, 30 Nov 2026 12:00:00 +0300"
    message["X-Mailer"] = mailer
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for header, value in (headers or {}).items():
        message[header] = value
    return message.as_bytes()
