"""Small helpers API views share."""

from rest_framework import serializers
from rest_framework.response import Response


def validated_query_params(serializer_class: type[serializers.Serializer], request) -> dict:
    """Validate the query string with a serializer; a bad value is a 400 like a bad body."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


def paginated_response(view, queryset) -> Response:
    """One page of `queryset`, serialized with the view's serializer."""
    page = view.paginate_queryset(queryset)
    return view.get_paginated_response(view.get_serializer(page, many=True).data)
