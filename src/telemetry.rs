//! Logging through `tracing` to stderr (journald picks it up under systemd).
//! Log lines carry ids, counts and durations; never names, birth dates or answers.

use tracing_subscriber::EnvFilter;

/// Installs the process-wide subscriber. `verbosity` 0 = info, 1 = debug, 2+ = trace;
/// RUST_LOG, when set, wins.
pub fn init(verbosity: u8) {
    let default = match verbosity {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // journald adds its own timestamps; a terminal user still wants them.
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true);
    // An error only means a subscriber is already installed (tests); keep that one.
    let _already_installed = if under_journald {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
}
