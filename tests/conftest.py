import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def regions(db):
    """The real GB/T 2260 tree (116 regions), loaded by the project's own loader."""
    from core.reference import load_regions

    load_regions()


@pytest.fixture
def reference_data(db):
    """All reference data: regions, Nice classes, the 2015 plan and the GI / well-known samples."""
    from django.core.management import call_command

    call_command("load_reference", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def staff_user(db):
    from tests.factories import UserFactory

    return UserFactory(username="office", role="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def demo_data(reference_data):
    """The deterministic demo set (targets/demo.py) on top of the reference data: about 1-2 s on SQLite."""
    import io

    from django.core.management import call_command

    # --force: pytest-django runs with DEBUG off, where load_demo refuses by default.
    call_command("load_demo", "--force", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language (Simplified Chinese), whatever an earlier test activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: rate-limit counters never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def progress_uncached(settings):
    """The progress engine without its cache (targets.freshness): for the tests that count the queries the
    engine itself makes, i.e. what every cache miss costs. tests/test_progress_cache.py covers the cache."""
    settings.PROGRESS_CACHE = False


@pytest.fixture(autouse=True)
def steady_rate_clock(monkeypatch):
    """Rate-limit windows follow the clock; a test that happens to run across a window boundary would see its
    counter reset. The clock stands still in the middle of a window unless a test moves it itself."""
    from core import ratelimit

    monkeypatch.setattr(ratelimit, "now", lambda: 1_800_000_030.0)


_password_only_force_login = None  # django.test.Client.force_login as Django ships it


@pytest.fixture(autouse=True, scope="session")
def force_login_includes_the_second_factor():
    """``client.force_login(user)`` stands for a completed sign-in: the password AND, for a user who needs
    one (core.mfa.mfa_required: reviewers, committee, programme office staff, admin access), the second
    factor. After Django's own force_login this gets or creates a confirmed authenticator device named
    "test device" for such a user and stores its persistent id in the client's session under django-otp's
    ``DEVICE_ID_SESSION_KEY``, as a verified sign-in does; ``OTPMiddleware`` then finds the session verified.

    Session-scoped (and so set up before any module-scoped fixture that signs clients in). To sign in with
    the password only, as a user who has not passed the second factor yet, use ``force_login_password_only``.
    """
    global _password_only_force_login
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from core.mfa import mfa_required

        if mfa_required(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="test device", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    _password_only_force_login = original
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        yield
    _password_only_force_login = None


@pytest.fixture
def force_login_password_only():
    """``force_login_password_only(client, user)``: signed in with the password, the second factor not passed."""

    def login(client, user, backend=None):
        _password_only_force_login(client, user, backend)

    return login
