"""Render realistic people in a room with OpenGL on the CPU (Mesa's llvmpipe through EGL, via moderngl).

Skin carries MakeHuman's skin detail texture; clothes are the body's own regions
(shirt, trousers or shorts, shoes) pushed out along the surface normal by
their fit; hair is a layer over the scalp. A key light casts a shadow map onto
the floor, wall and furniture. The GL context is opened on first use, not at
import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from posture.synthetic.camera import Camera
from posture_renders.human import PosedHuman, Shape, assets, base_mesh, shaped_body

NEAR, FAR = 0.1, 30.0


@dataclass(frozen=True)
class Clothes:
    """What one person wears (RGB 0-255) and how loosely (metres off the skin)."""

    skin: tuple[int, int, int] = (222, 170, 138)
    shirt: tuple[int, int, int] = (58, 108, 168)
    trousers: tuple[int, int, int] = (52, 54, 66)
    shoes: tuple[int, int, int] = (34, 30, 28)
    hair: tuple[int, int, int] = (62, 42, 30)
    sleeves: str = "short"        # short | long
    legs: str = "long"            # long | shorts
    shirt_fit: float = 0.012
    trousers_fit: float = 0.010
    hair_volume: float = 0.018


@dataclass(frozen=True)
class Box:
    """A piece of furniture or a room surface: an axis-aligned box (world metres) and its colour."""

    low: tuple[float, float, float]
    high: tuple[float, float, float]
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class Room:
    """Floor, a back wall at z = wall_z, a side wall and furniture."""

    floor: tuple[int, int, int] = (150, 128, 104)
    wall: tuple[int, int, int] = (214, 208, 196)
    wall_z: float = -1.6
    furniture: tuple[Box, ...] = field(default_factory=lambda: (
        Box((-2.3, 0.0, -1.55), (-1.3, 0.75, -1.0), (120, 84, 58)),      # a low cabinet
        Box((1.4, 0.0, -1.5), (1.9, 0.45, -0.95), (70, 90, 110)),         # a chair seat
        Box((1.4, 0.45, -1.5), (1.9, 1.0, -1.42), (70, 90, 110)),         # its back
    ))
    light: tuple[float, float, float] = (1.6, 3.2, 2.6)                   # key light position (a lamp)
    exposure: float = 1.0                                                 # < 1 a dim room, > 1 a bright one


# Which bones dress which region: prefixes of the MakeHuman rig's bone names.
HEAD_BONES = ("neck", "head", "jaw", "eye", "tongue", "levator", "oris", "orbicularis", "risorius", "temporalis",
              "special", "oculi")
HAND_BONES = ("wrist", "finger", "metacarpal")
FOOT_BONES = ("foot", "toe")


@lru_cache(maxsize=16)
def _regions(shape: Shape) -> dict[str, np.ndarray]:
    """Vertex masks of the body's regions at rest: head, hair, hands, upper and lower arms and legs, torso."""
    mesh, body = base_mesh(), shaped_body(shape)
    main = np.array([mesh.bones[i] for i in mesh.weights.argmax(axis=1)])
    v, j = body.vertices, body.joints

    def by(prefixes: tuple[str, ...]) -> np.ndarray:
        return np.any([np.char.startswith(main, p) for p in prefixes], axis=0)

    head, hands, feet = by(HEAD_BONES), by(HAND_BONES), by(FOOT_BONES)
    upper_arm, lower_arm = by(("upperarm",)), by(("lowerarm",))
    thigh, shank = by(("upperleg",)), by(("lowerleg",))
    eye = (j["joint-l-eye"] + j["joint-r-eye"]) / 2
    ear_z = body.vertices[body.picks["left_ear"], 2]
    scalp = head & ((v[:, 1] > eye[1] + 0.045) | ((v[:, 2] < ear_z - 0.01) & (v[:, 1] > eye[1] - 0.05)))
    neck = head & (v[:, 1] < j["joint-neck"][1] + 0.02)
    scalp &= ~neck
    waist = j["joint-spine-3"][1]
    torso = ~(head | hands | feet | upper_arm | lower_arm | thigh | shank)
    below = torso & (v[:, 1] < waist)
    # How far down each limb a vertex sits (0 at the proximal joint, 1 at the distal one).
    shoulder_l, elbow_l = j["joint-l-shoulder"], j["joint-l-elbow"]
    along_arm = np.clip((np.abs(v[:, 0]) - abs(shoulder_l[0])) / (abs(elbow_l[0]) - abs(shoulder_l[0])), 0, 1)
    hip_y, knee_y = j["joint-l-upper-leg"][1], j["joint-l-knee"][1]
    along_thigh = np.clip((hip_y - v[:, 1]) / (hip_y - knee_y), 0, 1)
    return {"scalp": scalp, "hands": hands, "feet": feet, "upper_arm": upper_arm, "lower_arm": lower_arm,
            "thigh": thigh, "shank": shank, "shirt_torso": torso & ~below, "trouser_torso": below,
            "along_arm": along_arm, "along_thigh": along_thigh}


