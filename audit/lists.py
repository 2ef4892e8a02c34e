"""Lists of people through the JSON API, audited once per page shown (not once per row):
`@paginate(audited_pages("casework.caseload"), page_size=50)`. Pages render their lists
themselves and call audit.actions.record_list_access directly."""

from __future__ import annotations

from typing import Any

from audit.actions import record_list_access
from socialrx.pagination import Pages


def audited_pages(list_name: str) -> type[Pages]:
    """socialrx.pagination.Pages that records one audit event per page of `list_name`,
    naming how many people the page showed (rows carry a `person_id`)."""

    class AuditedPages(Pages):
        def paginate_queryset(
            self, queryset: Any, pagination: Any, request: Any, **params: Any
        ) -> Any:
            result = super().paginate_queryset(queryset, pagination, request, **params)
            # Evaluating the page here fills its cache: the response reads the same rows.
            people = len({row.person_id for row in result["items"]})
            record_list_access(request.user, list_name, people=people, detail={"via": "api"})
            return result

    AuditedPages.__name__ = AuditedPages.__qualname__ = f"AuditedPages[{list_name}]"
    return AuditedPages
