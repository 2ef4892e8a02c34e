import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from casework.models import Case, Connection, Contact, Goal
from directory.tests.factories import ServiceFactory
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    referral = factory.SubFactory(ReferralFactory, status=Referral.Status.ACCEPTED)
    person = factory.SelfAttribute("referral.person")
    team = factory.SelfAttribute("referral.team")
    area = factory.SelfAttribute("referral.area")
    link_worker = factory.SubFactory(
        UserFactory, role=Role.LINK_WORKER, team=factory.SelfAttribute("..team")
    )
    opened_at = factory.LazyFunction(timezone.now)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    case = factory.SubFactory(CaseFactory)
    area = factory.SelfAttribute("case.area")
    text = "I want to get out of the house and meet people again."


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    case = factory.SubFactory(CaseFactory)
    area = factory.SelfAttribute("case.area")
    service = factory.SubFactory(ServiceFactory)
    organization = factory.SelfAttribute("service.organization")
    proposed_at = factory.LazyFunction(timezone.now)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    case = factory.SubFactory(CaseFactory)
    area = factory.SelfAttribute("case.area")
    happened_on = factory.LazyFunction(lambda: timezone.localdate())
    mode = Contact.Mode.PHONE
    minutes = 20
    recorded_by = factory.SelfAttribute("case.link_worker")


def busy_caseload(worker, service, *, cases: int = 6):
    """`cases` open cases of `worker`, each with an overdue follow-up, a plan review due
    within the week and a connection sent ten days ago and still unanswered."""
    today = timezone.localdate()
    for i in range(cases):
        case = CaseFactory(
            link_worker=worker,
            referral__person__team=worker.team,
            review_date=today + dt.timedelta(days=i),
        )
        ContactFactory(
            case=case,
            follow_up_due=today - dt.timedelta(days=i),
            happened_on=today - dt.timedelta(days=10),
        )
        ConnectionFactory(
            case=case,
            service=service,
            status=Connection.Status.SENT,
            sent_at=timezone.now() - dt.timedelta(days=10),
        )
    return worker
