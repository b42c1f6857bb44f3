//! Walking a repository: which files ctx indexes, and why it skips the others.
//!
//! Honours `.gitignore` (also outside git repositories), `.ignore`, `.ctxignore`, git's
//! `info/exclude` and global excludes. Hidden files are walked (agent instruction files
//! such as `.cursorrules` and `.github/…` matter), but `.git/` and `.ctx/` never are.
//! Symbolic links are not followed, so loops cannot trap the walk. Special files (named
//! pipes, sockets, devices) are skipped by type before anything opens them, and files that
//! hold secrets as a whole ([`ctx_engine::secrets::is_secret_file`]: `.env`, private keys,
//! credential stores) are skipped by name: ctx never indexes, packs or serves them.
//!
//! Reading is bounded: a file is opened without following links and without blocking,
//! checked to still be a regular file, and read up to the size limit only.

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Default size above which a file is skipped.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;
/// Name of ctx's own ignore file.
pub const CTXIGNORE: &str = ".ctxignore";
/// Bytes read from the start of a file to tell binary from text.
const SNIFF_BYTES: usize = 8192;

/// Why a file was not indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Content looks binary (a NUL byte near the start).
    Binary,
    /// Larger than the configured maximum size.
    TooLarge,
    /// A symbolic link (not followed).
    Symlink,
    /// Could not be read (permissions, I/O error).
    Unreadable,
    /// Vanished between the walk and the read.
    Vanished,
    /// A named pipe, socket or device (never opened).
    Special,
    /// Holds secrets as a whole (`.env`, private keys, credential stores).
    Secret,
}

impl SkipReason {
    /// The name used in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too_large",
            SkipReason::Symlink => "symlink",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Vanished => "vanished",
            SkipReason::Special => "special",
            SkipReason::Secret => "secret",
        }
    }
}

/// A file the walk found worth reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkedFile {
    /// Path relative to the root, with `/` separators.
    pub rel_path: String,
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (0 when unknown).
    pub mtime_ns: u128,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Candidate files, sorted by path.
    pub files: Vec<WalkedFile>,
    /// Skipped files by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Paths skipped because they could not be read, with the reason (for reporting).
    pub problems: Vec<(String, String)>,
}

/// Options of a walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Files larger than this many bytes are skipped (at least 1; see [`check_max_file_size`]).
    pub max_file_size: u64,
}

/// Checks a configured size limit: 0 would skip every file and leave an empty index, so it
/// is refused with the reason.
pub fn check_max_file_size(bytes: u64) -> Result<u64, String> {
    if bytes == 0 {
        return Err(
            "max_file_size is 0, which would skip every file: give a size in bytes \
                    (the default is 1048576, 1 MiB)"
                .to_string(),
        );
    }
    Ok(bytes)
}

impl Default for WalkOptions {
    fn default() -> WalkOptions {
        WalkOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Walks `root` and returns the candidate files and what was skipped.
pub fn walk(root: &Path, options: &WalkOptions) -> Walk {
    let walker = builder(root)
        .filter_entry(|entry| !is_private_dir(entry))
        .build();
    collect(root, walker, options)
}

/// [`walk`] restricted to `targets` (paths relative to `root`, `/`-separated): each target
/// file, and every file under each target directory, that [`walk`] would return, with the
/// same ignore rules. Only the directories on the way to a target are read, so this costs
/// little on a large tree. Targets that are gone or excluded are simply absent.
pub fn walk_paths(root: &Path, options: &WalkOptions, targets: &[String]) -> Walk {
    let targets: Vec<String> = targets
        .iter()
        .map(|t| t.trim_matches('/').to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if targets.is_empty() {
        return Walk::default();
    }
    let ancestors: std::collections::HashSet<String> = targets
        .iter()
        .flat_map(|t| t.match_indices('/').map(move |(i, _)| t[..i].to_string()))
        .collect();
    let root_owned = root.to_path_buf();
    let walker = builder(root)
        .filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            if is_private_dir(entry) {
                return false;
            }
            let rel = relative(&root_owned, entry.path());
            ancestors.contains(&rel)
                || targets.iter().any(|t| {
                    rel == *t
                        || (rel.starts_with(t.as_str())
                            && rel.as_bytes().get(t.len()) == Some(&b'/'))
                })
        })
        .build();
    collect(root, walker, options)
}

/// The walker both [`walk`] and [`walk_paths`] use: the ignore files and options in the
/// module docs, sorted by name.
fn builder(root: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(CTXIGNORE)
        .sort_by_file_name(|a, b| a.cmp(b));
    builder
}

fn collect(root: &Path, walker: ignore::Walk, options: &WalkOptions) -> Walk {
    let mut out = Walk::default();
    for entry in walker {
        match entry {
            Ok(entry) => classify(root, entry, options, &mut out),
            Err(err) => out.problems.push((error_path(&err), err.to_string())),
        }
    }
    out.files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    out
}

fn is_private_dir(entry: &ignore::DirEntry) -> bool {
    entry.depth() > 0
        && entry.file_type().is_some_and(|t| t.is_dir())
        && matches!(entry.file_name().to_str(), Some(".git" | ".ctx"))
}

fn error_path(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => path.display().to_string(),
        _ => String::new(),
    }
}

