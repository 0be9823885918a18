//! Memory over a long day: 10,000 check-ins through the kiosk's real UI (Slint's testing
//! backend: the real screens, adapters and controller, no pixels) on a real database
//! file, each by scanning the reminder code, "Yes, check me in" and "Done". Prints
//! the process's RSS before, every 1,000 check-ins and after; the budget is "flat".
//! `cargo bench --bench memory` (BENCH_MEMORY_CHECK_INS=n for a shorter run).

use std::time::Instant;

use checkin_kiosk::config::Config;
use slint::platform::WindowEvent;
use slint::ComponentHandle;

mod common;
#[path = "../tests/util/mod.rs"]
mod util;

use common::{record, roster};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::var("BENCH_MEMORY_CHECK_INS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let config = Config {
        forms: checkin_kiosk::config::FormsConfig::none(),
        ..Config::default()
    };
    let k = util::start_kiosk(config);
    let day = roster(n + 1);
    {
        let mut c = k.controller.borrow_mut();
        let store = c.service_mut().store_mut();
        store
            .replace_roster(util::test_now().date(), &day)
            .expect("roster");
    }
    let check_in = |code: &str| {
        let window = k.window.window();
        for c in code.chars().chain(std::iter::once('\n')) {
            window.dispatch_event(WindowEvent::KeyPressed {
                text: c.to_string().into(),
            });
            window.dispatch_event(WindowEvent::KeyReleased {
                text: c.to_string().into(),
            });
        }
        k.tap_tr("confirm.yes");
        k.tap_tr("done.finish");
    };
    // The first one warms every screen up; "before" is measured after it.
    check_in(&day[n].code);
    let before = rss_kib();
    let started = Instant::now();
    let mut curve = vec![(0usize, before)];
    for (i, a) in day[..n].iter().enumerate() {
        check_in(&a.code);
        if (i + 1) % 1000 == 0 || i + 1 == n {
            curve.push((i + 1, rss_kib()));
            eprintln!("{} check-ins, RSS {} KiB", i + 1, rss_kib());
        }
    }
    let took = started.elapsed();
    let checked_in = k.count("check_ins");
    assert_eq!(checked_in as usize, n + 1, "every check-in committed");
    let after = rss_kib();
    let peak = curve.iter().map(|(_, r)| *r).max().unwrap_or(after);
    println!(
        "memory: RSS {:.1} MB before, {:.1} MB after {n} check-ins through the UI (peak {:.1} MB, {:+.1} MB; {:.1} s, {:.1} ms per check-in)",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        peak as f64 / 1024.0,
        (after as f64 - before as f64) / 1024.0,
        took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / n as f64
    );
    record(serde_json::json!({
        "name": "rss_over_check_ins", "check_ins": n,
        "before_mb": before as f64 / 1024.0, "after_mb": after as f64 / 1024.0,
        "peak_mb": peak as f64 / 1024.0,
        "curve_kib": curve,
    }));
}
