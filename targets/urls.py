from django.urls import path

from targets import views

app_name = "targets"
urlpatterns = [
    path("", views.home, name="home"),
    path("progress/", views.progress, name="progress"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
]
