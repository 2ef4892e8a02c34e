"""Insight pages. Each area (evaluation, dashboards, gaps, exports) keeps its own routes
module, included here with one line each."""

app_name = "insight"
urlpatterns: list = []
