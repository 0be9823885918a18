//! The lobby board: `BoardAdapter` filled from the store's called tickets and queues. In
//! staff mode it is a preview tab; `checkin-kiosk board` runs it in its own window (a wall
//! TV or a second display), re-reading the database every second so a staff action shows
//! within a second. Tickets and clinicians only: never a patient's name, birth date or
//! reason.

use std::time::Duration;

use slint::{ComponentHandle, Timer, TimerMode};

use crate::app::{BoardView, CheckInService, Clock};
use crate::ui::controller::model;
use crate::ui::i18n::{self, format_time, tr, tr_with};
use crate::{BoardAdapter, BoardWindow, ClinicianDelay, Tr};

/// How often the board window re-reads the database.
pub const BOARD_REFRESH: Duration = Duration::from_secs(1);

/// Maps the board's facts to the `BoardAdapter` of `window` (the kiosk or the board window).
pub fn show_board<W, C>(window: &W, service: &CheckInService<C>, practice_name: &str, lang: &str)
where
    W: ComponentHandle,
    C: Clock,
    for<'a> BoardAdapter<'a>: slint::Global<'a, W>,
{
    let board = service.board().unwrap_or_else(|e| {
        // Shown as "nobody called" rather than stale tickets.
        tracing::error!(error = %e, "board unreadable");
        BoardView::default()
    });
    let adapter = window.global::<BoardAdapter>();
    adapter.set_practice_name(practice_name.into());
    adapter.set_clock(format_time(lang, service.clock().now().time()).into());
    adapter.set_enabled(board.enabled);
    adapter.set_calling(model(
        board
            .now_calling
            .iter()
            .map(|t| t.as_str().into())
            .collect(),
    ));
    adapter.set_clinicians(model(
        board
            .clinicians
            .iter()
            .map(|(name, late)| ClinicianDelay {
                name: name.as_str().into(),
                // Under 5 minutes is "on time": nobody needs to hear about 2 minutes.
                delay: if *late >= 5 {
                    tr_with(
                        lang,
                        "board.running_late",
                        &[("minutes", (late / 5 * 5).to_string())],
                    )
                } else {
                    tr(lang, "board.on_time")
                }
                .into(),
                late: *late >= 5,
            })
            .collect(),
    ));
    adapter.set_typical_wait(
        tr_with(
            lang,
            "board.typical_wait",
            &[("minutes", board.typical_wait_minutes.to_string())],
        )
        .into(),
    );
}

/// The board window's own translation lookup (globals belong to each window), in `lang`.
pub fn init_board_window(window: &BoardWindow, lang: &str) {
    let tr_global = window.global::<Tr>();
    tr_global.on_lookup(|lang, key| tr(&lang, &key).into());
    tr_global.set_language(lang.into());
    tr_global.set_font_family(i18n::font_family(lang).into());
    tr_global.set_rtl(i18n::is_rtl(lang));
}

/// Keeps `window` current: shows the board now and every second after. Drop the timer to
/// stop.
pub fn keep_board_current<C: Clock + 'static>(
    window: &BoardWindow,
    service: CheckInService<C>,
    practice_name: String,
    lang: String,
) -> Timer {
    init_board_window(window, &lang);
    show_board(window, &service, &practice_name, &lang);
    let weak = window.as_weak();
    let timer = Timer::default();
    timer.start(TimerMode::Repeated, BOARD_REFRESH, move || {
        if let Some(w) = weak.upgrade() {
            show_board(&w, &service, &practice_name, &lang);
        }
    });
    timer
}
