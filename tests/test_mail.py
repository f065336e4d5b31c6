import pytest

from proftiket.mail import send_templated_mail
from tickets.models import TicketEvent


@pytest.mark.django_db
def test_a_long_russian_subject_keeps_its_spaces_through_smtp(smtp_server):
    # CPython's header folding used to drop the space between two encoded words.
    send_templated_mail(
        template="ticket_event",
        to="client@alpha.test",
        language="ru",
        context={
            "Kind": TicketEvent.Kind,
            "kind": TicketEvent.Kind.RESOLVED,
            "audience": "customer",
            "reference": "PT-10",
            "subject": "Не работает личный кабинет абонента после обновления",
        },
    )
    [message] = smtp_server.messages
    assert message["Subject"] == (
        "[PT-10] Предложено решение: подтвердите, пожалуйста: "
        "Не работает личный кабинет абонента после обновления"
    )
