from django.urls import path

from insight import views_dashboards as views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.json", views.dashboard_json, name="dashboard_json"),
    path("dashboard/<slug:table>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("gaps/", views.gaps, name="gaps"),
    path("gaps/<slug:gap_table>.csv", views.gaps_csv, name="gaps_csv"),
]
