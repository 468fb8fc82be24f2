from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from bizops.dashboards import views as dashboards
from health.views import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/finance/forecast/", include("finance.urls")),
    path(
        "admin/dashboards/metrics/",
        admin.site.admin_view(dashboards.metrics_dashboard),
        name="metrics-dashboard",
    ),
    path(
        "admin/dashboards/metrics/orders/<str:day>/",
        admin.site.admin_view(dashboards.day_orders),
        name="metrics-day-orders",
    ),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("flags/", include("flags.urls")),
]
