from django.urls import path

from duty import views

app_name = "duty"
urlpatterns = [
    path("", views.index, name="index"),
    path("roster/", views.roster, name="roster"),
    path("roster/print/", views.roster_print, name="roster_print"),
    path("roster.xlsx", views.roster_xlsx, name="roster_xlsx"),
    path("roster/generate/", views.roster_generate, name="roster_generate"),
    path("roster/publish/", views.roster_publish, name="roster_publish"),
    path("shifts/<int:pk>/assign/", views.shift_assign, name="shift_assign"),
    path("shifts/<int:pk>/change/", views.change_request, name="change_request"),
    path("shifts/<int:pk>/sign/", views.shift_sign, name="shift_sign"),
    path("shifts/<int:pk>/handover/", views.handover_start, name="handover_start"),
    path("changes/<int:pk>/", views.change_decide, name="change_decide"),
    path("log/", views.log, name="log"),
    path("log/<int:pk>/correct/", views.log_correct, name="log_correct"),
    path("log/missed-call/", views.missed_call, name="missed_call"),
    path("log/verify/", views.log_verify, name="log_verify"),
    path("log/unsigned/", views.unsigned, name="unsigned"),
    path("missed-calls/", views.missed_call_report, name="missed_call_report"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/<slug:step>/", views.handover_step, name="handover_step"),
]
