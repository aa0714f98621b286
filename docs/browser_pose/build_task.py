"""Build pose_landmarker_full_local.task for the scripts beside this one (index.html, run_browser.py).

The same bundle set-up makes for the app (`posture/browser_model.py`: the
mediapipe 0.10.21 wheel's two tflite files, the landmark model given its
metadata with the writers inside the wheel). Run with:
/work/main/.venv/bin/python build_task.py [out.task]
"""
import sys
from pathlib import Path

from posture.browser_model import build_task

build_task(Path(sys.argv[1] if len(sys.argv) > 1 else "pose_landmarker_full_local.task"))
