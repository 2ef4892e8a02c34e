"""Each role's home page: what is due today for them. Built by the domain that owns the data;
web only dispatches."""

from __future__ import annotations

from accounts.models import Role
from casework import home as casework_home
from referrals import home as referrals_home

BUILDERS = {
    Role.LINK_WORKER: casework_home.link_worker_home,
    Role.SUPERVISOR: casework_home.supervisor_home,
    Role.REFERRER: referrals_home.referrer_home,
    Role.PARTNER: casework_home.partner_home,
    Role.COMMISSIONER: casework_home.commissioner_home,
    Role.ADMIN: casework_home.admin_home,
}


def home_context(user) -> tuple[str, dict]:
    return BUILDERS[user.role](user)
