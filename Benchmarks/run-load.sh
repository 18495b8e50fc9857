#!/usr/bin/env bash
# run-load.sh — whole-process WHEP fan-out benchmark (issue #7), release build, loopback only.
#
#   Benchmarks/run-load.sh [N ...]        default: 200 1000
#
# For each N: starts ffmpeg sending a pre-encoded 2 Mbit/s H.264 (1280x720, 30 fps, 2 s GOP) +
# Opus feed as plain RTP (copy, no encoding at run time), starts `rtcbridge serve` on that SDP,
# opens N receive-only WHEP viewers with RTCBridgeLoad (one socket, one loopback address per
# viewer, SRTP verified, sequence gaps counted, delivery compared with the path's packetsIn over
# the same window), holds them HOLD seconds (default 20) and prints the gateway's CPU per
# delivered viewer-packet, loss, connect times and RSS per viewer.
# Environment: HOLD, VERIFY_EVERY (default 1), SKIP_BUILD=1, WORK (scratch dir).
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@"); (( ${#counts[@]} )) || counts=(200 1000)
HOLD=${HOLD:-20}
VERIFY_EVERY=${VERIFY_EVERY:-1}
WORK=${WORK:-/tmp/rtcbridge-load}
mkdir -p "$WORK"

if [[ -z ${SKIP_BUILD:-} ]]; then
  swift build -c release --product rtcbridge >/dev/null
  swift build -c release --product RTCBridgeLoad >/dev/null
fi
bin=$(swift build -c release --show-bin-path)

feed=$WORK/feed.mkv
if [[ ! -s $feed ]]; then
  echo "encoding the feed once ($feed)"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 30 \
    -c:v libx264 -preset veryfast -tune zerolatency -profile:v baseline -pix_fmt yuv420p \
    -b:v 2M -maxrate 2M -bufsize 1M -g 60 -keyint_min 60 -sc_threshold 0 \
    -c:a libopus -b:a 64k -ar 48000 -ac 2 "$feed"
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if "'"$1"'"=="udp" else socket.SOCK_STREAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for n in "${counts[@]}"; do
  vport=$(port udp); aport=$((vport + 2))
  ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$feed" \
    -map 0:v -c copy -f rtp -pkt_size 1200 "rtp://127.0.0.1:$vport" \
    -map 0:a -c copy -f rtp "rtp://127.0.0.1:$aport" -sdp_file "$WORK/cam.sdp" &
  ffpid=$!; pids+=("$ffpid")
  for _ in $(seq 50); do [[ -s $WORK/cam.sdp ]] && break; sleep 0.1; done
  http=$(port tcp); udp=$(port udp)
  # Every viewer's POST comes from 127.0.0.1: lift the per-client session quota to N.
  printf 'webrtc: { maxSessions: %d, maxSessionsPerClient: %d }\n' "$((n > 1000 ? n : 1000))" "$n" > "$WORK/load.yml"
  "$bin/rtcbridge" serve --config "$WORK/load.yml" --path "cam=$WORK/cam.sdp" --http "127.0.0.1:$http" \
    --webrtc-udp "$udp" --ice-host 127.0.0.1 --rtsp off --log-level warning &
  gwpid=$!; pids+=("$gwpid")
  # Wait (bounded) until the path has a publisher and a keyframe went by.
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$http/api/stats" | python3 -c 'import json,sys; p=[x for x in json.load(sys.stdin)["paths"] if x["name"]=="cam"]; sys.exit(0 if p and p[0]["ready"] and p[0]["unitsIn"] > 150 else 1)' 2>/dev/null && break
    sleep 0.1
  done
  echo "== N=$n (gateway pid $gwpid, hold ${HOLD}s) =="
  "$bin/RTCBridgeLoad" --url "http://127.0.0.1:$http/cam/whep" --viewers "$n" --hold "$HOLD" \
    --gateway-pid "$gwpid" --verify-every "$VERIFY_EVERY" || echo "load generator failed ($?)"
  kill "$gwpid" "$ffpid" 2>/dev/null || true
  wait "$gwpid" "$ffpid" 2>/dev/null || true
  rm -f "$WORK/cam.sdp"
done
