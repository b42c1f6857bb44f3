//! Secrets given to a name: `SECRET_KEY = '…'`, `MYSQL_ROOT_PASSWORD: …`,
//! `"client_secret": "…"`, `define('DB_PASSWORD', '…')`, `db.password=…`.
//!
//! A pattern finds every `name <separator> value`; code then decides. The name must end
//! in a secret noun (`password`, `secret`, `token`, `api_key`, `SECRET_KEY_BASE`...; not
//! `max_tokens`, `token_url` or `private_key_id`), and the value must be a literal: not a
//! variable, a call, a type annotation, an interpolation or a placeholder. Whether an
//! unquoted word is a literal depends on where it stands: after an upper-case environment
//! name (`DB_PASSWORD=postgres`, `POSTGRES_PASSWORD: example`) or alone on a
//! configuration line (`password: hunter`) it is; in code (`password: String,`,
//! `token = user_token` inside an expression) it is not.

use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// The name masked secrets of this kind are reported under.
pub const KIND: &str = "secret-assignment";

fn candidates() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(
            r#"(?x)
            (?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,100})
            (?P<kq>["'])?
            [\ \t]*(?P<sep>:=|=>|==|=|:|,)[\ \t]*
            (?:
                "(?P<dq>[^"\\\n]{1,500})"
              | '(?P<sq>[^'\\\n]{1,500})'
              | `(?P<bq>[^`\\\n]{1,500})`
              | (?P<uq>[^\s"'`,;)}\]]{1,500})
            )"#,
        )
        .expect("the assignment pattern is valid")
    })
}

/// Words that trigger the detector (lowercase); a text without any is not scanned.
pub const KEYWORDS: [&str; 7] = ["pass", "pwd", "secret", "token", "key", "cred", "auth"];

/// Byte ranges of the secret values in `text`.
///
/// A candidate that is turned down does not hide what follows it: the search resumes at
/// its value, which may be the name of the next assignment. In `a.go: apiToken := "…"`
/// (a line quoted after its path) the first candidate is `go: apiToken`; `apiToken := "…"`
/// is still found. Only an accepted value is skipped whole.
pub fn find(text: &str) -> Vec<Range<usize>> {
    if !may_hold(text) {
        return Vec::new();
    }
    scan(text)
}

/// Whether `text` has a name [`is_secret_name`] accepts right before a separator: what every
/// accepted candidate has, so a text without one holds no assignment [`scan`] would accept.
///
/// Why: the candidate pattern costs ~15 ms to compile (four values of up to 500 Unicode
/// characters), and ctx compiles it in every fresh process whose text holds a keyword
/// (`pwd`, `cred`, `key`...: a hook call's `Bash: pwd`, a `key:` in a YAML line). A cheap
/// pattern finds each secret noun right before a separator, and the name that ends there is
/// then judged as [`accepted`] judges it, so `x-request-key: 1` or `monkey: 3` compile
/// nothing, while `api_key: …` does.
///
/// Why it is exact: a candidate's name is as long as it can be (a name character can
/// neither start the quote, blanks and separator that follow it nor be cut off by the
/// 100-character limit, since the separator must come right after), so it ends right
/// before `["']?[ \t]*(:=|=>|==|=|:|,)` and starts at the first letter or `_` of the run of
/// name characters (`[A-Za-z0-9_.\-]`) that ends there; a run longer than the pattern's
/// 101 characters lets the gate through without judging. Its last word is one of the nouns
/// [`is_secret_name`] accepts, so the noun pattern finds it.
pub fn may_hold(text: &str) -> bool {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        Regex::new(
            r#"(?i)(?:passwd|password|passphrase|secret|token|apikey|credentials?|pwd|pass|pat|key|base|value|salt)[_.\-]*(?:["']?[\ \t]*[:=,])"#,
        )
        .expect("the assignment gate is valid")
    });
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    let bytes = text.as_bytes();
    pattern.find_iter(text).any(|found| {
        // The name ends before the quote, blanks and separator (one ASCII byte) that end
        // the match.
        let before_sep = &text[..found.end() - 1];
        let before_quote = before_sep.trim_end_matches([' ', '\t']);
        let end = before_quote
            .strip_suffix(['"', '\''])
            .unwrap_or(before_quote)
            .len();
        let mut start = end;
        while start > 0 && name_byte(bytes[start - 1]) {
            start -= 1;
        }
        let run = &text[start..end];
        let Some(first) = run.find(|c: char| c.is_ascii_alphabetic() || c == '_') else {
            return false;
        };
        let name = &run[first..];
        name.len() > 101 || is_secret_name(name)
    })
}

