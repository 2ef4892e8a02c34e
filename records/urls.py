from django.urls import path

from records import views

app_name = "records"
urlpatterns = [
    path(
        "people/<uuid:person_id>/subject-access.json",
        views.subject_access_json,
        name="subject_access_json",
    ),
    path(
        "people/<uuid:person_id>/subject-access.pdf",
        views.subject_access_pdf_view,
        name="subject_access_pdf",
    ),
]
