#!/bin/bash
# rtsp-publish-ffmpeg.sh — publish into a gateway path over RTSP (ANNOUNCE/RECORD) with ffmpeg.
# Usage: rtsp-publish-ffmpeg.sh INPUT [URL=rtsp://127.0.0.1:8554/push]
#   INPUT: a file (looped), or "testsrc" for a synthetic picture and tone.
# The path must accept publishers: rtcbridge serve --path push=publisher
# Then watch it at http://127.0.0.1:8889/push/ (WHEP) or rtsp://127.0.0.1:8554/push.
set -eu
INPUT=${1:?usage: $0 INPUT [URL]}; URL=${2:-rtsp://127.0.0.1:8554/push}
if [ "$INPUT" = testsrc ]; then
  IN=(-re -f lavfi -i "testsrc2=size=1280x720:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000")
else
  IN=(-re -stream_loop -1 -i "$INPUT")
fi
exec ffmpeg -hide_banner -loglevel warning "${IN[@]}" \
  -c:v libx264 -preset veryfast -tune zerolatency -g 60 -bf 0 -pix_fmt yuv420p \
  -c:a libopus -ar 48000 -ac 2 -b:a 96k \
  -f rtsp -rtsp_transport tcp "$URL"
