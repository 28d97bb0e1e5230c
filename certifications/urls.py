from django.urls import path

from certifications import views
from core.exports import export_path

app_name = "certifications"
urlpatterns = [
    path("certifications/", views.certification_list, name="certification_list"),
    export_path("certifications/", views.certification_export, name="certification_export"),
    path("certifications/<int:pk>/", views.certification_detail, name="certification_detail"),
    path("zones/", views.zone_list, name="zone_list"),
    export_path("zones/", views.zone_export, name="zone_export"),
    path("zones/<int:pk>/", views.zone_detail, name="zone_detail"),
]
