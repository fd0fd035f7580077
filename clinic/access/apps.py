from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "clinic.access"
    label = "access"
    verbose_name = "Access"
