from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.selectors import user_profile


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]

    @extend_schema(responses=TokenResponseSerializer, tags=["auth"])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


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
