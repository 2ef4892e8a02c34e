from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("", views.services, name="services"),
    path("services/<uuid:service_id>/", views.service, name="service"),
]
