from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        # Adapters listen to the services' announcements (services never import adapters).
        from clinic import dispatch
        from clinic.services import signals

        signals.analysis_requested.connect(dispatch.on_analysis_requested, dispatch_uid="clinic.dispatch")
