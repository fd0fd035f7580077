"""How many server processes :mod:`clinic.config.serve` starts, and when it refuses more than one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinic.config import serve

REDIS = "channels_redis.core.RedisChannelLayer"
REPO = Path(__file__).resolve().parents[3]


def _count(*, requested: int | None = None, env: dict[str, str] | None = None, **chosen: str) -> int:
    config = {"channel_layer": REDIS, "analysis_dispatch": "queue", **chosen}
    return serve.worker_count(requested=requested, environ=env or {}, **config)


def test_one_process_per_usable_core_by_default_with_a_shared_channel_layer() -> None:
    assert _count() == len(os.sched_getaffinity(0))


def test_web_concurrency_and_the_option_choose_the_count() -> None:
    assert _count(env={"WEB_CONCURRENCY": "3"}) == 3
    assert _count(requested=1, env={"WEB_CONCURRENCY": "3"}) == 1


def test_the_embedded_mode_serves_with_one_process() -> None:
    assert _count(channel_layer=serve.IN_MEMORY_LAYER) == 1
    assert _count(analysis_dispatch="thread") == 1
    assert _count(channel_layer=serve.IN_MEMORY_LAYER, env={"WEB_CONCURRENCY": "1"}) == 1


@pytest.mark.parametrize(
    ("chosen", "env", "message"),
    [
        ({"channel_layer": serve.IN_MEMORY_LAYER}, {"WEB_CONCURRENCY": "2"}, "need REDIS_URL"),
        ({"analysis_dispatch": "thread"}, {"WEB_CONCURRENCY": "2"}, "ANALYSIS_DISPATCH other than thread"),
        ({}, {"WEB_CONCURRENCY": "two"}, "whole number of processes, not 'two'"),
        ({}, {"WEB_CONCURRENCY": "0"}, "at least 1, not 0"),
    ],
)
def test_refused_counts_say_why(chosen: dict[str, str], env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _count(env=env, **chosen)


def test_the_command_refuses_two_processes_in_the_embedded_mode(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "ANALYSIS_DISPATCH")},
        "DATA_DIR": str(tmp_path),
        "WEB_CONCURRENCY": "2",
    }
    done = subprocess.run(
        [sys.executable, "-m", "clinic.config.serve", "--port", "0"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "2 server processes need REDIS_URL" in done.stderr


def test_the_server_runs_the_asgi_application_with_its_start_up_objects_frozen(tmp_path: Path) -> None:
    assert serve.APPLICATION == "clinic.config.served:application"
    probe = (
        "import gc; from clinic.config import asgi, served; "
        "print(served.application is asgi.application, gc.get_freeze_count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO, env={**os.environ, "DATA_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    same, frozen = done.stdout.split()
    assert same == "True"
    assert int(frozen) > 50_000, "Django and the apps are out of the collector's reach"
