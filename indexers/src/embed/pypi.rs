//! Fetching a pinned wheel from a Python package index over HTTPS, without Python: the
//! index's simple API (PEP 691 JSON, or the PEP 503 HTML page) names the file's URL, the
//! download is streamed to disk while it is hashed, and a sha256 other than the pinned one
//! is an error (the index's own hash is not trusted over the pin).
//!
//! The index is `CTX_PYPI_INDEX_URL`, else pip's `PIP_INDEX_URL`, else
//! `https://pypi.org/simple`. TLS roots are the system's (so a corporate proxy's CA in the
//! system store works); `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` are honoured.

use super::EmbedError;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable naming the package index (the simple API root).
pub const ENV_INDEX_URL: &str = "CTX_PYPI_INDEX_URL";
/// The public index.
pub const DEFAULT_INDEX_URL: &str = "https://pypi.org/simple";
/// Attempts per file before giving up (network errors only).
const ATTEMPTS: u32 = 3;

/// The simple-API root to fetch from (see the module docs).
pub fn index_url() -> String {
    [ENV_INDEX_URL, "PIP_INDEX_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| DEFAULT_INDEX_URL.to_string())
}

/// One wheel to fetch.
#[derive(Debug, Clone)]
pub struct WheelRequest<'a> {
    /// The project's name on the index.
    pub project: &'a str,
    /// The wheel's file name.
    pub filename: &'a str,
    /// Its pinned sha256.
    pub sha256: &'a str,
}

/// Downloads `wheel` from the index at `index` into `dir`, verifying its sha256; returns
/// the file's path. `progress` gets (bytes so far, total bytes if known).
pub fn fetch_wheel(
    index: &str,
    wheel: &WheelRequest<'_>,
    dir: &Path,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<PathBuf, EmbedError> {
    let agent = agent();
    let page = format!(
        "{}/{}/",
        index.trim_end_matches('/'),
        normalize(wheel.project)
    );
    let url = with_retries(|| find_url(&agent, &page, wheel.filename))?;
    std::fs::create_dir_all(dir).map_err(|e| EmbedError::io("creating directory", dir, e))?;
    let dest = dir.join(wheel.filename);
    let found = with_retries(|| download(&agent, &url, &dest, progress))?;
    if found != wheel.sha256 {
        let _ = std::fs::remove_file(&dest);
        return Err(EmbedError::Checksum {
            path: PathBuf::from(&url),
            expected: wheel.sha256.to_string(),
            found,
        });
    }
    Ok(dest)
}

/// An HTTP agent with the system's TLS roots and generous timeouts for large files.
fn agent() -> ureq::Agent {
    use ureq::tls::{RootCerts, TlsConfig};
    ureq::Agent::config_builder()
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::PlatformVerifier)
                .build(),
        )
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .user_agent(concat!(
            "ctx/",
            env!("CARGO_PKG_VERSION"),
            " (model install)"
        ))
        .build()
        .into()
}

