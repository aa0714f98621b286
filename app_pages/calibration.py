"""Camera profiles: lens from board pictures, roll from a level board, and the profile in use."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from posture import settings
from posture.calibration import (Board, board_svg, calibrate_lens, profile_for_picture, save_profile, search_boards,
                                 with_board_roll, with_board_scale)
from posture.errors import PostureError
from posture.privacy import keep_upload, upload_folder
from posture.video import read_pictures

st.title("Calibration")
CALIBRATION_DIR = settings.calibration_dir()
profiles = sorted(p.stem for p in CALIBRATION_DIR.glob("*.json"))
choice = st.selectbox("Camera profile in use", ["None (uncalibrated)", *profiles])
st.session_state["profile"] = None if choice.startswith("None") else choice
if st.session_state["profile"]:
    st.json(json.loads((CALIBRATION_DIR / f"{choice}.json").read_text()), expanded=False)

c1, c2, c3 = st.columns(3)
board = Board(c1.number_input("Inner corners across", 3, 20, 9), c2.number_input("Inner corners down", 3, 20, 6),
              c3.number_input("Square size, mm", 5.0, 200.0, 20.0))
st.download_button("Printable board (SVG, print at 100%)", board_svg(board),
                   file_name=f"board-{board.cols}x{board.rows}-{board.square_mm:g}mm.svg", mime="image/svg+xml")


def saved_uploads(files, folder: Path) -> list[Path]:
    return [keep_upload(folder, f.name, f.getvalue()) for f in files]


st.subheader("1. Lens")
name = st.text_input("Profile name", "clinic-webcam")
files = st.file_uploader("Pictures or a video of the board, tilted every way", accept_multiple_files=True,
                         type=["png", "jpg", "jpeg", "mp4", "mov", "webm"])
if files and st.button("Calibrate the lens", type="primary"):
    try:
        with upload_folder() as tmp, st.spinner("Finding the board in each picture ..."):
            found = search_boards(read_pictures(saved_uploads(files, tmp)), board)
            profile = calibrate_lens(found, board, name)
            save_profile(profile, CALIBRATION_DIR)
            st.success(f"Saved '{name}': {found.summary()}; reprojection error "
                       f"{profile.reprojection_error_px:.2f} px.")
    except PostureError as e:                # the board not found, or a full temp folder
        st.error(str(e))

def board_picture_step(upload, button: str, change, said) -> None:
    """A picture of the board changes the named profile (`change(profile, gray, board, picture)`); `said(profile)`
    is the success sentence."""
    if upload and st.button(button):
        try:
            with upload_folder() as tmp:
                (path,) = saved_uploads([upload], tmp)
                gray = next(read_pictures([path]))
                profile = change(profile_for_picture(name, CALIBRATION_DIR, gray), gray, board, upload.name)
                save_profile(profile, CALIBRATION_DIR)
                st.success(said(profile))
        except PostureError as e:
            st.error(str(e))


st.subheader("2. True vertical")
level = st.file_uploader("A picture with the board hung level, from where the camera stays", type=["png", "jpg",
                                                                                                    "jpeg"])
board_picture_step(level, "Measure the camera roll", with_board_roll,
                   lambda p: f"Camera roll {p.roll_deg:+.2f} degrees, saved in '{name}'.")

st.subheader("3. Scale, for centimetres")
st.caption("Only needed when the client's height is unknown: the height sets the scale in every test. Hold the board "
           "flat, facing the camera, where the client will stand.")
held = st.file_uploader("A picture of the board held at the client's place", type=["png", "jpg", "jpeg"],
                        key="scale-picture")
board_picture_step(held, "Measure the scale", with_board_scale,
                   lambda p: f"Scale {p.cm_per_px:.4f} cm per pixel at the board's distance, saved in '{name}'. It "
                             "holds while the camera and the client's place stay where they were.")
