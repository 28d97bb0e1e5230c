from django.urls import path

from core.exports import export_path
from geo_indications import views

app_name = "geo_indications"
urlpatterns = [
    path("gi-products/", views.gi_list, name="gi_list"),
    export_path("gi-products/", views.gi_export, name="gi_export"),
    path("gi-products/<int:pk>/", views.gi_detail, name="gi_detail"),
]
