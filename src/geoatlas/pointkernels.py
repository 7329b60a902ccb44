"""The compiled (numba) kernels of :mod:`geoatlas.pointjoin`: grid, search and distances.

What runs per point, compiled: the lon/lat grid of the counterparts' pieces
(:func:`cell_items`), the points in grid-cell order (:func:`by_cell`) and the join itself
(:func:`join_points`): the search box, the pruning sphere, and distances on the WGS84
ellipsoid from a point to a piece (Vincenty's inverse formula, or a series for near
vertices), in the equidistant frame centred on the point. :func:`ecef` and
:func:`reduced` lay out the piece records the kernels read. :mod:`geoatlas.pointjoin`
says what the steps are and drives them.

Every compiled function lives in this one file on purpose: numba's on-disk cache
(``cache=True``) keeps a caller's machine code, with the functions it calls compiled in,
until the caller's own file changes; a kernel split across files would keep running the
old code of an edited callee (numba's documentation, "Cache invalidation"). Globals are
compiled in as constants too: clear ``__pycache__`` after changing the constants
imported from :mod:`geoatlas.geometry`.

Examples
--------
>>> import numpy as np
>>> lam, sin_u, cos_u = reduced(np.array([69.0, 69.0]), np.array([34.0, 35.0]))
>>> round(_inverse(lam[0], sin_u[0], cos_u[0], lam[1], sin_u[1], cos_u[1])[2] / 1000, 3)  # km
110.931
>>> round(GEOD.inv(69.0, 34.0, 69.0, 35.0)[2] / 1000, 3)  # pyproj agrees
110.931
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .geometry import EARTH_KM, GEOD, KM_PER_DEG_LAT, KM_PER_DEG_LON, SEARCH_MARGIN_KM

# the pruning sphere and the search boxes of geoatlas.geodesic (_grow), shared

__all__ = ["by_cell", "cell_items", "ecef", "join_points", "reduced"]

_A, _F = float(GEOD.a), float(GEOD.f)  # the WGS84 ellipsoid of every distance
_B = _A * (1 - _F)
_E2 = _F * (2 - _F)  # first eccentricity squared
_EP2 = _E2 / (1 - _E2)  # second eccentricity squared
_SHORT_M = 50_000.0  # chords shorter than this are solved by series, not Vincenty
# The pruning sphere maps a degree of latitude to 0.9944-1.0056x its length on the
# ellipsoid and a degree of longitude to 1.0011-1.0045x, so a spherical distance is at
# most 1.0056x the geodesic one; a chord to a piece (<= 10 km) strays from its arc by
# < 2 mm. A piece whose spherical distance exceeds ``d * _SLACK + _EXTRA`` is farther
# than ``d`` on the ellipsoid. (geoatlas.query's numpy engine uses a looser margin.)
_SLACK, _EXTRA = 1.01, 0.01


def ecef(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Earth-centred coordinates (m) of points on the WGS84 ellipsoid."""
    lo, la = np.radians(lon), np.radians(lat)
    n = _A / np.sqrt(1 - _E2 * np.sin(la) ** 2)
    return np.column_stack([n * np.cos(la) * np.cos(lo), n * np.cos(la) * np.sin(lo),
                            n * (1 - _E2) * np.sin(la)])


def reduced(lon: np.ndarray, lat: np.ndarray):
    """Longitude (radians), sin and cos of the reduced latitude: Vincenty's inputs."""
    u = np.arctan((1 - _F) * np.tan(np.radians(lat)))
    return np.radians(lon), np.sin(u), np.cos(u)

@njit(cache=True, nogil=True)
def _clamp(v, hi):
    return 0 if v < 0 else (hi if v > hi else v)


