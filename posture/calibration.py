"""Camera profiles: lens intrinsics from a checkerboard, the true vertical, scale, undistortion.

A profile is what one camera, set up one way, needs for true measurements:
its focal length, principal point and lens distortion (so landmarks can be
undistorted), its roll (so angles are taken against the true vertical) and,
optionally, the scale at the subject's plane.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from posture.errors import CalibrationError, PostureError, TrialError
from posture.files import write_atomic
from posture.geometry import upright
from posture.landmarks import Landmark as L, LandmarkSeries

# Ear (tragion) height above the heel/toe landmark line as a share of stature:
# eye height is 0.936 of stature (Drillis & Contini), the tragion lies about 1%
# lower and the foot landmarks about 1% above the floor. Person-to-person
# spread is about 2%, which bounds the accuracy of a height-derived scale.
EAR_OVER_FLOOR_LINE = 0.915

MIN_VIEWS = 6                 # board pictures needed for a lens calibration
MAX_EDGE_WIDTH_PX = 3.5       # OpenCV: a sharp edge rises from black to white within ~3 px
MAX_FOCAL_UNCERTAINTY = 0.01  # the focal length must be pinned down to 1%
PROFILE_FORMAT = "posture-camera-profile/1"


@dataclass(frozen=True)
class Board:
    """A printed checkerboard: inner corners across and down, and the square side in mm."""

    cols: int = 9
    rows: int = 6
    square_mm: float = 20.0

    def object_points(self) -> np.ndarray:
        """Inner corners on the board plane (mm), row by row, as OpenCV wants them."""
        i, j = np.meshgrid(np.arange(self.cols), np.arange(self.rows))
        pts = np.stack([i.ravel(), j.ravel(), np.zeros(i.size)], axis=1) * self.square_mm
        return pts.astype(np.float32)


@dataclass(frozen=True)
class CameraProfile:
    """One camera's calibration; a field is None where that step was not done."""

    name: str
    image_size: tuple[int, int]                       # width, height in pixels
    focal_px: tuple[float, float] | None = None       # fx, fy; None: lens not calibrated
    principal_px: tuple[float, float] | None = None
    distortion: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)   # k1, k2, p1, p2, k3
    reprojection_error_px: float | None = None
    views: int = 0
    board: Board | None = None
    roll_deg: float | None = None
    roll_source: str = ""
    cm_per_px: float | None = None
    scale_source: str = ""
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def has_lens(self) -> bool:
        return self.focal_px is not None

    def matrix(self) -> np.ndarray:
        """Intrinsic matrix K; a nominal pinhole (focal = longer side) when the lens is not calibrated."""
        w, h = self.image_size
        fx, fy = self.focal_px or (float(max(w, h)),) * 2
        cx, cy = self.principal_px or (w / 2, h / 2)
        return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1.0]])

    def for_size(self, width: int, height: int) -> CameraProfile:
        """The profile for frames of another size with the same aspect (the sensor scaled)."""
        w, h = self.image_size
        if (w, h) == (width, height):
            return self
        if abs(w * height - h * width) > max(w, h):
            raise CalibrationError(f"The camera profile '{self.name}' was made at {w}x{h}, but the video is "
                                   f"{width}x{height}: calibrate this camera at the resolution it records in.")
        k = width / w
        scale = lambda p: (p[0] * k, p[1] * k) if p else None  # noqa: E731
        return replace(self, image_size=(width, height), focal_px=scale(self.focal_px),
                       principal_px=scale(self.principal_px),
                       cm_per_px=self.cm_per_px / k if self.cm_per_px else None)


# Finding the board

def find_board(gray: np.ndarray, board: Board) -> np.ndarray | None:
    """Inner corners (cols*rows x 2 px, sub-pixel), or None when the whole board is not seen."""
    flags = cv2.CALIB_CB_NORMALIZE_IMAGE | cv2.CALIB_CB_EXHAUSTIVE | cv2.CALIB_CB_ACCURACY
    found, corners = cv2.findChessboardCornersSB(gray, (board.cols, board.rows), flags=flags)
    return corners.reshape(-1, 2) if found else None


def edge_width_px(gray: np.ndarray, board: Board, corners: np.ndarray) -> float:
    """Average black-to-white rise of the board's edges in pixels: large when blurred."""
    sharpness, _ = cv2.estimateChessboardSharpness(gray, (board.cols, board.rows),
                                                   corners.reshape(-1, 1, 2).astype(np.float32))
    return float(sharpness[0])


