"""Every role against every page: who gets the page, who is told no (403), and who cannot
even learn that the record exists (404). One table, so a new view cannot skip its check.

Categories: OK (the page, a redirect after success, a 400 form error, or 405 for a GET on a
POST-only view), LOGIN (sent to log in), DENIED (403), HIDDEN (404).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casework.tests.factories import ConnectionFactory, GoalFactory
from people.models import Consent
from people.tests.factories import ConsentFactory
from referrals.models import Referral

OK, LOGIN, DENIED, HIDDEN = "ok", "login", "denied", "hidden"
ROLES = [
    "anonymous",
    "referrer",
    "worker",
    "colleague",
    "stranger",
    "supervisor",
    "partner",
    "other_partner",
    "commissioner",
    "admin_user",
]
PUBLIC = dict.fromkeys(ROLES, OK)


def expect(default: str, anonymous: str = LOGIN, **overrides: str) -> dict[str, str]:
    table = dict.fromkeys(ROLES, default)
    table["anonymous"] = anonymous
    table.update(overrides)
    return table


CASE_WORKERS = {"worker": OK, "colleague": OK, "supervisor": OK}
TEAM_RECORD = expect(HIDDEN, **CASE_WORKERS)  # visible to the person's team only
CASE_ROLES_ANY_TEAM = {"worker": OK, "colleague": OK, "stranger": OK, "supervisor": OK}
DIRECTORY = expect(OK)
CASE_PAGE = expect(DENIED, **CASE_WORKERS, stranger=HIDDEN)

MATRIX: dict[str, dict[str, str]] = {
    "web:home": expect(OK),
    "web:login": PUBLIC,
    "web:healthz": PUBLIC,
    "referrals:self_refer": PUBLIC,
    "referrals:self_refer_thanks": PUBLIC,
    "referrals:new": expect(DENIED, referrer=OK, **CASE_ROLES_ANY_TEAM),
    "referrals:queue": expect(DENIED, **CASE_ROLES_ANY_TEAM),
    "referrals:detail": expect(HIDDEN, **CASE_WORKERS, referrer=OK),
    "referrals:triage": expect(HIDDEN, **CASE_WORKERS, referrer=DENIED),
    "people:detail": expect(HIDDEN, **CASE_WORKERS, referrer=OK),
    "people:edit": expect(HIDDEN, **CASE_WORKERS, referrer=DENIED),
    "people:consent": expect(HIDDEN, **CASE_WORKERS, referrer=DENIED),
    "people:withdraw_consent": expect(HIDDEN, **CASE_WORKERS, referrer=DENIED),
    "casework:caseload": expect(DENIED, **CASE_ROLES_ANY_TEAM),
    "casework:team_cases": expect(DENIED, supervisor=OK),
    "casework:case": CASE_PAGE,
    "casework:add_conversation": CASE_PAGE,
    "casework:add_goal": CASE_PAGE,
    "casework:goal_status": CASE_PAGE,
    "casework:add_action": CASE_PAGE,
    "casework:complete_action": CASE_PAGE,
    "casework:agree_plan": CASE_PAGE,
    "casework:propose_connection": CASE_PAGE,
    "casework:move_connection": CASE_PAGE,
    "casework:add_contact": CASE_PAGE,
    "casework:discharge": CASE_PAGE,
    "casework:partner_queue": expect(DENIED, partner=OK, other_partner=OK),
    "casework:partner_connection": expect(DENIED, partner=OK, other_partner=HIDDEN),
    "directory:services": DIRECTORY,
    "directory:service": DIRECTORY,
    "directory:public": PUBLIC,
    "directory:report": DIRECTORY,
    "directory:tasks": DIRECTORY,
    "directory:verify": expect(HIDDEN, partner=OK),
    "directory:edit_service": expect(HIDDEN, partner=OK),
    "directory:my_listings": expect(DENIED, partner=OK, other_partner=OK),
    "audit:events": expect(DENIED, admin_user=OK),
    "outcomes:case": CASE_PAGE,
    "outcomes:record": CASE_PAGE,
    "outcomes:send_link": CASE_PAGE,
    "outcomes:healthcare": CASE_PAGE,
    "outcomes:respond": PUBLIC,
    # The HSDS read API is public; which services it shows is tested in directory/tests.
    "hsds:index": PUBLIC,
    "hsds:services": PUBLIC,
    "hsds:service": PUBLIC,  # the test service is public
    "hsds:organizations": PUBLIC,
    "hsds:organization": PUBLIC,
    "hsds:taxonomies": PUBLIC,
    "hsds:taxonomy_terms": PUBLIC,
    "matching:case_suggestions": CASE_PAGE,
    "matching:add_to_plan": CASE_PAGE,
    "matching:feedback": CASE_PAGE,  # a bad token gets the plain "link no longer works" page
}

# Views that change state are exercised with POST (empty or harmless data); the rest GET.
POST_ONLY = {
    "referrals:triage",
    "people:consent",
    "people:withdraw_consent",
    "casework:add_conversation",
    "casework:add_goal",
    "casework:goal_status",
    "casework:add_action",
    "casework:complete_action",
    "casework:agree_plan",
    "casework:propose_connection",
    "casework:move_connection",
    "casework:add_contact",
    "casework:discharge",
    "outcomes:send_link",
    "outcomes:healthcare",
    "matching:add_to_plan",
    "matching:feedback",
    "directory:report",
    "directory:verify",
}
SKIP_NAMESPACES = {"admin", "api"}  # Django admin has its own checks; the API has its own tests


def _named_urls(resolver=None, prefix="") -> set[str]:
    resolver = resolver or get_resolver()
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns in SKIP_NAMESPACES:
                continue
            names |= _named_urls(entry, f"{prefix}{ns}:" if ns else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_page_has_a_row_in_the_access_matrix():
    missing = sorted(_named_urls() - set(MATRIX) - {"web:logout"})
    assert not missing, f"Add these views to the access matrix: {missing}"


@pytest.fixture
def world(worker, referrer, service, organization):
    goal = GoalFactory(
        case__link_worker=worker,
        case__referral__referrer=referrer,
        case__referral__team=worker.team,
        case__referral__person__team=worker.team,
    )
    case = goal.case
    consent = ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    connection = ConnectionFactory(case=case, service=service, status="sent")
    action = case.actions.create(area=case.area, description="Call the group")
    return {
        "case_id": case.pk,
        "person_id": case.person_id,
        "referral_id": case.referral_id,
        "goal_id": goal.pk,
        "action_id": action.pk,
        "connection_id": connection.pk,
        "service_id": service.pk,
        "consent_id": consent.pk,
        "decision": "decline",
        "token": "not-a-real-token",
        "organization_id": organization.pk,
    }


def _kwargs_for(name: str, world: dict) -> dict:
    return {p: world[p] for p in _route_params().get(name, [])}


def _route_params() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIP_NAMESPACES:
                    continue
                walk(entry, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
            elif isinstance(entry, URLPattern) and entry.name:
                found[prefix + entry.name] = list(entry.pattern.converters)

    walk(get_resolver())
    return found


def _category(response) -> str:
    if response.status_code == 302 and "/login/" in response.headers.get("Location", ""):
        return LOGIN
    if response.status_code == 403:
        return DENIED
    if response.status_code == 404:
        return HIDDEN
    if response.status_code in (200, 302, 400, 405, 410):
        return OK
    return f"status {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_matrix_says(request, client, world, role):
    # Every persona exists in every run, so "stranger" really is a user of another area.
    users = {r: request.getfixturevalue(r) for r in ROLES if r != "anonymous"}
    if role != "anonymous":
        client.force_login(users[role])
    # Keep the referral open for triage and the case for changes.
    assert Referral.objects.filter(pk=world["referral_id"]).exists()
    wrong = []
    for name, table in sorted(MATRIX.items()):
        url = reverse(name, kwargs=_kwargs_for(name, world))
        response = client.post(url, {}) if name in POST_ONLY else client.get(url)
        got = _category(response)
        if got != table[role]:
            wrong.append(f"{name}: expected {table[role]}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
