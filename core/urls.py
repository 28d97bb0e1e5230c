from django.urls import path

from core import views
from core.exports import export_path

app_name = "core"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    export_path("enterprises/", views.enterprise_export, name="enterprise_export"),
]