@njit(cache=True, nogil=True)
def _cells(xmin, ymin, xmax, ymax, x0, y0, cell, nx, ny):
    return (_clamp(math.floor((xmin - x0) / cell), nx - 1),
            _clamp(math.floor((ymin - y0) / cell), ny - 1),
            _clamp(math.floor((xmax - x0) / cell), nx - 1),
            _clamp(math.floor((ymax - y0) / cell), ny - 1))


@njit(cache=True, nogil=True)
def cell_items(box, x0, y0, cell, nx, ny):
    """CSR of the pieces in each cell: ``(start, piece, first)``.

    ``first`` holds the piece's first column and row, and the item's own column. Cells
    are row-major, so the items of a run of cells in one row are one run of items.
    """
    n = len(box)
    count = np.zeros(nx * ny + 1, dtype=np.int64)
    for p in range(n):
        cx0, cy0, cx1, cy1 = _cells(box[p, 0], box[p, 1], box[p, 2], box[p, 3], x0, y0, cell,
                                    nx, ny)
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                count[cy * nx + cx + 1] += 1
    start = np.cumsum(count)
    fill = start[:-1].copy()
    piece = np.empty(start[-1], dtype=np.int64)
    first = np.empty((start[-1], 3), dtype=np.int64)
    for p in range(n):
        cx0, cy0, cx1, cy1 = _cells(box[p, 0], box[p, 1], box[p, 2], box[p, 3], x0, y0, cell,
                                    nx, ny)
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                c = cy * nx + cx
                at = fill[c]
                piece[at], first[at, 0], first[at, 1], first[at, 2] = p, cx0, cy0, cx
                fill[c] += 1
    return start, piece, first


@njit(cache=True, nogil=True)
def by_cell(lon, lat, x0, y0, cell, nx, ny):
    """The points sorted by grid cell: ``(their positions, lon, lat)``.

    A counting sort; points off the grid go first or last.
    """
    n = len(lon)
    key = np.empty(n, dtype=np.int64)
    width = nx + 2
    for i in range(n):
        cx = _clamp(math.floor((lon[i] - x0) / cell) + 1, width - 1)
        cy = _clamp(math.floor((lat[i] - y0) / cell) + 1, ny + 1)
        key[i] = cy * width + cx
    count = np.zeros(width * (ny + 2) + 1, dtype=np.int64)
    for i in range(n):
        count[key[i] + 1] += 1
    at = np.cumsum(count)
    order = np.empty(n, dtype=np.int64)
    xs, ys = np.empty(n), np.empty(n)
    for i in range(n):
        j = at[key[i]]
        order[j], xs[j], ys[j] = i, lon[i], lat[i]
        at[key[i]] += 1
    return order, xs, ys


@njit(cache=True, nogil=True)
def _inverse(lam1, sin_u1, cos_u1, lam2, sin_u2, cos_u2):
    """Vincenty's inverse: ``(sin, cos of the azimuth at 1, metres)``.

    The metres are NaN when the iteration does not converge (nearly antipodal points).
    """
    big_l = lam2 - lam1
    if big_l > math.pi:
        big_l -= 2 * math.pi
    elif big_l < -math.pi:
        big_l += 2 * math.pi
    lam = big_l
    sin_lam = cos_lam = sin_sigma = cos_sigma = sigma = cos2a = cos2sm = 0.0
    converged = False
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        t1 = cos_u2 * sin_lam
        t2 = cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam
        sin_sigma = math.sqrt(t1 * t1 + t2 * t2)
        if sin_sigma == 0.0:
            return 0.0, 1.0, 0.0  # the same point
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_a = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2a = 1.0 - sin_a * sin_a
        cos2sm = cos_sigma - 2.0 * sin_u1 * sin_u2 / cos2a if cos2a != 0.0 else 0.0
        c = _F / 16.0 * cos2a * (4.0 + _F * (4.0 - 3.0 * cos2a))
        prev = lam
        lam = big_l + (1.0 - c) * _F * sin_a * (
            sigma + c * sin_sigma * (cos2sm + c * cos_sigma * (-1.0 + 2.0 * cos2sm * cos2sm)))
        if abs(lam - prev) < 1e-12:
            converged = True
            break
    if not converged or abs(lam) > math.pi:
        return 0.0, 1.0, math.nan
    u2 = cos2a * (_A * _A - _B * _B) / (_B * _B)
    a = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)))
    b = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)))
    d_sigma = b * sin_sigma * (cos2sm + b / 4.0 * (
        cos_sigma * (-1.0 + 2.0 * cos2sm * cos2sm)
        - b / 6.0 * cos2sm * (-3.0 + 4.0 * sin_sigma * sin_sigma)
        * (-3.0 + 4.0 * cos2sm * cos2sm)))
    east, north = cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam
    norm = math.hypot(east, north)
    return east / norm, north / norm, _B * a * (sigma - d_sigma)


