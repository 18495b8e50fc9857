#!/usr/bin/env bash
# serve.sh — build the release gateway and run it.
#
#   scripts/serve.sh [rtcbridge serve options]
#   e.g. scripts/serve.sh                                  # embedded demo on http://0.0.0.0:8889/demo/
#        scripts/serve.sh --path cam=/tmp/cam.sdp          # plain RTP described by ffmpeg's SDP file
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi

./scripts/install-deps.sh
swift build -c release --product rtcbridge

# The HTTP address the gateway will listen on (from --http HOST:PORT, default 0.0.0.0:8889).
http=0.0.0.0:8889
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --http) http=${args[i+1]:-$http} ;;
    --http=*) http=${args[i]#--http=} ;;
  esac
done
host=${http%:*}; port=${http##*:}
[[ $host == 0.0.0.0 || $host == "" || $host == "[::]" ]] && host=localhost
echo "serve.sh: open http://$host:$port/ (the player of path NAME is http://$host:$port/NAME/)"
[[ $port == 0 ]] && echo "serve.sh: port 0 picks a free port; see the 'rtcbridge ready' line for it"
exec .build/release/rtcbridge serve "$@"