/// Runs `f` up to [`ATTEMPTS`] times while it fails with a network error.
fn with_retries<T>(mut f: impl FnMut() -> Result<T, EmbedError>) -> Result<T, EmbedError> {
    let mut attempt = 1;
    loop {
        match f() {
            Err(EmbedError::Fetch {
                retryable: true, ..
            }) if attempt < ATTEMPTS => {
                std::thread::sleep(Duration::from_millis(500 * u64::from(attempt)));
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn fetch_error(url: &str, error: &ureq::Error) -> EmbedError {
    let retryable = !matches!(error, ureq::Error::StatusCode(code) if *code < 500);
    EmbedError::Fetch {
        url: url.to_string(),
        detail: error.to_string(),
        retryable,
    }
}

/// The URL of `filename` on the project's simple-API page `page`.
fn find_url(agent: &ureq::Agent, page: &str, filename: &str) -> Result<String, EmbedError> {
    let mut response = agent
        .get(page)
        .header(
            "Accept",
            "application/vnd.pypi.simple.v1+json, text/html;q=0.1",
        )
        .call()
        .map_err(|e| fetch_error(page, &e))?;
    let json = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .map_err(|e| fetch_error(page, &e))?;
    let href = if json {
        href_in_json(&body, filename)
    } else {
        href_in_html(&body, filename)
    };
    let href = href.ok_or_else(|| EmbedError::Fetch {
        url: page.to_string(),
        detail: format!("the index does not list '{filename}'"),
        retryable: false,
    })?;
    Ok(resolve(page, &href))
}

/// The `url` of `filename` in a PEP 691 JSON page.
fn href_in_json(body: &str, filename: &str) -> Option<String> {
    let page: serde_json::Value = serde_json::from_str(body).ok()?;
    page["files"]
        .as_array()?
        .iter()
        .find(|f| f["filename"] == filename)
        .and_then(|f| f["url"].as_str())
        .map(String::from)
}

/// The `href` of the link named `filename` in a PEP 503 HTML page (fragment removed).
fn href_in_html(body: &str, filename: &str) -> Option<String> {
    let link =
        regex::Regex::new(r#"(?is)<a\s[^>]*href\s*=\s*["']([^"']+)["'][^>]*>\s*([^<]+?)\s*</a>"#)
            .expect("valid regex");
    let href = link
        .captures_iter(body)
        .find(|c| &c[2] == filename)
        .map(|c| {
            c[1].split('#')
                .next()
                .unwrap_or_default()
                .replace("&amp;", "&")
        });
    href
}

/// `href` made absolute against the page URL `base`.
fn resolve(base: &str, href: &str) -> String {
    let href = href.split('#').next().unwrap_or_default();
    if href.contains("://") {
        return href.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    let host = rest.split('/').next().unwrap_or_default();
    if let Some(path) = href.strip_prefix("//") {
        return format!("{scheme}://{path}");
    }
    if href.starts_with('/') {
        return format!("{scheme}://{host}{href}");
    }
    let mut parts: Vec<&str> = rest.split('/').skip(1).collect();
    parts.pop(); // the page's own last segment (empty for a trailing slash)
    for segment in href.split('/') {
        match segment {
            ".." => {
                parts.pop();
            }
            "." => {}
            other => parts.push(other),
        }
    }
    format!("{scheme}://{host}/{}", parts.join("/"))
}

/// Streams `url` into `dest`; returns the sha256 of what was written.
fn download(
    agent: &ureq::Agent,
    url: &str,
    dest: &Path,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<String, EmbedError> {
    let mut response = agent.get(url).call().map_err(|e| fetch_error(url, &e))?;
    let total = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let mut reader = response.body_mut().with_config().limit(2 << 30).reader();
    let mut file = std::fs::File::create(dest).map_err(|e| EmbedError::io("creating", dest, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut done = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(|e| EmbedError::Fetch {
            url: url.to_string(),
            detail: e.to_string(),
            retryable: true,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])
            .map_err(|e| EmbedError::io("writing", dest, e))?;
        done += n as u64;
        progress(done, total);
    }
    file.sync_all()
        .map_err(|e| EmbedError::io("writing", dest, e))?;
    Ok(super::install::hex(&hasher.finalize()))
}

/// A project name as the simple API spells it (PEP 503).
fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_are_normalised() {
        assert_eq!(normalize("All_MiniLM.L6--v2"), "all-minilm-l6-v2");
    }

    #[test]
    fn relative_links_resolve_against_the_page() {
        let page = "https://mirror.example/simple/onnxruntime/";
        assert_eq!(
            resolve(page, "../../packages/a/b.whl#sha256=00"),
            "https://mirror.example/packages/a/b.whl"
        );
        assert_eq!(
            resolve(page, "/files/b.whl"),
            "https://mirror.example/files/b.whl"
        );
        assert_eq!(
            resolve(page, "b.whl"),
            "https://mirror.example/simple/onnxruntime/b.whl"
        );
        assert_eq!(
            resolve(page, "https://files.example/b.whl"),
            "https://files.example/b.whl"
        );
    }

    #[test]
    fn links_are_found_in_json_and_html_pages() {
        let json = r#"{"files": [{"filename": "a-1.whl", "url": "https://f/a-1.whl"}, {"filename": "a-2.whl", "url": "../x/a-2.whl"}]}"#;
        assert_eq!(
            href_in_json(json, "a-2.whl").as_deref(),
            Some("../x/a-2.whl")
        );
        assert_eq!(href_in_json(json, "a-3.whl"), None);
        let html = r#"<html><body><a href="https://f/a-1.whl#sha256=ab" data-requires-python="&gt;=3.9">a-1.whl</a><br/>
<a href='../p/a-2.whl?x=1&amp;y=2#sha256=cd'>a-2.whl</a></body></html>"#;
        assert_eq!(
            href_in_html(html, "a-1.whl").as_deref(),
            Some("https://f/a-1.whl")
        );
        assert_eq!(
            href_in_html(html, "a-2.whl").as_deref(),
            Some("../p/a-2.whl?x=1&y=2")
        );
    }
}
