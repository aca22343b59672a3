from core.menu import menu_for


def console(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"console_menu": menu_for(user, request.path)}
