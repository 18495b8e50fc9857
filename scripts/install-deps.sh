#!/usr/bin/env bash
# install-deps.sh — system packages RTCBridge needs on Debian 12 (idempotent).
#
#   scripts/install-deps.sh          build deps: libssl-dev libsrtp2-dev libusrsctp-dev pkg-config,
#                                    libavcodec-dev libavutil-dev libswresample-dev libopus-dev
#   scripts/install-deps.sh --test   also the interop-test peers: ffmpeg chromium chromium-driver
#                                    tshark iproute2 python3-venv curl coturn (TURN server for
#                                    TURNClientTests and the NAT lab) nftables (its router), the GStreamer RTSP camera
#                                    set (python3-gi python3-gst-1.0 gir1.2-gst-rtsp-server-1.0,
#                                    gstreamer1.0-tools/-plugins-base/-good/-bad/-ugly/-libav/-x),
#                                    and a python venv with selenium 4.51.0 and prometheus_client
#                                    0.26.0 (the /metrics test's parser) and openapi-spec-validator
#                                    0.9.0 (docs/openapi.yaml) at $RTCBRIDGE_VENV
#                                    (/root/.cache/rtcbridge-venv)
#
# Installs only what is missing (apt-get update runs only then), so a second run is a no-op.
# Needs root when something is missing. Waits up to 5 minutes for the dpkg/apt locks.
set -euo pipefail

BUILD_PACKAGES=(libssl-dev libsrtp2-dev libusrsctp-dev pkg-config
  # AAC/G.722 → Opus for WebRTC viewers (Sources/CAudioCodecs, Sources/Transcode)
  libavcodec-dev libavutil-dev libswresample-dev libopus-dev)
TEST_PACKAGES=(ffmpeg chromium chromium-driver tshark iproute2 python3-venv curl coturn
  # nft: the NAT lab's router namespace (masquerade, 1:1 NAT, blocked UDP; Tests/InteropTests/NATLabTests.swift)
  nftables
  # GStreamer RTSP camera (Tests/InteropTests/Scripts/rtsp-cam.py, run with Debian's python3)
  python3-gi python3-gst-1.0 gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x)
VENV=${RTCBRIDGE_VENV:-/root/.cache/rtcbridge-venv}
SELENIUM_VERSION=4.51.0
PROMETHEUS_CLIENT_VERSION=0.26.0
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0

with_test=0
for arg in "$@"; do
  case $arg in
    --test) with_test=1 ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

packages=("${BUILD_PACKAGES[@]}")
(( with_test )) && packages+=("${TEST_PACKAGES[@]}")

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
done

if (( ${#missing[@]} )); then
  if (( EUID != 0 )); then
    echo "install-deps.sh: missing packages: ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
  apt-get "${apt_opts[@]}" update -qq
  apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps.sh: packages present (${packages[*]})"
fi

if (( with_test )); then
  # Debian's python3 (python3-venv is for it); selenium talks to Debian's chromedriver by path,
  # so Selenium Manager never downloads a driver.
  if [[ -x $VENV/bin/python ]] &&
     "$VENV/bin/python" -c "import selenium, sys; sys.exit(selenium.__version__ != '$SELENIUM_VERSION')" 2>/dev/null; then
    echo "install-deps.sh: venv present ($VENV, selenium $SELENIUM_VERSION)"
  else
    echo "install-deps.sh: creating venv $VENV with selenium==$SELENIUM_VERSION"
    mkdir -p "$(dirname "$VENV")"
    /usr/bin/python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "selenium==$SELENIUM_VERSION"
  fi
  # prometheus_client's text parser checks GET /metrics (Tests/InteropTests/MetricsTests.swift).
  if [[ $("$VENV/bin/python" -m pip show prometheus_client 2>/dev/null | sed -n 's/^Version: //p') == "$PROMETHEUS_CLIENT_VERSION" ]]; then
    echo "install-deps.sh: prometheus_client $PROMETHEUS_CLIENT_VERSION present"
  else
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "prometheus_client==$PROMETHEUS_CLIENT_VERSION"
  fi
  # openapi-spec-validator checks docs/openapi.yaml (Tests/InteropTests/ControlAPITests.swift).
  if [[ $("$VENV/bin/python" -m pip show openapi-spec-validator 2>/dev/null | sed -n 's/^Version: //p') == "$OPENAPI_SPEC_VALIDATOR_VERSION" ]]; then
    echo "install-deps.sh: openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION present"
  else
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
  fi
fi
