//! The daemon: one per repository, on `.ctx/serve.sock`.

use super::protocol::{lock_path, socket_path, Request, Response, MAX_REQUEST_BYTES};
use crate::mcp::work::{self, Shared};
use anyhow::{bail, Context};
use ctx_engine::{Error, Index};
use serde_json::json;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Notify;

/// Quiet time after the last relevant file event before re-indexing: an editor's save
/// (write, rename, metadata) arrives within it.
const DEBOUNCE: Duration = Duration::from_millis(100);
/// Longest a burst of events delays re-indexing (a long-running generator keeps writing).
const MAX_DEBOUNCE: Duration = Duration::from_millis(500);
/// More changed paths than this in one burst (a branch switch) get a whole incremental run.
const MAX_PATH_UPDATES: usize = 2_000;
/// Idle time after path updates before the vectors they left unused are removed.
const GARBAGE_IDLE: Duration = Duration::from_secs(2);

/// The daemon's counters, reported by `ping` (`ctx serve --status`).
struct Stats {
    started: Instant,
    requests: AtomicU64,
    reindexes: AtomicU64,
    last_reindex: Mutex<Option<String>>,
}

/// Everything a connection needs.
struct Daemon {
    shared: Shared,
    stats: Stats,
    shutdown: Notify,
}

/// Runs the daemon for `root` in the foreground until `ctx serve --stop` or a signal.
pub fn run(root: PathBuf) -> anyhow::Result<()> {
    let ctx_dir = root.join(".ctx");
    if !ctx_dir.is_dir() {
        bail!(
            "no index at {:?}: run `ctx index` first, then `ctx serve`",
            root.display().to_string()
        );
    }
    let _lock = take_daemon_lock(&root)?;
    let socket = socket_path(&root);
    remove_stale_socket(&socket)?;
    let writer = match Index::create(&root) {
        Ok(index) => Some(index),
        Err(Error::Locked(_)) => {
            eprintln!(
                "ctx serve: another ctx process (`ctx index`) is writing this index: answering from the published index, and taking over writing when that process ends"
            );
            None
        }
        Err(e) => return Err(e).context("opening the index"),
    };
    let waits_for_writer = writer.is_none();
    let (embedder, disabled) = crate::config::load_embedder(&root)?;
    if let Some(reason) = disabled {
        eprintln!("ctx serve: {reason}");
    }
    let daemon = Arc::new(Daemon {
        shared: Shared::holding(root.clone(), writer, embedder),
        stats: Stats {
            started: Instant::now(),
            requests: AtomicU64::new(0),
            reindexes: AtomicU64::new(0),
            last_reindex: Mutex::new(None),
        },
        shutdown: Notify::new(),
    });
    let _watcher = start_watcher(&root, daemon.clone())?;
    let embedding = daemon.clone();
    std::thread::spawn(move || embedding.shared.embed_in_background());
    // Files a killed `ctx index --embeddings` (or a deferred run of an earlier daemon) left
    // without vectors are embedded now, in the background.
    if let Err(e) = daemon.shared.queue_missing_vectors() {
        eprintln!("ctx serve: {e:#}");
    }
    if waits_for_writer {
        let waiting = daemon.clone();
        std::thread::spawn(move || take_writer_later(&waiting));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(serve(&socket, daemon));
    let _ = std::fs::remove_file(&socket);
    result
}

/// Waits for the process that holds the index's writer lock to end, takes the writer, and
/// runs a whole incremental update (file events that came meanwhile were not indexed).
fn take_writer_later(daemon: &Daemon) {
    if let Err(e) = daemon.shared.take_writer() {
        eprintln!("ctx serve: could not take over writing the index: {e:#}; restart ctx serve");
        return;
    }
    eprintln!("ctx serve: took over writing the index");
    let started = Instant::now();
    let changes = Changes {
        everything: true,
        ..Changes::default()
    };
    update(daemon, &changes, started);
}

/// Takes `.ctx/serve.lock` for the daemon's life and writes the pid in it.
fn take_daemon_lock(root: &Path) -> anyhow::Result<std::fs::File> {
    use fs2::FileExt;
    let path = lock_path(root);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    if file.try_lock_exclusive().is_err() {
        let pid = std::fs::read_to_string(&path).unwrap_or_default();
        bail!(
            "a ctx serve daemon already runs for {} (pid {}); stop it with `ctx serve --stop`",
            root.display(),
            pid.trim()
        );
    }
    file.set_len(0)?;
    write!(file, "{}", std::process::id())?;
    Ok(file)
}

/// Removes a socket nothing accepts on (left by a killed daemon).
fn remove_stale_socket(socket: &Path) -> anyhow::Result<()> {
    if !socket.exists() {
        return Ok(());
    }
    if std::os::unix::net::UnixStream::connect(socket).is_ok() {
        bail!(
            "something already answers on {}; stop it first",
            socket.display()
        );
    }
    std::fs::remove_file(socket)
        .with_context(|| format!("removing the stale socket {}", socket.display()))
}

async fn serve(socket: &Path, daemon: Arc<Daemon>) -> anyhow::Result<()> {
    let listener =
        UnixListener::bind(socket).with_context(|| format!("listening on {}", socket.display()))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {}", socket.display()))?;
    eprintln!(
        "ctx serve: listening on {} (pid {})",
        socket.display(),
        std::process::id()
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(connection(stream, daemon.clone()));
                }
                Err(e) => eprintln!("ctx serve: accept failed: {e}"),
            },
            _ = daemon.shutdown.notified() => break,
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    eprintln!("ctx serve: stopped");
    Ok(())
}

