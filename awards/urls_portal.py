from django.urls import path

from awards import views_portal as views
from awards import views_portal_brands

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply_list, name="apply_list"),
    path("apply/<slug:code>/", views.apply_form, name="apply_form"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit_view, name="application_edit"),
    path("applications/<int:pk>/submit/", views.application_submit_view, name="application_submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw_view, name="application_withdraw"),
    path("applications/<int:pk>/respond/", views.application_respond_view, name="application_respond"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("awards/", views.award_list, name="award_list"),
    path("certificates/<str:number>/", views.certificate_download, name="certificate_download"),
    path("brands/add/", views_portal_brands.brand_add, name="brand_add"),
]
