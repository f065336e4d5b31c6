"""Flat factories: one SubFactory level, Faker for text."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Organization, Role, User

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


class StaffUserFactory(UserFactory):
    role = Role.AGENT
    organization = None
