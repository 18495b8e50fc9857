#!/usr/bin/env python3
"""browser.py — drive Debian's headless Chromium (its real WebRTC stack) through chromedriver.

Used by the RTCBridge interop tests (Tests/InteropTests) and by first-frame-bench.py; run it with a
python that has selenium (default venv: /root/.cache/rtcbridge-venv, see scripts/install-deps.sh).

  browser.py loopback [--codec H264|VP8] [--seconds 3]     # pc1 -> pc2 in one page, no server
  browser.py whep URL [--codec C] [--audio 0] [--seconds 3] [--repeat N --gap-ms MS] [--progress]
       whep ... [--trickle] [--restart-after S] [--token T] [--hold --stop-file F] [--audio-stats]
           # --trickle: POST at once, candidates + end-of-candidates in PATCHes (If-Match: ETag);
           # --restart-after S: S s after the first frame pc.restartIce(), PATCH the new ufrag/pwd,
           # apply the 200 fragment, play --seconds more; reports restart.{framesBefore,framesAfter,...}
           # --hold: after --seconds keep the session until F exists (then DELETE); --progress lines
           # then also carry packetsReceived=N (RTP, audio + video) rttMs=X (selected pair's RTT)
       whep ... --until-closed [--signal-file F]
           # after --seconds keep playing until the server ends the connection (DTLS closed/failed,
           # connectionState or iceConnectionState closed/failed): reports closed {how, atMs}; with
           # F (written by the test: the signal's time, ms since the epoch) also closeDelayMs =
           # closed.atMs - F's time, both on this machine's wall clock, taken by the browser
  browser.py whip URL [--codec H264|VP8] [--seconds 5] [--token T] [--stop-file F] [--data-send N]
       whip ... [--width W --height H --fps F] [--content-hint detail] [--fake-video FILE.y4m] [--simulcast]
           # publish fake camera 640x360@30 (or WxH@F; --fake-video: frames from FILE) + mic via
           # WHIP; reports framesEncoded, packetsSent, codec, deleteStatus, and curve: the video
           # send rate and encoder target once a second ([{t, kbps, targetKbps, width, height}])
           # --data-send N: a data channel sends N messages "pub-<i>" once open and counts what it
           # receives (dataSent, dataReceived, dataSamples)
  browser.py whep-data URL [--expect N] [--send N] [--seconds 3] [--label L] [--progress]
           # WHEP viewer with a data channel created before the offer: waits for N messages (and
           # video), sends --send messages after the first one arrives (even: string "cmd-<i>", odd:
           # binary C0 <i> 00); reports received/strings/binaries/samples/latencyMs/sent
           # (--progress lines then carry received=N)
  browser.py data-matrix URL [--count 1000] [--window 32]
           # web/datamatrix.html: a WHEP viewer (URL …/whep) or WHIP publisher (…/whip) opens four
           # channels (ordered, unordered, maxRetransmits, maxPacketLifeTime) and sends --count
           # messages on each (0 B … 65,507 B, string and binary) to a UDP echo device; checks every echo
  browser.py page URL [--seconds 2]                       # open URL, wait until its <video> plays
           # (on the player page also until it shows its route; reports route and connectMs)
  browser.py stats-page URL [--seconds 5] --screenshot out.png
           # the gateway's /sessions or /{path}/stats page: wait until the first session's bitrate
           # graph has --seconds points and its RTT and loss graphs one, screenshot, decode the PNG
           # and count the graph-line pixels inside each canvas (reports canvases[].points/linePixels)
  browser.py publish-page URL [--codec C] [--seconds 5] [--stop-file F]
           # the gateway's /{path}/publish page: pick 640x360 (and codec C), press Start, wait until
           # it publishes, keep it --seconds (or until F exists), press Stop
  common: [--timeout 40] [--screenshot out.png] [--console] [--chromium PATH] [--chromedriver PATH]
          [--stop-file F]: whip and publish-page end early once the file F exists (whep --hold: ends)

loopback/whep/whip serve web/*.html (next to this script) from a throwaway HTTP server on
127.0.0.1:<random port>, so the WHEP/WHIP endpoint is another origin and must answer CORS. `page`
and `publish-page` open URL itself (the gateway's own pages): `page` watches the first <video>.
Prints one JSON line (the page's result) and exits 0 when result.ok. With --progress it also prints
`progress framesDecoded=N conn=STATE` lines (whip: `framesEncoded=N` too) about every 250 ms.
Run it inside a loopback-only network namespace: there Chromium can only gather 127.0.0.1.
"""
import argparse, functools, http.server, json, os, shutil, struct, sys, tempfile, threading, time, urllib.parse, zlib
from pathlib import Path
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

