from __future__ import annotations

from django.conf import settings
from django.contrib.auth import backends, get_user_model

from freelance.lib import pagecache


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, loading the user's ``SessionEpoch`` in the same query, and
    granting no model permissions.

    AuthenticationMiddleware loads the user once per request through ``get_user``; the
    join lets the idle middleware check "log out everywhere" without a query of its own.

    Mijlpaal has two roles and no permission tables: the operator (a superuser, who holds
    every permission through ``is_superuser``) and freelancers. A freelancer reaches the
    admin only for their own contract templates, which check ownership themselves
    (``contracts.admin.OwnedTemplateAdmin``). Every other admin page is the operator's, and
    Django hides it from a user without model permissions; so a permission or group given
    to a freelancer by mistake must not open another freelancer's data: none counts.
    """

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_user(self, user_id):
        try:
            owner = int(user_id)
        except (TypeError, ValueError):
            return None
        # Kept with the page stamp (``pagecache.memo``): any write through the app (a new
        # password, deactivation, "log out everywhere", in a request, task, admin or shell) makes
        # the next request read the row again; so a page served from the store costs no query
        # for its user.
        seconds = settings.USER_CACHE_SECONDS
        user = pagecache.memo(owner, "user", lambda: self._load(owner), ttl=seconds) if seconds else self._load(owner)
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _load(user_id: int):
        user_model = get_user_model()
        return user_model._default_manager.select_related("session_epoch").filter(pk=user_id).first()
