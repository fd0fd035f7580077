from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "clinic.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from clinic.access import checks  # noqa: F401  (registers the deploy checks)
