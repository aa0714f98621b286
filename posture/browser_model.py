"""The pose model for the browser, made at set-up from the Python wheel's own model files.

The browser runs BlazePose through `@mediapipe/tasks-vision` (its WASM, CPU
path), which reads a `.task` bundle: the pose detector and the landmark model
with TFLite metadata. The wheel's `pose_landmark_full.tflite` is the very model
the offline analysis runs, but it carries no metadata, so tasks-vision refuses
it ("requires specifying NormalizationOptions metadata"). We write that metadata
with the writers inside the mediapipe wheel: an RGB image scaled to 0..1 (mean
0, std 255), as the wheel's own graph feeds it (`ImageToTensorCalculator`,
output range 0 to 1). The outputs are already in the order tasks-vision reads
them by index (landmarks, presence, segmentation, heatmap, world). The
detector's file carries its metadata already and goes in unchanged.
Measured against the Python tasks API on the same .task: 0.33 px mean over
237 frames (docs/browser_pose/FINDINGS.md).

Run by `bash dev.sh` as `python -m posture.browser_model OUT.task`.
"""

from __future__ import annotations

import sys
from pathlib import Path

DETECTOR = "pose_detection/pose_detection.tflite"
LANDMARKS = "pose_landmark/pose_landmark_full.tflite"
OUTPUTS = (("Identity", "landmarks [1,195]: 39 x (x, y, z, visibility, presence)"),
           ("Identity_1", "pose presence [1,1]"),
           ("Identity_2", "segmentation [1,256,256,1]"),
           ("Identity_3", "heatmap [1,64,64,39]"),
           ("Identity_4", "world landmarks [1,117]: 39 x (x, y, z)"))


def landmark_model_with_metadata(tflite: bytes) -> bytes:
    """The landmark model with the input normalisation and output names tasks-vision needs."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(tflite))
    writer.add_general_info("BlazePose full landmarks (posture)", "the mediapipe 0.10.21 wheel's model")
    writer.add_image_input(norm_mean=[0.0], norm_std=[255.0],
                           color_space_type=metadata_writer.metadata_fb.ColorSpaceType.RGB)
    for name, description in OUTPUTS:
        writer.add_feature_output(name=name, description=description)
    model, _ = writer.populate()
    return bytes(model)


def build_task(out: Path) -> None:
    """Write the .task bundle (detector + landmark model) made from the installed wheel's files to `out`."""
    import mediapipe
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    modules = Path(mediapipe.__file__).parent / "modules"
    parts = {"pose_detector.tflite": (modules / DETECTOR).read_bytes(),
             "pose_landmarks_detector.tflite": landmark_model_with_metadata((modules / LANDMARKS).read_bytes())}
    partial = out.with_suffix(".partial")
    model_asset_bundle_utils.create_model_asset_bundle(parts, str(partial))
    partial.replace(out)         # never a half-written model where the browser looks for it


if __name__ == "__main__":
    build_task(Path(sys.argv[1]))