@dataclass(frozen=True)
class BoardSearch:
    """The usable board views among a set of pictures, and why the others were dropped."""

    corners: list[np.ndarray]
    image_size: tuple[int, int]
    pictures: int = 0
    without_board: int = 0
    blurry: int = 0

    def summary(self) -> str:
        return (f"the board was found sharp in {len(self.corners)} of {self.pictures} pictures "
                f"({self.without_board} without the whole board, {self.blurry} too blurry)")


def search_boards(grays: Iterable[np.ndarray], board: Board) -> BoardSearch:
    """Look for the board in every grey picture, keeping the sharp views."""
    corners, size, pictures, missing, blurry = [], None, 0, 0, 0
    for gray in grays:
        pictures += 1
        if size is None:
            size = (gray.shape[1], gray.shape[0])
        elif size != (gray.shape[1], gray.shape[0]):
            raise CalibrationError("The calibration pictures differ in size: take them all with the same "
                                   "camera at the same resolution.")
        found = find_board(gray, board)
        if found is None:
            missing += 1
        elif edge_width_px(gray, board, found) > MAX_EDGE_WIDTH_PX:
            blurry += 1
        else:
            corners.append(found)
    if pictures == 0:
        raise CalibrationError("No pictures were given for calibration.")
    return BoardSearch(corners, size, pictures, missing, blurry)


# Lens intrinsics

def calibrate_lens(found: BoardSearch, board: Board, name: str) -> CameraProfile:
    """Focal length, principal point and distortion from the board views, or CalibrationError."""
    if len(found.corners) < MIN_VIEWS:
        hint = (" Hold the board still and make sure the room is well lit." if found.blurry else
                f" Check that the whole board ({board.cols}x{board.rows} inner corners) is in every picture.")
        raise CalibrationError(f"Too few usable views: {found.summary()}; at least {MIN_VIEWS} are "
                               f"needed, with the board tilted in different directions.{hint}")
    obj = [board.object_points()] * len(found.corners)
    img = [c.reshape(-1, 1, 2).astype(np.float32) for c in found.corners]
    # k3 stays 0: ordinary webcam lenses need two radial terms, and a free k3 overfits.
    rms, k, dist, rvecs, _, std, _, _ = cv2.calibrateCameraExtended(obj, img, found.image_size, None, None,
                                                                     flags=cv2.CALIB_FIX_K3)
    fx, fy = k[0, 0], k[1, 1]
    uncertain = std[0, 0] > MAX_FOCAL_UNCERTAINTY * fx or std[1, 0] > MAX_FOCAL_UNCERTAINTY * fy
    if not np.isfinite(rms) or uncertain or not _tilted_both_ways(rvecs):
        raise CalibrationError(f"The focal length could not be pinned down from these views ({found.summary()}): "
                               "tilt the board more (about 30 degrees) in different directions and cover the "
                               "corners of the picture as well as the centre.")
    return CameraProfile(name=name, image_size=found.image_size, focal_px=(float(fx), float(fy)),
                         principal_px=(float(k[0, 2]), float(k[1, 2])),
                         distortion=tuple(float(d) for d in dist.ravel()[:5]),
                         reprojection_error_px=float(rms), views=len(found.corners), board=board)


def _tilted_both_ways(rvecs: list[np.ndarray], spread: float = 0.25) -> bool:
    """Did the board face the camera from varied angles? Boards all square-on leave the focal length free.

    spread: range of the board normal's sideways and vertical components (0.25 is about +-7 degrees).
    """
    normals = np.array([cv2.Rodrigues(r)[0][:, 2] for r in rvecs])
    return bool(np.ptp(normals[:, 0]) >= spread and np.ptp(normals[:, 1]) >= spread)


def undistort_points(px: np.ndarray, profile: CameraProfile) -> np.ndarray:
    """Pixel points (... x 2) as an ideal pinhole with the same K would see them; NaN stays NaN."""
    if not profile.has_lens or not any(profile.distortion):
        return px
    flat = px.reshape(-1, 2).astype(np.float64)
    out = np.full_like(flat, np.nan)
    ok = np.isfinite(flat).all(axis=1)
    if ok.any():
        k = profile.matrix()
        out[ok] = cv2.undistortPoints(flat[ok].reshape(-1, 1, 2), k, np.asarray(profile.distortion), P=k).reshape(-1, 2)
    return out.reshape(px.shape)


