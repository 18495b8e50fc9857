#!/usr/bin/env python3
"""device.py — a small IoT device simulator for RTCBridge (stdlib + ffmpeg).

  device.py [--gateway 127.0.0.1] [--video-port 1234] [--data-port 7000] [--command-port 7001]
            [--seconds 60] [--rate 10] [--ffmpeg ffmpeg] [--no-video]

- Video: ffmpeg sends a test pattern (testsrc2 640x360@30, H.264 baseline, 1-second GOP) as
  MPEG-TS over UDP to GATEWAY:VIDEO_PORT (a `udp+mpegts://` path).
- Telemetry: every 1/RATE s one JSON datagram {"seq", "t" (ms since the epoch), "temp", "humidity"}
  to GATEWAY:DATA_PORT (the path's `data: udp://…` device), sent from COMMAND_PORT.
- Commands: whatever browsers send on their data channels comes back to COMMAND_PORT (the address
  the telemetry comes from, or the gateway's `?reply=`); each is printed as `command: TEXT` (or
  `command: hex=…` when it is not UTF-8).
Stops after --seconds (or Ctrl-C) and prints `done sent=N commands=N`.
"""
import argparse, json, math, shutil, signal, socket, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--gateway", default="127.0.0.1")
ap.add_argument("--video-port", type=int, default=1234)
ap.add_argument("--data-port", type=int, default=7000)
ap.add_argument("--command-port", type=int, default=7001)
ap.add_argument("--seconds", type=float, default=60)
ap.add_argument("--rate", type=float, default=10)
ap.add_argument("--ffmpeg", default=shutil.which("ffmpeg") or "ffmpeg")
ap.add_argument("--no-video", action="store_true")
a = ap.parse_args()

video = None
if not a.no_video:
    video = subprocess.Popen([
        a.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=30:duration={a.seconds}",
        "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-tune", "zerolatency",
        "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-bf", "0", "-pix_fmt", "yuv420p", "-b:v", "1M",
        "-f", "mpegts", f"udp://{a.gateway}:{a.video_port}?pkt_size=1316"])

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("0.0.0.0", a.command_port))
sock.settimeout(0.01)
stop = False
def on_signal(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
print(f"device: video → udp://{a.gateway}:{a.video_port}, telemetry → udp://{a.gateway}:{a.data_port}, "
      f"commands on :{a.command_port}", flush=True)
sent = commands = 0
start = time.monotonic()
next_send = start
while not stop and time.monotonic() - start < a.seconds:
    now = time.monotonic()
    if now >= next_send:
        phase = (now - start) / 10
        reading = {"seq": sent, "t": round(time.time() * 1000, 1), "temp": round(21.5 + math.sin(phase), 2),
                   "humidity": round(40 + 5 * math.cos(phase), 1)}
        sock.sendto(json.dumps(reading).encode(), (a.gateway, a.data_port))
        sent += 1
        next_send += 1 / a.rate
    try:
        data, sender = sock.recvfrom(65536)
    except socket.timeout:
        continue
    commands += 1
    try:
        print(f"command: {data.decode('utf-8')}", flush=True)
    except UnicodeDecodeError:
        print(f"command: hex={data.hex()}", flush=True)
if video is not None:
    video.terminate()
    try:
        video.wait(timeout=5)
    except subprocess.TimeoutExpired:
        video.kill()
print(f"done sent={sent} commands={commands}", flush=True)
