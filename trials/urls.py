from django.urls import path

from trials import views

app_name = "trials"
urlpatterns = [
    path("", views.trials, name="trials"),
    path("<int:trial_id>/", views.detail, name="detail"),
    path("<int:trial_id>/off/", views.switch_off, name="switch_off"),
    path("cases/<uuid:case_id>/consent/", views.consent, name="consent"),
]
