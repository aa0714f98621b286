"""Calibration against rendered checkerboards seen through a camera whose lens and roll we set."""

from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from conftest import FPS
from posture.calibration import (Board, CameraProfile, calibrate_lens, find_board, load_profile, roll_from_board,
                                 roll_from_line, save_profile, scale_from_board, search_boards, undistort_points,
                                 undistort_series)
from posture.cli import main
from posture.errors import CalibrationError
from posture.measures import AnalysisConfig, analyse
from posture_renders.board import BoardPlacement, render_board
from posture.synthetic.camera import Camera
from posture.synthetic.scene import landmark_series, still_poses
from posture.synthetic.skeleton import Pose
from posture.video import write_video

BOARD = Board(9, 6, 25.0)
# A webcam-like lens: off-centre principal point, barrel distortion, slight decentring.
LENS = dict(width=640, height=480, focal_px=600.0, principal=(331.5, 236.0),
            distortion=(-0.22, 0.07, 0.0008, -0.0006, 0.0))
HAND_HELD = Camera(position=(0.0, 1.2, 0.45), target=(0.0, 1.2, 0.0), **LENS)
# Board held 45 cm from the lens, moved about and tilted up to 35 degrees: (x, y, yaw, pitch, roll).
POSES = [(0, 0, 0, 0, 0), (-0.08, 0.05, 30, 0, 5), (0.08, -0.05, -30, 0, -5), (0, 0.06, 0, 30, 0),
         (0, -0.06, 0, -30, 10), (-0.08, -0.06, 20, 20, 0), (0.08, 0.06, -20, -20, 0), (0.08, -0.06, 25, -15, -8),
         (-0.08, 0.06, -25, 15, 8), (0, 0, 10, -35, 3)]


def views(cam: Camera = HAND_HELD, blur_px: float = 0.0) -> list[np.ndarray]:
    return [render_board(cam, BOARD, BoardPlacement((x, 1.2 + y, 0.0), yaw, pitch, roll), blur_px=blur_px, seed=k)
            for k, (x, y, yaw, pitch, roll) in enumerate(POSES)]


@pytest.fixture(scope="module")
def board_views() -> list[np.ndarray]:
    return views()


@pytest.fixture(scope="module")
def lens(board_views) -> CameraProfile:
    return calibrate_lens(search_boards(board_views, BOARD), BOARD, "test-cam")


def rolled_camera(roll_deg: float, pitch_deg: float = 0.0, distance: float = 3.0) -> Camera:
    """The same lens on a tripod, facing the subject, turned about its axis and tipped."""
    drop = distance * np.tan(np.radians(pitch_deg))
    return Camera(position=(0.0, 1.0, distance), target=(0.0, 1.0 - drop, 0.0), roll_deg=roll_deg, **LENS)


def level_board_picture(cam: Camera, board: Board = BOARD, at: float = 1.5) -> np.ndarray:
    """A board hung level, `at` metres in front of the camera's position."""
    x, y, z = cam.position
    return render_board(cam, board, BoardPlacement((x, y - 0.1, z - at)))


def test_lens_recovers_focal_length_principal_point_and_distortion(lens):
    assert lens.focal_px == pytest.approx((600.0, 600.0), rel=0.01)
    assert lens.principal_px == pytest.approx((331.5, 236.0), abs=4.0)
    assert lens.reprojection_error_px < 0.3
    assert lens.views == len(POSES)


def off_line_px(points: np.ndarray) -> float:
    """Largest distance of points from their best-fit straight line."""
    centred = points - points.mean(axis=0)
    normal = np.linalg.svd(centred)[2][1]
    return float(np.abs(centred @ normal).max())


def test_undistortion_makes_straight_edges_straight(lens):
    # Straight world lines across the whole picture: rows near the top and bottom edges, and a column at the side.
    xs, ys = np.linspace(-0.27, 0.27, 25), np.linspace(1.03, 1.37, 25)
    lines = [np.stack([xs, np.full_like(xs, y), np.zeros_like(xs)], 1) for y in (1.03, 1.37)]
    lines.append(np.stack([np.full_like(ys, -0.27), ys, np.zeros_like(ys)], 1))
    for line in lines:
        seen = HAND_HELD.project(line)
        assert off_line_px(seen) > 5.0                       # the lens bends it visibly
        assert off_line_px(undistort_points(seen, lens)) < 0.3


def test_undistortion_keeps_missing_landmarks_missing(lens):
    pts = np.array([[100.0, 100.0], [np.nan, np.nan]])
    out = undistort_points(pts, lens)
    assert np.isnan(out[1]).all() and np.isfinite(out[0]).all()


@pytest.mark.parametrize("roll, pitch", [(4.0, 0.0), (-3.0, 8.0), (6.0, -5.0), (0.0, 10.0)])
def test_roll_from_a_level_board(lens, roll, pitch):
    cam = rolled_camera(roll, pitch)
    picture = level_board_picture(cam)
    assert roll_from_board(find_board(picture, BOARD), BOARD, lens) == pytest.approx(roll, abs=0.5)


