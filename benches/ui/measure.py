#!/usr/bin/env python3
"""Check-in Kiosk against a web check-in page in a Chromium kiosk, on one Xvfb at 1280x800,
runs alternated A B A B (the same method as ../shared/baseline/chromium-kiosk/measure.py,
with our own page, benches/ui/web/index.html, and our own measuring code).

Per run, for both:
  * start: ms from spawning the program to (a) the first frame on the X screen (the first
    grab of the root window that is not the empty black root) and (b) the first frame of the
    finished first screen (from that grab on, the screen equals what it shows at rest).
    Both come from grabbing the X server's screen (libX11 XGetImage, every few ms), the same
    probe for both programs. Chromium's own first-contentful-paint is printed beside it.
  * memory: peak summed PSS and RSS (MB) of the program's processes, sampled from /proc every
    50 ms, over start and a full check-in done with real X input (xdotool): the kiosk gets
    its reminder code typed as a USB scanner would and "Yes, check me in" clicked (then shows
    the ticket); Chromium gets Tab/Enter and the name and birth date typed into its form.
  * the kiosk's database is read after each run: one check-in, or the run is an error.
Once per program: CPU over --idle seconds on the welcome screen (utime+stime of the tree).

Usage: measure.py --kiosk target/release/checkin-kiosk [--runs 5] [--warmup 1] [--idle 60]
                  [--results FILE (JSON lines)]
Needs: Xvfb, xdotool, chromium (scripts/bench.sh installs them).
"""
import argparse
import ctypes
import http.server
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 1280, 800
DISPLAY = ":97"
SAMPLE_S = 0.05
SETTLE_S = 3.0
CHROMIUM_FLAGS = [
    "--kiosk", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic", "--noerrdialogs", "--password-store=basic",
    "--window-size=1280,800", "--window-position=0,0",
]
# The kiosk's "Yes, check me in" at 1280x800 (docs/screenshots/confirm-en-1280x800.png).
KIOSK_YES = (1000, 505)
SCAN_CODE = "CKI-NGU901"


# ---- the screen probe: libX11 through ctypes (no Python X library needed) ----
class XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.c_void_p), ("byte_order", ctypes.c_int),
                ("bitmap_unit", ctypes.c_int), ("bitmap_bit_order", ctypes.c_int),
                ("bitmap_pad", ctypes.c_int), ("depth", ctypes.c_int),
                ("bytes_per_line", ctypes.c_int), ("bits_per_pixel", ctypes.c_int)]


class Screen:
    def __init__(self, display):
        self.x = ctypes.CDLL("libX11.so.6")
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x.XGetImage.restype = ctypes.POINTER(XImage)
        self.x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        self.x.XFree.argtypes = [ctypes.c_void_p]
        self.d = self.x.XOpenDisplay(display.encode())
        if not self.d:
            raise RuntimeError(f"cannot open X display {display}")
        self.root = self.x.XDefaultRootWindow(self.d)

    def grab(self):
        """A sample of the screen's pixels (every 997th byte of the 1280x800 frame)."""
        img = self.x.XGetImage(self.d, self.root, 0, 0, W, H, 0xFFFFFFFF, 2)  # ZPixmap
        if not img:
            return b""
        size = img.contents.bytes_per_line * img.contents.height
        data = ctypes.string_at(img.contents.data, size)
        self.x.XFree(img.contents.data)
        self.x.XFree(img)
        return data[::997]


def watch_start(screen, t0, blank, until_s):
    """Grabs the screen until `until_s` after the first non-blank frame; returns
    (first frame ms, finished first screen ms) after t0, or (None, None)."""
    frames = []
    first = None
    deadline = time.time() + 60
    while time.time() < deadline:
        sig = screen.grab()
        now = time.time()
        frames.append((now, sig))
        if first is None and sig != blank:
            first = now
            deadline = now + until_s
    if first is None:
        return None, None
    final = frames[-1][1]
    settled = first
    for t, sig in frames:
        if sig != final:
            settled = None
        elif settled is None:
            settled = t
    settled = settled or frames[-1][0]
    return round((first - t0) * 1000, 1), round((settled - t0) * 1000, 1)


# ---- processes and memory ----
def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
                kids.setdefault(int(st[st.rindex(")") + 2:].split()[1]), []).append(int(d))
            except (OSError, ValueError):
                pass
    return kids


