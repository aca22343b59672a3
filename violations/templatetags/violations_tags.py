from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """A dictionary's value in a template: {{ labels|get:row.kind }}."""
    return mapping.get(key, key) if mapping else key
