"""Flat factories: one SubFactory level, Faker for text."""

from datetime import date, timedelta

import factory
from factory.django import DjangoModelFactory

from accounts.models import Organization, Role, User
from accounts.services import set_role
from sla.models import PlanTarget, default_calendar

PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Telecom {n}")
    short_name = factory.LazyAttribute(lambda o: o.name.split()[0])
    tax_number = factory.Sequence(lambda n: f"77{n:08d}")
    contact_email = factory.Faker("company_email")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="ru_RU")
    role = Role.CUSTOMER
    organization = factory.SubFactory(OrganizationFactory)
    language = "ru"
    password = factory.django.Password(PASSWORD)

    @classmethod
    def _create(cls, model_class, *args, role, **kwargs):
        # As the admin, the invitations and the demo data do: the role comes with its group.
        user = model_class(*args, **kwargs)
        set_role(user, role=role, actor=None)
        return user


class StaffUserFactory(UserFactory):
    role = Role.AGENT
    organization = None


# A real 2×2 PNG, small enough to inline: screenshots in tests are actual images.
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00"
    b"\xfd\xd4\x9as\x00\x00\x00\x11IDATx\x9cc\xf8\xcf\xc0\xc0\xf0\x1f\x8c\x80\x18\x00\x1d\xf0"
    b"\x03\xfd\xd3\xd0}&\x00\x00\x00\x00IEND\xaeB`\x82"
)


class TicketFactory(DjangoModelFactory):
    """A request in its initial state; move it on through tickets.lifecycle in tests."""

    class Meta:
        model = "tickets.Ticket"
        skip_postgeneration_save = True

    requester = factory.SubFactory(UserFactory)
    organization = factory.LazyAttribute(lambda t: t.requester.organization)
    subject = factory.Faker("sentence", nb_words=5)
    description = factory.Faker("paragraph")


class CommentFactory(DjangoModelFactory):
    class Meta:
        model = "tickets.Comment"

    ticket = factory.SubFactory(TicketFactory)
    author = factory.LazyAttribute(lambda c: c.ticket.requester)
    body = factory.Faker("paragraph")


class AttachmentFactory(DjangoModelFactory):
    """A PNG screenshot of a request (or of one of its messages, with `comment=`)."""

    class Meta:
        model = "tickets.Attachment"

    ticket = factory.SubFactory(TicketFactory)
    comment = None
    file = factory.django.FileField(filename="screenshot.png", data=TINY_PNG)
    original_name = "screenshot.png"
    size = len(TINY_PNG)
    content_type = "image/png"
    sha256 = "27ce4cd0859ffa137ec951b62df9ba8c19d37ac07d2c166a4ab6a2a3be1e9ae8"  # of TINY_PNG
    uploaded_by = factory.LazyAttribute(lambda a: a.ticket.requester)
    is_internal = factory.LazyAttribute(lambda a: bool(a.comment and a.comment.is_internal))


class PlanFactory(DjangoModelFactory):
    """A support plan on the default support hours covering every request type.

    Targets (first response / resolution): Critical 30 min / 4 h, High 1 h / 8 h,
    Normal 4 h / 24 h, Low 8 h / 40 h of business time.
    """

    class Meta:
        model = "sla.SupportPlan"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Plan {n}")
    covered_types = factory.LazyFunction(
        lambda: ["incident", "problem", "service_request", "change_request"]
    )
    calendar = factory.LazyFunction(default_calendar)

    @factory.post_generation
    def targets(plan, create, extracted, **kwargs):
        if not create:
            return
        hours = extracted or {1: (0.5, 4), 2: (1, 8), 3: (4, 24), 4: (8, 40)}
        PlanTarget.objects.bulk_create(
            PlanTarget(plan=plan, priority=priority, first_response=timedelta(hours=first),
                       resolution=timedelta(hours=resolution))
            for priority, (first, resolution) in hours.items()
        )  # fmt: skip


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = "sla.Contract"

    organization = factory.SubFactory(OrganizationFactory)
    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: f"SLA-{n:04d}")
    starts_on = date(2020, 1, 1)
    ends_on = None


class TicketEventFactory(DjangoModelFactory):
    """A history entry, for setting up report data (the lifecycle writes the real ones)."""

    class Meta:
        model = "tickets.TicketEvent"

    ticket = factory.SubFactory(TicketFactory)
    actor = None
    kind = "replied"


class BreachFactory(DjangoModelFactory):
    """A missed SLA target of a request (still open unless met_at/late_by are given)."""

    class Meta:
        model = "sla.Breach"

    ticket = factory.SubFactory(TicketFactory)
    target = "resolution"
    due_at = factory.LazyAttribute(lambda b: b.ticket.created_at + timedelta(hours=8))
