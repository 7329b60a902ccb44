"""Search for the commodity palette: far apart, also for colour-blind readers.

How the committed ``COMMODITY_COLORS`` were chosen (run it to reproduce or to add a
commodity): start from colours that mean something (copper is copper-coloured, gold is
golden, oil is near-black, lapis lazuli deep blue ...), then nudge them by a seeded
random search that maximises, in this order,

1. the smallest CIEDE2000 difference between any two colours (must reach 10),
2. the smallest difference as seen with deuteranopia and protanopia (Machado 2009),
3. closeness to the meaningful starting colour,

while keeping every colour readable on the land colour of the basemap (ΔE00 ≥ 12) and
under a dark outline (L* between 22 and 88).

    python3 scripts/palette.py   # prints the dict for src/geoatlas/style/palette.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from geoatlas.colour import delta_e2000, hex_to_lab

SEEDS = {
    "copper": "#b87333",
    "iron": "#7f3b08",
    "lithium": "#1b9e77",
    "oil": "#252525",
    "gas": "#6a51a3",
    "coal": "#5a5a5a",
    "gold": "#e0b000",
    "chromite": "#2c7fb8",
    "lapis_lazuli": "#1d2f8f",
    "uranium": "#a6d854",
    "rare_earths": "#e7298a",
    "talc": "#c9c9c9",
    "marble": "#e3d9c6",
    "gemstones": "#cb181d",
    "cobalt": "#0868ac",
    "silver": "#a3b6c8",
    "zinc": "#6f8fa0",
    "lead": "#4a4a6a",
    "molybdenum": "#6b8e23",
    "tungsten": "#8c6d8c",
    "antimony": "#c2a5e0",
    "tin": "#8fd0c8",
    "nickel": "#2e6b3a",
}
LAND = "#f4f1ea"
CVDS = ("deuteranopia", "protanopia")


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(min(max(v, 0), 1) * 255):02x}" for v in rgb)


def _rgb(h: str) -> np.ndarray:
    return np.array([int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)])


def score(colors: dict[str, str]) -> tuple[float, float, float]:
    names = list(colors)
    views = [None, *CVDS]
    labs = {v: [hex_to_lab(colors[n], v) for n in names] for v in views}
    mins = {}
    for v in views:
        m = 1e9
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                m = min(m, delta_e2000(labs[v][i], labs[v][j]))
        mins[v] = m
    land = hex_to_lab(LAND)
    penalty = 0.0
    for lab in labs[None]:
        penalty += max(0.0, 12 - delta_e2000(lab, land)) * 5
        penalty += max(0.0, 22 - lab[0]) + max(0.0, lab[0] - 88)
    drift = sum(delta_e2000(hex_to_lab(colors[n]), hex_to_lab(SEEDS[n])) for n in names)
    cvd = min(mins[v] for v in CVDS)
    return (min(mins[None], 12) * 10 + min(cvd, 9) * 4 - penalty - drift * 0.02,
            mins[None], cvd)


def search(iterations: int = 6000, seed: int = 17) -> dict[str, str]:
    rng = random.Random(seed)
    best = dict(SEEDS)
    best_score = score(best)
    for k in range(iterations):
        cand = dict(best)
        name = rng.choice(list(cand))
        step = 0.12 * (1 - k / iterations) + 0.02
        rgb = _rgb(cand[name]) + np.array([rng.gauss(0, step) for _ in range(3)])
        cand[name] = _hex(rgb)
        s = score(cand)
        if s[0] >= best_score[0]:
            best, best_score = cand, s
    print(f"# min ΔE00 {best_score[1]:.1f}; with deuteranopia/protanopia {best_score[2]:.1f}",
          file=sys.stderr)
    return best


if __name__ == "__main__":
    result = search(int(sys.argv[1]) if len(sys.argv) > 1 else 6000)
    print("COMMODITY_COLORS = {")
    for n, c in result.items():
        print(f'    "{n}": "{c}",')
    print("}")
