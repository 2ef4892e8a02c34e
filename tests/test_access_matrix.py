"""Every role against every page: who gets the page, who is told no (403), and who cannot
even learn that the record exists (404). One table, so a new view cannot skip its check.

Categories: OK (the page, a redirect after success, a 400 form error, or 405 for a GET on a
POST-only view), LOGIN (sent to log in), DENIED (403), HIDDEN (404).

The JSON APIs (/api/ and /hsds/) have their own table, API_MATRIX, below: a row per route
(and more where one route answers differently per record), sent with a Bearer token as
integrators do. There LOGIN is 401, OK is 200, 201, 400 or 409 (a request the access check
let through; a 422 means the row's body is wrong, so it fails), and for a list each row says
which roles find which of the world's records in the answer: everyone else must not.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import ApiToken
from accounts.tokens import create_api_token
from casework.tests.factories import ConnectionFactory, GoalFactory
from directory.models import Service
from directory.tests.factories import OrganizationFactory, ServiceFactory
from matching import state as matching_state
from people.models import Consent
from people.tests.factories import ConsentFactory
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory
from trials.tests.factories import TrialFactory

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
    "accounts:sign_out_everywhere": expect(OK),  # GET shows the button; POST logs out
    # One's own two-factor sign-in and API tokens (the enforced two-factor path is tested
    # in accounts/tests/test_two_factor.py); a token is revoked by its owner or an admin.
    "accounts:two_factor": expect(OK),
    "accounts:two_factor_setup": expect(OK),
    "accounts:two_factor_code": expect(OK),
    "accounts:recovery_codes": expect(OK),
    "accounts:two_factor_off": expect(OK),
    "accounts:tokens": expect(OK),
    "accounts:all_tokens": expect(DENIED, admin_user=OK),
    "accounts:revoke_token": expect(HIDDEN, worker=OK, admin_user=OK),
    "referrals:self_refer": PUBLIC,
    "referrals:self_refer_thanks": PUBLIC,
    "referrals:new": expect(DENIED, referrer=OK, **CASE_ROLES_ANY_TEAM),
    "referrals:queue": expect(DENIED, **CASE_ROLES_ANY_TEAM),
    "referrals:detail": expect(HIDDEN, **CASE_WORKERS, referrer=OK),
    "referrals:triage": expect(HIDDEN, **CASE_WORKERS, referrer=DENIED),
    # A referrer sees what they sent (referrals:detail), never the person's record.
    "people:detail": TEAM_RECORD,
    "people:edit": TEAM_RECORD,
    "people:consent": TEAM_RECORD,
    "people:withdraw_consent": TEAM_RECORD,
    "people:duplicates": expect(DENIED, supervisor=OK),
    # Only records flagged against one of the supervisor's own team's people.
    "people:resolve_duplicate": expect(HIDDEN),
    # Subject access: the whole record, for a supervisor of the team holding it.
    "records:subject_access_json": expect(HIDDEN, worker=DENIED, colleague=DENIED, supervisor=OK),
    "records:subject_access_pdf": expect(HIDDEN, worker=DENIED, colleague=DENIED, supervisor=OK),
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
    "casework:safeguarding": CASE_PAGE,  # closing a concern (POST) is supervisors' only
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
    "outcomes:due": expect(DENIED, **CASE_ROLES_ANY_TEAM),
    "outcomes:case": CASE_PAGE,
    "outcomes:record": CASE_PAGE,
    "outcomes:send_link": CASE_PAGE,
    "outcomes:healthcare": CASE_PAGE,
    "outcomes:respond": PUBLIC,
    # Only the referrer, once the case is discharged (the world's case is open: 403).
    "outcomes:referrer_feedback": expect(
        HIDDEN, **dict.fromkeys(CASE_WORKERS, DENIED), referrer=DENIED
    ),
    # The /hsds/ and /api/ routes are in API_MATRIX below.
    "matching:case_suggestions": CASE_PAGE,
    "matching:add_to_plan": CASE_PAGE,
    "matching:feedback": CASE_PAGE,  # a bad token gets the plain "link no longer works" page
    # Equity and exports: counts and pseudonymous rows for dashboard readers; names only
    # for a supervisor's own team.
    "insight:exports": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    "insight:exports_reach_csv": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    "insight:exports_time_report": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    "insight:exports_time_report_identifiable": expect(DENIED, supervisor=OK),
    # Dashboards and gaps: aggregates for supervisors (their team), commissioners, admins.
    "insight:dashboard": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    "insight:dashboard_csv": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    "insight:dashboard_json": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    "insight:gaps": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    "insight:gaps_csv": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    # Evaluation: aggregates only, for the same readers (a supervisor: their team).
    "insight:evaluation": expect(DENIED, supervisor=OK, commissioner=OK, admin_user=OK),
    # Trial mode: commissioners run trials; link workers record consent on their team's cases.
    "trials:trials": expect(DENIED, commissioner=OK),
    "trials:detail": expect(DENIED, commissioner=OK),
    "trials:switch_off": expect(DENIED, commissioner=OK),
    "trials:consent": CASE_PAGE,
}

# Views that change state are exercised with POST (empty or harmless data); the rest GET.
POST_ONLY = {
    "accounts:two_factor_off",
    "accounts:revoke_token",
    "referrals:triage",
    "people:resolve_duplicate",
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
    "trials:switch_off",
}
SKIP_NAMESPACES = {"admin"}  # Django admin has its own checks
API_NAMESPACES = {"api", "hsds"}  # checked by API_MATRIX


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
    pages = {n for n in _named_urls() if n.split(":")[0] not in API_NAMESPACES}
    missing = sorted(pages - set(MATRIX) - {"web:logout"})
    assert not missing, f"Add these views to the access matrix: {missing}"


def test_every_api_route_has_a_row_in_the_api_matrix():
    routes = {n for n in _named_urls() if n.split(":")[0] in API_NAMESPACES}
    rows = {_route_name(key) for key in API_MATRIX}
    assert not sorted(routes - rows), f"Add these API routes to API_MATRIX: {sorted(routes - rows)}"
    assert not sorted(rows - routes), f"API_MATRIX names routes that do not exist: {rows - routes}"


@pytest.fixture
def world(worker, referrer, service, organization, other_team):
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
    # An informal group whose only service is for professionals: staff only, anywhere.
    pro_service = ServiceFactory(
        organization=OrganizationFactory(name="Informal walking circle"),
        name="Informal walking circle",
        visibility=Service.Visibility.PROFESSIONALS,
    )
    south_referral = ReferralFactory(person__team=other_team)  # out of North's scope
    trial = TrialFactory(team=worker.team, switched_on_at=case.opened_at - dt.timedelta(days=1))
    matching_state.reset()  # suggestions read a process-wide index: build it from this world
    create_api_token(worker, name="world")
    yield {
        "token_id": ApiToken.objects.get(user=worker).pk,
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
        "pro_service_id": pro_service.pk,
        "pro_organization_id": pro_service.organization_id,
        "south_referral_id": south_referral.pk,
        "reach_table": "reach-by-ethnicity",
        "table": "referrals-by-source",
        "gap_table": "investment",
        "trial_id": trial.pk,
    }
    matching_state.reset()


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


# --- The JSON APIs ------------------------------------------------------------------------

STAFF = set(ROLES) - {"anonymous"}
SIGNED_IN = expect(OK, anonymous=LOGIN)  # LOGIN is 401 here
HIDDEN_FROM_THE_PUBLIC = expect(OK, anonymous=HIDDEN)
REFERRAL_READERS = {"referrer", "worker", "colleague", "supervisor"}


@dataclass(frozen=True)
class ApiRow:
    """How each role fares on one route. `body` (built from the world) is valid for the
    route, so a refusal is the access check's; `params` names the world record for a route
    parameter when it is not the one of the same name; `listed` maps a world record to the
    roles that find it in the answer (everyone else must not)."""

    expected: dict[str, str]
    method: str = "get"
    body: Callable[[dict], dict] | None = None
    params: dict[str, str] = field(default_factory=dict)
    listed: dict[str, set[str]] = field(default_factory=dict)


def _route_name(key: str) -> str:
    """API_MATRIX keys are route names, optionally followed by what the row is about."""
    return key.split(" ", 1)[0]


API_MATRIX: dict[str, ApiRow] = {
    "api:api-root": ApiRow(dict.fromkeys(ROLES, HIDDEN)),  # /api/ itself is nothing
    "api:openapi-json": ApiRow(PUBLIC),
    "api:openapi-view": ApiRow(PUBLIC),
    "api:referral_reasons": ApiRow(PUBLIC),
    "api:referral_teams": ApiRow(
        expect(DENIED, anonymous=LOGIN, referrer=OK, **CASE_ROLES_ANY_TEAM)
    ),
    "api:create_referral": ApiRow(
        expect(DENIED, anonymous=LOGIN, referrer=OK, **CASE_ROLES_ANY_TEAM),
        method="post",
        body=lambda w: {
            "person": {"given_name": "Ada", "family_name": "Byron", "birth_date": "1950-12-10"},
            "reasons": ["loneliness"],
        },
    ),
    "api:list_referrals": ApiRow(
        expect(OK, anonymous=LOGIN),
        listed={"referral_id": REFERRAL_READERS, "south_referral_id": {"stranger"}},
    ),
    "api:get_referral": ApiRow(expect(HIDDEN, anonymous=LOGIN, referrer=OK, **CASE_WORKERS)),
    "api:get_person": ApiRow(expect(HIDDEN, anonymous=LOGIN, **CASE_WORKERS)),
    "api:patch_person": ApiRow(
        expect(HIDDEN, anonymous=LOGIN, **CASE_WORKERS),
        method="patch",
        body=lambda w: {"preferred_name": "Mo"},
    ),
    "api:caseload": ApiRow(
        expect(DENIED, anonymous=LOGIN, **CASE_ROLES_ANY_TEAM),
        listed={"case_id": {"worker"}},
    ),
    "api:get_case": ApiRow(expect(HIDDEN, anonymous=LOGIN, **CASE_WORKERS)),
    "api:get_connection": ApiRow(expect(HIDDEN, anonymous=LOGIN, **CASE_WORKERS, partner=OK)),
    "api:transition": ApiRow(
        expect(HIDDEN, anonymous=LOGIN, **CASE_WORKERS, partner=OK),
        method="post",
        body=lambda w: {"to": "accepted"},
    ),
    "api:instruments": ApiRow(PUBLIC),
    "api:score_answers": ApiRow(
        PUBLIC, method="post", body=lambda w: {"instrument": "ucla3", "answers": [1, 2, 3]}
    ),
    "api:record_response": ApiRow(
        expect(DENIED, anonymous=LOGIN, **CASE_WORKERS, stranger=HIDDEN),
        method="post",
        body=lambda w: {"instrument": "ucla3", "answers": [1, 2, 3]},
    ),
    "api:suggestions": ApiRow(
        SIGNED_IN,
        method="post",
        body=lambda w: {"text": "walking", "include_excluded": True},
        listed={"service_id": STAFF, "pro_service_id": STAFF},
    ),
    # HSDS: public, but a professionals-only listing, and an organisation that has only
    # those, are for staff (docs/directory.md, "Who sees what").
    "hsds:api-root": ApiRow(PUBLIC),
    "hsds:index": ApiRow(PUBLIC),
    "hsds:openapi-json": ApiRow(PUBLIC),
    "hsds:openapi-view": ApiRow(PUBLIC),
    "hsds:services": ApiRow(PUBLIC, listed={"service_id": set(ROLES), "pro_service_id": STAFF}),
    "hsds:service": ApiRow(PUBLIC),
    "hsds:service professionals-only": ApiRow(
        HIDDEN_FROM_THE_PUBLIC, params={"service_id": "pro_service_id"}
    ),
    "hsds:organizations": ApiRow(
        PUBLIC, listed={"organization_id": set(ROLES), "pro_organization_id": STAFF}
    ),
    "hsds:organization": ApiRow(PUBLIC, listed={"pro_service_id": set()}),
    "hsds:organization professionals-only": ApiRow(
        HIDDEN_FROM_THE_PUBLIC,
        params={"organization_id": "pro_organization_id"},
        listed={"pro_service_id": STAFF, "service_id": set()},
    ),
    "hsds:taxonomies": ApiRow(PUBLIC),
    "hsds:taxonomy_terms": ApiRow(PUBLIC),
}


def _api_category(response) -> str:
    if response.status_code == 401:
        return LOGIN
    if response.status_code == 403:
        return DENIED
    if response.status_code == 404:
        return HIDDEN
    if response.status_code in (200, 201, 400, 409):
        return OK
    return f"status {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_api_matrix_says(request, client, world, role):
    headers = {}
    if role != "anonymous":
        from accounts.tokens import create_api_token

        token = create_api_token(request.getfixturevalue(role))
        headers["Authorization"] = f"Bearer {token}"
    params = _route_params()
    wrong = []
    for key, row in sorted(API_MATRIX.items()):
        name = _route_name(key)
        kwargs = {p: world[row.params.get(p, p)] for p in params.get(name, [])}
        url = reverse(name, kwargs=kwargs)
        send = getattr(client, row.method)
        if row.body is None:
            response = send(url, headers=headers)
        else:
            data = json.dumps(row.body(world))
            response = send(url, data=data, content_type="application/json", headers=headers)
        got = _api_category(response)
        if got != row.expected[role]:
            wrong.append(f"{key}: expected {row.expected[role]}, got {got}")
            continue
        text = response.content.decode()
        for record, roles in row.listed.items():
            present = str(world[record]) in text
            if present != (role in roles):
                wrong.append(f"{key}: {record} {'listed' if present else 'missing'}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
