//! A progress bar on standard error for passes over many report files
//! (`store::scan`, and `track ingest`'s reading of the store and of the new
//! files): shown only to a person
//! watching a terminal, and only once a pass has run long enough to need it,
//! so quick runs, pipes and cron jobs never see it.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a pass runs before its bar appears.
const DELAY: Duration = Duration::from_millis(300);

/// Progress through a known number of steps (files).
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: bool,
}

impl Progress {
    /// A bar over `len` steps labelled `label`, or none at all when
    /// `label` is `None` (the settings found no terminal to draw on).
    pub fn new(label: Option<&'static str>, len: usize) -> Progress {
        let bar = label.map(|label| {
            // Hidden until `DELAY` has passed: drawing for a pass that
            // ends at once would only flicker.
            let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} {eta}")
                    .expect("the template is valid"),
            );
            bar.set_message(label);
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: false,
        }
    }

    /// A step is done.
    pub fn step(&mut self) {
        let Some(bar) = &self.bar else { return };
        if !self.shown && self.started.elapsed() >= DELAY {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        bar.inc(1);
    }

    /// Whether the bar is drawn (for tests).
    pub fn is_visible(&self) -> bool {
        self.shown
    }
}

impl Drop for Progress {
    /// The bar leaves no trace: messages after the pass start on a clean line.
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_terminal_there_is_no_bar_and_a_quick_pass_shows_none() {
        let mut none = Progress::new(None, 10);
        none.step();
        assert!(none.bar.is_none() && !none.is_visible());
        let mut quick = Progress::new(Some("reading reports"), 10);
        quick.step();
        assert!(!quick.is_visible());
    }
}
