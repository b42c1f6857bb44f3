//! The progress of `ctx index` on a terminal, and the line an interrupt prints.
//!
//! Phases as the pipeline reports them: walking the tree, then indexing (files are read and
//! parsed on every core a little ahead of the writer, which embeds and stores them), then
//! embedding vectors that unchanged files lack, then committing. The bar counts the files
//! the writer has dealt with, which is the real progress of the run (parsing runs at most
//! a few dozen files ahead); the rate and the ETA come from it, and the embedding rate in
//! chunks per second is shown beside it when a model is used.
//!
//! On Ctrl-C, [`IndexProgress::interrupted_line`] says what the index keeps: the files
//! committed before the interrupt (the pipeline commits every few thousand files or half a
//! minute); the next `ctx index` redoes the rest.

use ctx_indexers::pipeline::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Progress of one index run: a bar on stderr when visible, counters always (for the
/// interrupt line).
pub struct IndexProgress {
    bar: ProgressBar,
    total: AtomicU64,
    parsed: AtomicU64,
    written: AtomicU64,
    committed: AtomicU64,
    embedded: AtomicU64,
    embedding: AtomicBool,
    started: Mutex<Instant>,
}

impl IndexProgress {
    /// A progress display; `visible` draws it on stderr.
    pub fn new(visible: bool) -> IndexProgress {
        let bar = ProgressBar::with_draw_target(
            None,
            if visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(spinner_style());
        bar.enable_steady_tick(Duration::from_millis(120));
        IndexProgress {
            bar,
            total: AtomicU64::new(0),
            parsed: AtomicU64::new(0),
            written: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            embedded: AtomicU64::new(0),
            embedding: AtomicBool::new(false),
            started: Mutex::new(Instant::now()),
        }
    }

    /// Whether a model embeds the chunks (its rate is then shown).
    pub fn set_embedding(&self, embedding: bool) {
        self.embedding.store(embedding, Ordering::Relaxed);
    }

    /// Runs `f` (which prints to stderr) with the bar out of the way.
    pub fn suspend(&self, f: impl FnOnce()) {
        self.bar.suspend(f);
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// What an interrupt leaves: one line for the user.
    pub fn interrupted_line(&self) -> String {
        let total = self.total.load(Ordering::Relaxed);
        let committed = self.committed.load(Ordering::Relaxed);
        if total == 0 {
            return "interrupted while walking the tree: nothing was written; the index is as it was"
                .to_string();
        }
        if committed == 0 {
            return format!(
                "interrupted before the first commit: the index is as it was before this run; \
                 `ctx index` starts the {total} files again"
            );
        }
        format!(
            "interrupted: the index keeps the first {committed} of {total} files (committed \
             before the interrupt); `ctx index` redoes only the other {}",
            total.saturating_sub(committed)
        )
    }

    fn update_message(&self) {
        let total = self.total.load(Ordering::Relaxed);
        let written = self.written.load(Ordering::Relaxed);
        let parsed = self.parsed.load(Ordering::Relaxed);
        let elapsed = self
            .started
            .lock()
            .map(|s| s.elapsed())
            .unwrap_or_default()
            .as_secs_f64();
        let mut parts = vec![format!("parsed {parsed}")];
        if self.embedding.load(Ordering::Relaxed) {
            let embedded = self.embedded.load(Ordering::Relaxed);
            let rate = if elapsed > 0.0 {
                embedded as f64 / elapsed
            } else {
                0.0
            };
            parts.push(format!("{embedded} chunks embedded ({rate:.0}/s)"));
        } else if elapsed > 0.0 {
            parts.push(format!("{:.0} files/s", written as f64 / elapsed));
        }
        if written > 0 && written < total && elapsed > 1.0 {
            let eta = elapsed / written as f64 * (total - written) as f64;
            parts.push(format!("ETA {}", clock(eta)));
        }
        self.bar.set_message(parts.join(" · "));
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix} {wide_msg}").expect("valid template")
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} {prefix:.bold} [{bar:30}] {pos}/{len} files · {elapsed} · {wide_msg}",
    )
    .expect("valid template")
    .progress_chars("=> ")
}

/// Seconds as `1m05s` / `42s`.
fn clock(secs: f64) -> String {
    let secs = secs.round() as u64;
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs / 60 % 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

impl Progress for IndexProgress {
    fn start(&self, files: u64) {
        self.total.store(files, Ordering::Relaxed);
        if let Ok(mut started) = self.started.lock() {
            *started = Instant::now();
        }
        self.bar.set_length(files);
        self.bar.set_position(0);
        self.bar.set_style(bar_style());
        self.bar.set_prefix("indexing");
        self.update_message();
    }

    fn advance(&self, _path: &str) {
        self.parsed.fetch_add(1, Ordering::Relaxed);
    }

    fn phase(&self, name: &str) {
        match name {
            "walking" => {
                self.bar.set_prefix("walking");
                self.bar
                    .set_message("listing files (.gitignore, .ignore, .ctxignore)");
            }
            "loading" => {
                self.bar.set_prefix("loading");
                self.bar.set_message("the embedding model");
            }
            other => {
                self.bar.set_style(spinner_style());
                self.bar.set_prefix(other.to_string());
                let message = match other {
                    "embedding" => "vectors for unchanged files that lack them",
                    "committing" => "removing deleted files and writing the index to disk",
                    _ => "",
                };
                self.bar.set_message(message);
            }
        }
    }

    fn written(&self, files: u64) {
        self.written.store(files, Ordering::Relaxed);
        self.bar.set_position(files);
        self.update_message();
    }

    fn embedded(&self, chunks: u64) {
        self.embedded.fetch_add(chunks, Ordering::Relaxed);
        self.update_message();
    }

    fn committed(&self, files: u64) {
        self.committed.store(files, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interrupt_line_says_what_was_committed() {
        let progress = IndexProgress::new(false);
        assert!(progress.interrupted_line().contains("nothing was written"));
        progress.start(300);
        assert!(progress
            .interrupted_line()
            .contains("before the first commit"));
        progress.written(120);
        progress.committed(100);
        let line = progress.interrupted_line();
        assert!(line.contains("first 100 of 300"), "{line}");
        assert!(line.contains("other 200"), "{line}");
    }

    #[test]
    fn clock_reads_like_a_clock() {
        assert_eq!(clock(42.2), "42s");
        assert_eq!(clock(65.0), "1m05s");
        assert_eq!(clock(3700.0), "1h01m");
    }
}
