"""Colour science for the style spec: CIELAB, CIEDE2000 and colour-vision simulation.

The style spec promises that every pair of commodity colours stays apart by a visible
margin, also for readers with red-green colour-vision deficiency. These functions are
how that promise is measured (the tests and ``scripts/palette.py`` use them); nothing
here draws anything.

References: Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula:
implementation notes, supplementary test data, and mathematical observations"
(whose test pairs the tests reproduce); Machado, Oliveira & Fernandes (2009),
"A physiologically-based model for simulation of color vision deficiency" (severity 1.0
matrices, applied to linear sRGB).

Examples
--------
>>> round(delta_e2000((50, 2.6772, -79.7751), (50, 0, -82.7485)), 4)
2.0425
>>> round(delta_e2000(hex_to_lab("#000000"), hex_to_lab("#ffffff")), 1)
100.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["CVD_MATRICES", "delta_e2000", "hex_to_lab", "hex_to_rgb", "min_pair_distance",
           "simulate"]

_D65 = (0.95047, 1.0, 1.08883)
_RGB_TO_XYZ = np.array([
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
])

CVD_MATRICES = {
    "protanopia": np.array([
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]),
    "deuteranopia": np.array([
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ]),
    "tritanopia": np.array([
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ]),
}
"""Machado et al. (2009) simulation matrices at severity 1.0, for linear sRGB."""


def hex_to_rgb(color: str) -> tuple[float, float, float]:
    """``#rrggbb`` as sRGB components in 0..1.

    >>> hex_to_rgb("#ff8000")
    (1.0, 0.5019607843137255, 0.0)
    """
    c = color.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return tuple(int(c[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab_from_linear(lin: np.ndarray) -> tuple[float, float, float]:
    xyz = _RGB_TO_XYZ @ np.clip(lin, 0, 1) / np.array(_D65)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return (float(116 * f[1] - 16), float(500 * (f[0] - f[1])), float(200 * (f[1] - f[2])))


def hex_to_lab(color: str, cvd: str | None = None) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour, optionally as seen with a colour-vision deficiency.

    Parameters
    ----------
    color : str
        ``#rrggbb``.
    cvd : str, optional
        A key of :data:`CVD_MATRICES` to simulate (Machado et al. 2009).

    Returns
    -------
    tuple of float
        ``(L*, a*, b*)``.

    Examples
    --------
    >>> [round(v, 1) for v in hex_to_lab("#ff0000")]
    [53.2, 80.1, 67.2]
    >>> hex_to_lab("#808080", "deuteranopia") == hex_to_lab("#808080")  # greys stay grey
    False
    """
    lin = _linear(np.array(hex_to_rgb(color)))
    if cvd is not None:
        lin = CVD_MATRICES[cvd] @ lin
    return _lab_from_linear(lin)


def simulate(color: str, cvd: str) -> str:
    """The ``#rrggbb`` colour as seen with ``cvd`` (a key of :data:`CVD_MATRICES`).

    >>> simulate("#000000", "protanopia")
    '#000000'
    """
    lin = np.clip(CVD_MATRICES[cvd] @ _linear(np.array(hex_to_rgb(color))), 0, 1)
    srgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return "#" + "".join(f"{round(float(v) * 255):02x}" for v in srgb)


def delta_e2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """The CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1).

    Parameters
    ----------
    lab1, lab2 : sequence of float
        ``(L*, a*, b*)``.

    Returns
    -------
    float
        ΔE00; about 1 is a just-noticeable difference, 10 and more reads as another
        colour at a glance.

    Examples
    --------
    Pairs 1 and 17 of Sharma et al.'s test data:

    >>> round(delta_e2000((50, 2.6772, -79.7751), (50, 0, -82.7485)), 4)
    2.0425
    >>> round(delta_e2000((50, 2.5, 0), (73, 25, -18)), 4)
    27.1492
    """
    L1, a1, b1 = map(float, lab1)
    L2, a2, b2 = map(float, lab2)
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    cbar7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - math.sqrt(cbar7 / (cbar7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dL = L2 - L1
    dC = c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    elif h2p - h1p > 180:
        dh = h2p - h1p - 360
    else:
        dh = h2p - h1p + 360
    dH = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    Lbar = (L1 + L2) / 2
    cbarp = (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbar = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hbar = (h1p + h2p + 360) / 2
    else:
        hbar = (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hbar - 30)) + 0.24 * math.cos(math.radians(2 * hbar))
         + 0.32 * math.cos(math.radians(3 * hbar + 6))
         - 0.20 * math.cos(math.radians(4 * hbar - 63)))
    d_theta = 30 * math.exp(-(((hbar - 275) / 25) ** 2))
    cbarp7 = cbarp ** 7
    rc = 2 * math.sqrt(cbarp7 / (cbarp7 + 25 ** 7))
    sl = 1 + 0.015 * (Lbar - 50) ** 2 / math.sqrt(20 + (Lbar - 50) ** 2)
    sc = 1 + 0.045 * cbarp
    sh = 1 + 0.015 * cbarp * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dL / sl) ** 2 + (dC / sc) ** 2 + (dH / sh) ** 2
                     + rt * (dC / sc) * (dH / sh))


def min_pair_distance(colors: dict[str, str], cvd: str | None = None
                      ) -> tuple[float, tuple[str, str]]:
    """The smallest CIEDE2000 difference between any two colours, and that pair.

    Parameters
    ----------
    colors : dict
        Name -> ``#rrggbb``.
    cvd : str, optional
        Compare the colours as seen with this deficiency (see :data:`CVD_MATRICES`).

    Returns
    -------
    tuple
        ``(ΔE00, (name_a, name_b))``.

    Examples
    --------
    >>> d, pair = min_pair_distance({"a": "#000000", "b": "#ffffff", "c": "#0a0a0a"})
    >>> pair, round(d, 1)
    (('a', 'c'), 1.6)
    """
    names = list(colors)
    labs = {n: hex_to_lab(colors[n], cvd) for n in names}
    best = (math.inf, ("", ""))
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            d = delta_e2000(labs[a], labs[b])
            if d < best[0]:
                best = (d, (a, b))
    return best
