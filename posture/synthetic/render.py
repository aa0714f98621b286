"""Render a posed skeleton as a shaded, clothed human figure (numpy ray casting).

Each body part is a capsule or an ellipsoid intersected analytically with the
camera rays inside its screen bounding box; a z-buffer keeps the nearest hit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.landmarks import Landmark as L
from posture.synthetic.camera import Camera
from posture.synthetic.skeleton import Body, PosedSkeleton


@dataclass(frozen=True)
class Outfit:
    """Colours (RGB, 0-255) of one figure."""

    skin: tuple[int, int, int] = (222, 170, 138)
    shirt: tuple[int, int, int] = (58, 108, 168)
    trousers: tuple[int, int, int] = (52, 54, 66)
    shoes: tuple[int, int, int] = (34, 30, 28)
    hair: tuple[int, int, int] = (62, 42, 30)


@dataclass(frozen=True)
class Capsule:
    a: np.ndarray
    b: np.ndarray
    radius: float
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class Ellipsoid:
    centre: np.ndarray
    axes: np.ndarray        # 3 x 3, columns are the local x, y, z directions
    radii: np.ndarray
    colour: tuple[int, int, int]
    face: bool = False
    hair: tuple[int, int, int] = (0, 0, 0)


Part = Capsule | Ellipsoid


def _capsule_hits(o: np.ndarray, d: np.ndarray, c: Capsule) -> tuple[np.ndarray, np.ndarray]:
    """Ray distance (inf on a miss) and surface normal for rays o + t d."""
    ba = c.b - c.a
    oa = o - c.a
    baba = ba @ ba
    bard = d @ ba
    baoa = oa @ ba
    rdoa = d @ oa
    oaoa = oa @ oa
    a = baba - bard * bard
    b = baba * rdoa - baoa * bard
    cc = baba * oaoa - baoa * baoa - c.radius**2 * baba
    h = b * b - a * cc
    t = np.full(len(d), np.inf)
    hit = (h >= 0) & (a > 1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        tb = (-b - np.sqrt(np.maximum(h, 0))) / a
    y = baoa + tb * bard
    body = hit & (y > 0) & (y < baba) & (tb > 0)
    t[body] = tb[body]
    # Spherical caps at either end.
    for end, sel in ((c.a, hit & (y <= 0)), (c.b, hit & (y >= baba))):
        oc = o - end
        bq = d[sel] @ oc
        hq = bq * bq - (oc @ oc - c.radius**2)
        tq = np.where(hq > 0, -bq - np.sqrt(np.maximum(hq, 0)), np.inf)
        t[sel] = np.where(tq > 0, tq, np.inf)
    p = o + d * np.where(np.isfinite(t), t, 0)[:, None]
    s = np.clip(((p - c.a) @ ba) / baba, 0, 1)
    n = p - (c.a + s[:, None] * ba)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    return t, n


def _ellipsoid_hits(o: np.ndarray, d: np.ndarray, e: Ellipsoid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ray distance, world normal and unit-sphere local hit point."""
    ol = ((o - e.centre) @ e.axes) / e.radii
    dl = (d @ e.axes) / e.radii
    a = np.einsum("ij,ij->i", dl, dl)
    b = dl @ ol
    c = ol @ ol - 1.0
    h = b * b - a * c
    t = np.where(h > 0, (-b - np.sqrt(np.maximum(h, 0))) / a, np.inf)
    t = np.where(t > 0, t, np.inf)
    local = ol + dl * np.where(np.isfinite(t), t, 0)[:, None]
    n = (local / e.radii) @ e.axes.T
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    return t, n, local


