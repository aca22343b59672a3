from django.http import HttpResponse


def complaint_list_view(request):
    return HttpResponse("")