/// Serves one client until it closes the connection or sends an unusable line.
async fn connection(stream: UnixStream, daemon: Arc<Daemon>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut line = Vec::new();
        let limit = MAX_REQUEST_BYTES as u64 + 1;
        match (&mut reader).take(limit).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let (response, keep_open) = if line.len() > MAX_REQUEST_BYTES {
            let message = format!(
                "the request is larger than {MAX_REQUEST_BYTES} bytes; send smaller requests"
            );
            (Response::error(message), false)
        } else if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        } else {
            (answer(&line, &daemon).await, true)
        };
        let mut text = serde_json::to_string(&response).unwrap_or_else(|_| "{\"ok\":false}".into());
        text.push('\n');
        if write.write_all(text.as_bytes()).await.is_err() || !keep_open {
            return;
        }
    }
}

async fn answer(line: &[u8], daemon: &Arc<Daemon>) -> Response {
    daemon.stats.requests.fetch_add(1, Ordering::Relaxed);
    let request: Request = match serde_json::from_slice(line) {
        Ok(request) => request,
        Err(e) => {
            return Response::error(format!(
                "malformed request ({e}); send one JSON object per line: {{\"tool\": NAME, \"arguments\": {{...}}}}"
            ))
        }
    };
    match request.tool.as_str() {
        "ping" => Response::result(json!({"structuredContent": status(daemon), "isError": false})),
        "stop" => {
            daemon.shutdown.notify_one();
            Response::result(json!({"structuredContent": {"stopping": true}, "isError": false}))
        }
        _ => {
            let worker = daemon.clone();
            let result = tokio::task::spawn_blocking(move || {
                let Request { tool, arguments } = request;
                super::tools::dispatch(&worker.shared, &tool, arguments.clone())
                    .unwrap_or_else(|| work::dispatch(&worker.shared, &tool, arguments))
            })
            .await;
            match result {
                Ok(result) => Response::result(
                    serde_json::to_value(work::redacted(result)).unwrap_or_default(),
                ),
                Err(_) => Response::error(
                    "internal error in ctx while answering; the daemon keeps serving",
                ),
            }
        }
    }
}

fn status(daemon: &Daemon) -> serde_json::Value {
    json!({
        "pid": std::process::id(),
        "root": daemon.shared.root().display().to_string(),
        "uptime_s": daemon.stats.started.elapsed().as_secs(),
        "requests": daemon.stats.requests.load(Ordering::Relaxed),
        "reindexes": daemon.stats.reindexes.load(Ordering::Relaxed),
        "vectors_pending": daemon.shared.vectors_pending(),
        "last_reindex": *daemon.stats.last_reindex.lock().unwrap_or_else(|e| e.into_inner()),
    })
}

/// Watches the working tree and keeps the index up to date; see [`watch_loop`].
fn start_watcher(root: &Path, daemon: Arc<Daemon>) -> anyhow::Result<notify::RecommendedWatcher> {
    use notify::Watcher;
    let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx).context("starting the file watcher")?;
    watcher
        .watch(root, notify::RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", root.display()))?;
    let root = root.to_path_buf();
    std::thread::spawn(move || watch_loop(&root, &rx, &daemon));
    Ok(watcher)
}

/// What the file events of one burst ask for.
#[derive(Debug, Default, PartialEq)]
struct Changes {
    /// Changed paths relative to the root (files, or directories standing for their files).
    paths: std::collections::BTreeSet<String>,
    /// A whole incremental run is needed: the root's ignore rules changed or events were lost.
    everything: bool,
}

