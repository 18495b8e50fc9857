#!/usr/bin/env python3
"""browser.py — drive Debian's headless Chromium (its real WebRTC stack) through chromedriver.

Used by the RTCBridge interop tests (Tests/InteropTests) and by first-frame-bench.py; run it with a
python that has selenium (default venv: /root/.cache/rtcbridge-venv, see scripts/install-deps.sh).

  browser.py loopback [--codec H264|VP8] [--seconds 3]     # pc1 -> pc2 in one page, no server
  browser.py whep URL [--codec C] [--audio 0] [--seconds 3] [--repeat N --gap-ms MS] [--progress]
  browser.py page URL [--seconds 2]                       # open URL, wait until its <video> plays
  common: [--timeout 40] [--screenshot out.png] [--console] [--chromium PATH] [--chromedriver PATH]

loopback/whep serve web/*.html (next to this script) from a throwaway HTTP server on
127.0.0.1:<random port>, so the WHEP endpoint is another origin and must answer CORS. `page` opens
URL itself (the gateway's own player page) and watches the first <video> element.
Prints one JSON line (the page's result) and exits 0 when result.ok. With --progress it also prints
`progress framesDecoded=N conn=STATE` lines about every 250 ms while the page runs.
Run it inside a loopback-only network namespace: there Chromium can only gather 127.0.0.1.
"""
import argparse, functools, http.server, json, shutil, sys, tempfile, threading, time, urllib.parse
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
PAGE_PROBE = """
const v = document.querySelector('video'); const r = window.__probe ||= {start: null};
if (!v) return {done: false, note: 'no video element'};
const st = document.getElementById('status');
const cur = {videoWidth: v.videoWidth, videoHeight: v.videoHeight, currentTime: v.currentTime,
             paused: v.paused, readyState: v.readyState, status: st ? st.textContent : null};
if (v.videoWidth > 0 && r.start === null) r.start = v.currentTime;
cur.advanced = r.start === null ? 0 : v.currentTime - r.start;
cur.done = cur.advanced >= arguments[0]; cur.ok = cur.done;
return cur;
"""

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["loopback", "whep", "page"]); ap.add_argument("url", nargs="?")
ap.add_argument("--codec"); ap.add_argument("--audio"); ap.add_argument("--seconds", type=float)
ap.add_argument("--repeat", type=int, help="whep: N viewers one after another")
ap.add_argument("--gap-ms", type=int, help="whep --repeat: random pause 0..MS before each viewer")
ap.add_argument("--progress", action="store_true", help="print progress lines while running")
ap.add_argument("--timeout", type=float, default=40); ap.add_argument("--screenshot")
ap.add_argument("--console", action="store_true", help="print the page's console log to stderr")
ap.add_argument("--chromium", default="/usr/lib/chromium/chromium")
ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
a = ap.parse_args()
if a.mode != "loopback" and not a.url:
    ap.error(f"{a.mode} needs a URL")

httpd = None
if a.mode == "page":
    url = a.url
else:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=WEB))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    params = {k: v for k, v in {"codec": a.codec, "audio": a.audio, "seconds": a.seconds,
              "repeat": a.repeat, "gapMs": a.gap_ms}.items() if v is not None}
    if a.mode == "whep":
        params["whep"] = a.url
    page = {"loopback": "loopback.html", "whep": "whep.html"}[a.mode]
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
        if a.mode == "page":
            result = drv.execute_script(PAGE_PROBE, a.seconds if a.seconds is not None else 2)
        else:
            result = drv.execute_script("return window.result") or result
        if a.progress and time.monotonic() - last_progress >= 0.25:
            last_progress = time.monotonic()
            live = result.get("live") or {}
            print(f"progress framesDecoded={live.get('framesDecoded', 0)} conn={live.get('conn')}",
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
