"""Demo data for `manage.py seed_demo`: idempotent, so it runs on every `make run`."""

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Language, Organization, Role, User

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
    for demo in DEMO_USERS:
        user = User.objects.filter(email=demo.email).first() or User(email=demo.email)
        user.full_name = demo.full_name
        user.role = demo.role
        user.organization = organizations.get(demo.organization)
        user.language = user.language or Language.RUSSIAN
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[demo.email] = user
    return users


def seed() -> list[DemoUser]:
    """All demo data; later parts (contracts, requests) hang off this function."""
    seed_accounts()
    return DEMO_USERS