@njit(cache=True, nogil=True)
def _short(frame, vx, vy, vz):  # frame: pt[6:] of _describe
    """``(sin, cos of the azimuth, metres)`` from the point to a near vertex (ECEF, m).

    Metres are NaN if the vertex is :data:`_SHORT_M` or more away.

    The chord is lengthened to the normal-section arc (radius of curvature from Euler's
    theorem) and its azimuth turned by the normal section's angle to the geodesic
    (``e'^2 s^2 cos^2 phi sin 2a / 12 N^2``). Within 10 micrometres of Vincenty's (and
    pyproj's) distance and lateral position at 50 km, 1 micrometre at 20 km.
    """
    dx, dy, dz = vx - frame[0], vy - frame[1], vz - frame[2]
    chord2 = dx * dx + dy * dy + dz * dz
    if chord2 >= _SHORT_M * _SHORT_M:
        return 0.0, 1.0, math.nan
    if chord2 == 0.0:
        return 0.0, 1.0, 0.0
    east = dx * frame[3] + dy * frame[4]
    north = dx * frame[5] + dy * frame[6] + dz * frame[7]
    h2 = east * east + north * north
    curv = (north * north * frame[8] + east * east * frame[9]) / h2  # 1 / radius
    c2k2 = chord2 * curv * curv
    s = math.sqrt(chord2) * (1.0 + c2k2 / 24.0 + 3.0 * c2k2 * c2k2 / 640.0)
    turn = -_EP2 * chord2 * frame[10] * (2.0 * east * north / h2) / 12.0
    h = math.sqrt(h2)
    ct, st = math.cos(turn), math.sin(turn)
    sin_a, cos_a = east / h, north / h
    return sin_a * ct + cos_a * st, cos_a * ct - sin_a * st, s


@njit(cache=True, nogil=True)
def _describe(lon, lat, pt):
    """Fill ``pt`` with what the kernel needs of a point.

    ``pt[0:3]``: on the pruning sphere (km); ``pt[3:6]``: longitude (rad), sin and cos
    of the reduced latitude (for Vincenty; NaN and the latitude until
    :func:`_vertex` needs them); ``pt[6:17]``: the frame of :func:`_short`:
    ECEF (m), east and north unit vectors, 1 / M and 1 / N (the principal radii of
    curvature) and cos^2 phi / N^2.
    """
    lo, la = math.radians(lon), math.radians(lat)
    sl, cl, so, co = math.sin(la), math.cos(la), math.sin(lo), math.cos(lo)
    pt[0], pt[1], pt[2] = EARTH_KM * cl * co, EARTH_KM * cl * so, EARTH_KM * sl
    pt[3], pt[4], pt[5] = lo, math.nan, la  # the reduced latitude: made once needed
    w2 = 1.0 - _E2 * sl * sl
    n = _A / math.sqrt(w2)
    m = _A * (1.0 - _E2) / (w2 * math.sqrt(w2))
    pt[6], pt[7], pt[8] = n * cl * co, n * cl * so, n * (1.0 - _E2) * sl
    pt[9], pt[10] = -so, co
    pt[11], pt[12], pt[13] = -sl * co, -sl * so, cl
    pt[14], pt[15], pt[16] = 1.0 / m, 1.0 / n, cl * cl / (n * n)


