//! Keeping secrets out of packs: files that hold them are excluded, and common secret
//! shapes in packed content are masked.
//!
//! Masking never changes the number of lines, so line numbers stay right.

use regex::Regex;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// True for files that ctx never packs by default: `.env` files and private keys.
pub fn is_secret_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let env_file = name == ".env"
        || (name.starts_with(".env.")
            && !matches!(
                name.as_str(),
                ".env.example" | ".env.sample" | ".env.template" | ".env.dist"
            ));
    let key_file = matches!(
        name.as_str(),
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | ".netrc" | ".pgpass" | ".npmrc"
    ) || [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|ext| name.ends_with(ext));
    env_file || key_file
}

/// One secret shape: a name for counts and a pattern. When the pattern has a group named
/// `secret`, only that group is masked; otherwise the whole match is.
struct Shape {
    name: &'static str,
    pattern: Regex,
}

fn shapes() -> &'static [Shape] {
    static SHAPES: OnceLock<Vec<Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let table: [(&str, &str); 11] = [
            (
                "private-key",
                r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?P<secret>(?s:.*?))-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
            ),
            ("aws-access-key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
            (
                "aws-secret-key",
                r#"(?i)aws.{0,24}?(?:secret|private).{0,24}?['"=:]\s*['"]?(?P<secret>[0-9A-Za-z/+]{40})\b"#,
            ),
            ("gcp-api-key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
            ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
            ("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
            ("slack-webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}"),
            ("openai-key", r"\bsk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_\-]{20,}\b"),
            ("stripe-key", r"\b[rs]k_live_[0-9A-Za-z]{20,}\b"),
            (
                "connection-password",
                r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:/@'\x22]+:(?P<secret>[^\s@/'\x22]{1,200})@",
            ),
            (
                "password-assignment",
                r#"(?i)\b(?:password|passwd|secret_key|api_key|apikey|auth_token|access_token)\s*[:=]\s*['"](?P<secret>[^'"\s$%{}<>]{8,})['"]"#,
            ),
        ];
        table
            .into_iter()
            .map(|(name, pattern)| Shape {
                name,
                pattern: Regex::new(pattern).expect("secret patterns are valid"),
            })
            .collect()
    })
}

/// Counts of masked secrets by shape name.
pub type SecretCounts = BTreeMap<String, u32>;

/// Masks every secret shape in `text`; returns the masked text (borrowed when nothing
/// matched) and adds what was masked to `counts`.
pub fn mask_secrets<'t>(text: &'t str, counts: &mut SecretCounts) -> Cow<'t, str> {
    let mut current = Cow::Borrowed(text);
    for shape in shapes() {
        if !shape.pattern.is_match(&current) {
            continue;
        }
        let mut out = String::with_capacity(current.len());
        let mut last = 0;
        let mut found = 0u32;
        for caps in shape.pattern.captures_iter(&current) {
            let target = caps
                .name("secret")
                .unwrap_or_else(|| caps.get(0).expect("group 0 always exists"));
            if target.as_str().contains("redacted:") {
                continue;
            }
            out.push_str(&current[last..target.start()]);
            out.push_str(&redaction(shape.name, target.as_str()));
            last = target.end();
            found += 1;
        }
        if found == 0 {
            continue;
        }
        out.push_str(&current[last..]);
        *counts.entry(shape.name.to_string()).or_default() += found;
        current = Cow::Owned(out);
    }
    current
}

/// The replacement for one secret: a marker, then as many newlines as the secret held.
fn redaction(name: &str, secret: &str) -> String {
    let newlines = secret.matches('\n').count();
    if newlines == 0 {
        return format!("[redacted:{name}]");
    }
    let mut out = format!("\n[redacted:{name}]");
    out.push_str(&"\n".repeat(newlines - 1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_env_files_and_keys() {
        for path in [
            ".env",
            "app/.env.local",
            "certs/server.pem",
            "id_rsa",
            "x/y.key",
        ] {
            assert!(is_secret_file(path), "{path}");
        }
        for path in [".env.example", "src/env.rs", "keys.py", "README.md"] {
            assert!(!is_secret_file(path), "{path}");
        }
    }

    #[test]
    fn masks_planted_secrets_and_keeps_lines() {
        let planted = [
            ("aws-access-key", "AKIAIOSFODNN7EXAMPLE"),
            ("gcp-api-key", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"),
            ("github-token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            ("slack-token", "xoxb-123456789012-abcdefghijkl"),
            ("openai-key", "sk-proj-abcdefghijklmnopqrstuvwxyz012345"),
        ];
        let mut text = String::from("fn main() {\n");
        for (_, secret) in planted {
            text.push_str(&format!("    let k = \"{secret}\";\n"));
        }
        text.push_str(
            "    let url = \"postgres://admin:hunter2secret@db.example.com:5432/app\";\n",
        );
        text.push_str("    let key = \"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabcdefgh\n-----END RSA PRIVATE KEY-----\";\n}\n");
        let mut counts = SecretCounts::new();
        let masked = mask_secrets(&text, &mut counts);
        for (name, secret) in planted {
            assert!(!masked.contains(secret), "{secret} leaked:\n{masked}");
            assert_eq!(counts.get(name), Some(&1), "{name}: {counts:?}");
        }
        assert!(!masked.contains("hunter2secret"));
        assert!(masked.contains("postgres://admin:[redacted:connection-password]@db"));
        assert!(!masked.contains("MIIEpAIBAAKCAQEA"));
        assert_eq!(counts["private-key"], 1);
        assert_eq!(masked.lines().count(), text.lines().count());
    }

    #[test]
    fn leaves_ordinary_code_alone() {
        let code = "let url = \"https://example.com/path\";\nlet password = get_password();\nsk-learn is a library\n";
        let mut counts = SecretCounts::new();
        assert_eq!(mask_secrets(code, &mut counts), code);
        assert!(counts.is_empty());
    }
}
