from django.urls import path

from people import views

# The person's own page, people:detail, lists their cases and referrals (apps above people):
# web.person composes it and adds it to these routes (socialrx/urls.py includes the result).
app_name = "people"
urlpatterns = [
    path("duplicates/", views.duplicates, name="duplicates"),
    path(
        "duplicates/<uuid:person_id>/<str:decision>/",
        views.resolve_duplicate,
        name="resolve_duplicate",
    ),
    path("<uuid:person_id>/edit/", views.edit, name="edit"),
    path("<uuid:person_id>/consents/", views.consent, name="consent"),
    path(
        "<uuid:person_id>/consents/<uuid:consent_id>/withdraw/",
        views.withdraw_consent,
        name="withdraw_consent",
    ),
]