@njit(cache=True, nogil=True)
def _vertex(pt, rec, at):
    """``(sin, cos of the azimuth, metres)`` from the point to a piece's vertex.

    ``at`` is 0 for the first vertex, 3 for the second; near ones are solved by series.
    """
    east, north, d = _short(pt[6:], rec[16 + at], rec[17 + at], rec[18 + at])
    if d != d:
        if pt[4] != pt[4]:
            u = math.atan((1.0 - _F) * math.tan(pt[5]))
            pt[4], pt[5] = math.sin(u), math.cos(u)
        return _inverse(pt[3], pt[4], pt[5], rec[10 + at], rec[11 + at], rec[12 + at])
    return east, north, d


@njit(cache=True, nogil=True)
def _to_piece_m(pt, rec):
    """Metres from the point to a piece in the equidistant frame centred on the point."""
    e1, n1, d1 = _vertex(pt, rec, 0)
    e2, n2, d2 = _vertex(pt, rec, 3)
    if d1 != d1 or d2 != d2:
        return math.nan
    x1, y1 = d1 * e1, d1 * n1
    dx, dy = d2 * e2 - x1, d2 * n2 - y1
    len2 = dx * dx + dy * dy
    if len2 > 0.0:
        t = -(x1 * dx + y1 * dy) / len2
        if 0.0 < t < 1.0:
            return math.hypot(x1 + t * dx, y1 + t * dy)
    return min(d1, d2)


@njit(cache=True, nogil=True)
def _chord_km(pt, rec):
    """Spherical distance from the point (``pt[0:3]`` on the sphere, km) to a piece."""
    px, py, pz = pt[0], pt[1], pt[2]
    ax, ay, az = rec[4], rec[5], rec[6]
    bx, by, bz = rec[7] - ax, rec[8] - ay, rec[9] - az
    len2 = bx * bx + by * by + bz * bz
    t = 0.0
    if len2 > 0.0:
        t = ((px - ax) * bx + (py - ay) * by + (pz - az) * bz) / len2
        t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
    dx, dy, dz = ax + t * bx - px, ay + t * by - py, az + t * bz - pz
    chord = math.sqrt(dx * dx + dy * dy + dz * dz)
    return 2.0 * EARTH_KM * math.asin(min(chord / (2.0 * EARTH_KM), 1.0))


@njit(cache=True, nogil=True)
def _on_segment(x, y, rec):
    """The point lies on the lon/lat segment the piece was cut from (GEOS's intersects)."""
    ax, ay, bx, by = rec[0], rec[1], rec[2], rec[3]
    if x < min(ax, bx) or x > max(ax, bx) or y < min(ay, by) or y > max(ay, by):
        return False
    return (bx - ax) * (y - ay) - (by - ay) * (x - ax) == 0.0


@njit(cache=True, nogil=True)
def _offer(f, d, rank, top_f, top_d, count, k):
    """Put feature ``f`` at ``d`` km into the sorted top ``k``; the new count."""
    for s in range(count):
        if top_f[s] == f:
            if d >= top_d[s]:
                return count
            for m in range(s, count - 1):  # take it out, then insert it again below
                top_f[m], top_d[m] = top_f[m + 1], top_d[m + 1]
            count -= 1
            break
    if count == k and (d > top_d[k - 1] or (d == top_d[k - 1] and rank[f] > rank[top_f[k - 1]])):
        return count
    s = count if count < k else k - 1
    while s > 0 and (top_d[s - 1] > d or (top_d[s - 1] == d and rank[top_f[s - 1]] > rank[f])):
        top_f[s], top_d[s] = top_f[s - 1], top_d[s - 1]
        s -= 1
    top_f[s], top_d[s] = f, d
    return min(count + 1, k)


