import datetime as dt

import pytest

from casework import rules

D = dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("status", "to", "side"),
    [
        ("proposed", "sent", "link_worker"),
        ("sent", "accepted", "partner"),
        ("sent", "declined", "partner"),
        ("accepted", "first_attended", "partner"),
        ("accepted", "first_attended", "link_worker"),
        ("first_attended", "ongoing", "partner"),
        ("ongoing", "completed", "partner"),
        ("ongoing", "dropped", "link_worker"),
    ],
)
def test_the_journey_moves_are_allowed(status, to, side):
    assert rules.move_error(status, to, side) is None


def test_only_the_organisation_can_accept():
    assert rules.move_error("sent", "accepted", "link_worker") == (
        "Only the organisation can mark this connection accepted."
    )


def test_only_the_link_worker_can_send():
    assert "Only the link worker" in rules.move_error("proposed", "sent", "partner")


def test_ended_connections_cannot_move():
    for ended in rules.ENDED:
        assert "already" in rules.move_error(ended, "ongoing", "partner")


def test_skipping_a_state_is_refused():
    assert rules.move_error("sent", "completed", "partner") == (
        "A sent connection cannot become completed."
    )


def test_every_state_is_covered_and_every_target_is_a_state():
    states = set(rules.MOVES)
    for moves in rules.MOVES.values():
        assert {m.to for m in moves} <= states


def test_declining_and_dropping_need_a_reason():
    assert rules.needs_reason("sent", "declined")
    assert rules.needs_reason("ongoing", "dropped")
    assert not rules.needs_reason("sent", "accepted")


@pytest.mark.parametrize(
    ("due", "state"),
    [
        (D - dt.timedelta(1), "overdue"),
        (D, "today"),
        (D + dt.timedelta(3), "soon"),
        (D + dt.timedelta(30), None),
        (None, None),
    ],
)
def test_follow_up_state(due, state):
    assert rules.follow_up_state(due, D) == state


def test_plans_are_reviewed_after_six_weeks_by_default():
    assert rules.default_review_date(D) == dt.date(2027, 1, 5)