/// [`find`] without the gate: every candidate of the pattern, decided one by one.
pub fn scan(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(caps) = candidates().captures_at(text, at) {
        let value = ["dq", "sq", "bq", "uq"]
            .iter()
            .find_map(|group| caps.name(group))
            .expect("one value group matches");
        // The value starts after the key and its separator, so the search moves on.
        at = value.start();
        if let Some(range) = accepted(text, &caps) {
            at = range.end;
            found.push(range);
        }
    }
    found
}

/// The range of the secret value of one candidate, when it is one.
fn accepted(text: &str, caps: &regex::Captures<'_>) -> Option<Range<usize>> {
    let key = caps.name("key").expect("key always matches");
    if !is_secret_name(key.as_str()) {
        return None;
    }
    let sep = caps.name("sep").expect("sep always matches").as_str();
    let key_quoted = caps.name("kq").is_some();
    if sep == "," && !key_quoted {
        return None;
    }
    let (value, quoted) = match (caps.name("dq"), caps.name("sq"), caps.name("bq")) {
        (Some(v), _, _) | (_, Some(v), _) | (_, _, Some(v)) => (v, true),
        _ => (caps.name("uq").expect("one value group matches"), false),
    };
    let accepted = if quoted {
        sep != "," || key_quoted
    } else {
        sep != "==" && sep != "," && is_unquoted_literal(text, key, sep, value)
    };
    (accepted && is_literal_value(value.as_str())).then(|| value.range())
}

/// True when `name` ends in a secret noun (see the module docs).
pub fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last().map(String::as_str) else {
        return false;
    };
    let before = words.len().checked_sub(2).map(|i| words[i].as_str());
    let qualified = before.is_some();
    match last {
        "password" | "passwd" | "passphrase" | "secret" | "token" | "apikey" | "credential"
        | "credentials" => !matches!(before, Some("max" | "min" | "num" | "csrf" | "xsrf")),
        "pwd" | "pass" | "pat" => qualified && before != Some("by"),
        "key" => matches!(
            before,
            Some(
                "api"
                    | "access"
                    | "secret"
                    | "private"
                    | "auth"
                    | "signing"
                    | "encryption"
                    | "master"
                    | "client"
                    | "app"
                    | "account"
                    | "service"
                    | "license"
                    | "session"
                    | "consumer"
                    | "shared"
                    | "webhook"
                    | "admin"
                    | "subscription"
                    | "storage"
                    | "hmac"
                    | "jwt"
                    | "sk"
                    | "stripe"
                    | "openai"
                    | "anthropic"
                    | "sendgrid"
                    | "mailgun"
                    | "twilio"
                    | "aws"
                    | "gcp"
                    | "azure"
            )
        ),
        "base" | "value" | "salt" => words.iter().any(|w| w == "secret"),
        _ => false,
    }
}

/// Lowercase words of an identifier: split at `_`, `-`, `.` and camelCase humps
/// (`clientSecret`, `APIKey`, `SECRET_KEY_BASE`).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split(['_', '-', '.']) {
        let chars: Vec<char> = part.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let hump = chars[i].is_uppercase()
                && (chars[i - 1].is_lowercase()
                    || chars.get(i + 1).is_some_and(|c| c.is_lowercase())
                        && chars[i - 1].is_uppercase());
            if hump {
                words.push(chars[start..i].iter().collect::<String>().to_lowercase());
                start = i;
            }
        }
        if start < chars.len() {
            words.push(chars[start..].iter().collect::<String>().to_lowercase());
        }
    }
    words
}

/// Values that are no secret whatever they are assigned to.
fn is_literal_value(value: &str) -> bool {
    let value = value.trim();
    if value.chars().count() < 4 || value.contains(char::is_whitespace) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    let interpolation = ["${", "#{", "{{", "%(", "{0}", "{}", "$(", "<%"];
    if value.starts_with(['$', '%', '[', '<', '{', '@', '&', '*'])
        || interpolation.iter().any(|i| value.contains(i))
        || value.contains("redacted:")
    {
        return false;
    }
    if lower.starts_with("process.env")
        || lower.starts_with("os.environ")
        || lower.starts_with("env(")
        || lower.starts_with("env[")
        || lower.contains("getenv")
    {
        return false;
    }
    let placeholders = [
        "true",
        "false",
        "null",
        "none",
        "nil",
        "undefined",
        "empty",
        "required",
        "optional",
        "changeme",
        "change_me",
        "changeit",
        "password",
        "secret",
        "token",
        "your_password",
        "your_token",
        "your_secret",
        "your-api-key",
        "your_api_key",
        "redacted",
        "hidden",
        "masked",
    ];
    if placeholders.contains(&lower.as_str()) {
        return false;
    }
    let filler = |c: char| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '_' | '#' | '•');
    if value.chars().all(filler) {
        return false;
    }
    let first = value.chars().next().expect("at least 4 characters");
    !value.chars().all(|c| c == first)
}

