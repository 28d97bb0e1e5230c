"""Accounts: sign-in, self-registration, and login rate limiting (django-axes).

Plain assignments only; ``config/settings.py`` imports them at its end and adds the app, the
middleware and the authentication backends.
"""

import os
from datetime import timedelta

LOGIN_URL = "accounts:login"
# One address for every role; the landing view sends each role to its own workspace.
LOGIN_REDIRECT_URL = "accounts:landing"
# None: sign-out shows "You have signed out" (registration/logged_out.html) instead of redirecting.
LOGOUT_REDIRECT_URL = None

# A registration's confirmation link is valid this long (a signed, timestamped token).
ACCOUNT_CONFIRM_MAX_AGE = timedelta(days=3)

# Number of reverse proxies in front of the app that append the client's address to
# X-Forwarded-For. 0 (development, or no proxy): the socket's address. Wrong here means either
# every user shares the proxy's address (one attacker locks everyone out of a user name) or a
# client can choose its own address.
ACCOUNTS_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# django-axes. Out of the box it locks after 3 failures and never unlocks (FIELD_NOTES).
# Failures are counted per user name AND address together: an attacker guessing a user's password
# from elsewhere locks only themselves out, never the real user at their own address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# A refused attempt during a lock-out does not restart the clock, so the lock-out page can say
# exactly when to try again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful sign-in forgets earlier typing mistakes, so they do not add up over days.
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.accounts.client_ip_address"
AXES_LOCKOUT_CALLABLE = "core.views_accounts.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every manage.py command

# Registration, confirmation-link and password-reset emails one client address may trigger
# (against mailbox flooding), counted in the cache shared by all workers.
ACCOUNT_EMAIL_RATE = os.environ.get("ACCOUNT_EMAIL_RATE", "5/hour")

# The second factor (django-otp, core/mfa.py). These roles, and every account with admin access
# (is_staff or is_superuser), must pass it after the password; enterprise and leadership users do not.
ACCOUNTS_MFA_ROLES = ["reviewer", "committee", "staff"]  # core.models.Role values
# The name authenticator apps show next to the account (the registry's name, as the page title has it).
OTP_TOTP_ISSUER = "内蒙古自治区品牌培育与认证登记系统"
# After n wrong codes in a row the next try waits factor x 2^(n-1) seconds (1, 2, 4, ... 512 s after ten):
# a typing mistake costs a second, guessing a six-digit code is hopeless. Kept small on purpose: someone
# who knows the password can also push the wait up for the real user.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# django-otp's own admin pages are unregistered (core/admin.py); if anybody re-registers them, keep
# the keys out of them.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Backup codes issued at enrolment and on regeneration.
ACCOUNTS_MFA_BACKUP_CODES = 10
