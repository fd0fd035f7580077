"""The ASGI application as the web server (:mod:`clinic.config.serve`) runs it.

:mod:`clinic.config.asgi`'s application, with everything that exists once it is imported (Django,
the apps, numpy, OpenCV: about 180,000 objects, alive as long as the process) frozen out of the
garbage collector's reach (:func:`gc.freeze`). Without it every full collection walked them all,
60 to 90 ms during which every request of the process waited: most of the latency tail under load
(bench/load.py: p95 about 240 ms, 160 ms with the freeze). Each server process imports this module
itself, so each freezes its own start-up objects.
"""

from __future__ import annotations

import gc

from clinic.config.asgi import application

gc.freeze()

__all__ = ["application"]
