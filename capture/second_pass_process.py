"""Start the second-pass child process and connect its two pipes.

The child is ``python -m capture.second_pass_child`` (not :mod:`multiprocessing`, which would import
the caller's main script again). The settings go first, pickled; the estimator factory in them must
therefore be picklable (:class:`capture.pose.MediaPipeEstimators` in production), not a closure.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from capture.second_pass_messages import ChildSettings


def start_child(settings: ChildSettings) -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    """(the child, the pipe to it, the pipe from it); TypeError if ``settings`` cannot be pickled."""
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]))
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "capture.second_pass_child", str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w),
            env=env,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.close(to_child_r)
        os.close(from_child_w)
    send, receive = Connection(to_child_w, readable=False), Connection(from_child_r, writable=False)
    try:
        send.send(settings)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        send.close()
        receive.close()
        child.kill()
        child.wait()
        raise TypeError(
            f"The second passes run in a child process, so make_estimator must be picklable "
            f"(a module-level class or function, not a closure): {exc}"
        ) from exc
    return child, send, receive
