"""The offline-analysis fixtures (in-process tasks, real worker processes) for the end-to-end tests."""

from tests.integration.analysis_tasks.conftest import eager, start_worker, worker_env  # noqa: F401
