"""Named BlazePose landmarks and the landmark series every measurement reads."""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass, replace
from enum import IntEnum
from pathlib import Path
from typing import BinaryIO

import numpy as np

N_LANDMARKS = 33
MAX_UNPACKED_BYTES = 512 * 2**20      # an hour at 30 fps unpacks to about 170 MB
MAX_SIDE_PX = 16384


class Landmark(IntEnum):
    """BlazePose's 33 points; LEFT/RIGHT are the subject's sides."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


L = Landmark


def _mirror_permutation() -> np.ndarray:
    """Index map that swaps every LEFT_* landmark with its RIGHT_* twin."""
    perm = np.arange(N_LANDMARKS)
    for lm in Landmark:
        if lm.name.startswith("LEFT_"):
            twin = Landmark["RIGHT_" + lm.name[5:]]
            perm[lm], perm[twin] = twin, lm
    perm[L.MOUTH_LEFT], perm[L.MOUTH_RIGHT] = L.MOUTH_RIGHT, L.MOUTH_LEFT
    return perm


MIRROR_PERMUTATION = _mirror_permutation()


class Excluded(IntEnum):
    """Why a frame's landmarks were set aside although a person was found (0: they were not)."""

    NO = 0
    OVERLAP = 1          # someone else overlapped the subject
    SWAPPED = 2          # the model mixed up the subject's left and right
    JUMPED = 3           # the tracking jumped to another person or object
    NO_FRAME = 4         # the camera recorded no frame here (a variable frame rate's gap; measures/clock.py)


EXCLUDED_WHY = {Excluded.OVERLAP: "another person overlapped the subject",
                Excluded.SWAPPED: "the pose model mixed up left and right",
                Excluded.JUMPED: "the tracking jumped away from the subject",
                Excluded.NO_FRAME: "the camera recorded no frames"}


@dataclass(frozen=True)
class LandmarkSeries:
    """Pose landmarks of one clip.

    image: frames x 33 x 2, pixels (x right, y down), NaN where no person was found.
    visibility: frames x 33, in [0, 1] (0 where no person was found).
    world: frames x 33 x 3, metres, hip-centred, camera-aligned (x right, y down,
        z away from the camera), as MediaPipe's world landmarks.
    t: frames, seconds.
    excluded: frames, an `Excluded` code: why a frame was set aside (its landmarks are then NaN).
    notes: what was noticed while the landmarks were found (another person in view, ...), for the result.
    """

    image: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    t: np.ndarray
    width: int
    height: int
    excluded: np.ndarray | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.t)
        if self.image.shape != (n, N_LANDMARKS, 2):
            raise ValueError(f"image landmarks must be {n} x 33 x 2, got {self.image.shape}")
        if self.visibility.shape != (n, N_LANDMARKS) or self.world.shape != (n, N_LANDMARKS, 3):
            raise ValueError("visibility and world landmarks must match the frame count")
        if self.excluded is None:
            object.__setattr__(self, "excluded", np.zeros(n, np.int8))
        elif self.excluded.shape != (n,):
            raise ValueError("the exclusion codes must match the frame count")

    def exclude(self, frames: np.ndarray, why: Excluded) -> LandmarkSeries:
        """These frames (a boolean mask) set aside for a reason: no landmarks, the reason kept."""
        frames = np.asarray(frames, bool) & self.detected
        if not frames.any():
            return self
        image, world, vis, codes = self.image.copy(), self.world.copy(), self.visibility.copy(), self.excluded.copy()
        image[frames], world[frames], vis[frames], codes[frames] = np.nan, np.nan, 0.0, why
        return replace(self, image=image, world=world, visibility=vis, excluded=codes)

    def exclusion_reasons(self, frames: slice | np.ndarray = slice(None)) -> list[str]:
        """Why frames in this range were set aside, most frames first."""
        codes, counts = np.unique(self.excluded[frames][self.excluded[frames] > 0], return_counts=True)
        return [EXCLUDED_WHY[Excluded(c)] for c in codes[np.argsort(-counts)]]

    def __len__(self) -> int:
        return len(self.t)

    @property
    def detected(self) -> np.ndarray:
        """Boolean per frame: a person was found."""
        return ~np.isnan(self.image[:, 0, 0])

    @property
    def fps(self) -> float:
        """Median frame rate of the clip."""
        if len(self.t) < 2:
            return 0.0
        return float(1.0 / np.median(np.diff(self.t)))

    def point(self, lm: Landmark) -> np.ndarray:
        """Image position of one landmark, frames x 2 pixels."""
        return self.image[:, lm]

    def midpoint(self, a: Landmark, b: Landmark) -> np.ndarray:
        """Image midpoint of two landmarks, frames x 2 pixels."""
        return (self.image[:, a] + self.image[:, b]) / 2.0

    def __getitem__(self, frames: int | slice | np.ndarray) -> LandmarkSeries:
        """Some frames as a new series: an index (one frame), a slice, indices or a boolean mask."""
        if isinstance(frames, (int, np.integer)):
            frames = slice(frames, frames + 1 if frames != -1 else None)
        return replace(self, image=self.image[frames], visibility=self.visibility[frames],
                       world=self.world[frames], t=self.t[frames], excluded=self.excluded[frames])

    def slice(self, start: int, stop: int) -> LandmarkSeries:
        """Frames start..stop-1 as a new series."""
        return self[start:stop]

    @classmethod
    def one(cls, image: np.ndarray, visibility: np.ndarray, world: np.ndarray | None = None, t: float = 0.0,
            width: int = 0, height: int = 0) -> LandmarkSeries:
        """A series of one frame: 33 x 2 px, 33 visibilities, 33 x 3 m world landmarks (None: unknown, NaN)."""
        world = np.full((N_LANDMARKS, 3), np.nan) if world is None else world
        return cls(image=np.asarray(image, float)[None], visibility=np.asarray(visibility, float)[None],
                   world=np.asarray(world, float)[None], t=np.array([t], float), width=width, height=height)

    @classmethod
    def missing(cls, t: float = 0.0, width: int = 0, height: int = 0) -> LandmarkSeries:
        """One frame in which nobody was found."""
        return cls.one(np.full((N_LANDMARKS, 2), np.nan), np.zeros(N_LANDMARKS), None, t, width, height)

    @classmethod
    def concat(cls, parts: list[LandmarkSeries]) -> LandmarkSeries:
        """The frames of several series of one camera, one after the other."""
        if not parts:
            raise ValueError("concat needs at least one series")
        if len({(p.width, p.height) for p in parts}) > 1:
            raise ValueError("series of different frame sizes cannot be joined")
        return replace(parts[0], image=np.concatenate([p.image for p in parts]),
                       visibility=np.concatenate([p.visibility for p in parts]),
                       world=np.concatenate([p.world for p in parts]), t=np.concatenate([p.t for p in parts]),
                       excluded=np.concatenate([p.excluded for p in parts]))

    def save(self, path: str | Path | BinaryIO) -> None:
        """Write the series to a compressed .npz file (or an open binary file) for replay, as
        `np.savez_compressed` would (".npz" added to a file name without it) but at deflate's fastest level:
        4.5 ms instead of 22 for a 16-s clip, 5% more bytes (landmarks are floats, which compress little)."""
        if isinstance(path, (str, Path)) and not str(path).endswith(".npz"):
            path = f"{path}.npz"
        arrays = {"image": self.image, "visibility": self.visibility, "world": self.world, "t": self.t,
                  "excluded": self.excluded, "notes": np.array(self.notes, str),
                  "size": np.array([self.width, self.height])}
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as npz:
            for name, array in arrays.items():
                with npz.open(f"{name}.npy", "w", force_zip64=True) as f:
                    np.lib.format.write_array(f, np.asanyarray(array), allow_pickle=False)

    @classmethod
    def load(cls, path: str | Path | BinaryIO, max_bytes: int = MAX_UNPACKED_BYTES) -> LandmarkSeries:
        """Read a series written by `save`; ValueError (or zipfile.BadZipFile) for anything else, before it is
        unpacked when its arrays would take more than `max_bytes` or claim more than their data holds."""
        check_unpacked_size(path, max_bytes)
        with np.load(path) as f:
            width, height = (int(v) for v in f["size"])
            excluded = f["excluded"] if "excluded" in f.files else None     # older files: nothing set aside
            notes = tuple(str(n) for n in f["notes"]) if "notes" in f.files else ()
            series = cls(image=f["image"], visibility=f["visibility"], world=f["world"],
                         t=f["t"], width=width, height=height, excluded=excluded, notes=notes)
        if not (0 < width <= MAX_SIDE_PX and 0 < height <= MAX_SIDE_PX) or not np.isfinite(series.t).all() \
                or (np.diff(series.t) < 0).any():
            raise ValueError("its frame size or timestamps are impossible")
        return series


