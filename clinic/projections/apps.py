from django.apps import AppConfig


class ProjectionsConfig(AppConfig):
    name = "clinic.projections"
    label = "projections"
    verbose_name = "Projections"
