"""API token authentication: django-rest-knox's, without its per-request sweep of the user's tokens.

knox deletes a user's expired tokens while authenticating, by loading *every* token of the user on
*every* request: a cost that grows with the tokens a user holds (one per sign-in of each script or
device until they expire). Here a request checks only the token it presents; the user's other
expired tokens are deleted when the user obtains a new token (:mod:`clinic.api.auth_views`). An
expired token is refused (and deleted) exactly as before.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.signals import token_expired


class TokenAuthentication(auth.TokenAuthentication):
    def _cleanup_token(self, auth_token: Any) -> bool:
        """Delete the presented token if it has expired, and say so (knox then refuses it)."""
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of knox tokens, for this subclass (drf-spectacular matches the
    exact class)."""

    target_class = "clinic.api.authentication.TokenAuthentication"
