"""The Streamlit page's logic, run headless with AppTest (real inference on a sample)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_app_starts_with_a_sample_and_its_test():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.selectbox[1].value == "forward-bend"      # the first sample's own test


@pytest.mark.slow
def test_app_analyses_a_sample():
    at = AppTest.from_file(APP, default_timeout=300).run()
    at.selectbox[0].select(Path(APP).parent / "sample_videos" / "posture_front.mp4").run()
    at.button[0].click().run()
    assert not at.exception and not at.error
    table = at.table[0].value
    assert "Shoulder tilt" in list(table["Measurement"])
