from django.urls import path

from geo_indications import views

app_name = "geo_indications"
urlpatterns = [
    path("gi-products/", views.gi_list, name="gi_list"),
    path("gi-products/<int:pk>/", views.gi_detail, name="gi_detail"),
]
