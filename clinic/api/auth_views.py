"""API tokens: obtain one with a username and password, revoke it, or revoke all of yours.

Tokens are django-rest-knox tokens: stored as a SHA-512 digest (a leaked table grants nothing),
expiring ``REST_KNOX["TOKEN_TTL"]`` after they are issued, and deleted on revocation. Clients
send them as ``Authorization: Token <token>``. Sign-in attempts here count towards the same
per-account and per-address lockout (django-axes) as the login page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.access.lockout import lockout_for
from clinic.api.authentication import TokenAuthentication
from clinic.api.errors import error_body

LOCKED_OUT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Too many failed attempts for this account or address; Retry-After gives the wait in seconds",
)


class TokenObtainView(APIView):
    # No authentication: a stale or revoked token in the header must not stop a fresh sign-in.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    class CredentialsIn(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=1024, trim_whitespace=False, style={"input_type": "password"}
        )

    class TokenOut(serializers.Serializer):
        token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
        expiry = serializers.DateTimeField(help_text="The token stops working at this time.")

    @extend_schema(
        request=CredentialsIn,
        responses={200: TokenOut, 429: LOCKED_OUT},
        auth=[],
        summary="Obtain an API token that expires",
    )
    def post(self, request: Request) -> Response:
        body = self.CredentialsIn(data=request.data)
        body.is_valid(raise_exception=True)
        # The DRF request goes to the backends, so axes records the failure and flags a
        # lockout on it; the response is shaped here, as JSON, rather than by axes' middleware.
        user = authenticate(request=request, **body.validated_data)
        if getattr(request, "axes_locked_out", False):
            lock = lockout_for(request)
            return Response(
                error_body(
                    "locked_out",
                    lock.message,
                    {"retry_after_s": lock.retry_after_s, "retry_at": lock.retry_at.isoformat()},
                ),
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(lock.retry_after_s)},
            )
        if user is None:
            return Response(
                error_body("invalid_credentials", "Unable to sign in with that username and password."),
                status=status.HTTP_400_BAD_REQUEST,
            )
        # Expired tokens are deleted here, for the user, and when presented (clinic/api/authentication.py).
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user)
        return Response(self.TokenOut({"token": token, "expiry": instance.expiry}).data)


class TokenRevokeView(APIView):
    # Only the token itself says which token to revoke.
    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token this request carries")
    def post(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllView(APIView):
    @extend_schema(
        request=None, responses={204: None}, summary="Revoke every API token of the signed-in user"
    )
    def post(self, request: Request) -> Response:
        AuthToken.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