/// Turns file events into index updates: waits for a relevant event, gathers the burst it
/// starts until [`DEBOUNCE`] passes without another (at most [`MAX_DEBOUNCE`]), then
/// re-indexes only the changed paths. While idle after path updates, it removes the vectors
/// they left unused.
fn watch_loop(
    root: &Path,
    rx: &std::sync::mpsc::Receiver<notify::Result<notify::Event>>,
    daemon: &Daemon,
) {
    use std::sync::mpsc::RecvTimeoutError;
    let mut filter = EventFilter::new(root);
    let mut garbage = false;
    loop {
        let wait = if garbage { GARBAGE_IDLE } else { Duration::MAX };
        let event = match rx.recv_timeout(wait) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = work::collect_garbage(&daemon.shared) {
                    eprintln!("ctx serve: {e:#}");
                }
                garbage = false;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut changes = Changes::default();
        if !filter.add(&event, &mut changes) {
            continue;
        }
        let started = Instant::now();
        let mut quiet_since = started;
        loop {
            let until = (quiet_since + DEBOUNCE).min(started + MAX_DEBOUNCE);
            let Some(wait) = until.checked_duration_since(Instant::now()) else {
                break;
            };
            match rx.recv_timeout(wait) {
                Ok(event) => {
                    if filter.add(&event, &mut changes) {
                        quiet_since = Instant::now();
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        garbage |= update(daemon, &changes, started);
    }
}

/// Re-indexes what `changes` (first seen at `first_event`) names and records it in the
/// daemon's stats; true when path updates may have left unused vectors.
fn update(daemon: &Daemon, changes: &Changes, first_event: Instant) -> bool {
    let started = Instant::now();
    let result = if changes.everything || changes.paths.len() > MAX_PATH_UPDATES {
        work::reindex_quietly(&daemon.shared)
    } else {
        let paths: Vec<String> = changes.paths.iter().cloned().collect();
        work::reindex_paths(&daemon.shared, &paths)
    };
    match result {
        Ok(indexed) => {
            daemon.stats.reindexes.fetch_add(1, Ordering::Relaxed);
            let stamp = format!(
                "{} files re-indexed in {} ms, searchable {} ms after the first change ({}) at {}",
                indexed,
                started.elapsed().as_millis(),
                first_event.elapsed().as_millis(),
                if changes.everything {
                    "whole tree".to_string()
                } else {
                    format!("{} changed paths", changes.paths.len())
                },
                crate::output::utc_time(
                    SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs())
                )
            );
            *daemon
                .stats
                .last_reindex
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(stamp);
            !changes.everything && indexed > 0
        }
        Err(e) => {
            eprintln!("ctx serve: re-indexing failed: {e:#}");
            false
        }
    }
}

/// Decides which file events matter: content changes to paths the index may hold, outside
/// what the root's ignore files exclude (so build output does not trigger re-indexing).
struct EventFilter {
    root: PathBuf,
    ignored: ignore::gitignore::Gitignore,
}

impl EventFilter {
    fn new(root: &Path) -> EventFilter {
        EventFilter {
            root: root.to_path_buf(),
            ignored: root_ignores(root),
        }
    }

    /// Adds what `event` changes to `changes`; true when it added anything.
    fn add(&mut self, event: &notify::Result<notify::Event>, changes: &mut Changes) -> bool {
        let event = match event {
            Ok(event) if !event.need_rescan() => event,
            _ => {
                changes.everything = true;
                return true;
            }
        };
        if !changes_content(&event.kind) {
            return false;
        }
        let mut added = false;
        for path in &event.paths {
            if !is_source_path(&self.root, path) {
                continue;
            }
            let rel = ctx_indexers::walk::relative(&self.root, path);
            if let Some(scope) = ignore_file_scope(&rel) {
                // The rules changed: every file they govern may come or go.
                if scope.is_empty() {
                    self.ignored = root_ignores(&self.root);
                    changes.everything = true;
                } else {
                    changes.paths.insert(scope.to_string());
                }
                added = true;
                continue;
            }
            if self
                .ignored
                .matched_path_or_any_parents(path, path.is_dir())
                .is_ignore()
            {
                continue;
            }
            changes.paths.insert(rel);
            added = true;
        }
        added
    }
}

/// For an ignore file (`.gitignore`, `.ignore`, `.ctxignore`) at `rel`, the directory its
/// rules govern ("" for the root); `None` for other files.
fn ignore_file_scope(rel: &str) -> Option<&str> {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    matches!(
        name,
        ".gitignore" | ".ignore" | ctx_indexers::walk::CTXIGNORE
    )
    .then_some(dir)
}

/// The repository's top-level ignore rules (`.gitignore`, `.ignore`, `.ctxignore`,
/// `.git/info/exclude`),
/// so that build output (`target/`, `node_modules/`) does not trigger re-indexing.
fn root_ignores(root: &Path) -> ignore::gitignore::Gitignore {
    let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
    for name in [
        ".gitignore",
        ".ignore",
        ctx_indexers::walk::CTXIGNORE,
        ".git/info/exclude",
    ] {
        let path = root.join(name);
        if path.is_file() {
            if let Some(e) = builder.add(&path) {
                eprintln!("ctx serve: ignoring a bad rule in {}: {e}", path.display());
            }
        }
    }
    builder
        .build()
        .unwrap_or_else(|_| ignore::gitignore::Gitignore::empty())
}

/// True for events that change what a file holds or whether it exists; reads (the
/// indexer's own among them) and metadata changes are ignored.
fn changes_content(kind: &notify::EventKind) -> bool {
    use notify::event::ModifyKind;
    match kind {
        notify::EventKind::Create(_) | notify::EventKind::Remove(_) => true,
        notify::EventKind::Modify(ModifyKind::Metadata(_)) => false,
        notify::EventKind::Modify(_) => true,
        _ => false,
    }
}

/// True for paths the index may hold: inside the root, outside `.ctx/` and `.git/`.
fn is_source_path(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    !matches!(
        rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()),
        Some(first) if first == ".ctx" || first == ".git"
    )
}