def dress(shape: Shape, clothes: Clothes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-vertex colour (0-1), skin flag (textured) and offset along the normal (metres)."""
    r = _regions(shape)
    n = len(r["scalp"])
    colour = np.tile(np.array(clothes.skin, float) / 255, (n, 1))
    offset = np.zeros(n)
    shirt = r["shirt_torso"] | (r["upper_arm"] & ((r["along_arm"] < 0.55) | (clothes.sleeves == "long")))
    if clothes.sleeves == "long":
        shirt |= r["lower_arm"]
    trousers = r["trouser_torso"] | r["thigh"] & ((r["along_thigh"] < 0.45) | (clothes.legs == "long"))
    if clothes.legs == "long":
        trousers |= r["shank"]
    for mask, rgb, off in ((shirt, clothes.shirt, clothes.shirt_fit), (trousers, clothes.trousers,
                                                                       clothes.trousers_fit),
                           (r["feet"], clothes.shoes, 0.012), (r["scalp"], clothes.hair, clothes.hair_volume)):
        colour[mask] = np.array(rgb, float) / 255
        offset[mask] = off
    skin = ~(shirt | trousers | r["feet"] | r["scalp"])
    return colour, skin.astype(np.float32), offset


def vertex_normals(v: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Area-weighted unit normals per vertex."""
    fn = np.cross(v[tris[:, 1]] - v[tris[:, 0]], v[tris[:, 2]] - v[tris[:, 0]])
    n = np.zeros_like(v)
    for k in range(3):
        for c in range(3):
            n[:, c] += np.bincount(tris[:, k], fn[:, c], minlength=len(v))
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


VERTEX = """
#version 330
uniform mat4 mvp;
uniform mat4 light_mvp;
in vec3 pos; in vec3 nrm; in vec3 col; in vec2 uv; in float skin;
out vec3 v_pos; out vec3 v_nrm; out vec3 v_col; out vec2 v_uv; out float v_skin; out vec4 v_light;
void main() {
    gl_Position = mvp * vec4(pos, 1.0);
    v_pos = pos; v_nrm = nrm; v_col = col; v_uv = uv; v_skin = skin;
    v_light = light_mvp * vec4(pos, 1.0);
}
"""

FRAGMENT = """
#version 330
uniform sampler2D detail;
uniform sampler2D shadow;
uniform vec3 light_pos;
uniform vec3 eye;
uniform float exposure;
in vec3 v_pos; in vec3 v_nrm; in vec3 v_col; in vec2 v_uv; in float v_skin; in vec4 v_light;
out vec4 frag;
void main() {
    vec3 n = normalize(v_nrm);
    vec3 to_eye = normalize(eye - v_pos);
    if (dot(n, to_eye) < 0.0) n = -n;
    vec3 l = normalize(light_pos - v_pos);
    vec3 base = v_col;
    if (v_skin > 0.5) base *= clamp(texture(detail, v_uv).r, 0.55, 1.3);
    vec3 p = v_light.xyz / v_light.w * 0.5 + 0.5;
    float lit = 1.0;
    if (p.x > 0.0 && p.x < 1.0 && p.y > 0.0 && p.y < 1.0) {
        float bias = 0.0025;
        lit = 0.0;
        vec2 texel = 1.0 / vec2(textureSize(shadow, 0));
        for (int dx = -1; dx <= 1; dx++)
            for (int dy = -1; dy <= 1; dy++)
                lit += (p.z - bias <= texture(shadow, p.xy + vec2(dx, dy) * texel).r) ? 1.0 : 0.0;
        lit /= 9.0;
    }
    float diffuse = max(dot(n, l), 0.0) * lit;
    float sky = 0.5 + 0.5 * n.y;
    vec3 h = normalize(l + to_eye);
    float spec = pow(max(dot(n, h), 0.0), 24.0) * lit * (v_skin > 0.5 ? 0.12 : 0.04);
    vec3 colour = base * (0.30 + 0.18 * sky + 0.62 * diffuse) + spec;
    frag = vec4(colour * exposure, 1.0);
}
"""

DEPTH_VERTEX = """
#version 330
uniform mat4 light_mvp;
in vec3 pos;
void main() { gl_Position = light_mvp * vec4(pos, 1.0); }
"""


@lru_cache(maxsize=1)
def _gl():
    """The EGL context, programs and the skin detail texture (opened once per process)."""
    import moderngl
    from PIL import Image

    ctx = moderngl.create_context(standalone=True, backend="egl")
    prog = ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT)
    depth_prog = ctx.program(vertex_shader=DEPTH_VERTEX, fragment_shader="#version 330\nvoid main() {}")
    img = Image.open(assets() / "textures" / "sss.png").convert("L").resize((1024, 1024))
    a = np.asarray(img, np.float32)
    a = (a / np.median(a)).astype("f4")
    detail = ctx.texture((1024, 1024), 1, np.ascontiguousarray(a[::-1]).tobytes(), dtype="f4")
    detail.build_mipmaps()
    shadow = ctx.depth_texture((2048, 2048))
    shadow.compare_func = ""
    return ctx, prog, depth_prog, detail, shadow, ctx.framebuffer(depth_attachment=shadow)


