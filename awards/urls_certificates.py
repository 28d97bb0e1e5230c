"""Public verification of certificates. ``verify-qr`` is printed in every QR code: its path never changes
(``awards.certificates.signing.QR_PATH``; a test pins the two together)."""

from django.urls import path

from awards import views_certificates as views

app_name = "certificates"
urlpatterns = [
    path("v/<str:number>", views.verify_qr, name="verify-qr"),  # first: every scan opens it
    path("verify/", views.verify, name="verify"),
    path("verify/keys.json", views.keys, name="keys"),
    path("verify/<str:number>/", views.verify_number, name="verify-number"),
]
