"""The forecast page, under the admin (staff only, inside the admin's look)."""

from django.contrib import admin
from django.urls import path

from finance import views

app_name = "finance"

urlpatterns = [
    path("", admin.site.admin_view(views.forecast_page), name="forecast"),
    path("run/", admin.site.admin_view(views.run_now), name="forecast_run"),
    path("finance_model.<str:fmt>", admin.site.admin_view(views.download), name="forecast_download"),
]
