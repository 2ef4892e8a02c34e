"""Each role's home page: what is due today for them. Built from the domain apps' queries."""

from __future__ import annotations

from accounts.models import Role


def home_context(user) -> tuple[str, dict]:
    # Each role's builder lives with the domain that owns the data; web only dispatches.
    builders = {
        Role.LINK_WORKER: "casework.home:link_worker_home",
        Role.SUPERVISOR: "casework.home:supervisor_home",
        Role.REFERRER: "referrals.home:referrer_home",
        Role.PARTNER: "casework.home:partner_home",
        Role.COMMISSIONER: "casework.home:commissioner_home",
        Role.ADMIN: "casework.home:admin_home",
    }
    from django.utils.module_loading import import_string

    path = builders.get(user.role)
    if path is None:
        return "web/home_empty.html", {}
    try:
        builder = import_string(path.replace(":", "."))
    except ImportError:
        return "web/home_empty.html", {}
    return builder(user)
