"""Settings for the benchmark's processes: the app's own settings, read from the environment
as in production, with one change: collected static files go to VAR_DIR instead of the
working tree's staticfiles/ (DEBUG off serves them through whitenoise's manifest)."""

from __future__ import annotations

from freelance.settings import *  # noqa: F403
from freelance.settings import VAR_DIR

STATIC_ROOT = VAR_DIR / "staticfiles"