@njit(cache=True, nogil=True)
def _first_bound(x, y, pt, want, x0, y0, cell, nx, ny, start, item_piece, piece,
                 owner, low, seen):
    """A spherical distance within which ``want`` features surely lie (or inf).

    It is the ``want``-th smallest distance to a feature among the pieces in the point's
    cell and the rings of cells around it, widened until ``want`` features are seen. A
    spherical distance is at most 1.0046x shorter than the geodesic one, so those
    features lie within ``bound * _SLACK + _EXTRA`` on the ellipsoid.
    """
    cx = _clamp(math.floor((x - x0) / cell), nx - 1)
    cy = _clamp(math.floor((y - y0) / cell), ny - 1)
    m = 0
    ring = 0
    while m < want and ring <= max(nx, ny):
        for row in range(max(cy - ring, 0), min(cy + ring, ny - 1) + 1):
            edge = row == cy - ring or row == cy + ring
            step = 1 if edge else 2 * ring  # inner rows: only the ring's two cells
            for col in range(cx - ring, cx + ring + 1, max(step, 1)):
                if col < 0 or col >= nx:
                    continue
                for it in range(start[row * nx + col], start[row * nx + col + 1]):
                    p = item_piece[it]
                    f = owner[p]
                    r = _chord_km(pt, piece[p])
                    if low[f] == np.inf:
                        seen[m] = f
                        m += 1
                    low[f] = min(low[f], r)
        ring += 1
    bound = np.inf
    if m >= want:
        bound = np.sort(low[seen[:m]])[want - 1]
    for s in range(m):
        low[seen[s]] = np.inf
    return bound


@njit(cache=True, nogil=True)
def join_points(first, stop, lon, lat, radius0, cap, growing, k, want, zero_start,
                zero_feature, rank, x0, y0, cell, nx, ny, start, item_piece, item_box,
                item_first, piece, owner, n_features, out_f, out_d, retry):
    """Points ``first:stop``: fills their rows of ``out_f``, ``out_d`` and ``retry``.

    Per point: the features it lies in, then the pieces in its search box measured
    nearest first (:func:`_gather`, :func:`_measure`); ``nearest`` doubles the radius
    until ``want`` features are found or it reaches ``cap``.
    """
    cand = np.empty(256, dtype=np.int64)
    rough = np.empty(256)
    low = np.full(max(n_features, 1), np.inf)
    top_f = np.empty(max(k, 1), dtype=np.int64)
    top_d = np.empty(max(k, 1))
    seen = np.empty(max(n_features, 1), dtype=np.int64)
    pt = np.empty(17)
    for i in range(first, stop):
        x, y = lon[i], lat[i]
        ready = False  # ``pt`` describes this point (made once needed)
        radius = min(radius0, cap)
        if growing and want > 0:  # start from a radius that surely holds ``want``
            _describe(x, y, pt)
            ready = True
            bound = _first_bound(x, y, pt, want, x0, y0, cell, nx, ny, start,
                                 item_piece, piece, owner, low, seen)
            if bound < np.inf:
                radius = min(bound * _SLACK + _EXTRA, cap)
        while True:
            count = 0
            for z in range(zero_start[i], zero_start[i + 1]):
                count = _offer(zero_feature[z], 0.0, rank, top_f, top_d, count, k)
            cand, rough, m, count, ready = _gather(
                x, y, pt, ready, radius, cand, rough, count, rank, top_f, top_d, k, x0, y0,
                cell, nx, ny, start, item_piece, item_box, item_first, piece, owner)
            count, failed = _measure(pt, radius, cand, rough, m, count, rank, top_f, top_d,
                                     k, piece, owner, low)
            if failed:
                retry[i] = True
                out_f[i, :] = -1
                out_d[i, :] = np.inf
                break
            if not growing or count >= want or radius >= cap:
                for s in range(k):
                    out_f[i, s] = top_f[s] if s < count else -1
                    out_d[i, s] = top_d[s] if s < count else np.inf
                break
            radius = min(radius * 2.0, cap)