WEB = str(Path(__file__).resolve().parent / "web")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--mute-audio",
         "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
         "--autoplay-policy=no-user-gesture-required",
         "--allow-loopback-in-peer-connection",            # offer 127.0.0.1 host candidates
         "--disable-features=WebRtcHideLocalIpsWithMdns"]  # plain IPs, not xxxx.local names

# `page` mode: watch the first <video>: ok once videoWidth > 0 and currentTime advanced `seconds`.
# On the player page it also reports the data panel (dataPanel, dataMessages) and sends one message
# ("hello-from-player") from its send box once a message is listed (dataSent).
PAGE_PROBE = """
const v = document.querySelector('video'); const r = window.__probe ||= {start: null};
if (!v) return {done: false, note: 'no video element'};
const st = document.getElementById('status');
const cur = {videoWidth: v.videoWidth, videoHeight: v.videoHeight, currentTime: v.currentTime,
             paused: v.paused, readyState: v.readyState, status: st ? st.textContent : null};
if (v.videoWidth > 0 && r.start === null) r.start = v.currentTime;
cur.advanced = r.start === null ? 0 : v.currentTime - r.start;
cur.done = cur.advanced >= arguments[0]; cur.ok = cur.done;
// The player's data panel: messages listed; once one is there, send "hello-from-player" from its box.
const items = document.querySelectorAll('#messages li'), panel = document.getElementById('data');
cur.dataPanel = panel ? !panel.hidden : null; cur.dataMessages = items.length;
if (items.length > 0 && !r.sent && document.getElementById('send')) {
  document.getElementById('message').value = 'hello-from-player'; document.getElementById('send').requestSubmit(); r.sent = true;
}
cur.dataSent = Boolean(r.sent);
// The player's selected candidate pair ("relay udp → host udp") and answer → connected time.
cur.route = document.body.dataset.route || null;
cur.connectMs = document.body.dataset.connectMs ? Number(document.body.dataset.connectMs) : null;
if (cur.done && !cur.route) { cur.done = false; cur.ok = false; }
return cur;
"""

# `stats-page` mode: the first session card's canvases (stats.js): data-points and where they are.
STATS_PROBE = """
const card = document.querySelector('section.session');
if (!card) return {done: false, note: 'no session card', status: document.getElementById('status')?.textContent};
const canvases = [...card.querySelectorAll('canvas')].map((c) => {
  const r = c.getBoundingClientRect();
  return {metric: c.dataset.metric, points: Number(c.dataset.points),
          rect: [r.left, r.top, r.width, r.height]};
});
const pts = Object.fromEntries(canvases.map((c) => [c.metric, c.points]));
const done = pts.bitrate >= arguments[0] && pts.rtt >= 1 && pts.loss >= 1 && pts.feedback >= arguments[0];
return {done, ok: done, canvases, dpr: window.devicePixelRatio, sessions: document.body.dataset.sessions};
"""
STATS_LINE = (0x50, 0xC8, 0xFF)   # stats.js LINE colour


def png_rgb(path):
    """Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium's screenshots are) → (w, h, rows)."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG depth={depth} colour={colour} interlace={interlace}")
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        start = y * (stride + 1)
        f, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def line_pixels(rows, rect, dpr):
    """Pixels inside `rect` (CSS px) whose colour is close to the graph line's."""
    x0, y0, w, h = (int(round(v * dpr)) for v in rect)
    count = 0
    for y in range(max(y0, 0), min(y0 + h, len(rows))):
        for x in range(max(x0, 0), min(x0 + w, len(rows[y]))):
            if sum(abs(p - q) for p, q in zip(rows[y][x], STATS_LINE)) < 60:
                count += 1
    return count


