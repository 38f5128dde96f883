//! Stopping early: SIGINT (Ctrl-C) or SIGTERM ends `send`, `sink` and
//! `monitor` cleanly, so they still print their summary (as the C peer
//! does). A second signal exits at once with status 130.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Installs the handler (the ctrlc crate: a signal-safe self-pipe and a
/// thread). Call once, before the loop that polls [`requested`].
pub fn install() {
    let result = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::Relaxed) {
            std::process::exit(130);
        }
    });
    if let Err(e) = result {
        eprintln!(
            "ipv4kit: cannot catch SIGINT/SIGTERM ({e}); a signal will end without a summary"
        );
    }
}

/// Whether a stop was asked for. One relaxed load: cheap in a hot loop.
#[inline]
pub fn requested() -> bool {
    STOP.load(Ordering::Relaxed)
}
