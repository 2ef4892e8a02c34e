import datetime as dt

from outcomes.schedule import due_points

D = dt.date(2026, 1, 5)
SCHEDULE = {"baseline": ["swemwbs"], "week_6": ["swemwbs"], "discharge": ["swemwbs"]}


def test_nothing_is_due_before_the_first_conversation():
    assert (
        due_points(
            baseline_on=None,
            discharged_on=None,
            schedule=SCHEDULE,
            follow_up_weeks={"week_6": 6},
            done=set(),
        )
        == []
    )


def test_follow_ups_fall_due_weeks_after_baseline_and_overdue_a_week_later():
    points = due_points(
        baseline_on=D,
        discharged_on=None,
        schedule=SCHEDULE,
        follow_up_weeks={"week_6": 6},
        done={("baseline", "swemwbs")},
    )
    baseline, week6 = points
    assert baseline.state(D) == "done"
    assert week6.due_on == D + dt.timedelta(weeks=6)
    assert week6.state(week6.due_on - dt.timedelta(1)) == "upcoming"
    assert week6.state(week6.due_on) == "due"
    assert week6.state(week6.due_on + dt.timedelta(8)) == "overdue"


def test_discharge_adds_a_final_measure():
    points = due_points(
        baseline_on=D,
        discharged_on=D + dt.timedelta(30),
        schedule=SCHEDULE,
        follow_up_weeks={"week_6": 6},
        done=set(),
    )
    assert [p.timepoint for p in points] == ["baseline", "discharge", "week_6"]
