from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Log in by e-mail (any letter case); inactive users and organisations are refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        organization = user.organization
        return organization is None or organization.is_active

    def get_user(self, user_id):
        # Called on every request with a session: fetch the organisation in the same query,
        # and drop the session of a user deactivated since they logged in.
        from accounts.models import User

        user = User.objects.select_related("organization").filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None