def _face_colour(local: np.ndarray, skin: np.ndarray, hair: np.ndarray) -> np.ndarray:
    """Paint hair, eyes, brows and mouth on a head's unit sphere (x left, y up, z front)."""
    x, y, z = local[:, 0], local[:, 1], local[:, 2]
    col = np.repeat(skin[None], len(local), axis=0).astype(float)
    is_hair = (y > 0.52) | ((z < 0.05) & (y > -0.35)) | ((z < 0.45) & (y > 0.35))
    col[is_hair] = hair
    for sx in (1, -1):
        eye = np.array([sx * 0.36, 0.15, 0.92])
        dist = np.linalg.norm(local - eye, axis=1)
        col[dist < 0.14] = (245, 245, 240)
        col[dist < 0.075] = (55, 40, 30)
        brow = (np.abs(y - 0.34) < 0.045) & (np.abs(x - sx * 0.36) < 0.17) & (z > 0.5)
        col[brow] = hair * 0.8
    mouth = (np.abs(y + 0.5) < 0.055) & (np.abs(x) < 0.24) & (z > 0.5)
    col[mouth] = (160, 70, 70)
    return col


def body_parts(sk: PosedSkeleton, body: Body, outfit: Outfit = Outfit()) -> list[Part]:
    """The capsules and ellipsoids that dress a posed skeleton."""
    H, g = body.height, body.girth
    p = sk.landmarks
    pc = (p[L.LEFT_HIP] + p[L.RIGHT_HIP]) / 2
    T, P, Hd = sk.trunk, sk.pelvis, sk.head
    r = body.head_radius
    parts: list[Part] = [
        Ellipsoid(pc + P @ np.array([0, 0.012 * H, -0.006 * H]), P,
                  np.array([0.102, 0.072, 0.068]) * H * g, outfit.trousers),
        Ellipsoid(pc + T @ np.array([0, 0.12 * H, -0.002 * H]), T,
                  np.array([0.088, 0.09, 0.062]) * H * g, outfit.shirt),
        Ellipsoid(pc + T @ np.array([0, 0.215 * H, 0.0]), T,
                  np.array([0.1, 0.09, 0.066]) * H * g, outfit.shirt),
        Capsule(sk.neck_base - T @ np.array([0, 0.02 * H, 0]), sk.head_centre - Hd @ np.array([0, 0.5 * r, 0.2 * r]),
                0.03 * H * g, outfit.skin),
        Ellipsoid(sk.head_centre, Hd, np.array([0.84, 1.08, 1.0]) * r, outfit.skin, face=True, hair=outfit.hair),
        Ellipsoid(sk.head_centre + Hd @ np.array([0, -0.12 * r, 0.98 * r]), Hd,
                  np.array([0.11, 0.2, 0.16]) * r, outfit.skin),
    ]
    for side in ("LEFT", "RIGHT"):
        q = {n: p[L[f"{side}_{n}"]] for n in ("SHOULDER", "ELBOW", "WRIST", "INDEX", "HIP", "KNEE",
                                              "ANKLE", "HEEL", "FOOT_INDEX", "EAR")}
        parts += [
            Ellipsoid(q["EAR"], Hd, np.array([0.1, 0.22, 0.16]) * r, outfit.skin),
            Capsule(q["SHOULDER"] - T @ np.array([0, 0.012 * H, 0]), q["SHOULDER"], 0.033 * H * g, outfit.shirt),
            Capsule(q["SHOULDER"], q["ELBOW"], 0.024 * H * g, outfit.shirt),
            Capsule(q["ELBOW"], q["WRIST"], 0.019 * H * g, outfit.skin),
            Capsule(q["WRIST"], q["WRIST"] + (q["INDEX"] - q["WRIST"]) * 0.8, 0.014 * H * g, outfit.skin),
            Capsule(q["HIP"] + P @ np.array([0, 0.01 * H, 0]), q["KNEE"], 0.036 * H * g, outfit.trousers),
            Capsule(q["KNEE"], q["ANKLE"], 0.026 * H * g, outfit.trousers),
            Capsule(q["HEEL"] + np.array([0, 0.012 * H, 0.01 * H]), q["FOOT_INDEX"] + np.array([0, 0.008 * H, -0.01 * H]),
                    0.02 * H * g, outfit.shoes),
        ]
    return parts


def _bounds(part: Part) -> tuple[np.ndarray, float]:
    if isinstance(part, Capsule):
        return (part.a + part.b) / 2, np.linalg.norm(part.b - part.a) / 2 + part.radius
    return part.centre, float(part.radii.max())


