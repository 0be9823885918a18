//! The sync worker's status on the welcome screen: three Kiosk properties, set on the UI
//! thread. The worker calls `publisher`'s closure on its own thread; the values reach the
//! event loop by message, so the UI thread never waits for the network.

use slint::ComponentHandle;

use crate::sync::SyncStatus;
use crate::{Kiosk, MainWindow};

fn clamp(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Shows `status` (call on the UI thread).
pub fn apply(window: &MainWindow, status: &SyncStatus) {
    let kiosk = window.global::<Kiosk>();
    kiosk.set_sync_state(if status.online { "online" } else { "offline" }.into());
    kiosk.set_sync_pending(clamp(status.pending));
    kiosk.set_sync_failed(clamp(status.failed));
}

/// A status sink for `sync::spawn`: callable from any thread, hands each status to the
/// event loop of `window`.
pub fn publisher(window: &MainWindow) -> Box<dyn Fn(&SyncStatus) + Send> {
    let weak = window.as_weak();
    Box::new(move |status: &SyncStatus| {
        let status = status.clone();
        if weak
            .upgrade_in_event_loop(move |w| apply(&w, &status))
            .is_err()
        {
            tracing::debug!("sync status not shown: the event loop has stopped");
        }
    })
}