@njit(cache=True, nogil=True)
def _gather(x, y, pt, ready, radius, cand, rough, count, rank, top_f, top_d, k, x0, y0,
            cell, nx, ny, start, item_piece, item_box, item_first, piece, owner):
    """The pieces that may lie within ``radius`` of the point, by spherical distance.

    Pieces the point lies on go straight into the top ``k`` (0 km). Returns
    ``(cand, rough, m, count, ready)``: the first ``m`` candidates (``cand`` and
    ``rough`` grow when full), the new count of the top ``k``, and whether ``pt``
    describes the point now.
    """
    # the search box of geoatlas.geodesic._grow, then the cells it covers
    pad = radius + SEARCH_MARGIN_KM
    dlat = pad / KM_PER_DEG_LAT
    reach = min(max(abs(y - dlat), abs(y + dlat)), 89.9)
    dlon = min(pad / (KM_PER_DEG_LON * math.cos(math.radians(reach))), 360.0)
    bx0, by0, bx1, by1 = x - dlon, y - dlat, x + dlon, y + dlat
    qx0, qy0, qx1, qy1 = _cells(bx0, by0, bx1, by1, x0, y0, cell, nx, ny)
    limit = radius * _SLACK + _EXTRA
    m = 0
    for cy in range(qy0, qy1 + 1):  # the cells of a row are one run of items
        for it in range(start[cy * nx + qx0], start[cy * nx + qx1 + 1]):
            if (item_box[it, 2] < bx0 or item_box[it, 0] > bx1
                    or item_box[it, 3] < by0 or item_box[it, 1] > by1):
                continue
            # a piece in several cells is taken in the first one both boxes cover
            if (item_first[it, 2] != max(item_first[it, 0], qx0)
                    or cy != max(item_first[it, 1], qy0)):
                continue
            p = item_piece[it]
            rec = piece[p]
            if _on_segment(x, y, rec):
                count = _offer(owner[p], 0.0, rank, top_f, top_d, count, k)
                continue
            if not ready:
                _describe(x, y, pt)
                ready = True
            r = _chord_km(pt, rec)
            if r > limit:
                continue
            if m == len(cand):
                cand = np.concatenate((cand, np.empty(m, dtype=np.int64)))
                rough = np.concatenate((rough, np.empty(m)))
            cand[m], rough[m] = p, r
            m += 1
    return cand, rough, m, count, ready


@njit(cache=True, nogil=True)
def _measure(pt, radius, cand, rough, m, count, rank, top_f, top_d, k, piece, owner, low):
    """Measure the ``m`` candidates on the ellipsoid: ``(count, failed)``.

    Nearest pieces first; a piece is measured only if it may change the top ``k``.
    ``failed``: Vincenty did not converge for one of them.
    """
    for o in range(1, m):  # insertion sort: a handful of pieces
        r, p = rough[o], cand[o]
        s = o
        while s > 0 and rough[s - 1] > r:
            rough[s], cand[s] = rough[s - 1], cand[s - 1]
            s -= 1
        rough[s], cand[s] = r, p
    failed = False
    for o in range(m):
        r, p = rough[o], cand[o]
        bound = top_d[k - 1] if count == k else radius
        if r > bound * _SLACK + _EXTRA:
            break
        f = owner[p]
        if low[f] == np.inf:
            low[f] = r
        elif r > low[f] * _SLACK + _EXTRA:
            continue
        d = _to_piece_m(pt, piece[p])
        if d != d:
            failed = True
            break
        d /= 1000.0
        if d <= radius:
            count = _offer(f, d, rank, top_f, top_d, count, k)
    for o in range(m):
        low[owner[cand[o]]] = np.inf
    return count, failed
