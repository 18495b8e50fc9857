#!/usr/bin/env python3
"""first-frame-bench.py — time from WHEP POST to the first decoded frame, as Chromium sees it.

  sudo first-frame-bench.py [--viewers 10] [--gop-seconds 2] [--gap-ms 2000] [--source rtp|demo]
                            [--bin PATH] [--python PATH] [--json OUT.json] [--keep-logs]

In a fresh loopback-only network namespace: ffmpeg sends H.264 (baseline, zerolatency, a keyframe
every --gop-seconds at 30 fps) + Opus as plain RTP, `rtcbridge serve --path cam=<sdp>` ingests it,
and one headless Chromium opens N WHEP viewers one after another. Before each viewer the page
pauses a random 0..--gap-ms (default: one GOP), so viewers join at random offsets into the GOP;
each plays 0.5 s after its first frame and is DELETEd. Prints one row per viewer and
`first-frame-ms viewers=N p50=… p95=… min=… max=…` (nearest-rank percentiles). Exit 1 when a
viewer never got a frame. With --source demo it measures the embedded clip instead.

Defaults: the binary is $RTCBRIDGE_BIN, else .build/release/rtcbridge, else .build/debug/rtcbridge
(of the package this script lives in); the selenium python is $RTCBRIDGE_PYTHON, else
/root/.cache/rtcbridge-venv/bin/python (scripts/install-deps.sh --test makes it). Needs root.
"""
import argparse, json, math, os, signal, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

def default_bin():
    if os.environ.get("RTCBRIDGE_BIN"):
        return os.environ["RTCBRIDGE_BIN"]
    for flavour in ("release", "debug"):
        candidate = ROOT / ".build" / flavour / "rtcbridge"
        if candidate.exists():
            return str(candidate)
    return str(ROOT / ".build" / "release" / "rtcbridge")

ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
ap.add_argument("--viewers", type=int, default=10)
ap.add_argument("--gop-seconds", type=float, default=2.0)
ap.add_argument("--gap-ms", type=int, help="random pause before each viewer (default: one GOP)")
ap.add_argument("--source", choices=["rtp", "demo"], default="rtp")
ap.add_argument("--bin", default=default_bin())
ap.add_argument("--python", default=os.environ.get("RTCBRIDGE_PYTHON", "/root/.cache/rtcbridge-venv/bin/python"))
ap.add_argument("--json", help="also write the results here")
ap.add_argument("--keep-logs", action="store_true")
ap.add_argument("--inside", help=argparse.SUPPRESS)  # set when re-executed inside the namespace
a = ap.parse_args()
gap_ms = a.gap_ms if a.gap_ms is not None else int(a.gop_seconds * 1000)

def percentile(values, p):  # nearest rank
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

# Outside: make the namespace, run this script again inside it, always delete the namespace.
if not a.inside:
    if os.geteuid() != 0:
        sys.exit("first-frame-bench.py needs root (network namespaces)")
    for path, what in [(a.bin, "rtcbridge binary (build it or pass --bin)"), (a.python, "selenium python")]:
        if not os.access(path, os.X_OK):
            sys.exit(f"missing {what}: {path}")
    ns = f"rtcb-bench-{os.getpid()}"
    logs = tempfile.mkdtemp(prefix="rtcbridge-bench-")
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        rc = subprocess.call(["ip", "netns", "exec", ns, sys.executable, __file__, *sys.argv[1:],
                              "--inside", logs])
    finally:
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
        for pid in pids:
            try: os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError): pass
        subprocess.run(["ip", "netns", "delete", ns])
        if a.keep_logs or rc:
            print(f"logs: {logs}", file=sys.stderr)
        else:
            subprocess.run(["rm", "-rf", logs])
    sys.exit(rc)

# Inside the namespace.
logs = Path(a.inside)
children = []

def start(name, argv):
    out = open(logs / f"{name}.out", "w"); err = open(logs / f"{name}.err", "w")
    p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
    children.append(p)
    return p

def stop_all():
    for p in reversed(children):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 3
    for p in children:
        try: p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired: os.killpg(p.pid, signal.SIGKILL); p.wait(timeout=2)