def undistort_series(series: LandmarkSeries, profile: CameraProfile) -> LandmarkSeries:
    """The landmark series with the lens distortion of its camera removed."""
    profile = profile.for_size(series.width, series.height)
    return replace(series, image=undistort_points(series.image, profile))


# The true vertical

def _board_pose(corners: np.ndarray, board: Board, profile: CameraProfile) -> tuple[np.ndarray, np.ndarray]:
    """Board-to-camera rotation and translation (mm)."""
    ok, rvec, tvec = cv2.solvePnP(board.object_points(), corners.reshape(-1, 1, 2).astype(np.float32),
                                  profile.matrix(), np.asarray(profile.distortion))
    if not ok:
        raise CalibrationError("The board's position could not be worked out from this picture.")
    return cv2.Rodrigues(rvec)[0], tvec.ravel()


def fold90(deg: float) -> float:
    """An angle of an undirected line, folded into (-90, 90]."""
    return float((deg + 90.0) % 180.0 - 90.0) if (deg + 90.0) % 180.0 else 90.0


def roll_from_board(corners: np.ndarray, board: Board, profile: CameraProfile) -> float:
    """Camera roll from a board hung level on a wall: its columns point along gravity.

    Works on the board's 3-D pose, so a camera tipped up or down does not bias it.
    """
    rot, _ = _board_pose(corners, board, profile)
    g = rot[:, 1]                       # the board's "down" in camera coordinates
    return fold90(float(np.degrees(np.arctan2(g[0], g[1]))))


def require_board(gray: np.ndarray, board: Board, picture: str) -> np.ndarray:
    """The board's corners in a picture, or a CalibrationError saying what to fix."""
    corners = find_board(gray, board)
    if corners is None:
        raise CalibrationError(f"No {board.cols}x{board.rows} board was found in {picture}: the whole board "
                               "must be in the picture, evenly lit, with its white border showing.")
    return corners


def profile_for_picture(name: str, directory: str | Path, gray: np.ndarray) -> CameraProfile:
    """The saved profile of that name, or a new one without a lens calibration, sized like the picture."""
    if profile_path(name, directory).exists():
        return load_profile(name, directory)
    return CameraProfile(name=name, image_size=(gray.shape[1], gray.shape[0]))


def with_board_roll(profile: CameraProfile, gray: np.ndarray, board: Board, picture: str) -> CameraProfile:
    """The profile with its roll measured from a picture of a board hung level."""
    corners = require_board(gray, board, picture)
    roll = roll_from_board(corners, board, profile.for_size(gray.shape[1], gray.shape[0]))
    return replace(profile, roll_deg=roll, roll_source=f"level board in {picture}")


def roll_from_line(p1: tuple[float, float], p2: tuple[float, float], profile: CameraProfile,
                   vertical: bool = True) -> float:
    """Camera roll from two points on a line that is truly vertical (a door frame) or level.

    Mark a line near the picture's centre: away from it, a camera tipped up or
    down makes vertical lines lean.
    """
    a, b = undistort_points(np.array([p1, p2], float), profile)
    dx, dy = b - a
    if np.hypot(dx, dy) < 20:
        raise CalibrationError("The two points of the reference line are too close together: mark its ends "
                               "at least 20 pixels apart, ideally across most of the picture.")
    return fold90(float(np.degrees(np.arctan2(dx, dy) if vertical else np.arctan2(-dy, dx))))


# Scale at the subject's plane

def scale_from_board(corners: np.ndarray, board: Board, profile: CameraProfile) -> float:
    """Centimetres per pixel at the plane of a board held where the subject stands.

    With a calibrated lens: the board's distance over the focal length, which a
    tilted board does not bias. Without: the square size over the corner spacing.
    """
    if profile.has_lens:
        rot, t = _board_pose(corners, board, profile)
        centre = rot @ board.object_points().mean(axis=0) + t
        return float(centre[2] / 10 / np.mean(profile.focal_px))
    grid = corners.reshape(board.rows, board.cols, 2)
    steps = np.concatenate([np.linalg.norm(np.diff(grid, axis=0), axis=-1).ravel(),
                            np.linalg.norm(np.diff(grid, axis=1), axis=-1).ravel()])
    return float(board.square_mm / 10 / np.median(steps))


