"""Public verification of certificates. The QR page (``verify-qr``, ``/v/<number>``) is listed at the top of
config/urls.py itself, outside this namespace: it is printed in every QR code, its path never changes
(``awards.certificates.signing.QR_PATH``; a test pins the two together), and it is the most frequent page."""

from django.urls import path

from awards import views_certificates as views

app_name = "certificates"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/keys.json", views.keys, name="keys"),
    path("verify/<str:number>/", views.verify_number, name="verify-number"),
]
