"""{% subject_access_links person %}: the export links, shown to supervisors who may use them."""

from django import template

from records.access import can_export_subject_access

register = template.Library()


@register.inclusion_tag("records/_subject_access_links.html", takes_context=True)
def subject_access_links(context, person):
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = user is not None and can_export_subject_access(user, person)
    return {"person": person, "allowed": allowed}