def tree(root, marker=None):
    kids, seen, stack = children_map(), set(), [root]
    while stack:
        p = stack.pop()
        if p not in seen:
            seen.add(p)
            stack.extend(kids.get(p, []))
    if marker:  # helpers re-parented away from the tree that name this run's profile
        for d in os.listdir("/proc"):
            if d.isdigit() and int(d) not in seen:
                try:
                    with open(f"/proc/{d}/cmdline", "rb") as f:
                        if marker.encode() in f.read():
                            seen.add(int(d))
                except OSError:
                    pass
    return seen


def mem_kb(pid):
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


CLK = os.sysconf("SC_CLK_TCK")


def cpu_s(pids):
    t = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                st = f.read()
            fields = st[st.rindex(")") + 2:].split()
            t += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return t / CLK


class Sampler(threading.Thread):
    def __init__(self, root, marker):
        super().__init__(daemon=True)
        self.root, self.marker = root, marker
        self.stop = threading.Event()
        self.peak_rss = self.peak_pss = 0

    def run(self):
        while not self.stop.is_set():
            rss = pss = 0
            for p in tree(self.root, self.marker):
                r, s = mem_kb(p)
                rss += r
                pss += s
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            time.sleep(SAMPLE_S)


def xdotool(*args):
    subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=DISPLAY), check=True)


def focus_window_under_pointer():
    """Xvfb has no window manager: give the program's window the keyboard, as a kiosk
    session (cage, or the only window on the display) does."""
    xdotool("mousemove", "640", "400")
    where = subprocess.run(["xdotool", "getmouselocation", "--shell"], capture_output=True,
                           text=True, env=dict(os.environ, DISPLAY=DISPLAY)).stdout
    window = dict(l.split("=", 1) for l in where.split() if "=" in l).get("WINDOW")
    if window:
        xdotool("windowfocus", "--sync", window)


# ---- the web page's server: static files plus /report?... ----
class Reports:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def wait(self, run, what, timeout):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                for r in self.items:
                    if r.get("run") == str(run) and r.get("what") == what:
                        return r
            time.sleep(0.02)
        return None


def serve(reports):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=os.path.join(HERE, "web"), **k)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path == "/report":
                with reports.lock:
                    reports.items.append(dict(urllib.parse.parse_qsl(url.query)))
                self.send_response(204)
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


