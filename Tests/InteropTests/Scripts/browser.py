#!/usr/bin/env python3
"""browser.py — drive Debian's headless Chromium (its real WebRTC stack) through chromedriver.

Used by the RTCBridge interop tests (Tests/InteropTests) and by first-frame-bench.py; run it with a
python that has selenium (default venv: /root/.cache/rtcbridge-venv, see scripts/install-deps.sh).

  browser.py loopback [--codec H264|VP8] [--seconds 3]     # pc1 -> pc2 in one page, no server
  browser.py whep URL [--codec C] [--audio 0] [--seconds 3] [--repeat N --gap-ms MS] [--progress]
       whep ... [--trickle] [--restart-after S] [--token T] [--hold --stop-file F]
           # --trickle: POST at once, candidates + end-of-candidates in PATCHes (If-Match: ETag);
           # --restart-after S: S s after the first frame pc.restartIce(), PATCH the new ufrag/pwd,
           # apply the 200 fragment, play --seconds more; reports restart.{framesBefore,framesAfter,...}
           # --hold: after --seconds keep the session until F exists (then DELETE); --progress lines
           # then also carry packetsReceived=N (RTP, audio + video) rttMs=X (selected pair's RTT)
  browser.py whip URL [--codec H264|VP8] [--seconds 5] [--token T] [--stop-file F] [--data-send N]
           # publish fake camera 640x360@30 + mic via WHIP; reports framesEncoded, packetsSent,
           # codec, deleteStatus; --data-send N: a data channel sends N messages "pub-<i>" once open
           # and counts what it receives (dataSent, dataReceived, dataSamples)
  browser.py whep-data URL [--expect N] [--send N] [--seconds 3] [--label L] [--progress]
           # WHEP viewer with a data channel created before the offer: waits for N messages (and
           # video), sends --send messages after the first one arrives (even: string "cmd-<i>", odd:
           # binary C0 <i> 00); reports received/strings/binaries/samples/latencyMs/sent
           # (--progress lines then carry received=N)
  browser.py page URL [--seconds 2]                       # open URL, wait until its <video> plays
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
import argparse, functools, http.server, json, os, shutil, sys, tempfile, threading, time, urllib.parse
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
return cur;
"""

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
ap.add_argument("mode", choices=["loopback", "whep", "whip", "whep-data", "page", "publish-page"]); ap.add_argument("url", nargs="?")
ap.add_argument("--codec"); ap.add_argument("--audio"); ap.add_argument("--seconds", type=float)
ap.add_argument("--repeat", type=int, help="whep: N viewers one after another")
ap.add_argument("--gap-ms", type=int, help="whep --repeat: random pause 0..MS before each viewer")
ap.add_argument("--progress", action="store_true", help="print progress lines while running")
ap.add_argument("--trickle", action="store_true", help="whep: trickle ICE over PATCH")
ap.add_argument("--restart-after", type=float, help="whep: ICE restart S s after the first frame")
ap.add_argument("--token", help="whep/whip: bearer token")
ap.add_argument("--hold", action="store_true", help="whep: keep the session after --seconds until --stop-file exists")
ap.add_argument("--bundle-only", action="store_true",
                help="whep: POST the offer with port 0 + a=bundle-only sections after the first (RFC 8843)")
ap.add_argument("--expect", type=int, help="whep-data: messages to receive")
ap.add_argument("--send", type=int, help="whep-data: messages to send after the first one arrives")
ap.add_argument("--label", help="whep-data: the channel's label")
ap.add_argument("--data-send", type=int, help="whip: data channel messages to send once it is open")
ap.add_argument("--stop-file", help="whip/publish-page: stop publishing once this file exists")
ap.add_argument("--timeout", type=float, default=40); ap.add_argument("--screenshot")
ap.add_argument("--console", action="store_true", help="print the page's console log to stderr")
ap.add_argument("--chromium", default="/usr/lib/chromium/chromium")
ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
a = ap.parse_args()
if a.mode != "loopback" and not a.url:
    ap.error(f"{a.mode} needs a URL")

httpd = None
if a.mode in ("page", "publish-page"):
    url = a.url
else:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=WEB))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    params = {k: v for k, v in {"codec": a.codec, "audio": a.audio, "seconds": a.seconds,
              "repeat": a.repeat, "gapMs": a.gap_ms, "token": a.token, "restartAfter": a.restart_after,
              "expect": a.expect, "send": a.send, "label": a.label, "dataSend": a.data_send,
              "trickle": 1 if a.trickle else None, "hold": 1 if a.hold else None, "bundleOnly": 1 if a.bundle_only else None}.items() if v is not None}
    if a.mode in ("whep", "whip"):
        params[a.mode] = a.url
    if a.mode == "whep-data":
        params["whep"] = a.url
    page = {"loopback": "loopback.html", "whep": "whep.html", "whip": "whip.html",
            "whep-data": "datachannel.html"}[a.mode]
    url = f"http://127.0.0.1:{httpd.server_port}/{page}?{urllib.parse.urlencode(params)}"

profile = tempfile.mkdtemp(prefix="rtcbridge-chromium-")
o = webdriver.ChromeOptions()
o.binary_location = a.chromium
for flag in FLAGS + [f"--user-data-dir={profile}"]:
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
result.pop("live", None)
print(json.dumps(result), flush=True)
sys.exit(0 if result.get("ok") else 1)
