"""Test support, not the product: realistic people rendered with known joint angles (human.py, raster.py, clips.py)
and calibration boards (board.py), for the tests and benchmarks/accuracy.py. posture never imports it."""
