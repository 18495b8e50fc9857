#!/usr/bin/python3
"""rtsp-cam.py — RTSP camera simulator on GStreamer's gst-rtsp-server (loopback only).

RTCBridge's own copy for the interop tests (Tests/InteropTests/RTSPCamera*Tests.swift); it also
prints "CLIENT connected IP:PORT" and "CLIENT closed IP:PORT" for every RTSP TCP connection, so a
test can tell when the gateway is connected (on-demand paths).

Usage (Debian's python3, not a venv: python3-gi/python3-gst-1.0 live there):
  /usr/bin/python3 rtsp-cam.py [--port 8554] [--mount /cam] [--audio opus|pcmu|none]
        [--auth none|basic|digest] [--user u] [--password p] [--record /push]
        [--width 640 --height 360 --fps 30]
Serves rtsp://127.0.0.1:PORT/MOUNT : H.264 (x264enc tune=zerolatency, baseline,
keyint = fps, SPS/PPS on every IDR) as pay0 PT 96, plus Opus (PT 97) or PCMU (PT 0)
as pay1. Transports UDP unicast (ports 50000-50999 on 127.0.0.1) and TCP interleaved.
--record /push also accepts ANNOUNCE/RECORD (e.g. ffmpeg -f rtsp rtsp://.../push) on
that mount, decodes what arrives and prints "RECORD <caps> buffers=N" once a second.
Prints "READY rtsp://..." on stdout when listening; stop with SIGINT/SIGTERM.
"""
import argparse, signal, sys
import gi
gi.require_version("Gst", "1.0"); gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtsp, GstRtspServer, GLib

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=8554); ap.add_argument("--mount", default="/cam")
ap.add_argument("--audio", choices=["opus", "pcmu", "none"], default="opus")
ap.add_argument("--auth", choices=["none", "basic", "digest"], default="none")
ap.add_argument("--user", default="user"); ap.add_argument("--password", default="pass")
ap.add_argument("--record", default=None, help="mount accepting ANNOUNCE/RECORD")
ap.add_argument("--width", type=int, default=640); ap.add_argument("--height", type=int, default=360)
ap.add_argument("--fps", type=int, default=30)
a = ap.parse_args()
Gst.init(None)

video = (f"videotestsrc is-live=true pattern=ball ! video/x-raw,width={a.width},height={a.height},"
         f"framerate={a.fps}/1 ! clockoverlay ! videoconvert ! x264enc tune=zerolatency "
         f"speed-preset=ultrafast key-int-max={a.fps} bitrate=1000 ! video/x-h264,profile=baseline "
         f"! rtph264pay name=pay0 pt=96 config-interval=-1")
audio = {"opus": " audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! "
                 "audio/x-raw,rate=48000,channels=2 ! opusenc ! rtpopuspay name=pay1 pt=97",
         "pcmu": " audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! "
                 "audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0",
         "none": ""}[a.audio]

server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1"); server.set_service(str(a.port))
pool = GstRtspServer.RTSPAddressPool()          # keeps RTP/RTCP UDP sockets on loopback
pool.add_range("127.0.0.1", "127.0.0.1", 50000, 50999, 0)

def factory_for(launch, record=False):
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(f"( {launch} )"); f.set_address_pool(pool)
    if record:
        f.set_transport_mode(GstRtspServer.RTSPTransportMode.RECORD)
    else:
        f.set_shared(True)                      # one encoder for all viewers, like a camera
    if a.auth != "none":
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role("user", "media.factory.access", True)
        perms.add_permission_for_role("user", "media.factory.construct", True)
        f.set_permissions(perms)
    return f

mounts = server.get_mount_points()
mounts.add_factory(a.mount, factory_for(video + audio))
if a.record:
    counts = {}
    rec = factory_for("decodebin name=depay0 ! fakesink name=sink0 sync=false "
                      "decodebin name=depay1 ! fakesink name=sink1 sync=false", record=True)
    def on_configure(_f, media):
        for i in range(2):
            sink = media.get_element().get_by_name(f"sink{i}")
            def probe(pad, info, i=i):
                c = pad.get_current_caps()
                counts[i] = (c.to_string().split(",")[0] if c else "?", counts.get(i, ("", 0))[1] + 1)
                return Gst.PadProbeReturn.OK
            sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)
    rec.connect("media-configure", on_configure)
    mounts.add_factory(a.record, rec)
    def report():
        for i, (caps, n) in sorted(counts.items()):
            print(f"RECORD stream{i} {caps} buffers={n}", flush=True)
        return True
    GLib.timeout_add_seconds(1, report)

if a.auth != "none":
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken(); token.set_string("media.factory.role", "user")
    if a.auth == "basic":
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(a.user, a.password), token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    else:
        auth.add_digest(a.user, a.password, token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)                       # no default token: anonymous gets 401

def on_client(_server, client):
    conn = client.get_connection()
    peer = conn.get_ip() if conn else "?"
    print(f"CLIENT connected {peer}", flush=True)
    def on_closed(_client):
        print(f"CLIENT closed {peer}", flush=True)
    client.connect("closed", on_closed)
server.connect("client-connected", on_client)

if server.attach(None) == 0:
    sys.exit(f"cannot listen on 127.0.0.1:{a.port}")
loop = GLib.MainLoop()
for s in (signal.SIGINT, signal.SIGTERM):
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, s, loop.quit)
cred = f"{a.user}:{a.password}@" if a.auth != "none" else ""
print(f"READY rtsp://{cred}127.0.0.1:{a.port}{a.mount} auth={a.auth} audio={a.audio}"
      + (f" record=rtsp://{cred}127.0.0.1:{a.port}{a.record}" if a.record else ""), flush=True)
loop.run()