@pytest.mark.parametrize("roll", [-5.0, 2.5])
def test_roll_from_a_marked_door_frame_or_level_line(lens, roll):
    cam = rolled_camera(roll)
    door = cam.project(np.array([[0.1, 0.2, 0.5], [0.1, 1.9, 0.5]]))     # a vertical edge near the centre
    shelf = cam.project(np.array([[-0.8, 1.0, 0.5], [0.8, 1.0, 0.5]]))   # a level edge
    assert roll_from_line(*door, lens) == pytest.approx(roll, abs=0.5)
    assert roll_from_line(*door[::-1], lens) == pytest.approx(roll, abs=0.5)
    assert roll_from_line(*shelf, lens, vertical=False) == pytest.approx(roll, abs=0.5)


def true_scale(cam: Camera, depth_point: np.ndarray) -> float:
    """cm per pixel at a point's plane: a 1 m fronto-parallel rod there, measured in the ideal picture."""
    pinhole = replace(cam, distortion=(0.0,) * 5)
    rod = pinhole.project(np.array([depth_point - [0.5, 0, 0], depth_point + [0.5, 0, 0]]))
    return 100.0 / float(np.linalg.norm(rod[1] - rod[0]))


@pytest.mark.parametrize("yaw", [0.0, 20.0])
def test_scale_from_a_board_at_the_subjects_place(lens, yaw):
    big = Board(9, 6, 50.0)                           # an A2 print, readable from 2.5 m
    cam = rolled_camera(3.0, distance=2.5)
    place = BoardPlacement((0.0, 1.1, 0.0), yaw_deg=yaw)
    corners = find_board(render_board(cam, big, place), big)
    truth = true_scale(cam, np.array(place.centre))
    assert scale_from_board(corners, big, lens) == pytest.approx(truth, rel=0.02)


def test_scale_without_a_lens_profile_from_a_board_facing_the_camera():
    big = Board(9, 6, 50.0)
    cam = replace(rolled_camera(0.0, distance=2.5), distortion=(0.0,) * 5)
    corners = find_board(render_board(cam, big, BoardPlacement((0.0, 1.0, 0.0))), big)
    nominal = CameraProfile(name="none", image_size=(640, 480))
    assert scale_from_board(corners, big, nominal) == pytest.approx(true_scale(cam, np.array([0, 1.0, 0])), rel=0.02)


@pytest.mark.parametrize("roll, pitch", [(5.0, 0.0), (-4.0, 6.0)])
def test_tilted_camera_shoulder_tilt_error_disappears_after_calibration(lens, roll, pitch):
    cam = rolled_camera(roll, pitch)
    stance = Pose(shoulder_tilt=3.0, pelvic_obliquity=-2.0)
    series = landmark_series(still_poses(stance, FPS), cam, FPS)
    raw = analyse(series, "posture-frontal").get("shoulder_tilt").value
    assert abs(raw - 3.0) > 3.0                        # the camera's roll reads as the patient's tilt

    profile = replace(lens, roll_deg=roll_from_board(find_board(level_board_picture(cam), BOARD), BOARD, lens))
    result = analyse(undistort_series(series, profile), "posture-frontal",
                     AnalysisConfig(roll_deg=profile.roll_deg, calibrated=True))
    assert result.get("shoulder_tilt").value == pytest.approx(3.0, abs=0.5)
    assert result.get("pelvic_tilt").value == pytest.approx(-2.0, abs=0.5)


