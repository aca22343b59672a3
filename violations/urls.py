from django.urls import path

from violations import views

app_name = "violations"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("register.xlsx", views.case_xlsx, name="case_xlsx"),
    path("new/", views.case_create, name="case_create"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo_download, name="photo_download"),
    path("<int:pk>/<slug:action>/", views.case_action, name="case_action"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("notices/<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("templates/", views.template_list, name="template_list"),
    path("covenant/", views.covenant_list, name="covenant_list"),
    path("slips/", views.slip_register, name="slip_register"),
    path("charges/", views.charges, name="charges"),
    path("charges/<int:pk>.xlsx", views.charge_batch, name="charge_batch"),
    path("statistics/", views.statistics, name="statistics"),
]
