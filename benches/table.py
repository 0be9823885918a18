#!/usr/bin/env python3
"""Prints the benchmark table (Markdown) from the JSON lines scripts/bench.sh collected."""
import json
import sys


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, dict):
        return f"{v['median']:.1f}{unit} ({v['min']:.1f} to {v['max']:.1f})"
    return f"{v:.3f}{unit}" if v < 10 else f"{v:.1f}{unit}"


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    by = {}
    for r in rows:
        by[r["name"]] = r
    out = ["| Figure | Check-in Kiosk | Chromium web kiosk (same run) | Ratio | Budget | Met |",
           "|---|---|---|---|---|---|"]

    def row(name, ours, theirs="", ratio="", budget="", met=None):
        mark = "" if met is None else ("yes" if met else "**no**")
        out.append(f"| {name} | {ours} | {theirs} | {ratio} | {budget} | {mark} |")

    ui = by.get("ui_vs_chromium")
    if ui:
        for key, label, unit, factor, budget in [
            ("first_frame_ms", "Start to first frame on screen", " ms", 25, "25x faster, about 60 ms"),
            ("first_screen_ms", "Start to the finished first screen", " ms", None, ""),
            ("peak_pss_mb", "Peak PSS over a full check-in", " MB", 20, "20x smaller, < 20 MB"),
            ("peak_rss_mb", "Peak RSS over a full check-in", " MB", None, ""),
        ]:
            k, c = ui.get(f"kiosk_{key}"), ui.get(f"chromium_{key}")
            if not k:
                continue
            ratio = c["median"] / k["median"] if c and k["median"] else None
            met = None
            if factor and ratio is not None:
                limit = 60 if key == "first_frame_ms" else 20
                met = ratio >= factor and k["median"] <= limit
            row(label, fmt(k, unit), fmt(c, unit), f"{ratio:.1f}x" if ratio else "", budget, met)
        if ui.get("chromium_fcp_ms"):
            row("Chromium's own first-contentful-paint", "", fmt(ui["chromium_fcp_ms"], " ms"))
        if "kiosk_idle_cpu_percent" in ui:
            k, c = ui["kiosk_idle_cpu_percent"], ui.get("chromium_idle_cpu_percent")
            row("Idle CPU on the welcome screen (60 s)", f"{k:.2f} %",
                f"{c:.2f} %" if c is not None else "", "", "< 1 %", k < 1.0)
    for name, label, budget in [("confirm_durable", "Confirm -> check-in + outbox durable", 5.0),
                                ("check_in_commit", "  of which the commit alone (no estimate)", None),
                                ("bare_fsync_insert", "Bare fsync'd SQLite insert, same disk", None),
                                ("roster_lookup_5000", "Roster look-up among 5,000", 1.0)]:
        r = by.get(name)
        if r:
            row(f"{label} (n={r['n']})", f"p50 {r['p50']:.3f} ms, p99 {r['p99']:.3f} ms",
                budget=f"p99 < {budget} ms" if budget else "",
                met=(r["p99"] < budget) if budget else None)
    drains = {r["name"]: r for r in rows if r["name"].startswith("sync_drain_batch_")}
    one = drains.get("sync_drain_batch_1")
    for name in sorted(drains, key=lambda n: -int(n.rsplit("_", 1)[1])):
        r = drains[name]
        batch = name.rsplit("_", 1)[1]
        speed = one["seconds"] / r["seconds"] if one and batch != "1" else None
        row(f"Sync drain of {r['check_ins']:,} check-ins, {'one request each' if batch == '1' else 'batches of ' + batch}",
            f"{r['seconds']:.1f} s ({r['per_second']:.0f}/s, {r['requests']} requests)",
            ratio=f"{speed:.1f}x vs one each" if speed else "",
            budget="5x faster than one each" if batch == "20" else "",
            met=(speed >= 5) if batch == "20" and speed else None)
    m = by.get("rss_over_check_ins")
    if m:
        grew = m["after_mb"] - m["before_mb"]
        curve = m.get("curve_kib", [])
        # After the first thousand, SQLite's page cache (2 MB cap) has filled: what grows
        # from there on is what would grow without bound.
        late = (curve[-1][1] - curve[1][1]) / 1024 if len(curve) > 2 else grew
        row(f"RSS before / after {m['check_ins']:,} check-ins (UI, testing backend)",
            f"{m['before_mb']:.1f} MB / {m['after_mb']:.1f} MB ({grew:+.1f} MB; {late:+.1f} MB after the first 1,000)",
            budget="flat", met=late < 0.05 * m["before_mb"])
    b = by.get("binary_size")
    if b:
        row("Stripped release binary", f"{b['mb']:.1f} MB", budget="< 15 MB", met=b["mb"] < 15)
    print("\n".join(out))


if __name__ == "__main__":
    main()
