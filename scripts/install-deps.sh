#!/usr/bin/env bash
# Installs the Debian packages the project needs, only when something is missing.
# Called by the Makefile before every build, so a fresh machine needs nothing else.
set -euo pipefail
need=()
command -v ffmpeg  >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
# The end-to-end test drives Debian's Chromium with Selenium; curl is used by scripts/run-stack.sh.
command -v curl >/dev/null 2>&1 || need+=(curl)
for pkg in libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libssl-dev zlib1g-dev chromium chromium-driver python3-selenium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: swift is not on PATH (expected the Swift 6.3 toolchain, e.g. /opt/swift/usr/bin)" >&2
  exit 1
fi
# tuspy (PyPI), a third-party tus 1.0 client the upload tests drive, into the build directory.
if [ ! -d .build/pydeps/tusclient ]; then
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target .build/pydeps "tuspy==1.1.0" >/dev/null 2>&1 \
    || echo "install-deps: could not install tuspy from PyPI (the tus client tests will fail)" >&2
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "install-deps: installing ${need[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
