from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ badges|get_item:value }}`: look a value up in a dict (badge colours by choice)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
