from django.urls import include, path

urlpatterns = [
    path("api/", include("clinic.api.urls")),
    path("", include("clinic.web.urls")),
]

# JSON under /api/, the styled page elsewhere (clinic/config/errors.py).
handler400 = "clinic.config.errors.bad_request"
handler403 = "clinic.config.errors.permission_denied"
handler404 = "clinic.config.errors.page_not_found"
handler500 = "clinic.config.errors.server_error"
