"""manage.py suggest: with --json, stdout is exactly one JSON document."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from matching.actions import refresh_embeddings
from matching.tests.factories import ASHFORD, service_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def walks(db):
    service_at("Tuesday health walk", "A gentle walk in the park", *ASHFORD)
    service_at("Money advice", "Debt and benefits advice", *ASHFORD)
    refresh_embeddings()


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("suggest", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_output_is_the_only_thing_on_stdout(walks, capsys):
    lat, lon = ASHFORD
    out, _ = run(
        "--text", "walking", "--lat", str(lat), "--lon", str(lon), "--limit", "1", "--json"
    )
    body = json.loads(out)
    assert [r["name"] for r in body["results"]] == ["Tuesday health walk"]
    assert set(body["results"][0]) >= {"id", "name", "score", "explanation"}
    assert capsys.readouterr().out == ""  # nothing printed around the command's stdout


def test_a_postcode_and_radius_work_from_the_shell(walks):
    out, _ = run("--text", "debt", "--postcode", "TN23 1AA", "--radius-km", "5", "--json")
    assert json.loads(out)["results"][0]["name"] == "Money advice"


def test_plain_output_is_a_readable_list(walks):
    out, _ = run("--text", "walking", "--excluded")
    assert out.startswith(" 1. Tuesday health walk")
    assert "ranking)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "walks", "--lat", "51.1"], "--lon"),
        (["--text", "walks", "--postcode", "ZZ9 9ZZ"], "--postcode"),
        (["--text", "walks", "--limit", "0"], "--limit"),
        (["--text", " "], "--text"),
    ],
)
def test_bad_arguments_fail_with_a_clear_message(walks, args, message):
    with pytest.raises(CommandError) as err:
        run(*args)
    assert message in str(err.value)
