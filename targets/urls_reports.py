from django.urls import path

from targets import views_reports

app_name = "reports"
urlpatterns = [
    path("reports/", views_reports.report_list, name="list"),
    path("reports/<slug:plan>/<int:year>.pdf", views_reports.report_download, name="download"),
]