# ---- one run of each program ----
def stop_tree(proc, marker=None):
    pids = tree(proc.pid, marker)
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except OSError:
        pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def run_kiosk(args, screen, blank, run_id, hold):
    work = tempfile.mkdtemp(prefix="kiosk-bench-")
    config = os.path.join(work, "kiosk.toml")
    with open(config, "w") as f:
        # The demo practice, no intake forms: the same three steps as the web page.
        f.write('practice_name = "Riverside Family Clinic"\n[forms]\nwalk_in = []\n'
                '[forms.appointment_types]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKIN_KIOSK_")}
    env.update(DISPLAY=DISPLAY, SLINT_BACKEND=args.kiosk_backend)
    env.pop("WAYLAND_DISPLAY", None)
    t0 = time.time()
    proc = subprocess.Popen([args.kiosk, "--config", config, "--data-dir", work, "run"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    sampler = Sampler(proc.pid, None)
    sampler.start()
    first, ready = watch_start(screen, t0, blank, SETTLE_S)
    welcome = screen.grab()
    focus_window_under_pointer()
    xdotool("type", "--delay", "15", SCAN_CODE)
    xdotool("key", "Return")
    time.sleep(1.0)
    confirm = screen.grab()
    xdotool("mousemove", str(KIOSK_YES[0]), str(KIOSK_YES[1]), "click", "1")
    time.sleep(1.0)
    done = screen.grab()
    time.sleep(hold)
    sampler.stop.set()
    sampler.join()
    stop_tree(proc)
    db = sqlite3.connect(os.path.join(work, "kiosk.db"))
    check_ins = db.execute("SELECT COUNT(*) FROM check_ins").fetchone()[0]
    db.close()
    shutil.rmtree(work, ignore_errors=True)
    out = {"program": "kiosk", "run": run_id, "first_frame_ms": first, "first_screen_ms": ready,
           "peak_pss_mb": round(sampler.peak_pss / 1024, 1),
           "peak_rss_mb": round(sampler.peak_rss / 1024, 1)}
    if check_ins != 1 or len({welcome, confirm, done}) != 3:
        out["error"] = f"the scripted check-in did not complete ({check_ins} check-ins)"
    return out


def run_chromium(args, screen, blank, run_id, hold, port, reports):
    prof = tempfile.mkdtemp(prefix="chromium-bench-")
    url = f"http://127.0.0.1:{port}/index.html?run={run_id}"
    t0 = time.time()
    proc = subprocess.Popen([args.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={prof}", url],
                            env=dict(os.environ, DISPLAY=DISPLAY), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    sampler = Sampler(proc.pid, prof)
    sampler.start()
    first, ready = watch_start(screen, t0, blank, SETTLE_S)
    load = reports.wait(run_id, "load", 30)
    welcome = screen.grab()
    focus_window_under_pointer()
    xdotool("key", "Tab", "Return")
    time.sleep(0.5)
    xdotool("key", "Tab")
    xdotool("type", "--delay", "15", "Nguyen")
    xdotool("key", "Tab")
    xdotool("type", "--delay", "15", "11231990")
    xdotool("key", "Return")
    time.sleep(1.0)
    done = screen.grab()
    time.sleep(hold)
    sampler.stop.set()
    sampler.join()
    stop_tree(proc, prof)
    shutil.rmtree(prof, ignore_errors=True)
    out = {"program": "chromium", "run": run_id, "first_frame_ms": first, "first_screen_ms": ready,
           "fcp_ms": round(float(load["fcp"]) - t0 * 1000, 1) if load else None,
           "peak_pss_mb": round(sampler.peak_pss / 1024, 1),
           "peak_rss_mb": round(sampler.peak_rss / 1024, 1)}
    if not load or welcome == done:
        out["error"] = "the page did not load or the scripted check-in did not change the screen"
    return out


def idle_cpu(cmd, env, seconds, marker=None):
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(5)
    pids = tree(proc.pid, marker)
    c0, t0 = cpu_s(pids), time.time()
    time.sleep(seconds)
    pids = tree(proc.pid, marker)
    c1, t1 = cpu_s(pids), time.time()
    stop_tree(proc, marker)
    return round(100 * (c1 - c0) / (t1 - t0), 2)


def summary(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiosk", required=True)
    ap.add_argument("--kiosk-backend", default="winit-software")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--hold", type=float, default=3.0)
    ap.add_argument("--idle", type=float, default=60.0)
    ap.add_argument("--results")
    a = ap.parse_args()

    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{W}x{H}x24", "-nolisten", "tcp",
                             "-br"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reports = Reports()
    httpd = serve(reports)
    port = httpd.server_address[1]
    results = []
    try:
        time.sleep(1.0)
        screen = Screen(DISPLAY)
        blank = screen.grab()
        for i in range(a.warmup + a.runs):
            for program in ("chromium", "kiosk"):  # A B A B ...
                run_id = f"{program}-{i}"
                if program == "kiosk":
                    r = run_kiosk(a, screen, blank, run_id, a.hold)
                else:
                    r = run_chromium(a, screen, blank, run_id, a.hold, port, reports)
                r["warmup"] = i < a.warmup
                print(json.dumps(r), flush=True)
                results.append(r)
                time.sleep(1.0)
        idle = {}
        if a.idle > 0:
            env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKIN_KIOSK_")}
            env.update(DISPLAY=DISPLAY, SLINT_BACKEND=a.kiosk_backend)
            work = tempfile.mkdtemp(prefix="kiosk-idle-")
            idle["kiosk"] = idle_cpu([a.kiosk, "--data-dir", work, "run"], env, a.idle)
            shutil.rmtree(work, ignore_errors=True)
            prof = tempfile.mkdtemp(prefix="chromium-idle-")
            idle["chromium"] = idle_cpu(
                [a.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={prof}",
                 f"http://127.0.0.1:{port}/index.html?run=idle"],
                dict(os.environ, DISPLAY=DISPLAY), a.idle, prof)
            shutil.rmtree(prof, ignore_errors=True)
    finally:
        httpd.shutdown()
        xvfb.terminate()
        xvfb.wait()

    measured = [r for r in results if not r["warmup"]]
    errors = [r for r in measured if "error" in r]
    out = {"chromium_version": subprocess.run([a.chromium, "--version"], capture_output=True,
                                              text=True).stdout.strip(),
           "kiosk_backend": a.kiosk_backend, "runs": a.runs, "errors": len(errors)}
    for program in ("kiosk", "chromium"):
        ok = [r for r in measured if r["program"] == program and "error" not in r]
        for k in ("first_frame_ms", "first_screen_ms", "fcp_ms", "peak_pss_mb", "peak_rss_mb"):
            s = summary([r.get(k) for r in ok])
            if s:
                out[f"{program}_{k}"] = s
        if program in idle:
            out[f"{program}_idle_cpu_percent"] = idle[program]
    print(json.dumps(out, indent=1))
    if a.results:
        with open(a.results, "a") as f:
            f.write(json.dumps({"name": "ui_vs_chromium", **out}) + "\n")
    if errors:
        print(f"{len(errors)} run(s) failed: {[r['error'] for r in errors]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
