from django.urls import path

from certifications import views

app_name = "certifications"
urlpatterns = [
    path("certifications/", views.certification_list, name="certification_list"),
    path("certifications/<int:pk>/", views.certification_detail, name="certification_detail"),
    path("zones/", views.zone_list, name="zone_list"),
    path("zones/<int:pk>/", views.zone_detail, name="zone_detail"),
]
