from django.apps import AppConfig


class EventStoreConfig(AppConfig):
    name = "clinic.eventstore"
    label = "eventstore"
    verbose_name = "Event store"

    def ready(self) -> None:
        from clinic.domain.upcasters import UPCASTERS
        from clinic.eventstore.upcasting import registry

        registry.register_all(UPCASTERS)