fn classify(root: &Path, entry: ignore::DirEntry, options: &WalkOptions, out: &mut Walk) {
    let Some(file_type) = entry.file_type() else {
        return;
    };
    if file_type.is_dir() {
        return;
    }
    let rel_path = relative(root, entry.path());
    if file_type.is_symlink() {
        *out.skipped.entry(SkipReason::Symlink).or_default() += 1;
        return;
    }
    if !file_type.is_file() {
        *out.skipped.entry(SkipReason::Special).or_default() += 1;
        return;
    }
    if ctx_engine::secrets::is_secret_file(&rel_path) {
        *out.skipped.entry(SkipReason::Secret).or_default() += 1;
        return;
    }
    let metadata = match entry.metadata() {
        Ok(m) => m,
        Err(err) => {
            *out.skipped.entry(SkipReason::Vanished).or_default() += 1;
            out.problems.push((rel_path, err.to_string()));
            return;
        }
    };
    if metadata.len() > options.max_file_size {
        *out.skipped.entry(SkipReason::TooLarge).or_default() += 1;
        return;
    }
    let mtime_ns = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    out.files.push(WalkedFile {
        rel_path,
        path: entry.path().to_path_buf(),
        size: metadata.len(),
        mtime_ns,
    });
}

/// `path` relative to `root` with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The outcome of reading one candidate file.
#[derive(Debug)]
pub enum ReadOutcome {
    /// Its bytes, which look like text.
    Text(Vec<u8>),
    /// It is bigger than [`STREAM_ABOVE`]: too big to hold whole; read it in pieces.
    Large(LargeFile),
    /// It was skipped for this reason (with a message for unreadable ones).
    Skipped(SkipReason, Option<String>),
}

/// Files bigger than this (when opened) are not read whole but handed out as a
/// [`LargeFile`] to be hashed and chunked as a stream (1 MiB: the default
/// `max_file_size`, so every file indexed by default is read whole).
pub const STREAM_ABOVE: u64 = 1 << 20;
/// Bytes read at a time from a [`LargeFile`].
const STREAM_BUFFER: usize = 64 * 1024;

/// Reads a candidate file, telling binary content and failures apart. The file is opened
/// without following a link and without blocking (a file replaced by a pipe since the walk
/// cannot hang the read), must still be a regular file, and at most `max_file_size + 1`
/// bytes are read, so memory stays bounded whatever the file grew to. A file bigger than
/// [`STREAM_ABOVE`] is not read here: it comes back open, as [`ReadOutcome::Large`].
pub fn read_file(file: &WalkedFile, max_file_size: u64) -> ReadOutcome {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&file.path);
    let handle = match opened {
        Ok(handle) => handle,
        Err(err) => return failed(err),
    };
    let len = match handle.metadata() {
        Ok(meta) if !meta.is_file() => return ReadOutcome::Skipped(SkipReason::Special, None),
        Ok(meta) if meta.len() > max_file_size => {
            return ReadOutcome::Skipped(SkipReason::TooLarge, None)
        }
        Ok(meta) => meta.len(),
        Err(err) => return failed(err),
    };
    if len > STREAM_ABOVE {
        return ReadOutcome::Large(LargeFile {
            handle,
            max_file_size,
        });
    }
    // A file that grows past the stream limit while it is read is read to the size limit
    // (at most STREAM_ABOVE + 1 bytes are expected; memory stays within the limit).
    let mut bytes = Vec::with_capacity(len as usize);
    if let Err(err) = handle
        .take(max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        return failed(err);
    }
    if bytes.len() as u64 > max_file_size {
        ReadOutcome::Skipped(SkipReason::TooLarge, None)
    } else if looks_binary(&bytes) {
        ReadOutcome::Skipped(SkipReason::Binary, None)
    } else {
        ReadOutcome::Text(bytes)
    }
}