def wait_for(what, predicate, timeout, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{what}: process exited with {proc.returncode} (logs: {logs})")
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what} (logs: {logs})")

try:
    per_viewer_s = gap_ms / 1000 + 3
    paths = ["--path", "cam=demo"]
    if a.source == "rtp":
        duration = int(a.viewers * per_viewer_s + 40)
        gop = max(1, round(a.gop_seconds * 30))
        sdp = logs / "camera.sdp"
        ffmpeg = start("ffmpeg", [
            "ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
            "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=30:duration={duration}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={duration}",
            "-map", "0:v", "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast",
            "-tune", "zerolatency", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-bf", "0",
            "-pix_fmt", "yuv420p", "-b:v", "1M", "-payload_type", "96", "-f", "rtp",
            "rtp://127.0.0.1:5004?pkt_size=1200",
            "-map", "1:a", "-c:a", "libopus", "-b:a", "64k", "-ac", "2", "-ar", "48000", "-frame_duration", "20",
            "-payload_type", "111", "-f", "rtp", "rtp://127.0.0.1:5006?pkt_size=1200", "-sdp_file", str(sdp)])
        wait_for("the SDP file", lambda: sdp.exists() and "m=audio" in sdp.read_text(), 10, ffmpeg)
        paths = ["--path", f"cam={sdp}"]
    gateway = start("rtcbridge", [a.bin, "serve", *paths, "--cors-origin", "*", "--http", "127.0.0.1:0", "--webrtc-udp", "0",
                                  "--ice-host", "127.0.0.1", "--log-level", "warning"])

    def ready_line():
        for line in (logs / "rtcbridge.out").read_text().splitlines():
            if line.startswith("rtcbridge ready http="):
                return line.split("http=")[1].split()[0].rstrip("/")
    base = wait_for("the rtcbridge ready line", ready_line, 20, gateway)

    def cam_ready():
        try:
            stats = json.load(urllib.request.urlopen(base + "/api/stats", timeout=2))
            return any(p["name"] == "cam" and p["ready"] for p in stats["paths"])
        except OSError:
            return False
    wait_for("path cam to be ready", cam_ready, 15, gateway)

    timeout = int(a.viewers * (per_viewer_s + 15) + 20)
    browser = subprocess.run(
        [a.python, str(HERE / "browser.py"), "whep", base + "/cam/whep", "--repeat", str(a.viewers),
         "--gap-ms", str(gap_ms), "--seconds", "0.5", "--timeout", str(timeout)],
        capture_output=True, text=True, timeout=timeout + 30)
    (logs / "browser.err").write_text(browser.stderr)
    lines = [line for line in browser.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"browser.py printed no result (logs: {logs})\n{browser.stderr[-2000:]}")
    result = json.loads(lines[-1])
    viewers = result.get("viewers") or []
    print(f"{'viewer':>6} {'pause ms':>9} {'first frame ms':>15} {'POST ms':>8}  error")
    for i, v in enumerate(viewers, 1):
        print(f"{i:>6} {v.get('delayMs', ''):>9} {str(v.get('firstFrameMs')):>15} {str(v.get('postMs', '')):>8}"
              f"  {v.get('error') or ''}")
    times = [v["firstFrameMs"] for v in viewers if isinstance(v.get("firstFrameMs"), int)]
    summary = {"viewers": len(viewers), "withFrames": len(times), "gopSeconds": a.gop_seconds, "source": a.source}
    if times:
        summary.update(p50=percentile(times, 50), p95=percentile(times, 95), min=min(times), max=max(times))
        print(f"first-frame-ms viewers={len(times)} p50={summary['p50']} p95={summary['p95']} "
              f"min={summary['min']} max={summary['max']} (gop {a.gop_seconds} s, source {a.source})")
    if a.json:
        Path(a.json).write_text(json.dumps({"summary": summary, "viewers": viewers}, indent=2))
    if not result.get("ok") or len(times) != a.viewers:
        print(f"FAILED: {a.viewers - len(times)} viewer(s) without a frame; {result.get('error') or ''}",
              file=sys.stderr)
        sys.exit(1)
finally:
    stop_all()
