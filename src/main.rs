//! `checkin-kiosk`: the kiosk and its tools. The only place anyhow is used.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use slint::ComponentHandle;

use checkin_kiosk::app::{CheckInService, ServiceConfig, SystemClock};
use checkin_kiosk::config::{self, Config, ConfigLayers};
use checkin_kiosk::store::{DatabaseKey, Store};
use checkin_kiosk::sync::{self, SyncConfig, Syncer};
use checkin_kiosk::ui::render::{self, Look, RenderJob, Scene};
use checkin_kiosk::ui::staff::StaffSetup;
use checkin_kiosk::ui::{connect, UiSettings};
use checkin_kiosk::{systemd, telemetry, BoardWindow, MainWindow};

#[derive(Parser)]
#[command(
    name = "checkin-kiosk",
    version,
    about = "Patient check-in kiosk for medical waiting rooms"
)]
struct Cli {
    /// Configuration file (default: /etc/checkin-kiosk/kiosk.toml when it exists).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Where the local database lives (overrides the configuration).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// The practice's FHIR R4 base URL (overrides `server_url` in the configuration).
    #[arg(long, global = true, value_name = "URL")]
    server: Option<String>,
    /// More log detail: -v debug, -vv trace. Logs never contain patient data.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Clone)]
enum Command {
    /// Start the kiosk (the default). With no server configured it runs the demo practice.
    Run {
        /// Cover the whole screen (for kiosk images).
        #[arg(long)]
        fullscreen: bool,
    },
    /// Talk to the practice server once: check it answers, pull today's schedule, push
    /// every pending check-in; print what happened. For IT testing an endpoint.
    Sync {
        /// One pass, then exit (non-zero when something failed).
        #[arg(long, required = true)]
        once: bool,
    },
    /// Print the demo practice (today, around now) as a FHIR transaction Bundle, to load
    /// into a FHIR server (see the README: running against a local FHIR server).
    DemoBundle {
        /// Write it to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check configuration, database key, database integrity, display, fonts, forms and
    /// the server; print each as ok or a precise problem with its fix. Changes nothing.
    /// Exits non-zero when something fails.
    Doctor,
    /// The lobby board (tickets being called, each clinician's delay, the typical wait) in
    /// its own window, for a wall TV or a second display. Reads the kiosk's database.
    Board {
        /// Cover the whole screen.
        #[arg(long)]
        fullscreen: bool,
    },
    /// Print the argon2 hash of a staff PIN read from standard input, for `staff_pin_hash`
    /// in the configuration (the PIN itself is never stored).
    HashPin,
    /// Draw screens to PNG files with the software renderer; no display needed.
    Render {
        /// A screen name, or "all".
        #[arg(long, default_value = "all")]
        screen: String,
        /// Language codes separated by commas, or "all".
        #[arg(long, default_value = "en")]
        lang: String,
        /// Sizes as WIDTHxHEIGHT, separated by commas.
        #[arg(long, default_value = "1280x800")]
        size: String,
        #[arg(long)]
        high_contrast: bool,
        #[arg(long)]
        large_text: bool,
        /// The seated layout: every control in the lower part of the screen.
        #[arg(long)]
        seated: bool,
        /// Output folder; files are named <screen>-<lang>-<size>[-hc][-lt][-seated].png.
        #[arg(long, default_value = "screenshots")]
        out_dir: PathBuf,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.verbose);
    let command = cli
        .command
        .clone()
        .unwrap_or(Command::Run { fullscreen: false });
    if let Command::Doctor = command {
        return doctor(&cli);
    }
    let layers = load_layers(&cli)?;
    let (config, _) = layers.resolve(&[]);
    match command {
        Command::Doctor => doctor(&cli),
        Command::Run { fullscreen } => run(layers, fullscreen),
        Command::Board { fullscreen } => board(&layers, fullscreen),
        Command::HashPin => {
            let mut pin = String::new();
            std::io::stdin()
                .read_line(&mut pin)
                .context("reading the PIN from standard input")?;
            println!("{}", checkin_kiosk::app::staff_pin_hash(pin.trim())?);
            Ok(())
        }
        Command::Sync { once: _ } => sync_once(&config),
        Command::DemoBundle { out } => {
            let bundle = checkin_kiosk::fhir::demo::demo_bundle(chrono::Local::now().naive_local());
            let text = serde_json::to_string_pretty(&bundle)?;
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{text}"),
            }
            Ok(())
        }
        Command::Render {
            screen,
            lang,
            size,
            high_contrast,
            large_text,
            seated,
            out_dir,
        } => {
            let look = Look {
                high_contrast,
                large_text,
                seated,
            };
            let scenes = if screen == "all" {
                Scene::ALL.to_vec()
            } else {
                screen
                    .split(',')
                    .map(Scene::parse)
                    .collect::<Result<Vec<_>, _>>()?
            };
            let languages: Vec<String> = if lang == "all" {
                config.languages.clone()
            } else {
                lang.split(',').map(str::to_owned).collect()
            };
            let sizes = size
                .split(',')
                .map(parse_size)
                .collect::<Result<Vec<_>>>()?;
            let mut jobs = Vec::new();
            for scene in &scenes {
                for language in &languages {
                    for (width, height) in &sizes {
                        let name = format!(
                            "{}-{language}-{width}x{height}{}",
                            scene.name(),
                            look.suffix()
                        );
                        jobs.push(RenderJob {
                            scene: *scene,
                            language: language.clone(),
                            width: *width,
                            height: *height,
                            look,
                            out: out_dir.join(format!("{name}.png")),
                        });
                    }
                }
            }
            let mut service_config = ServiceConfig::from(&config);
            if service_config.qr_url_template.is_none() {
                // Pictures show the QR code as a configured practice would have it.
                service_config.qr_url_template = Some("https://queue.example.org/t/{token}".into());
            }
            // A fixed mid-morning on today's date keeps the pictures repeatable within a day.
            let now = chrono::Local::now()
                .date_naive()
                .and_hms_opt(10, 0, 0)
                .context("building the render clock")?;
            render::render(&jobs, &UiSettings::from(&config), &service_config, now)?;
            println!("wrote {} picture(s) to {}", jobs.len(), out_dir.display());
            Ok(())
        }
    }
}

/// Reads the file and environment layers, with the command line's overrides on top.
fn load_layers(cli: &Cli) -> Result<ConfigLayers> {
    let default = PathBuf::from(config::DEFAULT_CONFIG_PATH);
    let path = match &cli.config {
        Some(p) => Some(p.clone()),
        None if default.exists() => Some(default),
        None => None,
    };
    let mut layers = ConfigLayers::read(path.as_deref(), environment())?;
    if let Some(dir) = &cli.data_dir {
        layers.set_override("data_dir", &dir.to_string_lossy());
    }
    if let Some(url) = &cli.server {
        layers.set_override("server_url", url);
    }
    Ok(layers)
}

/// The configuration with the settings staff saved in `store` on top; each problem is
/// logged (and comes back for `doctor`).
fn resolve(layers: &ConfigLayers, store: Option<&Store>) -> (Config, Vec<config::ConfigProblem>) {
    let saved = match store.map(Store::settings).transpose() {
        Ok(saved) => saved.unwrap_or_default(),
        Err(e) => {
            tracing::error!(error = %e, "staff settings unreadable; using the file's values");
            Vec::new()
        }
    };
    let (config, problems) = layers.resolve(&saved);
    for problem in &problems {
        tracing::warn!(%problem, "configuration problem; using the default for this key");
    }
    (config, problems)
}

/// Loads the configuration (file and environment, no staff settings).
fn load_config(cli: &Cli) -> Result<(Config, Vec<config::ConfigProblem>)> {
    Ok(resolve(&load_layers(cli)?, None))
}

/// `doctor`: every finding printed, local ones first; exit status 1 when one failed.
fn doctor(cli: &Cli) -> Result<()> {
    use checkin_kiosk::doctor::{check_local, check_server, Verdict};
    let (config, problems) = match load_config(cli) {
        Ok(loaded) => loaded,
        Err(e) => {
            println!("FAIL configuration: {e:#}");
            println!("     fix: correct the file; every key is documented in packaging/kiosk.toml");
            std::process::exit(1);
        }
    };
    let mut findings = check_local(&config, &problems, &|k| std::env::var(k).ok());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    findings.extend(runtime.block_on(check_server(&config)));
    for f in &findings {
        println!("{f}");
    }
    if findings.iter().any(|f| f.verdict == Verdict::Fail) {
        std::process::exit(1);
    }
    Ok(())
}

/// The environment as text; a value that is not UTF-8 is read lossily rather than panicking.
fn environment() -> Vec<(String, String)> {
    std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

/// The database key named by the configuration; None when encryption is not configured.
fn database_key(config: &Config) -> Result<Option<DatabaseKey>> {
    match &config.database.key_file {
        Some(path) => Ok(Some(DatabaseKey::from_file(path)?)),
        None => {
            if !config.demo_mode() {
                tracing::warn!(
                    "no database.key_file: patient data on this kiosk is NOT encrypted at rest"
                );
            }
            Ok(None)
        }
    }
}

fn run(layers: ConfigLayers, fullscreen: bool) -> Result<()> {
    let (config, _) = layers.resolve(&[]);
    let db_path = config.data_dir.join(checkin_kiosk::store::DB_FILE_NAME);
    let key = database_key(&config)?;
    let opened =
        Store::open_or_quarantine(&db_path, key.as_ref(), chrono::Local::now().naive_local())
            .with_context(|| format!("opening the database {}", db_path.display()))?;
    // A quarantined database is logged by the store (for IT) and shown to staff.
    let quarantined = opened.quarantined.is_some();
    let store = opened.store;
    // Settings staff saved on the kiosk win over the file and the environment.
    let (config, _) = resolve(&layers, Some(&store));
    let config = &config;
    let mut service = CheckInService::new(store, SystemClock, ServiceConfig::from(config));
    let window = MainWindow::new().context("creating the kiosk window")?;
    // The sync worker: its own thread and database connection; it hears of each check-in
    // through a nudge and shows its status through the event loop.
    let sync = match SyncConfig::from_config(config)? {
        Some(sync_config) => {
            let store = Store::open_keyed(&db_path, key.as_ref())?;
            let syncer = Syncer::new(store, sync_config, SystemClock)?;
            let handle = sync::spawn(syncer, checkin_kiosk::ui::sync_status::publisher(&window))?;
            let nudger = handle.nudger();
            service.set_after_commit(move || nudger.nudge());
            Some(handle)
        }
        None => None,
    };
    if config.demo_mode() {
        let seeded = service.seed_demo()?;
        tracing::info!(
            appointments = seeded,
            "demo mode: no server configured, demo practice loaded"
        );
    }
    if fullscreen {
        window.window().set_fullscreen(true);
    }
    let controller = connect(&window, service, UiSettings::from(config));
    controller.borrow_mut().set_staff_setup(StaffSetup {
        layers,
        config: config.clone(),
        sync: sync.as_ref().map(|h| h.nudger()),
    });
    if quarantined {
        controller
            .borrow_mut()
            .set_staff_alert("staff.database_quarantined");
    }
    let status = if config.demo_mode() {
        "kiosk running the demo practice"
    } else {
        "kiosk running"
    };
    let _systemd = tell_systemd(status);
    tracing::info!(kiosk_id = %config.kiosk_id, "kiosk ready");
    window.run().context("running the kiosk window")?;
    Ok(())
}

/// Under systemd (Type=notify): ready once the event loop turns, and the watchdog fed from
/// it while the window runs. A notify socket that cannot be used is logged and the kiosk
/// runs anyway: patients are better served by a kiosk systemd may restart than by none.
fn tell_systemd(status: &str) -> Option<systemd::EventLoopNotifier> {
    match systemd::Notifier::from_env(&systemd::NotifyEnv::from_process()) {
        Ok(notifier) => notifier.map(|n| systemd::notify_from_event_loop(n, status.to_owned())),
        Err(e) => {
            tracing::error!(error = %e, "cannot tell systemd the kiosk is up");
            None
        }
    }
}

/// `board`: the lobby board in its own window, re-reading the database every second.
fn board(layers: &ConfigLayers, fullscreen: bool) -> Result<()> {
    let (config, _) = layers.resolve(&[]);
    let db_path = config.data_dir.join(checkin_kiosk::store::DB_FILE_NAME);
    let store = Store::open_keyed(&db_path, database_key(&config)?.as_ref())
        .with_context(|| format!("opening the database {}", db_path.display()))?;
    let (config, _) = resolve(layers, Some(&store));
    let service = CheckInService::new(store, SystemClock, ServiceConfig::from(&config));
    let window = BoardWindow::new().context("creating the board window")?;
    if fullscreen {
        window.window().set_fullscreen(true);
    }
    let _refresh = checkin_kiosk::ui::board::keep_board_current(
        &window,
        service,
        config.practice_name.clone(),
        config.default_language.clone(),
    );
    let _systemd = tell_systemd("lobby board running");
    tracing::info!("lobby board ready");
    window.run().context("running the board window")?;
    Ok(())
}

/// `sync --once`: the server's capability statement (informative), today's schedule, then
/// every pending check-in, batch by batch. Counts only: nothing about patients is printed.
fn sync_once(config: &Config) -> Result<()> {
    let Some(sync_config) = SyncConfig::from_config(config)? else {
        bail!("no server configured: set server_url in the configuration or pass --server URL");
    };
    let db_path = config.data_dir.join(checkin_kiosk::store::DB_FILE_NAME);
    let store = Store::open_keyed(&db_path, database_key(config)?.as_ref())
        .with_context(|| format!("opening the database {}", db_path.display()))?;
    let base = sync_config.client.base_url.clone();
    let mut syncer = Syncer::new(store, sync_config, SystemClock)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    println!("server: {base}");
    let mut ok = true;
    runtime.block_on(async {
        match syncer.client().capabilities().await {
            Ok(cs) => println!(
                "capability statement: FHIR {}, transactions {}",
                cs.fhir_version.as_deref().unwrap_or("?"),
                if cs.supports_transactions() { "supported" } else { "not listed" }
            ),
            Err(e) => println!("capability statement: not available ({e})"),
        }
        match syncer.pull().await {
            Ok(r) => println!(
                "today's schedule: {} appointments in {} page(s); left out: {} cancelled, {} not scheduled, {} without a usable patient, {} on another day",
                r.appointments,
                r.pages,
                r.skipped.cancelled,
                r.skipped.not_scheduled,
                r.skipped.unusable(),
                r.skipped.other_day
            ),
            Err(e) => {
                ok = false;
                println!("today's schedule: NOT refreshed, the previous one is kept: {e}");
            }
        }
        let mut total = sync::PushReport::default();
        loop {
            match syncer.push_batch().await {
                Ok(r) if r.sent + r.failed == 0 => break,
                Ok(r) => {
                    total.sent += r.sent;
                    total.failed += r.failed;
                    total.conflicts += r.conflicts;
                }
                Err(e) => {
                    ok = false;
                    println!("check-ins: stopped, will be retried: {e}");
                    break;
                }
            }
        }
        println!(
            "check-ins: {} sent, {} refused by the server (kept for staff), {} version conflicts re-read",
            total.sent, total.failed, total.conflicts
        );
        if total.failed > 0 {
            ok = false;
        }
    });
    let counts = syncer.store().outbox_counts()?;
    println!(
        "outbox: {} pending, {} sent, {} failed; {} requests",
        counts.pending,
        counts.sent,
        counts.failed,
        syncer.client().requests()
    );
    if !ok {
        bail!("sync did not complete; see above");
    }
    Ok(())
}

fn parse_size(text: &str) -> Result<(u32, u32)> {
    let Some((w, h)) = text.split_once('x') else {
        bail!("size `{text}` should look like 1280x800");
    };
    let (w, h): (u32, u32) = (w.trim().parse()?, h.trim().parse()?);
    if !(200..=4000).contains(&w) || !(200..=4000).contains(&h) {
        bail!("size `{text}` is out of range (200 to 4000 pixels each way)");
    }
    Ok((w, h))
}
