"""Build pose_landmarker_full.task from the mediapipe==0.10.21 wheel's legacy tflite models.

Uses only the metadata writers shipped inside the mediapipe wheel
(mediapipe.tasks.python.metadata.metadata_writers); no tensorflow / tflite-support needed.
Run with: /work/main/.venv/bin/python build_task.py [out.task]
"""
import os, sys, hashlib
import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, model_asset_bundle_utils

MOD = os.path.join(os.path.dirname(mediapipe.__file__), "modules")
DET = os.path.join(MOD, "pose_detection", "pose_detection.tflite")
LMK = os.path.join(MOD, "pose_landmark", "pose_landmark_full.tflite")
out = sys.argv[1] if len(sys.argv) > 1 else "pose_landmarker_full_local.task"

# Detector: the wheel's pose_detection.tflite already carries TFLITE_METADATA with
# NormalizationOptions mean=127.5 std=127.5 (input range [-1,1]) -> used as is.
det_buf = open(DET, "rb").read()

# Landmark model: no metadata in the wheel. Legacy graph pose_landmark_by_roi_cpu.pbtxt
# feeds ImageToTensorCalculator output_tensor_float_range {min 0 max 1} -> mean 0, std 255.
w = metadata_writer.MetadataWriter.create(bytearray(open(LMK, "rb").read()))
w.add_general_info("Pose Landmarks Detector (legacy BlazePose full, +local metadata)",
                   "33 pose landmarks + 6 auxiliary; outputs: landmarks, presence, segmentation, heatmap, world")
w.add_image_input(norm_mean=[0.0], norm_std=[255.0],
                  color_space_type=metadata_writer.metadata_fb.ColorSpaceType.RGB)
for name, desc in [("Identity", "landmarks [1,195] = 39 x (x,y,z,visibility,presence)"),
                   ("Identity_1", "pose presence score [1,1]"),
                   ("Identity_2", "segmentation [1,256,256,1]"),
                   ("Identity_3", "heatmap [1,64,64,39]"),
                   ("Identity_4", "world landmarks [1,117] = 39 x (x,y,z)")]:
    w.add_feature_output(name=name, description=desc)
lmk_buf, lmk_json = w.populate()
open("pose_landmarks_detector_with_metadata.tflite", "wb").write(lmk_buf)
open("pose_landmarks_detector_metadata.json", "w").write(lmk_json)

model_asset_bundle_utils.create_model_asset_bundle(
    {"pose_detector.tflite": det_buf, "pose_landmarks_detector.tflite": bytes(lmk_buf)}, out)
print("wrote", out, os.path.getsize(out), "bytes sha256", hashlib.sha256(open(out, "rb").read()).hexdigest())
