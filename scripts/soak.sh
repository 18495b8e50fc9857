#!/usr/bin/env bash
# soak.sh — bounded soak of the release gateway (issue #8), loopback only.
#
#   scripts/soak.sh [MINUTES]          default 60; CI runs 3
#
# Starts `rtcbridge serve` with PATHS (default 8) file sources (the embedded demo clip, looping),
# then `RTCBridgeLoad soak`: VIEWERS (default 50) WHEP viewers per path, CHURN (default 8) of them
# leaving and as many joining every second, SRTP verified, media continuity watched. Reports the
# gateway's RSS and open file descriptors after the warm-up and at the end, and every error.
# Passes when RSS grew < 5 %, descriptors stayed flat, no viewer saw an error, and the gateway
# logged no error. /metrics is scraped every SCRAPE (default 10) seconds throughout. Environment:
# PATHS, VIEWERS, CHURN, WARMUP (seconds; default 10 % of the run, at least 120: RSS settles once
# ~1,000 sessions have come and gone with their /metrics series), SCRAPE,
# SKIP_BUILD=1, WORK (scratch directory), RTCBRIDGE_RELEASE_BIN_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi

minutes=${1:-60}
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 1 && $minutes -le 1440 ]] || { echo "usage: $0 [MINUTES 1…1440]" >&2; exit 64; }
seconds=$((minutes * 60))
paths=${PATHS:-8}
viewers=${VIEWERS:-50}
churn=${CHURN:-8}
warmup=${WARMUP:-$(( seconds / 10 > 120 ? seconds / 10 : 120 ))}
(( warmup < seconds )) || warmup=$(( seconds / 2 ))   # short runs: half of it
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/rtcbridge-soak.XXXXXX")}
mkdir -p "$WORK"

if [[ -z ${RTCBRIDGE_RELEASE_BIN_DIR:-} ]]; then
  if [[ -z ${SKIP_BUILD:-} ]]; then
    swift build -c release --product rtcbridge >/dev/null
    swift build -c release --product RTCBridgeLoad >/dev/null
  fi
  RTCBRIDGE_RELEASE_BIN_DIR=$(swift build -c release --show-bin-path)
fi
bin=$RTCBRIDGE_RELEASE_BIN_DIR

gwpid=
cleanup() { [[ -n $gwpid ]] && kill "$gwpid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if "'"$1"'"=="udp" else socket.SOCK_STREAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(port tcp); udp=$(port udp)
total=$((paths * viewers))
# Every viewer's POST comes from 127.0.0.1: lift the per-client session quota to the population
# plus the churn in flight.
printf 'webrtc: { maxSessions: %d, maxSessionsPerClient: %d }\n' "$((total + 2 * churn + 100))" "$((total + 2 * churn + 100))" > "$WORK/soak.yml"
names=()
args=()
for i in $(seq 1 "$paths"); do names+=("s$i"); args+=(--path "s$i=demo"); done

"$bin/rtcbridge" serve --config "$WORK/soak.yml" "${args[@]}" --http "127.0.0.1:$http" \
  --webrtc-udp "$udp" --ice-host 127.0.0.1 --rtsp off --log-level warning >"$WORK/gateway.log" 2>&1 &
gwpid=$!
ready=
for _ in $(seq 100); do
  if curl -sf "http://127.0.0.1:$http/api/stats" | python3 -c 'import json,sys; p=json.load(sys.stdin)["paths"]; sys.exit(0 if len(p) >= '"$paths"' and all(x["ready"] for x in p) else 1)' 2>/dev/null; then
    ready=1; break
  fi
  sleep 0.1
done
[[ -n $ready ]] || { echo "soak: the gateway did not get ready"; tail -20 "$WORK/gateway.log"; exit 1; }

echo "soak: gateway pid $gwpid, $paths paths × $viewers viewers, churn $churn/s, ${minutes} min (warm-up ${warmup} s), logs in $WORK"
# Scrape /metrics every SCRAPE seconds (default 10; 0: never), as Prometheus would: its series come
# and go with the churning sessions, so their memory is part of what the soak watches.
scrape=${SCRAPE:-10}
scraper=
if (( scrape > 0 )); then
  ( end=$((SECONDS + seconds)); n=0; failed=0
    while (( SECONDS < end )); do
      curl -sf -o /dev/null "http://127.0.0.1:$http/metrics" || failed=$((failed + 1))
      n=$((n + 1)); echo "$n $failed" > "$WORK/scrapes"; sleep "$scrape"
    done ) &
  scraper=$!
fi
set +e
"$bin/RTCBridgeLoad" soak --base "http://127.0.0.1:$http" --paths "$(IFS=,; echo "${names[*]}")" \
  --viewers-per-path "$viewers" --churn "$churn" --seconds "$seconds" --warmup "$warmup" --gateway-pid "$gwpid" \
  --report-every "$(( seconds >= 600 ? 60 : 10 ))"
status=$?
if [[ -n $scraper ]]; then
  kill "$scraper" 2>/dev/null; wait "$scraper" 2>/dev/null
  read -r scrapes scrape_failures < "$WORK/scrapes" || true
  echo "soak: /metrics scraped ${scrapes:-0} times, ${scrape_failures:-0} failed"
  if (( ${scrape_failures:-0} > 0 && status == 0 )); then status=2; fi
fi
set -e
# The gateway must have logged no error (warnings are allowed: they name what a viewer did).
errors=$(grep -cE '^[^ ]+ (error|critical) ' "$WORK/gateway.log" || true)
echo "soak: gateway log errors: $errors"
grep -E '^[^ ]+ (error|critical) ' "$WORK/gateway.log" | head -5 || true
if ! kill -0 "$gwpid" 2>/dev/null; then echo "soak: the gateway exited"; status=1; fi
if (( errors > 0 && status == 0 )); then status=2; fi
echo "soak: exit status $status"
exit "$status"