def _background(cam: Camera, o: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Floor (y = 0) and a wall behind the subject, lightly shaded."""
    h, w = cam.height, cam.width
    img = np.empty((h, w, 3))
    view = np.asarray(cam.target, float) - o
    view[1] = 0
    view /= np.linalg.norm(view)
    t_wall = (1.6 - o @ view) / np.maximum(d @ view, 1e-6)
    t_floor = np.where(d[..., 1] < -1e-6, -o[1] / np.minimum(d[..., 1], -1e-6), np.inf)
    floor = t_floor < t_wall
    p = o + d * np.minimum(t_floor, t_wall)[..., None]
    wall_shade = 0.9 + 0.1 * np.clip(p[..., 1] / 2.5, 0, 1)
    img[:] = np.array([214, 208, 196]) * wall_shade[..., None]
    floor_shade = 0.8 + 0.2 * np.exp(-np.hypot(p[..., 0], p[..., 2]) / 3)
    img[floor] = (np.array([150, 128, 104]) * floor_shade[floor, None])
    # A soft contact shadow under the figure.
    shadow = np.exp(-(p[..., 0] ** 2 + p[..., 2] ** 2) / 0.08)
    img[floor] *= (1 - 0.35 * shadow[floor])[:, None]
    return img


def render(sk: PosedSkeleton, body: Body, cam: Camera, outfit: Outfit = Outfit(),
           rng: np.random.Generator | None = None) -> np.ndarray:
    """One RGB frame (height x width x 3, uint8) of the posed figure."""
    return render_people([(sk, body, outfit)], cam, rng)


def render_people(people: list[tuple[PosedSkeleton, Body, Outfit]], cam: Camera,
                  rng: np.random.Generator | None = None) -> np.ndarray:
    """One RGB frame of any number of figures (none gives the empty room)."""
    o, d = cam.rays()
    img = _background(cam, o, d)
    depth = np.full((cam.height, cam.width), np.inf)
    light = np.array([0.35, 0.75, 0.55])
    light /= np.linalg.norm(light)
    parts = [part for sk, body, outfit in people for part in body_parts(sk, body, outfit)]
    for part in parts:
        centre, radius = _bounds(part)
        zc = cam.to_camera(centre[None])[0, 2]
        if zc - radius <= 0.05:
            continue
        u, v = cam.project(centre[None])[0]
        half = cam.focal_px * radius / (zc - radius) + 2
        x0, x1 = int(max(u - half, 0)), int(min(u + half + 1, cam.width))
        y0, y1 = int(max(v - half, 0)), int(min(v + half + 1, cam.height))
        if x0 >= x1 or y0 >= y1:
            continue
        dd = d[y0:y1, x0:x1].reshape(-1, 3)
        if isinstance(part, Capsule):
            t, n = _capsule_hits(o, dd, part)
            col = np.repeat(np.array(part.colour, float)[None], len(dd), axis=0)
        else:
            t, n, local = _ellipsoid_hits(o, dd, part)
            col = (_face_colour(local, np.array(part.colour, float), np.array(part.hair, float)) if part.face
                   else np.repeat(np.array(part.colour, float)[None], len(dd), axis=0))
        zb = depth[y0:y1, x0:x1].reshape(-1)
        win = t < zb
        if not win.any():
            continue
        lambert = np.clip(n[win] @ light, 0, 1)
        rim = np.clip(-(n[win] * dd[win]).sum(1), 0, 1)
        shade = 0.38 + 0.52 * lambert + 0.1 * rim
        block = img[y0:y1, x0:x1].reshape(-1, 3)
        block[win] = col[win] * shade[:, None]
        zb[win] = t[win]
        img[y0:y1, x0:x1] = block.reshape(y1 - y0, x1 - x0, 3)
        depth[y0:y1, x0:x1] = zb.reshape(y1 - y0, x1 - x0)
    if rng is not None:
        img += rng.normal(0, 2.0, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)
