from django.urls import path  # noqa: F401

app_name = "geo_indications"
urlpatterns: list = []
