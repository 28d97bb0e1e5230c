"""Account pages under /accounts/ (config/urls.py includes them)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from core import views_accounts as views
from core import views_mfa

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("home/", views.landing, name="landing"),
    # The second factor (core/mfa.py): RequireMFAMiddleware sends privileged users here after the password.
    path("mfa/setup/", views_mfa.setup, name="mfa_setup"),
    path("mfa/verify/", views_mfa.verify, name="mfa_verify"),
    path("mfa/backup-codes/", views_mfa.backup_codes, name="mfa_backup_codes"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("confirm/resend/", views.confirm_resend, name="confirm_resend"),
    path("confirm/resend/done/", views.confirm_resend_done, name="confirm_resend_done"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
