from django.urls import path

from matching import views

app_name = "matching"
urlpatterns = [
    path("cases/<uuid:case_id>/suggestions/", views.case_suggestions, name="case_suggestions"),
    path("cases/<uuid:case_id>/suggestions/add/", views.add_to_plan, name="add_to_plan"),
    path("cases/<uuid:case_id>/suggestions/feedback/", views.give_feedback, name="feedback"),
]