def with_board_scale(profile: CameraProfile, gray: np.ndarray, board: Board, picture: str) -> CameraProfile:
    """The profile with its scale (cm per pixel at its own resolution) from a board held at the subject's place."""
    h, w = gray.shape
    cm_per_px = scale_from_board(require_board(gray, board, picture), board, profile.for_size(w, h))
    return replace(profile, cm_per_px=cm_per_px * w / profile.image_size[0],
                   scale_source=f"board held at the subject's place in {picture}")


MIN_HEIGHT_CM, MAX_HEIGHT_CM = 80.0, 250.0


def check_height(height_cm: float | None) -> float | None:
    """A standing height in centimetres, or None (unknown); anything else is refused with a sentence."""
    if height_cm is None:
        return None
    if not MIN_HEIGHT_CM <= height_cm <= MAX_HEIGHT_CM:       # also catches NaN
        raise PostureError(f"A standing height of {height_cm:g} cm is not plausible: give it in centimetres "
                           f"({MIN_HEIGHT_CM:.0f} to {MAX_HEIGHT_CM:.0f}), or leave it empty.")
    return float(height_cm)


def scale_from_height(series: LandmarkSeries, height_cm: float, frames: slice | np.ndarray = slice(None),
                      roll_deg: float = 0.0) -> float:
    """Centimetres per pixel at the subject's plane, from their standing height."""
    check_height(height_cm)
    feet = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    floor = np.mean(upright(series.image[frames][:, feet], roll_deg)[..., 1], axis=1)
    ear = upright(series.midpoint(L.LEFT_EAR, L.RIGHT_EAR)[frames], roll_deg)[..., 1]
    span = np.nanmedian(ear - floor)
    if not np.isfinite(span) or span <= 0:
        raise TrialError("The scale could not be set from the height: the head and feet must both be "
                         "in view while the subject stands still.")
    return float(height_cm * EAR_OVER_FLOOR_LINE / span)


# Profiles on disk: one JSON file per camera, written whole or not at all

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def profile_path(name: str, directory: str | Path) -> Path:
    if not NAME_PATTERN.match(name):
        raise CalibrationError(f"'{name}' cannot be a profile name: use letters, digits, '-', '_' or '.'.")
    return Path(directory) / f"{name}.json"


def save_profile(profile: CameraProfile, directory: str | Path) -> Path:
    """Write the profile atomically (a crash leaves the old file or none, never half a file)."""
    path = profile_path(profile.name, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"format": PROFILE_FORMAT, **asdict(profile)}, indent=2) + "\n", mode=0o600)
    return path


def load_profile(name_or_path: str | Path, directory: str | Path = "calibration") -> CameraProfile:
    """A saved profile by name (in directory) or by path, or CalibrationError."""
    path = Path(name_or_path)
    if path.suffix != ".json":
        path = profile_path(str(name_or_path), directory)
    if not path.exists():
        raise CalibrationError(f"No camera profile at {path}: run `posture calibrate lens` (or `roll`) first.")
    try:
        doc = json.loads(path.read_text())
        if not isinstance(doc, dict) or doc.pop("format", None) != PROFILE_FORMAT:
            raise ValueError("not a posture camera profile")
        board = doc.pop("board")
        tuples = {k: tuple(v) for k, v in doc.items() if isinstance(v, list)}
        return CameraProfile(**{**doc, **tuples, "board": Board(**board) if board else None})
    except (ValueError, TypeError, KeyError) as e:
        raise CalibrationError(f"{path.name} is not a camera profile this version can read ({e}).") from e


def board_svg(board: Board, margin_squares: float = 1.0) -> str:
    """A printable board at true size (millimetres), with its description along the bottom."""
    s = board.square_mm
    w, h = (board.cols + 1 + 2 * margin_squares) * s, (board.rows + 1 + 2 * margin_squares) * s + 12
    m = margin_squares * s
    squares = "".join(f'<rect x="{m + i * s:g}" y="{m + j * s:g}" width="{s:g}" height="{s:g}"/>'
                      for j in range(board.rows + 1) for i in range(board.cols + 1) if (i + j) % 2 == 0)
    caption = (f"posture calibration board: {board.cols}x{board.rows} inner corners, {s:g} mm squares. "
               f"Print at 100% (no fit-to-page) and check that one square measures {s:g} mm.")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}mm" height="{h:g}mm" viewBox="0 0 {w:g} {h:g}">'
            f'<rect width="{w:g}" height="{h:g}" fill="white"/><g fill="black">{squares}</g>'
            f'<text x="{m:g}" y="{h - 5:g}" font-family="sans-serif" font-size="3.5">{caption}</text></svg>\n')