/// A candidate file too big to hold whole (see [`ReadOutcome::Large`]), opened as
/// [`read_file`] opens files. It is read in pieces: hashed ([`LargeFile::hash`]) and read
/// line by line ([`LargeFile::lines`]), each pass from the start, so memory holds one
/// buffer (and one line), whatever the file's size. Each pass stops past the size limit.
#[derive(Debug)]
pub struct LargeFile {
    handle: std::fs::File,
    max_file_size: u64,
}

/// Why a pass over a [`LargeFile`] stopped: the reason and, for unreadable files, the
/// message (as [`ReadOutcome::Skipped`] carries them).
pub type Skip = (SkipReason, Option<String>);

impl LargeFile {
    /// The blake3 hash of the content (hex), read in pieces.
    pub fn hash(&mut self) -> Result<String, Skip> {
        use std::io::Read;
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0u8; STREAM_BUFFER];
        let mut reader = self.rewound()?;
        let mut total = 0u64;
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(skip(failed(err))),
            };
            if total < SNIFF_BYTES as u64 && looks_binary(&buffer[..n]) {
                return Err((SkipReason::Binary, None));
            }
            total += n as u64;
            hasher.update(&buffer[..n]);
        }
        if total > self.max_file_size {
            return Err((SkipReason::TooLarge, None));
        }
        Ok(hasher.finalize().to_hex().to_string())
    }

    /// The first bytes of the file (up to 8 KiB: what tells binary from text and names a
    /// language by its `#!` line).
    pub fn head(&mut self) -> Result<Vec<u8>, Skip> {
        use std::io::Read;
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        self.rewound()?
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| skip(failed(e)))?;
        if looks_binary(&head) {
            return Err((SkipReason::Binary, None));
        }
        Ok(head)
    }

    /// Reads the content from the start, line by line (each with its `\n`, the last one
    /// perhaps without), calling `line` with each; returns the blake3 hash (hex) and size of
    /// what was read, which is what the lines hold even if the file changed since
    /// [`LargeFile::hash`].
    pub fn lines(&mut self, line: &mut dyn FnMut(Vec<u8>)) -> Result<(String, u64), Skip> {
        use std::io::BufRead;
        let max_file_size = self.max_file_size;
        let mut reader = std::io::BufReader::with_capacity(STREAM_BUFFER, self.rewound()?);
        let mut hasher = blake3::Hasher::new();
        let mut total = 0u64;
        loop {
            let mut bytes = Vec::new();
            match reader.read_until(b'\n', &mut bytes) {
                Ok(0) => break,
                Ok(n) => total += n as u64,
                Err(err) => return Err(skip(failed(err))),
            }
            if total > max_file_size {
                return Err((SkipReason::TooLarge, None));
            }
            hasher.update(&bytes);
            line(bytes);
        }
        Ok((hasher.finalize().to_hex().to_string(), total))
    }

    /// The file from its start, to one byte past the size limit.
    fn rewound(&mut self) -> Result<std::io::Take<&std::fs::File>, Skip> {
        use std::io::{Read, Seek};
        self.handle
            .seek(std::io::SeekFrom::Start(0))
            .map_err(|e| skip(failed(e)))?;
        Ok((&self.handle).take(self.max_file_size.saturating_add(1)))
    }
}

fn skip(outcome: ReadOutcome) -> Skip {
    match outcome {
        ReadOutcome::Skipped(reason, message) => (reason, message),
        _ => (SkipReason::Unreadable, None),
    }
}

