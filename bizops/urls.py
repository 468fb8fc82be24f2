from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from bizops.audit import views as audit
from bizops.dashboards import views as dashboards
from health.views import health, health_detail


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on every page; send them to the static icon
    (looked up per request: its hashed name is known only once static files are collected)."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("bizops/favicon.svg")


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
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
    path("admin/audit/", admin.site.admin_view(audit.audit_page), name="audit-page"),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("health/detail/", health_detail, name="health_detail"),
    path("flags/", include("flags.urls")),
]
