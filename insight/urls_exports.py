from django.urls import path

from insight import views_exports as views

urlpatterns = [
    path("", views.exports, name="exports"),
    path("reach/<slug:reach_table>.csv", views.reach_csv, name="exports_reach_csv"),
    path("time-report.csv", views.time_report, name="exports_time_report"),
    path(
        "time-report-identifiable.csv",
        views.time_report_identifiable,
        name="exports_time_report_identifiable",
    ),
]