/// Whether an unquoted value is a literal where it stands (see the module docs).
fn is_unquoted_literal(
    text: &str,
    key: regex::Match<'_>,
    sep: &str,
    value: regex::Match<'_>,
) -> bool {
    let v = value.as_str();
    if v.contains(['(', ')', '<', '>']) || is_path_expression(v) {
        return false;
    }
    let types = [
        "str",
        "string",
        "bool",
        "boolean",
        "int",
        "integer",
        "float",
        "bytes",
        "any",
        "object",
        "number",
        "self",
        "this",
        "secretstr",
        "option",
        "optional",
        "char",
        "usize",
        "u8",
        "u32",
        "u64",
        "i32",
        "i64",
        "f32",
        "f64",
    ];
    if types.contains(&v.to_ascii_lowercase().as_str()) {
        return false;
    }
    let wordlike = v.chars().all(|c| c.is_alphabetic() || c == '_');
    if !wordlike {
        return true;
    }
    // `self.token = token`, `this.apiKey = api_key`: code, whatever the line looks like.
    let receiver = ["self.", "this.", "cls.", "@"]
        .iter()
        .any(|r| key.as_str().starts_with(r));
    if receiver || v.contains('_') && !v.chars().any(|c| c.is_ascii_uppercase()) {
        return false;
    }
    let env_name = key.as_str().chars().any(|c| c.is_ascii_uppercase())
        && !key.as_str().chars().any(|c| c.is_ascii_lowercase());
    if env_name && matches!(sep, "=" | ":") {
        return true;
    }
    let starts_line = text[..key.start()]
        .rsplit('\n')
        .next()
        .is_some_and(|before| {
            let before = before.trim_start();
            before.is_empty() || before == "-" || before == "export"
        });
    let rest = text[value.end()..].split('\n').next().unwrap_or("");
    let ends_line = rest.trim().is_empty() || rest.trim_start().starts_with('#');
    let type_name = v.chars().next().is_some_and(char::is_uppercase);
    starts_line && ends_line && matches!(sep, "=" | ":") && !type_name
}

