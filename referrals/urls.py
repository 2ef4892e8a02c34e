from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("new/", views.new_referral, name="new"),
    path("self/", views.self_refer, name="self_refer"),
    path("self/thanks/", views.self_refer_thanks, name="self_refer_thanks"),
    path("queue/", views.queue, name="queue"),
    path("<uuid:referral_id>/", views.detail, name="detail"),
    path("<uuid:referral_id>/<str:decision>/", views.triage, name="triage"),
]
