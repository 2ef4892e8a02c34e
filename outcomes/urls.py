from django.urls import path

from outcomes import views, views_experience

app_name = "outcomes"
urlpatterns = [
    path("due/", views.due, name="due"),
    path("cases/<uuid:case_id>/", views.case_outcomes, name="case"),
    path("cases/<uuid:case_id>/record/", views.record, name="record"),
    path("cases/<uuid:case_id>/link/", views.send_link, name="send_link"),
    path("cases/<uuid:case_id>/healthcare/", views.add_healthcare_use, name="healthcare"),
    path("r/<str:token>/", views.respond, name="respond"),
    path(
        "referrals/<uuid:referral_id>/feedback/",
        views_experience.referrer_feedback,
        name="referrer_feedback",
    ),
]
