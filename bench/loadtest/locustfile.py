"""The users of `make loadtest` (scripts/loadtest.sh starts this with Locust, headless).

Link workers browse their home, caseload, cases and the directory; referrers post
referrals over the API; the public search the directory and open the self-referral form.
Each waits 1-3 s between requests. Locust talks plain HTTP to gunicorn, as the TLS proxy
in front of it would, and says so with X-Forwarded-Proto: https.

Referrals are written exactly once even if the database restarts mid-run: each carries an
Idempotency-Key, and a referrer retries a failed post with the same key until it is
confirmed (or gives up after RETRIES). The confirmed ids are written to OUT_DIR for
scripts/loadtest.sh to count against the database afterwards.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import threading
import time
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

WORLD = json.loads(Path(os.environ["LOADTEST_WORLD"]).read_text())
OUT_DIR = Path(os.environ["LOADTEST_OUT"])
RETRIES = 20
PROXY = {"X-Forwarded-Proto": "https"}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_lock = threading.Lock()
_failures: list[dict] = []
# Every request (when it ended, its name, ms, failed or not) and when each user finished
# starting (signing in): report.py splits the run into the start-up rush and the steady state.
_requests: list[tuple[float, str, float, bool]] = []
_started: list[float] = []
_confirmed: dict[str, str] = {}
_given_up: list[str] = []
_worker_slots = iter(range(10**6))


# Send Secure cookies over the loopback hop: TLS ends at the proxy this driver stands in for,
# and the server keeps its production cookie flags. (requests copies the session's cookies
# into a fresh jar per request, so a per-session policy would not reach it.)
http.cookiejar.DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


@events.request.add_listener
def _record_failure(request_type, name, response_time, response_length, exception, **kwargs):
    response = kwargs.get("response")
    status = getattr(response, "status_code", None)
    failed = exception is not None or (status is not None and status >= 400)
    with _lock:
        _requests.append((time.time(), name, response_time, failed))
    if failed:
        with _lock:
            _failures.append(
                {"at": time.time(), "name": name, "status": status, "error": repr(exception)}
            )


@events.test_stop.add_listener
def _write_results(**kwargs):
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with _lock:
        (OUT_DIR / "failures.json").write_text(json.dumps(_failures))
        (OUT_DIR / "requests.json").write_text(
            json.dumps({"started": _started, "requests": _requests})
        )
        (OUT_DIR / "confirmed.json").write_text(
            json.dumps({"confirmed": _confirmed, "given_up": _given_up})
        )


def _mark_started() -> None:
    with _lock:
        _started.append(time.time())


class _Browser(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers.update(PROXY)
        self.client.headers["Referer"] = f"https://{self.host.split('://', 1)[1]}/"
        if type(self).on_start is _Browser.on_start:  # nothing more to do to start
            _mark_started()


class LinkWorker(_Browser):
    weight = 6

    def on_start(self):
        super().on_start()
        with _lock:
            slot = next(_worker_slots)
        me = WORLD["link_workers"][slot % len(WORLD["link_workers"])]
        self.cases = me["cases"]
        page = self.client.get("/login/", name="login page")
        token = CSRF_INPUT.search(page.text)
        with self.client.post(
            "/login/",
            data={
                "username": me["username"],
                "password": WORLD["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="sign in",
            catch_response=True,
        ) as response:
            if response.ok and "/login/" in response.url:
                response.failure("sign-in refused")
        _mark_started()

    def page(self, url: str, name: str) -> None:
        """A staff page; signed out (sent to the login page) counts as a failure."""
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.ok and "/login/" in response.url:
                response.failure("signed out: sent to the login page")

    @task(3)
    def home(self):
        self.page("/", "home")

    @task(3)
    def caseload(self):
        self.page("/cases/", "caseload")

    @task(4)
    def case(self):
        self.page(f"/cases/{random.choice(self.cases)}/", "case")  # noqa: S311

    @task(2)
    def directory(self):
        word = random.choice(WORLD["searches"])  # noqa: S311
        self.page(f"/directory/?q={word}", "directory search")


class Referrer(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers.update(PROXY)
        self.client.headers["Authorization"] = f"Bearer {random.choice(WORLD['tokens'])}"  # noqa: S311
        teams = self.client.get("/api/v1/referral-teams", name="api referral teams")
        items = teams.json() if teams.ok else []
        items = items.get("items", items) if isinstance(items, dict) else items
        self.team = items[0]["id"] if len(items) > 1 else None
        _mark_started()

    @task
    def refer(self):
        key = str(uuid.uuid4())
        body = {
            "person": {
                "given_name": "Load",
                "family_name": f"Test {key[:8]}",
                "birth_date": "1950-01-01",
                "postcode": "TN23 1AA",
            },
            "reasons": ["loneliness"],
            "notes": f"load:{key}",
            "urgency": "routine",
        }
        if self.team:
            body["team"] = self.team
        for attempt in range(RETRIES):
            with self.client.post(
                "/api/v1/referrals",
                json=body,
                headers={"Idempotency-Key": key},
                name="api post referral" if attempt == 0 else "api post referral (retry)",
                catch_response=True,
            ) as response:
                if response.status_code in (200, 201):
                    with _lock:
                        _confirmed[key] = response.json()["id"]
                    return
                if response.status_code and 400 <= response.status_code < 500:
                    response.failure(f"{response.status_code}: {response.text[:200]}")
                    return
                response.failure(f"{response.status_code}: will retry")
            time.sleep(1)
        with _lock:
            _given_up.append(key)


class Public(_Browser):
    weight = 2

    @task(3)
    def find(self):
        word = random.choice(WORLD["searches"])  # noqa: S311
        self.client.get(f"/directory/find/?q={word}", name="public directory")

    @task(1)
    def self_referral_form(self):
        self.client.get("/referrals/self/", name="self-referral form")
