from django.urls import path

from brands import views

app_name = "brands"
urlpatterns = [
    path("brands/", views.brand_list, name="brand_list"),
    path("brands/<int:pk>/", views.brand_detail, name="brand_detail"),
    path("trademarks/", views.trademark_list, name="trademark_list"),
    path("trademarks/<int:pk>/", views.trademark_detail, name="trademark_detail"),
]