def check_unpacked_size(file: str | Path | BinaryIO, max_bytes: int) -> None:
    """Refuse an .npz whose arrays would unpack to more than max_bytes, or whose array headers claim more data than
    the file holds (a small file that would expand to gigabytes); an open file is left at its start."""
    with zipfile.ZipFile(file) as z:
        members = z.infolist()
        if sum(m.file_size for m in members) > max_bytes:
            raise ValueError(f"it would unpack to more than {max_bytes // 2**20} MB")
        for m in members:
            with z.open(m) as f:
                version = np.lib.format.read_magic(f)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(f)
                if dtype.hasobject or math.prod(shape) * dtype.itemsize > m.file_size:
                    raise ValueError(f"its array {m.filename} claims more data than it holds")
    if not isinstance(file, (str, Path)):
        file.seek(0)


# Lines of a stick figure, for drawing: head, shoulders, hips, arms, trunk sides, legs and feet.
BONES = [(Landmark.LEFT_EAR, Landmark.RIGHT_EAR), (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
         (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
         *[(Landmark[f"{s}_{a}"], Landmark[f"{s}_{b}"]) for s in ("LEFT", "RIGHT")
           for a, b in (("SHOULDER", "ELBOW"), ("ELBOW", "WRIST"), ("WRIST", "INDEX"), ("SHOULDER", "HIP"),
                        ("HIP", "KNEE"), ("KNEE", "ANKLE"), ("ANKLE", "HEEL"), ("HEEL", "FOOT_INDEX"))]]


def unmirror(series: LandmarkSeries) -> LandmarkSeries:
    """Undo a selfie-mirrored recording: flip x and give each side its true label.

    A pose model reads a mirrored subject's right side as its left, so both the
    coordinates and the left/right labels must be swapped back.
    """
    image = series.image[:, MIRROR_PERMUTATION].copy()
    image[..., 0] = series.width - image[..., 0]
    world = series.world[:, MIRROR_PERMUTATION].copy()
    world[..., 0] = -world[..., 0]
    return replace(series, image=image, world=world,
                   visibility=series.visibility[:, MIRROR_PERMUTATION])
