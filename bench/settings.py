"""Settings for bench/load.py: the application's own settings, with bench/urls.py as the URL configuration.

Only ROOT_URLCONF changes, so the trivial reference view runs through the same middleware, in the same
gunicorn workers, as the verification pages it is compared with.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