def test_profile_round_trips_as_readable_json(tmp_path, lens):
    path = save_profile(replace(lens, roll_deg=1.5, roll_source="level board"), tmp_path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "posture-camera-profile/1" and doc["focal_px"] == list(lens.focal_px)
    assert load_profile("test-cam", tmp_path) == replace(lens, roll_deg=1.5, roll_source="level board")
    assert [p.name for p in tmp_path.iterdir()] == ["test-cam.json"]       # no temp files left behind


def test_profile_scales_to_a_smaller_frame_of_the_same_shape(lens):
    half = lens.for_size(320, 240)
    assert half.focal_px == pytest.approx(tuple(f / 2 for f in lens.focal_px))
    with pytest.raises(CalibrationError, match="640x480.*480x640"):
        lens.for_size(480, 640)


def test_unreadable_profile_is_refused(tmp_path):
    (tmp_path / "broken.json").write_text('{"format": "posture-camera-profile/1", "name": 3')
    with pytest.raises(CalibrationError, match="not a camera profile"):
        load_profile("broken", tmp_path)
    with pytest.raises(CalibrationError, match="No camera profile"):
        load_profile("missing", tmp_path)


# Bad input: a clear message and no profile written.

def run_lens(tmp_path, pictures: list[np.ndarray]) -> int:
    files = []
    for k, img in enumerate(pictures):
        files.append(str(tmp_path / f"view{k}.png"))
        cv2.imwrite(files[-1], img)
    return main(["calibrate", "lens", "cam", *files, "--square-mm", "25", "--dir", str(tmp_path / "profiles")])


def test_lens_from_pictures_on_the_command_line(tmp_path, board_views, capsys):
    assert run_lens(tmp_path, board_views) == 0
    out = capsys.readouterr().out
    assert "Reprojection error" in out and "10 of 10" in out
    assert load_profile("cam", tmp_path / "profiles").focal_px == pytest.approx((600, 600), rel=0.01)


def test_lens_from_a_video_of_the_board(tmp_path, board_views):
    video = tmp_path / "board.mp4"
    write_video(video, [cv2.cvtColor(v, cv2.COLOR_GRAY2RGB) for v in board_views for _ in range(3)], FPS)
    assert main(["calibrate", "lens", "cam", str(video), "--square-mm", "25", "--dir", str(tmp_path)]) == 0
    assert load_profile("cam", tmp_path).focal_px == pytest.approx((600, 600), rel=0.01)


@pytest.mark.parametrize("case, message", [
    ("no board", "found sharp in 0 of 10 pictures \\(10 without the whole board"),
    ("too few", "found sharp in 3 of 3 pictures.*at least 6"),
    ("blurry", "0 of 10 pictures.*10 too blurry.*Hold the board still"),
])
def test_bad_calibration_pictures_write_no_profile(tmp_path, board_views, capsys, case, message):
    pictures = {"no board": [np.full((480, 640), 120, np.uint8) + k for k in range(10)],
                "too few": board_views[:3],
                "blurry": views(blur_px=2.0)}[case]
    assert run_lens(tmp_path, pictures) == 1
    assert __import__("re").search(message, capsys.readouterr().err)
    assert not (tmp_path / "profiles").exists()


def test_board_tipped_only_one_way_cannot_pin_the_focal_length(board_views):
    flat = [render_board(HAND_HELD, BOARD, BoardPlacement((x, 1.2 + y, 0.0)), seed=k)
            for k, (x, y, *_) in enumerate(POSES)]
    with pytest.raises(CalibrationError, match="tilt the board"):
        calibrate_lens(search_boards(flat, BOARD), BOARD, "flat")


def test_roll_and_analysis_with_a_profile_on_the_command_line(tmp_path, lens, capsys):
    cam = rolled_camera(5.0)
    save_profile(lens, tmp_path)
    cv2.imwrite(str(tmp_path / "wall.png"), level_board_picture(cam))
    assert main(["calibrate", "roll", "test-cam", str(tmp_path / "wall.png"), "--square-mm", "25",
                 "--dir", str(tmp_path)]) == 0
    assert load_profile("test-cam", tmp_path).roll_deg == pytest.approx(5.0, abs=0.5)

    landmarks = tmp_path / "stance.npz"
    landmark_series(still_poses(Pose(shoulder_tilt=3.0), FPS), cam, FPS).save(landmarks)
    capsys.readouterr()
    assert main(["analyze", str(landmarks), "--test", "posture-frontal", "--profile", "test-cam",
                 "--calibration-dir", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    tilt = next(m for m in out["measurements"] if m["name"] == "shoulder_tilt")
    assert tilt["value"] == pytest.approx(3.0, abs=0.5)


def test_roll_picture_without_a_board_is_refused(tmp_path, capsys):
    cv2.imwrite(str(tmp_path / "wall.png"), np.full((480, 640), 120, np.uint8))
    assert main(["calibrate", "roll", "cam", str(tmp_path / "wall.png"), "--dir", str(tmp_path)]) == 1
    assert "No 9x6 board was found" in capsys.readouterr().err
    assert not (tmp_path / "cam.json").exists()


def test_printable_board_has_true_size(tmp_path):
    out = tmp_path / "board.svg"
    assert main(["calibrate", "board", "--out", str(out), "--square-mm", "30"]) == 0
    svg = out.read_text()
    assert 'width="360mm"' in svg                 # 10 squares + a one-square margin each side
    assert svg.count("<rect") == 1 + 35            # the sheet plus the black squares of a 10x7 grid
    assert "Print at 100%" in svg


def test_the_command_line_reads_the_profiles_the_app_reads(tmp_path, monkeypatch, capsys):
    """One setting for camera profiles (posture/settings.py): $POSTURE_CALIBRATION_DIR, wherever the command runs."""
    from posture.calibration import save_profile

    folder = tmp_path / "profiles"
    save_profile(CameraProfile(name="clinic-cam", image_size=(640, 480), roll_deg=2.0), folder)
    monkeypatch.chdir(tmp_path)                       # no calibration/ folder here
    monkeypatch.setenv("POSTURE_CALIBRATION_DIR", str(folder))
    assert main(["calibrate", "show", "clinic-cam"]) == 0
    assert json.loads(capsys.readouterr().out)["roll_deg"] == 2.0
    monkeypatch.delenv("POSTURE_CALIBRATION_DIR")
    assert main(["calibrate", "show", "clinic-cam"]) == 1      # the default folder, here empty
    assert "clinic-cam" in capsys.readouterr().err
