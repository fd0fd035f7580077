"""Offline filters: gap interpolation, gap-aware zero-phase Butterworth low-pass, Hampel outliers.

All functions work along axis 0 (time) of arrays of shape ``(frames,)`` or ``(frames, ...)`` and
treat NaN as "not seen". They never invent data across a gap longer than the caller allows.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal as sps

from analysis.types import BoolArray, FloatArray, InputError, IntArray


def nan_runs(missing: BoolArray) -> list[tuple[int, int]]:
    """Half-open ``(start, stop)`` frame ranges where ``missing`` (shape ``(frames,)``) is True."""
    m = np.asarray(missing, dtype=bool)
    if m.size == 0:
        return []
    padded = np.concatenate([[False], m, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _as_2d(x: FloatArray) -> tuple[FloatArray, tuple[int, ...]]:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0:
        raise InputError("Expected a time series with a time axis, got a single number.")
    return arr.reshape(arr.shape[0], -1), arr.shape


def interpolate_gaps(x: FloatArray, *, max_gap_frames: int) -> FloatArray:
    """Fill interior NaN gaps of at most ``max_gap_frames`` frames by linear interpolation.

    ``x``: ``(frames,)`` or ``(frames, ...)``, each column handled on its own. Longer gaps and NaN
    at the start or end stay NaN: extrapolating a limb position is a guess, not a measurement.
    """
    if max_gap_frames < 0:
        raise InputError("max_gap_frames must be zero or positive.")
    flat, shape = _as_2d(x)
    out = flat.copy()
    idx = np.arange(flat.shape[0])
    for c in range(flat.shape[1]):
        col = out[:, c]
        miss = ~np.isfinite(col)
        if not miss.any() or miss.all():
            continue
        good = ~miss
        # One interpolation for every missing sample, then undo it where the gap is too long or
        # open-ended (cheaper than interpolating gap by gap on long recordings).
        filled = np.interp(idx, idx[good], col[good])
        first, last = np.flatnonzero(good)[[0, -1]]
        for a, b in nan_runs(miss):
            if a <= first or b > last or b - a > max_gap_frames:
                filled[a:b] = np.nan
        out[:, c] = filled
    return out.reshape(shape)


def effective_cutoff_hz(*, sampling_rate_hz: float, cutoff_hz: float, order: int = 4) -> float | None:
    """The -3 dB frequency :func:`lowpass` will apply, or None when it will not filter.

    A digital filter cannot act at or above the Nyquist frequency (half the sampling rate); the
    per-pass cutoff of the zero-phase filter is also raised (see :func:`_butter_sos`), and above
    0.95 x Nyquist the design is numerically meaningless. So: ``cutoff_hz`` when its raised
    per-pass cutoff stays below 0.95 x Nyquist, else None (the data pass unfiltered). At 30 Hz and
    above the usual 6 Hz is kept; at 12 Hz and below a 6 Hz cutoff is not possible and None is
    returned rather than a wrapped or negative frequency.
    """
    per_pass_hz = _per_pass_cutoff_hz(sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz, order=order)
    return cutoff_hz if per_pass_hz is not None else None


def _per_pass_cutoff_hz(*, sampling_rate_hz: float, cutoff_hz: float, order: int) -> float | None:
    """The cutoff of each of the two passes, or None when it is not below 0.95 x Nyquist.

    ``order`` is the order of the *zero-phase* result: a Butterworth of order ``order / 2`` is run
    forwards and backwards. Each pass attenuates, so the per-pass cutoff is raised so that the
    combined response is -3 dB at ``cutoff_hz`` (Winter 2009, Biomechanics and Motor Control of
    Human Movement, 4th ed., sec. 3.4.4.3: correction factor (2^(1/n) - 1)^(1/(2m)) for n passes of
    an order-m filter), applied on the pre-warped digital frequency. The pre-warp tan(pi f / fs) is
    only defined for f below Nyquist: from there it turns negative (6 Hz at 6-12 Hz sampling) or
    wraps round to a small positive value (below 6 Hz sampling), so the check comes first.
    """
    if order < 2 or order % 2:
        raise InputError("The zero-phase filter order must be an even number of at least 2.")
    nyquist_hz = sampling_rate_hz / 2.0
    if cutoff_hz >= 0.95 * nyquist_hz:
        return None
    per_pass = order // 2
    correction = (np.sqrt(2.0) - 1.0) ** (1.0 / (2 * per_pass))
    warped = np.tan(np.pi * cutoff_hz / sampling_rate_hz) / correction
    adjusted_hz = float(np.arctan(warped) * sampling_rate_hz / np.pi)
    return adjusted_hz if adjusted_hz < 0.95 * nyquist_hz else None


def _butter_sos(*, sampling_rate_hz: float, cutoff_hz: float, order: int) -> FloatArray | None:
    """Second-order sections of the per-pass filter, or None when the cutoff is not below Nyquist."""
    adjusted_hz = _per_pass_cutoff_hz(sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz, order=order)
    if adjusted_hz is None:
        return None
    sos: FloatArray = sps.butter(order // 2, adjusted_hz, btype="low", fs=sampling_rate_hz, output="sos")
    return sos


def lowpass(
    x: FloatArray,
    *,
    sampling_rate_hz: float,
    cutoff_hz: float = 6.0,
    order: int = 4,
    max_gap_frames: int = 0,
) -> FloatArray:
    """Gap-aware zero-phase Butterworth low-pass filter.

    ``x``: ``(frames,)`` or ``(frames, ...)``. Gaps up to ``max_gap_frames`` are first filled by
    linear interpolation; every remaining finite stretch is filtered on its own with
    ``scipy.signal.sosfiltfilt`` (zero phase, so events keep their timing) and NaN stays NaN, so a
    gap never smears into its neighbours. Stretches too short for the filter's edge padding are
    filtered with the longest padding they allow. The default 6 Hz, 4th order is the usual
    choice for walking kinematics (Winter 2009). When the cutoff is not below the Nyquist
    frequency (very low frame rates) the data are returned unfiltered apart from gap filling;
    :func:`effective_cutoff_hz` says which applies, for reports.
    """
    if sampling_rate_hz <= 0 or cutoff_hz <= 0:
        raise InputError("Sampling rate and cutoff must be positive frequencies in Hz.")
    filled = (
        interpolate_gaps(x, max_gap_frames=max_gap_frames) if max_gap_frames else np.asarray(x, dtype=float)
    )
    flat, shape = _as_2d(filled)
    sos = _butter_sos(sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz, order=order)
    if sos is None:
        return flat.reshape(shape).copy()
    out = np.full_like(flat, np.nan)
    finite = np.isfinite(flat)
    default_pad = 3 * (2 * sos.shape[0] + 1)
    # Columns usually share the same gaps (a landmark's x, y and z vanish together): filter
    # every column with the same mask in one call.
    patterns: dict[bytes, list[int]] = {}
    for c in range(flat.shape[1]):
        patterns.setdefault(np.packbits(finite[:, c]).tobytes(), []).append(c)
    for cols in patterns.values():
        good = finite[:, cols[0]]
        for a, b in nan_runs(good):
            seg = flat[a:b][:, cols]
            n = b - a
            if n < 3:
                out[a:b, cols] = seg
                continue
            pad = min(default_pad, n - 1)
            out[a:b, cols] = sps.sosfiltfilt(sos, seg, axis=0, padlen=pad)
    return out.reshape(shape)


def hampel(
    x: FloatArray, *, half_window_frames: int = 3, n_sigmas: float = 3.0
) -> tuple[FloatArray, BoolArray]:
    """Hampel identifier: replace samples far from their moving median by that median.

    A sample is an outlier when it differs from the median of the ``2 * half_window_frames + 1``
    samples centred on it by more than ``n_sigmas`` scaled median absolute deviations
    (1.4826 * MAD estimates the standard deviation of Gaussian noise; Pearson 2002). NaN samples
    are ignored in the statistics and stay NaN. Returns ``(cleaned, outlier_mask)`` with the shape
    of ``x``.
    """
    if half_window_frames < 1:
        raise InputError("half_window_frames must be at least 1.")
    flat, shape = _as_2d(x)
    k = half_window_frames
    padded = np.pad(flat, ((k, k), (0, 0)), mode="constant", constant_values=np.nan)
    windows = sliding_window_view(padded, 2 * k + 1, axis=0)  # (frames, cols, window)
    # Sorting the windows once gives the median and, from the sorted deviations, the MAD;
    # NaN sort to the end and are excluded by counting the finite samples.
    srt = np.sort(windows, axis=-1)
    count = np.isfinite(srt).sum(axis=-1)
    med = _sorted_nanmedian(srt, count)
    dev = np.sort(np.abs(windows - med[..., None]), axis=-1)
    mad = _sorted_nanmedian(dev, count)
    with np.errstate(invalid="ignore"):
        outlier = np.abs(flat - med) > n_sigmas * 1.4826 * mad
    outlier &= np.isfinite(flat) & (count >= 3)
    cleaned = np.where(outlier, med, flat)
    return cleaned.reshape(shape), outlier.reshape(shape)


def _sorted_nanmedian(srt: FloatArray, count: IntArray) -> FloatArray:
    lo = np.clip((count - 1) // 2, 0, srt.shape[-1] - 1)
    hi = np.clip(count // 2, 0, srt.shape[-1] - 1)
    a = np.take_along_axis(srt, lo[..., None], axis=-1)[..., 0]
    b = np.take_along_axis(srt, hi[..., None], axis=-1)[..., 0]
    med = (a + b) / 2.0
    return np.where(count > 0, med, np.nan)
