"""Clinical records: event store, domain, projections, services, API and pages."""

from clinic.config.celery import app as celery_app

__all__ = ["celery_app"]
