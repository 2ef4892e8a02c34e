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


def test_the_rules_table_has_exactly_the_models_connection_states():
    from casework.models import Connection

    assert set(rules.MOVES) == set(Connection.Status.values)
    assert rules.ACTIVE | rules.ENDED | {rules.PROPOSED} == set(Connection.Status.values)


def test_the_models_declare_no_states_of_their_own():
    from casework.models import Case, Connection

    assert Connection.Status is rules.ConnectionStatus
    assert Case.Status is rules.CaseStatus
    assert {m.to for moves in rules.MOVES.values() for m in moves} <= set(rules.ConnectionStatus)


def test_the_api_accepts_every_move_target_and_nothing_else():
    import typing

    from casework.schemas import TransitionIn

    targets = {m.to for moves in rules.MOVES.values() for m in moves}
    assert set(typing.get_args(TransitionIn.model_fields["to"].annotation)) == targets


def test_taken_up_connections_continue_at_discharge_and_unanswered_ones_block_it():
    assert {"accepted", "first_attended", "ongoing"} == rules.CONTINUE_AT_DISCHARGE
    assert {"sent"} == rules.BLOCKS_DISCHARGE


def test_after_discharge_only_the_partner_moves_a_continuing_connection():
    assert rules.moves_from("ongoing", "partner", discharged=True)
    assert rules.moves_from("ongoing", "link_worker", discharged=True) == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D, None),
        (D - dt.timedelta(3), None),
        (D + dt.timedelta(1), "The first visit cannot be in the future."),
        (
            D - dt.timedelta(4),
            "The first visit cannot be before the connection was sent (21 November 2026).",
        ),
    ],
)
def test_a_dated_step_must_fall_between_its_start_and_today(day, expected):
    error = rules.date_error(
        day,
        what="The first visit",
        not_before=D - dt.timedelta(3),
        since="the connection was sent",
        today=D,
    )
    assert error == expected
