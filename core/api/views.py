from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.authentication import TokenAuthentication
from core.api.schema import error_responses
from core.api.tokens import (
    ISSUED_BY_ROTATION,
    token_expires_at,
    token_for_login,
    token_issue,
)
from core.selectors import user_profile


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the token stops working (API_TOKEN_MAX_AGE after it was issued); "
        "null when tokens never expire",
    )


def _token_body(token) -> dict:
    return TokenResponseSerializer({"token": token.key, "expires_at": token_expires_at(token)}).data


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token: the user's current token while it is
    valid, a new one when it expired (or there was none)."""

    permission_classes = [AllowAny]
    # The password is the credential: a stale `Authorization` header the client still sends
    # must not stand in the way of getting a new token.
    authentication_classes = []

    @extend_schema(responses=TokenResponseSerializer, tags=["auth"])
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_for_login(user=serializer.validated_data["user"])
        return Response(_token_body(token))


class RotateTokenView(APIView):
    """Replace the caller's token by a new one (valid for the full API_TOKEN_MAX_AGE); the old
    one stops working at once. Needs a valid token (or a console session): an expired token
    cannot renew itself — log in again with the password."""

    # Whatever the default classes are: the expiring token class, never DRF's plain one.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: TokenResponseSerializer, **error_responses(401)},
        tags=["auth"],
    )
    def post(self, request):
        token = token_issue(user=request.user, actor=request.user, reason=ISSUED_BY_ROTATION)
        return Response(_token_body(token))


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    offices = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """Who the token belongs to: name, SOP roles and the offices whose data it may see."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer, tags=["auth"])
    def get(self, request):
        profile = user_profile(user=request.user)
        return Response(
            {
                "username": request.user.get_username(),
                "name": profile.name,
                "roles": profile.roles,
                "offices": profile.offices,
            }
        )
