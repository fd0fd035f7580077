from django.urls import include, path

urlpatterns = [
    path("api/", include("clinic.api.urls")),
    path("", include("clinic.web.urls")),
]
