from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("", views.services, name="services"),
    path("find/", views.public_services, name="public"),
    path("services/<uuid:service_id>/", views.service, name="service"),
    path("services/<uuid:service_id>/report/", views.report, name="report"),
    path("services/<uuid:service_id>/verify/", views.verify, name="verify"),
    path("services/<uuid:service_id>/edit/", views.edit, name="edit_service"),
    path("tasks/", views.tasks, name="tasks"),
    path("mine/", views.my_listings, name="my_listings"),
]
