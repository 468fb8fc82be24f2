from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from health.views import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/finance/forecast/", include("finance.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("flags/", include("flags.urls")),
]
