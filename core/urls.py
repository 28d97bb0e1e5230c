from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
]