# `publish-page` mode: drive publish.html. Steps: pick 640x360 and the codec (arguments[0]) once
# the camera list is filled; press Start when enabled again; `live` once the page says so and
# framesEncoded > 0; after arguments[1] s (or arguments[2] = stop requested) press Stop; done when
# the page says `stopped`. ok = it published, and stopped.
PUBLISH_PROBE = """
const [codec, seconds, stopNow] = arguments; const $ = id => document.getElementById(id);
const r = window.__probe ||= {step: 'setup', liveAt: null, publishedMs: 0, peak: {}};
const st = $('status'), stats = $('stats'), v = $('preview');
if (!st || !stats || !$('start')) return {done: false, note: 'not the publish page'};
const cur = {status: st.textContent, state: document.body.dataset.state || null,
             cameras: $('camera').options.length, microphones: $('microphone').options.length,
             codecs: [...$('codec').options].map(o => o.value).filter(Boolean),
             framesEncoded: Number(stats.dataset.framesEncoded || 0), codec: stats.dataset.codec || null,
             videoWidth: v.videoWidth, videoHeight: v.videoHeight, stats: stats.textContent};
if (r.step === 'setup' && cur.cameras > 0 && !$('start').disabled) {
  if (codec) $('codec').value = codec;
  $('resolution').value = '640x360'; $('resolution').dispatchEvent(new Event('change'));
  r.step = 'reopen';
} else if (r.step === 'reopen' && !$('start').disabled && v.videoWidth === 640) {
  $('start').click(); r.step = 'starting';
} else if (r.step === 'starting' && cur.state === 'live' && cur.framesEncoded > 0) {
  r.liveAt = performance.now(); r.step = 'live';
} else if (r.step === 'live' && (stopNow || performance.now() - r.liveAt > seconds * 1000)) {
  r.peak = {framesEncoded: cur.framesEncoded, codec: cur.codec, stats: cur.stats, status: cur.status};
  r.publishedMs = Math.round(performance.now() - r.liveAt);
  $('stop').click(); r.step = 'stopping';
} else if (r.step === 'stopping' && cur.status === 'stopped') {
  r.step = 'stopped';
}
Object.assign(cur, {step: r.step, publishedMs: r.publishedMs}, r.peak, {statusAfterStop: cur.status});
cur.done = r.step === 'stopped'; cur.ok = cur.done && (r.peak.framesEncoded || 0) > 0;
cur.live = {framesEncoded: cur.framesEncoded, conn: cur.state};
return cur;
"""

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["loopback", "whep", "whip", "page", "publish-page", "stats-page", "whep-data", "data-matrix"]); ap.add_argument("url", nargs="?")
ap.add_argument("--codec"); ap.add_argument("--audio"); ap.add_argument("--seconds", type=float)
ap.add_argument("--repeat", type=int, help="whep: N viewers one after another")
ap.add_argument("--gap-ms", type=int, help="whep --repeat: random pause 0..MS before each viewer")
ap.add_argument("--progress", action="store_true", help="print progress lines while running")
ap.add_argument("--trickle", action="store_true", help="whep: trickle ICE over PATCH")
ap.add_argument("--restart-after", type=float, help="whep: ICE restart S s after the first frame")
ap.add_argument("--token", help="whep/whip: bearer token")
ap.add_argument("--hold", action="store_true", help="whep: keep the session after --seconds until --stop-file exists")
ap.add_argument("--until-closed", action="store_true", help="whep: keep the session until the server closes it")
ap.add_argument("--signal-file", help="whep --until-closed: a file holding the time (epoch ms) the server was signalled")
ap.add_argument("--audio-stats", action="store_true",
                help="whep: play the audio track in an <audio> element; report audioSamples (totalSamplesReceived "
                     "at the end), audioSamplesEarly (at the first frame), audioEnergy (totalAudioEnergy), audioLevel")
ap.add_argument("--bundle-only", action="store_true",
                help="whep: POST the offer with port 0 + a=bundle-only sections after the first (RFC 8843)")
ap.add_argument("--expect", type=int, help="whep-data: messages to receive")
ap.add_argument("--send", type=int, help="whep-data: messages to send after the first one arrives")
ap.add_argument("--label", help="whep-data: the channel's label")
ap.add_argument("--count", type=int, help="data-matrix: messages per channel")
ap.add_argument("--window", type=int, help="data-matrix: messages in flight")
ap.add_argument("--data-send", type=int, help="whip: data channel messages to send once it is open")
ap.add_argument("--stop-file", help="whip/publish-page: stop publishing once this file exists")
ap.add_argument("--width", type=int, help="whip: camera width"); ap.add_argument("--height", type=int, help="whip: camera height")
ap.add_argument("--fps", type=int, help="whip: camera frame rate")
ap.add_argument("--simulcast", action="store_true", help="whip: send video as 3 layers (rids q/h/f, scaled 4/2/1)")
ap.add_argument("--content-hint", help="whip: video track contentHint (detail: keep the resolution)")
ap.add_argument("--fake-video", help="a .y4m/.mjpeg file Chromium's fake camera plays (looped)")
ap.add_argument("--timeout", type=float, default=40); ap.add_argument("--screenshot")
ap.add_argument("--console", action="store_true", help="print the page's console log to stderr")
ap.add_argument("--chromium", default="/usr/lib/chromium/chromium")
ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
a = ap.parse_args()
if a.mode != "loopback" and not a.url:
    ap.error(f"{a.mode} needs a URL")

httpd = None
if a.mode in ("page", "publish-page", "stats-page"):
    url = a.url
else:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=WEB))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    params = {k: v for k, v in {"codec": a.codec, "audio": a.audio, "seconds": a.seconds,
              "repeat": a.repeat, "gapMs": a.gap_ms, "token": a.token, "restartAfter": a.restart_after,
              "width": a.width, "height": a.height, "fps": a.fps, "contentHint": a.content_hint,
              "expect": a.expect, "send": a.send, "label": a.label, "dataSend": a.data_send,
               "count": a.count, "window": a.window,
               "trickle": 1 if a.trickle else None, "hold": 1 if a.hold else None,
               "untilClosed": 1 if a.until_closed else None, "bundleOnly": 1 if a.bundle_only else None,
               "audioStats": 1 if a.audio_stats else None,
               "simulcast": 1 if a.simulcast else None}.items() if v is not None}
    if a.mode in ("whep", "whip"):
        params[a.mode] = a.url
    if a.mode == "whep-data":
        params["whep"] = a.url
    if a.mode == "data-matrix":
        params["endpoint"] = a.url
    page = {"loopback": "loopback.html", "whep": "whep.html", "whip": "whip.html",
            "whep-data": "datachannel.html", "data-matrix": "datamatrix.html"}[a.mode]
    url = f"http://127.0.0.1:{httpd.server_port}/{page}?{urllib.parse.urlencode(params)}"

profile = tempfile.mkdtemp(prefix="rtcbridge-chromium-")
o = webdriver.ChromeOptions()
o.binary_location = a.chromium
extra_flags = [f"--use-file-for-fake-video-capture={a.fake_video}"] if a.fake_video else []
for flag in FLAGS + extra_flags + [f"--user-data-dir={profile}"]:
    o.add_argument(flag)
o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
t0 = time.monotonic()
drv = None
result = {"done": False, "ok": False}
try:
    drv = webdriver.Chrome(service=Service(executable_path=a.chromedriver), options=o)
    drv.set_script_timeout(10)
    drv.get(url)
    deadline = time.monotonic() + a.timeout
    last_progress = 0.0
    while time.monotonic() < deadline:
        stop_now = bool(a.stop_file) and os.path.exists(a.stop_file)
        if a.mode == "page":
            result = drv.execute_script(PAGE_PROBE, a.seconds if a.seconds is not None else 2)
        elif a.mode == "stats-page":
            result = drv.execute_script(STATS_PROBE, a.seconds if a.seconds is not None else 5)
        elif a.mode == "publish-page":
            result = drv.execute_script(PUBLISH_PROBE, a.codec, a.seconds if a.seconds is not None else 5,
                                        stop_now)
        else:
            if stop_now:
                drv.execute_script("window.stopRequested = true")
            result = drv.execute_script("return window.result") or result
        if a.progress and time.monotonic() - last_progress >= 0.25:
            last_progress = time.monotonic()
            live = result.get("live") or {}
            extra = f" framesEncoded={live['framesEncoded']}" if "framesEncoded" in live else ""
            if "received" in live:
                extra += f" received={live['received']}"
            if "packetsReceived" in live:
                extra += f" packetsReceived={live['packetsReceived']} rttMs={live.get('rttMs')}"
            print(f"progress framesDecoded={live.get('framesDecoded', 0)} conn={live.get('conn')}{extra}",
                  flush=True)
        if result.get("done"):
            break
        time.sleep(0.05)
    else:
        result = dict(result, done=False, ok=False, error=f"timeout after {a.timeout}s")
    if a.screenshot:
        drv.save_screenshot(a.screenshot)
        if a.mode == "stats-page" and result.get("canvases"):
            _, _, rows = png_rgb(a.screenshot)
            for canvas in result["canvases"]:
                canvas["linePixels"] = line_pixels(rows, canvas["rect"], result.get("dpr") or 1)
            result["ok"] = bool(result.get("ok")) and all(c["linePixels"] > 0 for c in result["canvases"] if c["points"] > 0)
    if a.console or not result.get("ok"):
        for e in drv.get_log("browser"):
            print("console:", e.get("level"), e.get("message"), file=sys.stderr)
except Exception as e:  # chromedriver failed to start, page crashed, ...
    result = dict(result, done=False, ok=False, error=f"{type(e).__name__}: {e}")
finally:
    if drv is not None:
        drv.quit()
    if httpd is not None:
        httpd.shutdown()
    shutil.rmtree(profile, ignore_errors=True)
result["wallSeconds"] = round(time.monotonic() - t0, 2)
if a.signal_file and os.path.exists(a.signal_file) and (result.get("closed") or {}).get("atMs") is not None:
    with open(a.signal_file) as f:
        signalled = int(f.read().strip() or 0)
    result["signalledAtMs"] = signalled
    result["closeDelayMs"] = result["closed"]["atMs"] - signalled
result.pop("live", None)
print(json.dumps(result), flush=True)
sys.exit(0 if result.get("ok") else 1)
