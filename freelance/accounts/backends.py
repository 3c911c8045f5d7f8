from __future__ import annotations

from django.contrib.auth import backends, get_user_model


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
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("session_epoch").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
