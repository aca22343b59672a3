from core.menu import menu_for
from organization.scoping import staff_card


def console(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    card = staff_card(user)  # cached: the top bar needs no Staff query
    return {
        "console_menu": menu_for(user, request.path),
        "console_user_name": (card.name if card else "") or user.get_full_name() or user.username,
    }