@lru_cache(maxsize=4)
def _targets(width: int, height: int):
    """A 4x multisampled framebuffer to draw into and a plain one to read back, kept per image size."""
    ctx = _gl()[0]
    msaa = ctx.framebuffer(color_attachments=[ctx.renderbuffer((width, height), 4, samples=4)],
                           depth_attachment=ctx.depth_renderbuffer((width, height), samples=4))
    return msaa, ctx.simple_framebuffer((width, height))


def _look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World-to-light rotation (rows x, y, z; looking down -z, OpenGL style) as a 4x4 with the translation."""
    f = (target - eye) / np.linalg.norm(target - eye)
    x = np.cross(f, [0.0, 1.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(x, f)
    m = np.eye(4)
    m[:3, :3] = np.stack([x, y, -f])
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def _light_matrix(room: Room) -> np.ndarray:
    eye = np.asarray(room.light)
    view = _look_at(eye, np.array([0.0, 0.8, -0.3]))
    s = 3.2
    ortho = np.diag([1 / s, 1 / s, -2 / (12.0 - 0.1), 1.0])
    ortho[2, 3] = -(12.0 + 0.1) / (12.0 - 0.1)
    return ortho @ view


def camera_matrix(cam: Camera) -> np.ndarray:
    """4x4 world-to-clip matrix of the pinhole camera (image rows top-down, so no flip on read-back)."""
    R = cam.rotation()
    view = np.eye(4)
    view[:3, :3] = R
    view[:3, 3] = -R @ np.asarray(cam.position, float)
    cx, cy = cam.centre
    f, W, H = cam.focal_px, cam.width, cam.height
    proj = np.array([[2 * f / W, 0, 2 * cx / W - 1, 0],
                     [0, 2 * f / H, 2 * cy / H - 1, 0],
                     [0, 0, (FAR + NEAR) / (FAR - NEAR), -2 * FAR * NEAR / (FAR - NEAR)],
                     [0, 0, 1, 0]])
    return proj @ view


def _box_triangles(box: Box) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.asarray(box.low), np.asarray(box.high)
    corners = np.array([[lo[0] if i & 1 == 0 else hi[0], lo[1] if i & 2 == 0 else hi[1],
                         lo[2] if i & 4 == 0 else hi[2]] for i in range(8)])
    quads = [(0, 2, 3, 1, (0, 0, -1)), (4, 5, 7, 6, (0, 0, 1)), (0, 1, 5, 4, (0, -1, 0)),
             (2, 6, 7, 3, (0, 1, 0)), (0, 4, 6, 2, (-1, 0, 0)), (1, 3, 7, 5, (1, 0, 0))]
    pos, nrm = [], []
    for a, b, c, d, n in quads:
        for k in (a, b, c, a, c, d):
            pos.append(corners[k])
            nrm.append(n)
    return np.asarray(pos), np.asarray(nrm, float)


@dataclass(frozen=True)
class Rod:
    """A square bar from `start` to `end` (world metres), `thickness` across: what a patient holds."""

    start: tuple[float, float, float]
    end: tuple[float, float, float]
    thickness: float = 0.03
    colour: tuple[int, int, int] = (150, 110, 70)


def _rod_vertices(rod: Rod) -> np.ndarray:
    """Interleaved vertices of a rod: an axis-aligned box of its length, turned onto its axis."""
    a, b = np.asarray(rod.start, float), np.asarray(rod.end, float)
    axis = (b - a) / np.linalg.norm(b - a)
    side = np.cross(axis, [0.0, 1.0, 0.0] if abs(axis[1]) < 0.9 else [1.0, 0.0, 0.0])
    side /= np.linalg.norm(side)
    turn = np.stack([axis, np.cross(side, axis), side], axis=1)      # box x, y, z -> world
    h = rod.thickness / 2
    pos, nrm = _box_triangles(Box((0.0, -h, -h), (float(np.linalg.norm(b - a)), h, h), rod.colour))
    col = np.tile(np.array(rod.colour, float) / 255, (len(pos), 1))
    return np.hstack([pos @ turn.T + a, nrm @ turn.T, col, np.zeros((len(pos), 3))]).astype("f4")


def _boxes_vertices(boxes: list[Box] | tuple[Box, ...]) -> np.ndarray:
    """Interleaved pos, normal, colour, uv, skin for boxes."""
    parts = [np.zeros((0, 12))]
    for box in boxes:
        pos, nrm = _box_triangles(box)
        col = np.tile(np.array(box.colour, float) / 255, (len(pos), 1))
        parts.append(np.hstack([pos, nrm, col, np.zeros((len(pos), 3))]))
    return np.vstack(parts).astype("f4")


def _walls(room: Room) -> list[Box]:
    """Floor, back and side walls with a skirting board: they receive shadows but cast none."""
    wall = room.wall
    return [Box((-9.0, -0.1, -9.0), (9.0, 0.0, 9.0), room.floor),
            Box((-9.0, 0.0, room.wall_z - 0.1), (9.0, 7.0, room.wall_z), wall),
            Box((3.6, 0.0, -9.0), (3.7, 7.0, 9.0), tuple(int(c * 0.93) for c in wall)),
            Box((-3.7, 0.0, -9.0), (-3.6, 7.0, 9.0), tuple(int(c * 0.9) for c in wall)),
            Box((-9.0, 0.0, room.wall_z), (9.0, 0.1, room.wall_z + 0.02), (235, 232, 225))]


def _person_vertices(human: PosedHuman, shape: Shape, clothes: Clothes) -> np.ndarray:
    """Interleaved vertices of one dressed person (skin, clothes, hair) and their eyes."""
    mesh = base_mesh()
    colour, skin, offset = dress(shape, clothes)
    tris = mesh.groups["body"]
    n = vertex_normals(human.vertices, tris)
    v = human.vertices + n * offset[:, None]
    eyes = np.vstack([mesh.groups["helper-l-eye"], mesh.groups["helper-r-eye"]])
    eye_v = human.vertices
    eye_col = np.tile([0.78, 0.76, 0.74], (len(v), 1))
    front = human.landmarks[0] - (human.landmarks[2] + human.landmarks[5]) / 2   # nose - mid-eyes
    for side in (mesh.groups["helper-l-eye"], mesh.groups["helper-r-eye"]):
        idx = np.unique(side)
        c = eye_v[idx].mean(0)
        d = (eye_v[idx] - c) / np.linalg.norm(eye_v[idx] - c, axis=1, keepdims=True)
        fwd = front / np.linalg.norm(front)
        eye_col[idx[d @ fwd > 0.75]] = (0.22, 0.15, 0.1)
    body = np.hstack([v, n, colour, mesh.uv, skin[:, None]])[tris.reshape(-1)]
    eye_n = vertex_normals(eye_v, eyes)
    eyes_out = np.hstack([eye_v, eye_n, eye_col, mesh.uv, np.zeros((len(v), 1))])[eyes.reshape(-1)]
    return np.vstack([body, eyes_out]).astype("f4")


def render_scene(people: list[tuple[PosedHuman, Shape, Clothes]], cam: Camera, room: Room = Room(),
                 rng: np.random.Generator | None = None, rods: tuple[Rod, ...] = ()) -> np.ndarray:
    """One RGB frame (height x width x 3, uint8): the room, each (posed body, shape, clothes) and what they hold."""
    ctx, prog, depth_prog, detail, shadow, shadow_fbo = _gl()
    walls = _boxes_vertices(_walls(room))
    data = np.vstack([walls, _boxes_vertices(room.furniture), *map(_rod_vertices, rods)]
                     + [_person_vertices(h, key, c) for h, key, c in people])
    light = _light_matrix(room)
    vbo = ctx.buffer(data.tobytes())
    stride = "3f 3f 3f 2f 1f"
    scene = ctx.vertex_array(prog, [(vbo, stride, "pos", "nrm", "col", "uv", "skin")])
    depth_scene = ctx.vertex_array(depth_prog, [(vbo, "3f 36x", "pos")])
    ctx.enable(ctx.DEPTH_TEST)
    shadow_fbo.use()
    shadow_fbo.clear(depth=1.0)
    depth_prog["light_mvp"].write(light.T.astype("f4").tobytes())
    depth_scene.render(first=len(walls), vertices=len(data) - len(walls))
    msaa, out = _targets(cam.width, cam.height)
    msaa.use()
    msaa.clear(0.0, 0.0, 0.0, 1.0)
    prog["mvp"].write(camera_matrix(cam).T.astype("f4").tobytes())
    prog["light_mvp"].write(light.T.astype("f4").tobytes())
    prog["light_pos"].value = tuple(room.light)
    prog["exposure"].value = room.exposure
    prog["eye"].value = tuple(float(x) for x in cam.position)
    detail.use(0)
    shadow.use(1)
    prog["detail"].value, prog["shadow"].value = 0, 1
    scene.render()
    ctx.copy_framebuffer(out, msaa)
    img = np.frombuffer(out.read(components=3), np.uint8).reshape(cam.height, cam.width, 3).astype(float)
    for obj in (scene, depth_scene, vbo):
        obj.release()
    if rng is not None:
        img += rng.normal(0, 2.0, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)
