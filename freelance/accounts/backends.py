from __future__ import annotations

from django.contrib.auth import backends, get_user_model


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, loading the user's ``SessionEpoch`` in the same query.

    AuthenticationMiddleware loads the user once per request through ``get_user``; the
    join lets the idle middleware check "log out everywhere" without a query of its own.
    """

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("session_epoch").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
