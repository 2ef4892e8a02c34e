"""Check that services' websites answer and their email domains exist.

Dead links are the first sign of a closed service. Websites are tried with HEAD, then GET
(some servers refuse HEAD), following redirects, with a timeout, several at a time. Email
domains must resolve (the standard library's resolver: no extra dependency; a domain with
an MX record but no address record is rare for organisations and reported as such).
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from directory.models import Organization, Service

USER_AGENT = "socialrx-link-checker/1 (+https://github.com/socialrx)"


@dataclass(frozen=True)
class Target:
    kind: str  # "service" or "organization"
    id: str
    name: str
    field: str  # "url", "website" or "email"
    value: str


@dataclass(frozen=True)
class Finding:
    target: Target
    ok: bool
    detail: str


def check_url(url: str, *, timeout: float = 10.0) -> tuple[bool, str]:
    if not url.lower().startswith(("http://", "https://")):
        return False, "not an http(s) address"
    last = ""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url, method=method, headers={"User-Agent": USER_AGENT}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return True, f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code not in (405, 501, 403):  # method refused: try GET
                break
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            last = f"unreachable ({reason})"
            break
    return False, last


def default_resolver(domain: str) -> bool:
    try:
        return bool(socket.getaddrinfo(domain, None))
    except (socket.gaierror, UnicodeError):
        return False


def check_email(address: str, *, resolver: Callable[[str], bool] = default_resolver):
    if "@" not in address:
        return False, "not an email address"
    domain = address.rsplit("@", 1)[1].strip().lower()
    return (True, "domain resolves") if resolver(domain) else (False, f"{domain} does not exist")


def check_targets(
    targets: Iterable[Target],
    *,
    workers: int = 8,
    timeout: float = 10.0,
    resolver: Callable[[str], bool] = default_resolver,
) -> list[Finding]:
    def one(target: Target) -> Finding:
        if target.field == "email":
            ok, detail = check_email(target.value, resolver=resolver)
        else:
            ok, detail = check_url(target.value, timeout=timeout)
        return Finding(target, ok, detail)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, list(targets)))


def directory_targets(limit: int | None = None) -> list[Target]:
    targets: list[Target] = []
    for s in Service.objects.exclude(url="", email="").only("id", "name", "url", "email"):
        if s.url:
            targets.append(Target("service", str(s.pk), s.name, "url", s.url))
        if s.email:
            targets.append(Target("service", str(s.pk), s.name, "email", s.email))
    for o in Organization.objects.exclude(website="", email="").only(
        "id", "name", "website", "email"
    ):
        if o.website:
            targets.append(Target("organization", str(o.pk), o.name, "website", o.website))
        if o.email:
            targets.append(Target("organization", str(o.pk), o.name, "email", o.email))
    # The same address is checked once however many services share it.
    seen: set[tuple[str, str]] = set()
    unique = []
    for t in targets:
        key = (t.field == "email" and t.value.rsplit("@", 1)[-1] or t.value, t.field)
        if key not in seen:
            seen.add(key)
            unique.append(t)
    return unique[:limit] if limit else unique
