"""Every HSDS import is audited, in its own transaction: who (a user, or the command by
name), which file, and how many records of each table it created and updated. Both when the
dataset is checked whole before it is written and when it is streamed while it is read."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from audit.models import Event
from directory import actions
from directory.hsds_import import import_hsds
from directory.models import Organization, Phone, Service
from directory.tests.hsds_data import ARRAY, CSV_OFFICIAL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("writes")]


def import_events():
    return list(Event.objects.filter(record_type="directory.hsds_import").order_by("id"))


def run_command(path) -> str:
    out = io.StringIO()
    call_command("import_hsds", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_records_who_which_file_and_what_it_created():
    run_command(ARRAY)
    (event,) = import_events()
    assert event.actor is None and event.actor_label == "manage.py import_hsds"
    assert event.verb == Event.Verb.CREATE
    assert event.detail["file"] == str(ARRAY)
    assert event.detail["created"]["service"] == 3
    assert event.detail["created"]["organization"] == 1
    assert event.detail["created"]["phone"] == Phone.objects.count()
    assert event.detail["updated"] == {}


def test_a_re_import_counts_what_it_updated_apart_from_what_it_created(tmp_path):
    run_command(ARRAY)
    services = json.loads(ARRAY.read_text())
    services[0]["name"] = "Community Counselling (renamed)"
    extra = {
        "id": "5d2f0d5e-4b8a-4c57-a1f4-3b1d0c9e7a01",
        "name": "Drop-in",
        "status": "active",
        "organization": services[0]["organization"],
    }
    path = tmp_path / "again.json"
    path.write_text(json.dumps([*services, extra]))
    run_command(path)
    first, second = import_events()
    assert second.detail["file"] == str(path)
    assert second.detail["created"]["service"] == 1
    assert second.detail["updated"]["service"] == 3
    assert second.detail["updated"]["organization"] == 1
    assert "organization" not in second.detail["created"]
    assert second.record_id != first.record_id  # each import has its own


def test_a_user_who_imports_is_named(admin_user):
    import_hsds(ARRAY, by=admin_user)
    (event,) = import_events()
    assert event.actor == admin_user and event.actor_label == admin_user.username


def test_a_refused_import_records_nothing():
    with pytest.raises(CommandError):
        run_command(CSV_OFFICIAL)
    assert import_events() == []


def test_an_import_whose_audit_event_cannot_be_written_stores_nothing(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(actions, "record_event", fail)
    with pytest.raises(RuntimeError, match="audit log"):
        import_hsds(ARRAY)
    assert not Service.objects.exists() and not Organization.objects.exists()
    assert import_events() == []


def test_the_command_says_what_it_created_and_updated():
    assert "3 service (3 new)" in run_command(ARRAY)
    assert "3 service (3 updated)" in run_command(ARRAY)