/// `config.password`, `self.token`, `Settings::SECRET`, `obj->key`: a reference, not a value.
fn is_path_expression(value: &str) -> bool {
    let parts: Vec<&str> = value
        .split(['.', ':', '>'])
        .map(|p| p.trim_end_matches('-'))
        .filter(|p| !p.is_empty())
        .collect();
    parts.len() > 1
        && parts.iter().all(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|r| &text[r]).collect()
    }

    /// Issue 11: `Bash: pwd` compiled the ~15 ms candidate pattern in a fresh hook process.
    #[test]
    fn r11_texts_without_a_secret_name_before_a_separator_skip_the_candidates() {
        for text in [
            "Bash: pwd",
            "Bash: mix credo --strict",
            "Bash: cat src/auth/token.rs && ssh-keygen -t ed25519",
            "Bash: git log --grep=passed",
            "the token is not here: nor a key",
            // A noun before a separator whose name is not a secret's (issue 12: any `key:`
            // compiled the candidates, ~20 ms in a fresh hook process).
            "Bash: echo 'x-apx-key: abc'",
            "sort_key: name",
            "monkey: 3, primary_key = id",
            "max_tokens=4096",
            "csrf_token: on",
        ] {
            assert!(!may_hold(text), "{text}");
            assert!(scan(text).is_empty(), "{text}");
        }
        for text in [
            "PASSWORD=hunter2hunter",
            "apiKey: 'abcd1234efgh'",
            "secret_key_base__ = \"abcd1234efgh\"",
            "\"client_secret\": \"abcd1234efgh\"",
            "token := \"abcd1234efgh\"",
            "x9_api_key: abcd1234efgh",
            "STRIPE-KEY=sk_live_abcd1234",
        ] {
            assert!(may_hold(text), "{text}");
            assert!(!find(text).is_empty(), "{text}");
        }
    }

    mod gate {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Whatever the text, the gate lets through every one [`scan`] finds a secret in.
            #[test]
            fn the_gate_never_hides_an_assignment(
                head in "(?s).{0,20}",
                name in "([A-Za-z0-9_.-]{0,6}|[A-Za-z0-9_]{95,110}|(api|aws|Sk|max|by|secret|csrf|client)[_.-]?)(password|PASSWD|Passphrase|secret|TOKEN|apiKey|APIKey|credential|credentials|pwd|Pass|pat|key|Key|secret_key_base|SECRET_SALT|secretValue|word|keys)[_.-]{0,2}",
                quote in "[\"']?",
                blank in "[ \t]{0,2}",
                sep in "(:=|=>|==|=|:|,)",
                value in "[ \t]{0,2}[\"'`]?[A-Za-z0-9!@#%^&*._ $-]{0,20}[\"'`]?",
                tail in "(?s).{0,20}",
            ) {
                let text = format!("{head}{name}{quote}{blank}{sep}{value}{tail}");
                prop_assert!(scan(&text).is_empty() || may_hold(&text), "{:?}", text);
                prop_assert_eq!(find(&text), scan(&text));
            }

            #[test]
            fn any_text(text in "(?s).{0,200}") {
                prop_assert!(scan(&text).is_empty() || may_hold(&text), "{:?}", text);
            }
        }
    }

    #[test]
    fn names_that_hold_secrets() {
        for name in [
            "SECRET_KEY",
            "password",
            "db_password",
            "MYSQL_ROOT_PASSWORD",
            "clientSecret",
            "APIKey",
            "api-key",
            "SECRET_KEY_BASE",
            "github_token",
            "x.auth.token",
            "DB_PASS",
            "aws_secret_access_key",
            "GH_PAT",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "max_tokens",
            "token_url",
            "private_key_id",
            "key",
            "pwd",
            "tokenizer",
            "password_length",
            "csrf_token",
            "primary_key",
            "pass",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn literals_are_masked() {
        assert_eq!(
            masked("SECRET_KEY = 'django-insecure-x9^h&2k'"),
            ["django-insecure-x9^h&2k"]
        );
        assert_eq!(masked("      MYSQL_ROOT_PASSWORD: example"), ["example"]);
        assert_eq!(masked("  - POSTGRES_PASSWORD=postgres"), ["postgres"]);
        assert_eq!(
            masked(r#"{"client_secret": "s3cr3t-v4lue"}"#),
            ["s3cr3t-v4lue"]
        );
        assert_eq!(masked("define('DB_PASSWORD', 'wp-Pa55');"), ["wp-Pa55"]);
        assert_eq!(
            masked("spring.datasource.password=springpass"),
            ["springpass"]
        );
        assert_eq!(masked("password: hunter\n"), ["hunter"]);
        assert_eq!(masked("api_key: 9f8e7d6c5b4a\n"), ["9f8e7d6c5b4a"]);
        assert_eq!(masked("if password == \"admin123\":"), ["admin123"]);
        assert_eq!(masked("connect(user='x', password='pw-1234')"), ["pw-1234"]);
    }

    #[test]
    fn an_assignment_quoted_after_a_prefix_is_found() {
        // The shapes `ctx check` reports a matched line in (human and JSON): a rejected
        // candidate (`go: 2:`, `go: apiToken`) must not hide the assignment after it.
        assert_eq!(
            masked(r#"matched at secrets/a.go:2: secrets/a.go: apiToken := "a1b2c3d4e5f6""#),
            ["a1b2c3d4e5f6"]
        );
        assert_eq!(
            masked(r#"secrets/a.json: "client_secret": "s3cr3t-v4lue""#),
            ["s3cr3t-v4lue"]
        );
        assert_eq!(
            masked("note: db_password = 'pw-1234', other: 1"),
            ["pw-1234"]
        );
        // The same lines without the prefix, for comparison.
        assert_eq!(masked(r#"apiToken := "a1b2c3d4e5f6""#), ["a1b2c3d4e5f6"]);
        // Turned-down candidates still hide nothing that is not an assignment.
        assert_eq!(masked("a.go: max_tokens = 4096"), Vec::<&str>::new());
        assert_eq!(masked("a.py: token = user_token"), Vec::<&str>::new());
    }

    #[test]
    fn references_and_types_are_not() {
        for text in [
            "password: String,",
            "    password: str",
            "token: Option<String>,",
            "password = os.environ['DB_PASSWORD']",
            "password = get_password()",
            "secret = config.secret",
            "api_key: ${API_KEY}",
            "password = \"{{ vault_password }}\"",
            "token = None",
            "PASSWORD = \"changeme\"",
            "let pw = user.password;",
            "password_label = \"Enter your password\"",
            "if (password, other) = pair",
            "max_tokens = 4096",
            "\"token\": token,",
            "auth_token = request.headers.get(\"x\")",
            "password: ********",
        ] {
            assert_eq!(masked(text), Vec::<&str>::new(), "{text}");
        }
    }
}
