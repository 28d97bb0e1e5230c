"""Mounted by config/urls.py as path("import/", include("targets.urls_import"))."""

from django.urls import path

from targets.views_import import import_template

app_name = "import"
urlpatterns = [
    path("templates/<slug:kind>.<slug:fmt>", import_template, name="template"),
]
