"""Subject access: a supervisor exports everything held on a person, as JSON and PDF."""

import json
import re
import zlib

import pytest
from django.apps import apps
from django.urls import reverse

from audit.actions import record_access
from audit.models import Event
from people.models import Person
from records import subject_access, subject_access_pdf
from records.relations import models_with_a_path_to_person, rows_of


def _forward_closure() -> set:
    """Every model with a chain of foreign keys leading to Person, worked out from the
    other end (each model's own fields) to check the walk in records.relations."""
    reaches = {Person}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in reaches:
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in reaches and f.related_model is not model:
                    reaches.add(model)
                    changed = True
                    break
    return reaches - {Person}


def test_every_model_with_a_foreign_key_path_to_a_person_is_in_the_export():
    assert set(models_with_a_path_to_person()) == _forward_closure()


def test_the_export_holds_a_row_of_every_kind_the_world_has(full_case):
    rows = rows_of(full_case.person)
    expected = {
        "people.Consent", "referrals.Referral", "casework.Case", "casework.Conversation",
        "casework.Goal", "casework.PlanAction", "casework.Connection", "casework.Contact",
        "casework.SafeguardingConcern", "outcomes.Response", "outcomes.OneTimeLink",
        "outcomes.HealthcareUse", "matching.SuggestionFeedback",
    }  # fmt: skip
    assert expected <= {m._meta.label for m, objs in rows.items() if objs}


def test_another_persons_record_is_not_in_the_export(full_case, worker):
    from casework.tests.factories import CaseFactory

    other = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    other.person.possible_duplicate_of = full_case.person
    other.person.save()
    document = subject_access.collect(full_case.person)
    ids = {row["id"] for s in document["records"] for row in s["rows"]}
    assert str(other.pk) not in ids and str(other.referral_id) not in ids
    assert other.person.given_name not in json.dumps(document)


def _get(client, user, name, person):
    client.force_login(user)
    return client.get(reverse(f"records:{name}", args=[person.pk]))


def test_a_supervisor_downloads_the_whole_record_as_json(client, supervisor, worker, full_case):
    person = full_case.person
    record_access(worker, full_case)
    resp = _get(client, supervisor, "subject_access_json", person)
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment;")
    document = json.loads(resp.content)
    assert document["person"]["given_name"] == "Zoë"
    assert document["person"]["family_name"] == "Nguyễn"
    referral = next(s for s in document["records"] if s["model"] == "referrals.Referral")
    assert referral["rows"][0]["person_details_sent"]["family_name"] == "Nguyễn"
    link = next(s for s in document["records"] if s["model"] == "outcomes.OneTimeLink")
    assert "token_hash" not in link["rows"][0]
    seen = [e for e in document["audit"] if e["what"] == "view" and e["who"] == "worker"]
    assert seen and seen[0]["record_type"] == "casework.Case"


def test_the_export_is_audited(client, supervisor, full_case):
    _get(client, supervisor, "subject_access_pdf", full_case.person)
    event = Event.objects.get(verb="export")
    assert event.actor == supervisor
    assert event.person_id == full_case.person.pk
    assert event.detail["subject_access"] == "pdf"
    assert event.detail["rows"]["casework.Case"] == 1


def _pdf_text_points(pdf: bytes) -> set[str]:
    """The characters the PDF's fonts map back to text (their ToUnicode maps)."""
    points = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            text = stream
        if b"beginbfchar" in text or b"beginbfrange" in text:
            points |= {chr(int(h, 16)) for h in re.findall(rb"<([0-9A-Fa-f]{4})>\s*$", text, re.M)}
            for line in re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]{4})>", text):
                points.add(chr(int(line, 16)))
    return points


def _pdf_streams(pdf: bytes) -> bytes:
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream))
        except zlib.error:
            out.append(stream)
    return b"\n".join(out)


def test_the_pdf_prints_names_in_any_script_in_the_packaged_font(
    settings, client, supervisor, full_case
):
    settings.SUBJECT_ACCESS_PDF_FONT = ""  # the default: Noto Sans from fontpkg-noto-sans
    Person.objects.filter(pk=full_case.person.pk).update(
        given_name="Zoë Ŵyn", family_name="Øster", address="1 Łukasz Street, Nguyễn Court"
    )
    resp = _get(client, supervisor, "subject_access_pdf", full_case.person)
    assert resp.status_code == 200
    assert resp.content.startswith(b"%PDF-")
    # Each character is drawn from the embedded font (its ToUnicode map names it), none
    # replaced: no fallback note.
    assert {"Z", "ë", "Ŵ", "Ø", "Ł", "ễ"} <= _pdf_text_points(resp.content)
    assert b"could not be shown" not in _pdf_streams(resp.content)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSans", resp.content)
    assert b"/FontFile2" in resp.content  # the font program itself is embedded


def test_the_packaged_font_is_the_default(settings):
    settings.SUBJECT_ACCESS_PDF_FONT = ""
    path = subject_access_pdf.packaged_font()
    assert path is not None and path.endswith(".ttf") and "fontpkg_noto_sans" in path
    assert subject_access_pdf.font_path() == path


def test_a_configured_font_that_is_missing_falls_back_to_the_packaged_one(settings):
    settings.SUBJECT_ACCESS_PDF_FONT = "/nonexistent/font.ttf"
    assert subject_access_pdf.font_path() == subject_access_pdf.packaged_font()


def test_without_any_font_the_pdf_falls_back_and_says_so(
    settings, monkeypatch, full_case, supervisor
):
    settings.SUBJECT_ACCESS_PDF_FONT = "/nonexistent/font.ttf"
    monkeypatch.setattr(subject_access_pdf, "packaged_font", lambda: None)
    document = subject_access.export(full_case.person, by=supervisor, file_format="pdf")
    pdf = subject_access_pdf.render(document)
    assert pdf.startswith(b"%PDF-")
    assert b"could not be shown" in pdf or b"could not be shown" in zlib.decompress(
        re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)[-1]
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [("worker", 403), ("colleague", 403), ("stranger", 404), ("referrer", 404),
     ("partner", 404), ("commissioner", 404), ("admin_user", 404)],
)  # fmt: skip
def test_only_a_supervisor_of_the_team_may_export(request, client, full_case, role, status):
    user = request.getfixturevalue(role)
    for name in ("subject_access_json", "subject_access_pdf"):
        assert _get(client, user, name, full_case.person).status_code == status
    assert not Event.objects.filter(verb="export").exists()


def test_a_supervisor_of_another_team_gets_404(client, full_case, other_team):
    from accounts.tests.factories import UserFactory

    south = UserFactory(username="south_sup", role="supervisor", team=other_team)
    assert _get(client, south, "subject_access_json", full_case.person).status_code == 404


def test_the_person_page_links_the_export_for_supervisors_only(
    client, supervisor, worker, full_case
):
    url = reverse("people:detail", args=[full_case.person.pk])
    export = reverse("records:subject_access_pdf", args=[full_case.person.pk])
    client.force_login(supervisor)
    assert export in client.get(url).content.decode()
    client.force_login(worker)
    page = client.get(url)
    assert page.status_code == 200
    assert export not in page.content.decode()
