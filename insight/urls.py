"""Insight pages. Each area (evaluation, dashboards, gaps, exports) keeps its own routes
module, included here with one line each."""

from django.urls import include, path

app_name = "insight"
urlpatterns: list = [
    path("", include("insight.urls_dashboards")),
    path("exports/", include("insight.urls_exports")),
    path("evaluation/", include("insight.urls_evaluation")),
]