/// The blake3 hash (hex) of the regular file at `path`, read in pieces: memory holds one
/// buffer whatever the file's size. Opened as [`read_file`] opens files (no link followed,
/// never blocking on a pipe); anything but a regular file is an error.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    use std::os::unix::fs::OpenOptionsExt;
    let handle = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !handle.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(handle)?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// The outcome of a failed open or read: vanished, a link swapped in, or unreadable.
fn failed(err: std::io::Error) -> ReadOutcome {
    match err.raw_os_error() {
        _ if err.kind() == std::io::ErrorKind::NotFound => {
            ReadOutcome::Skipped(SkipReason::Vanished, None)
        }
        Some(libc::ELOOP) => ReadOutcome::Skipped(SkipReason::Symlink, None),
        _ => ReadOutcome::Skipped(SkipReason::Unreadable, Some(err.to_string())),
    }
}

/// True when the start of `bytes` holds a NUL byte (as git and ripgrep decide).
pub fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(root: &Path, rel: &str, bytes: &[u8]) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    #[test]
    fn walk_honours_ignore_files_and_skips_private_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".gitignore", b"build/\n");
        write(root, ".ctxignore", b"*.log\n");
        write(root, "build/out.rs", b"x");
        write(root, "app.log", b"x");
        write(root, ".git/config", b"x");
        write(root, ".ctx/records/db", b"x");
        write(root, ".cursorrules", b"never do x");
        write(root, "src/main.rs", b"fn main() {}");
        let walk = walk(root, &WalkOptions::default());
        let paths: Vec<_> = walk.files.iter().map(|f| f.rel_path.as_str()).collect();
        assert_eq!(
            paths,
            [".ctxignore", ".cursorrules", ".gitignore", "src/main.rs"]
        );
    }

    #[test]
    fn walk_paths_returns_what_walk_would_for_the_targets_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".gitignore", b"build/\n");
        write(root, "src/.gitignore", b"*.tmp\n");
        write(root, "build/out.rs", b"x");
        write(root, "src/a.rs", b"a");
        write(root, "src/b.tmp", b"b");
        write(root, "src/deep/c.rs", b"c");
        write(root, "src/deep/d.rs", b"d");
        write(root, "other/e.rs", b"e");
        write(root, ".ctx/records/db", b"x");
        let targets: Vec<String> = [
            "src/a.rs",
            "src/b.tmp",
            "src/deep",
            "build/out.rs",
            ".ctx/records/db",
            "gone.rs",
        ]
        .map(String::from)
        .to_vec();
        let walk = walk_paths(root, &WalkOptions::default(), &targets);
        let paths: Vec<_> = walk.files.iter().map(|f| f.rel_path.as_str()).collect();
        assert_eq!(paths, ["src/a.rs", "src/deep/c.rs", "src/deep/d.rs"]);
        let full = super::walk(root, &WalkOptions::default());
        for file in &walk.files {
            assert!(
                full.files.contains(file),
                "{file:?} is not in the full walk"
            );
        }
        assert!(walk_paths(root, &WalkOptions::default(), &[])
            .files
            .is_empty());
    }

    #[test]
    fn large_files_and_symlinks_are_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "big.txt", &vec![b'a'; 2048]);
        write(root, "small.txt", b"ok");
        std::os::unix::fs::symlink(root, root.join("loop")).unwrap();
        let walk = walk(
            root,
            &WalkOptions {
                max_file_size: 1024,
            },
        );
        assert_eq!(walk.files.len(), 1);
        assert_eq!(walk.skipped[&SkipReason::TooLarge], 1);
        assert_eq!(walk.skipped[&SkipReason::Symlink], 1);
    }

    fn make_fifo(path: &Path) {
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    }

    #[test]
    fn special_and_secret_files_are_skipped_unopened() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "src/main.rs", b"fn main() {}");
        write(root, ".env", b"DB_PASSWORD=hunter2hunter2");
        write(
            root,
            "deploy/id_rsa",
            b"-----BEGIN OPENSSH PRIVATE KEY-----",
        );
        write(root, ".env.example", b"DB_PASSWORD=");
        make_fifo(&root.join("pipe"));
        let socket = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
        let walk = walk(root, &WalkOptions::default());
        let paths: Vec<&str> = walk.files.iter().map(|f| f.rel_path.as_str()).collect();
        assert_eq!(paths, [".env.example", "src/main.rs"]);
        assert_eq!(walk.skipped[&SkipReason::Special], 2);
        assert_eq!(walk.skipped[&SkipReason::Secret], 2);
        drop(socket);
    }

    #[test]
    fn a_file_that_became_a_pipe_or_grew_is_read_without_hanging_or_growing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "a.txt", b"small");
        write(root, "b.txt", &vec![b'b'; 4096]);
        let walked = walk(root, &WalkOptions::default()).files;
        std::fs::remove_file(root.join("a.txt")).unwrap();
        make_fifo(&root.join("a.txt"));
        assert!(matches!(
            read_file(&walked[0], 1 << 20),
            ReadOutcome::Skipped(SkipReason::Special, None)
        ));
        assert!(matches!(
            read_file(&walked[1], 1024),
            ReadOutcome::Skipped(SkipReason::TooLarge, None)
        ));
        match read_file(&walked[1], 4096) {
            ReadOutcome::Text(bytes) => assert_eq!(bytes.len(), 4096),
            other => panic!("{other:?}"),
        }
        std::fs::remove_file(root.join("b.txt")).unwrap();
        assert!(matches!(
            read_file(&walked[1], 4096),
            ReadOutcome::Skipped(SkipReason::Vanished, None)
        ));
        assert!(check_max_file_size(0).is_err());
    }

    #[test]
    fn a_file_over_the_stream_limit_is_hashed_and_read_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let line = "let value = compute(alpha, beta); // filler\n";
        let text = line.repeat((STREAM_ABOVE as usize / line.len()) + 10) + "tail";
        write(root, "big.rs", text.as_bytes());
        let mut binary = vec![b'x'; STREAM_ABOVE as usize + 1];
        binary[100] = 0;
        write(root, "blob.dat", &binary);
        let options = WalkOptions {
            max_file_size: 1 << 30,
        };
        let walked = walk(root, &options).files;
        let ReadOutcome::Large(mut large) = read_file(&walked[0], 1 << 30) else {
            panic!("a file over the stream limit is not read whole");
        };
        let expected = blake3::hash(text.as_bytes()).to_hex().to_string();
        assert_eq!(large.hash().unwrap(), expected);
        assert_eq!(hash_file(&walked[0].path).unwrap(), expected);
        assert_eq!(large.head().unwrap(), text.as_bytes()[..SNIFF_BYTES]);
        let mut lines = Vec::new();
        let (hash, size) = large.lines(&mut |l| lines.push(l)).unwrap();
        assert_eq!((hash, size), (expected, text.len() as u64));
        assert_eq!(lines.concat(), text.as_bytes());
        assert_eq!(lines.last().unwrap(), b"tail");
        assert!(lines[..lines.len() - 1].iter().all(|l| l.ends_with(b"\n")));

        let ReadOutcome::Large(mut blob) = read_file(&walked[1], 1 << 30) else {
            panic!("not streamed");
        };
        assert_eq!(blob.hash(), Err((SkipReason::Binary, None)));
        assert_eq!(blob.head(), Err((SkipReason::Binary, None)));

        // Grown past the limit after it was opened: each pass stops at the limit.
        let ReadOutcome::Large(mut grown) = read_file(&walked[0], text.len() as u64) else {
            panic!("not streamed");
        };
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(&walked[0].path)
            .unwrap();
        std::io::Write::write_all(&mut file, b"more").unwrap();
        assert_eq!(grown.hash(), Err((SkipReason::TooLarge, None)));
        assert_eq!(
            grown.lines(&mut |_| {}).map(|_| ()),
            Err((SkipReason::TooLarge, None))
        );
    }

    #[test]
    fn binary_content_is_sniffed() {
        assert!(looks_binary(b"abc\0def"));
        assert!(!looks_binary("héllo\n".as_bytes()));
        assert!(!looks_binary(&[0xff, 0xfe, b'a']));
    }
}
