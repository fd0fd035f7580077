"""One-Euro filter: a causal, speed-adaptive low-pass for live display.

Casiez, Roussel and Vogel (2012), "1 euro filter: a simple speed-based low-pass filter for noisy
input in interactive systems", CHI. Slow movements get a low cutoff (little jitter), fast ones a
higher cutoff (little lag): ``cutoff = min_cutoff_hz + beta * |smoothed derivative|``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.types import FloatArray, InputError


@dataclass(frozen=True)
class OneEuroConfig:
    """Tuning of the One-Euro filter; units of ``beta`` are 1 / (signal unit)."""

    min_cutoff_hz: float = 1.0
    beta: float = 0.007
    derivative_cutoff_hz: float = 1.0


def _alpha(cutoff_hz: float, dt_s: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """Stateful One-Euro filter for one stream of vectors (e.g. all landmark coordinates of a person).

    Call it once per frame with the new sample (any shape, NaN = not seen) and its timestamp in
    seconds; it returns the filtered sample. A NaN input component passes through as NaN and the
    filter restarts that component when it reappears, so a stale position is never shown.
    """

    def __init__(self, config: OneEuroConfig | None = None) -> None:
        self.config = config or OneEuroConfig()
        self._x: FloatArray | None = None
        self._dx: FloatArray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        self._x = self._dx = None
        self._t = None

    def __call__(self, value: FloatArray, *, time_s: float) -> FloatArray:
        x = np.asarray(value, dtype=np.float64)
        if self._x is None or self._dx is None or self._t is None or self._x.shape != x.shape:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), time_s
            return x.copy()
        dt = time_s - self._t
        if dt <= 0:
            raise InputError("One-Euro filter timestamps must increase.")
        cfg = self.config
        restart = ~np.isfinite(self._x)
        dx = np.where(restart, 0.0, (x - self._x) / dt)
        a_d = _alpha(cfg.derivative_cutoff_hz, dt)
        dx_hat = np.where(np.isfinite(self._dx), a_d * dx + (1 - a_d) * self._dx, dx)
        cutoff = cfg.min_cutoff_hz + cfg.beta * np.abs(dx_hat)
        tau = 1.0 / (2.0 * np.pi * cutoff)
        a = 1.0 / (1.0 + tau / dt)
        x_hat = np.where(restart, x, a * x + (1 - a) * self._x)
        self._x, self._dx, self._t = x_hat, np.where(np.isfinite(x_hat), dx_hat, 0.0), time_s
        return np.asarray(x_hat.copy(), dtype=np.float64)


def one_euro(x: FloatArray, *, sampling_rate_hz: float, config: OneEuroConfig | None = None) -> FloatArray:
    """Run :class:`OneEuroFilter` over a recorded series ``(frames, ...)`` sampled at ``sampling_rate_hz``."""
    arr = np.asarray(x, dtype=np.float64)
    f = OneEuroFilter(config)
    out = np.empty_like(arr)
    for i in range(arr.shape[0]):
        out[i] = f(arr[i], time_s=i / sampling_rate_hz)
    return out
