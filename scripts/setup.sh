#!/usr/bin/env bash
# Sets up everything the control room and its tests need on a fresh Debian/Ubuntu machine:
# the system libraries Qt loads (EGL, xkbcommon, fontconfig, xcb, a CJK font, Xvfb for screenshots)
# and a virtual environment in .venv with the project and its test extra. Idempotent and quick
# when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 fonts-wqy-microhei xvfb xauth
  libpulse0 poppler-utils
  # QtMultimedia's FFmpeg plugin dlopens VA-API when the horn looks for audio outputs; without these
  # Qt warns "Couldn't load va-x11/va-drm/va library", which the strict test settings fail on.
  libva2 libva-x11-2 libva-drm2
  # The engines of a plant with several stations (NATS JetStream bus, plant-wide PostgreSQL history);
  # the tests start their own server processes on loopback and stop them by PID.
  nats-server postgresql-15
  # Spoken alarms and voice commands, hmi_app/voice: espeak-ng speaks English and Mandarin offline,
  # sox resamples and mixes test speech, PulseAudio plays it - a null sink in tests - and parecord records.
  espeak-ng sox pulseaudio pulseaudio-utils
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    echo "setup: installing system packages with sudo: ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=".venv/.setup-stamp"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  echo "$want" > "$stamp"
fi
