#!/bin/bash
# camera.sh — a synthetic camera sending H.264 + Opus as plain RTP, described by an SDP file.
# Usage: camera.sh [SECONDS=60] [VIDEO_PORT=5004] [AUDIO_PORT=5006] [SDP=cam.sdp] [HOST=127.0.0.1] [GOP=60]
# Video: testsrc2 640x360@30, x264 baseline, -tune zerolatency (several slices per frame), GOP 2 s.
# Audio: 440 Hz sine, Opus 48 kHz stereo, 20 ms. RTCP goes to port+1.
set -eu
DUR=${1:-60}; VPORT=${2:-5004}; APORT=${3:-5006}; SDP=${4:-cam.sdp}; HOST=${5:-127.0.0.1}; GOP=${6:-60}
exec ffmpeg -hide_banner -loglevel "${FFLOG:-warning}" -nostdin -re \
  -f lavfi -i "testsrc2=size=640x360:rate=30:duration=$DUR" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$DUR" \
  -map 0:v -c:v libx264 -profile:v baseline -preset ultrafast -tune zerolatency \
     -g "$GOP" -keyint_min "$GOP" -sc_threshold 0 -bf 0 -pix_fmt yuv420p -b:v 1M \
     -payload_type 96 -f rtp "rtp://$HOST:$VPORT?pkt_size=1200" \
  -map 1:a -c:a libopus -b:a 64k -ac 2 -ar 48000 -frame_duration 20 -application lowdelay \
     -payload_type 111 -f rtp "rtp://$HOST:$APORT?pkt_size=1200" \
  -sdp_file "$SDP"
