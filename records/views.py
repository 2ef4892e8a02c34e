"""Subject access downloads: a person's whole record, as JSON or PDF, for a supervisor."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from records import subject_access, subject_access_pdf
from records.access import get_person_for_subject_access


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def subject_access_json(request, person_id):
    person = get_person_for_subject_access(request.user, person_id)
    document = subject_access.export(person, by=request.user, file_format="json")
    content = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return _download(content.encode(), "application/json", f"subject-access-{person.pk}.json")


@login_required
@require_GET
def subject_access_pdf_view(request, person_id):
    person = get_person_for_subject_access(request.user, person_id)
    document = subject_access.export(person, by=request.user, file_format="pdf")
    return _download(
        subject_access_pdf.render(document), "application/pdf", f"subject-access-{person.pk}.pdf"
    )
