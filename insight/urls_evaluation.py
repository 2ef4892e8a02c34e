from django.urls import path

from insight import views_evaluation

urlpatterns = [path("", views_evaluation.evaluation_page, name="evaluation")]
