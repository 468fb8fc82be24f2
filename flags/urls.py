from django.urls import path

from flags import views

app_name = "flags"
urlpatterns = [
    path("sdk/<str:client_key>.json", views.sdk_payload, name="sdk"),
]
