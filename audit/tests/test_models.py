import pytest

from audit.actions import record_event
from audit.models import Event


def test_an_event_cannot_be_changed(worker):
    event = record_event(worker, "view", worker)
    event.verb = "change"
    with pytest.raises(PermissionError):
        event.save()


def test_an_event_cannot_be_deleted(worker):
    event = record_event(worker, "view", worker)
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        Event.objects.all().delete()
    with pytest.raises(PermissionError):
        Event.objects.update(verb="view")
    assert Event.objects.count() == 1
