from django.urls import path

from brands import views
from core.exports import export_path

app_name = "brands"
urlpatterns = [
    path("brands/", views.brand_list, name="brand_list"),
    export_path("brands/", views.brand_export, name="brand_export"),
    path("brands/<int:pk>/", views.brand_detail, name="brand_detail"),
    path("trademarks/", views.trademark_list, name="trademark_list"),
    export_path("trademarks/", views.trademark_export, name="trademark_export"),
    path("trademarks/<int:pk>/", views.trademark_detail, name="trademark_detail"),
]
