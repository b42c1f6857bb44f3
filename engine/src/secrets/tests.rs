//! The rule table as data, the planted corpus, and properties of the filter.

use super::*;
use serde::Deserialize;

#[test]
fn every_rule_masks_its_examples_and_spares_its_counter_examples() {
    for spec in rules::specs() {
        let regex = regex::Regex::new(&spec.regex).unwrap();
        assert!(!spec.examples.is_empty(), "rule {} needs examples", spec.id);
        for example in &spec.examples {
            let caps = regex
                .captures(example)
                .unwrap_or_else(|| panic!("rule {} misses its example {example:?}", spec.id));
            let secret = caps.name("secret").unwrap_or_else(|| caps.get(0).unwrap());
            let masked = redact(example);
            assert!(
                !masked.contains(secret.as_str().trim()),
                "rule {}: {example:?} became {masked:?}",
                spec.id
            );
        }
    }
    // A counter-example is spared by the pattern, or by the rule's entropy, stopwords and
    // allow patterns.
    let table = rules::Rules::new(rules::specs());
    for (spec, rule) in rules::specs().iter().zip(&table.table) {
        for counter in &spec.not {
            let masked = rule.regex().captures_iter(counter).any(|caps| {
                let secret = caps.name("secret").unwrap_or_else(|| caps.get(0).unwrap());
                rule.accepts(&caps, secret.as_str())
            });
            assert!(!masked, "rule {} masks {counter:?}", spec.id);
        }
    }
}

/// The rules whose keywords occur in `text` (what the prefilter must wake), by table index.
fn woken(specs: &[rules::RuleSpec], text: &str) -> Vec<usize> {
    let lower = text.to_ascii_lowercase();
    (0..specs.len())
        .filter(|&i| {
            specs[i]
                .keywords
                .iter()
                .any(|word| lower.contains(word.as_str()))
        })
        .collect()
}

/// Issue 11: a hook call masks its drift-log record in a fresh process, and compiling all
/// 71 patterns there took ~45 ms of a ~50 ms call. A text must compile only the rules it
/// wakes, and find exactly what the fully compiled table finds.
#[test]
fn r11_a_text_compiles_only_the_rules_it_wakes_and_finds_the_same() {
    let specs = rules::specs();
    for spec in &specs {
        for word in &spec.keywords {
            assert_eq!(
                word,
                &word.to_lowercase(),
                "rule {}: keywords are lowercase",
                spec.id
            );
        }
    }
    let eager = rules::Rules::new(rules::specs());
    for rule in &eager.table {
        rule.regex();
    }
    let ordinary = "Bash: echo step1 && git status";
    let planted = planted();
    let texts = specs
        .iter()
        .flat_map(|spec| spec.examples.iter().chain(&spec.not))
        .map(String::as_str)
        .chain(planted.iter().map(|file| file.text.as_str()))
        .chain([ordinary]);
    for text in texts {
        let lazy = rules::Rules::new(rules::specs());
        let found = find_with(&lazy, text);
        assert_eq!(found, find_with(&eager, text), "{text:?}");
        let compiled: Vec<usize> = (0..lazy.table.len())
            .filter(|&i| lazy.table[i].is_compiled())
            .collect();
        assert_eq!(compiled, woken(&specs, text), "{text:?}");
        // The assignment detector's gate hides nothing its candidates would find.
        assert_eq!(assignment::find(text), assignment::scan(text), "{text:?}");
    }
    for text in [
        "db:\n  password: hunter",
        "export AWS_SECRET_ACCESS_KEY=\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
    ] {
        assert!(!assignment::find(text).is_empty(), "{text:?}");
    }
    // An ordinary action wakes nothing: no pattern is compiled.
    let lazy = rules::Rules::new(rules::specs());
    assert!(find_with(&lazy, ordinary).is_empty());
    assert!(lazy.table.iter().all(|rule| !rule.is_compiled()));
}

/// Issue 11: a hook call's text is searched keyword by keyword, without building the
/// keyword automaton (~0.3 ms per fresh process); it must wake exactly the detectors the
/// automaton wakes.
#[test]
fn r11_short_texts_wake_the_same_rules_without_the_automaton() {
    let specs = rules::specs();
    let planted = planted();
    let texts: Vec<&str> = specs
        .iter()
        .flat_map(|spec| spec.examples.iter().chain(&spec.not))
        .map(String::as_str)
        .chain(planted.iter().map(|file| file.text.as_str()))
        .chain([
            "Bash: echo step1 && git status",
            "",
            "KEY",
            "Private KEY",
            "\u{212a}ey",
        ])
        .collect();
    let automaton = rules::Rules::new(rules::specs());
    automaton.build_automaton();
    for text in texts {
        let direct = rules::Rules::new(rules::specs());
        assert_eq!(direct.active(text), automaton.active(text), "{text:?}");
        assert_eq!(
            direct.has_automaton(),
            text.len() > rules::DIRECT_SCAN_BYTES,
            "{}",
            text.len()
        );
    }
    // Past its budget a process builds the automaton, and finds the same.
    let direct = rules::Rules::new(rules::specs());
    let long = "export TOKEN=1 # ".repeat(rules::DIRECT_SCAN_BYTES / 16);
    assert_eq!(direct.active(&long), automaton.active(&long));
    assert!(direct.has_automaton());
}

mod r11_scan {
    use super::rules;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn r11_direct_keyword_scan_equals_the_automaton(
            parts in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(vec![
                        "KEY", "Key", "pass", "PaSsWoRd", "ghp_", "GHP_", "sk-", "AKIA", "xoxb",
                        "BEGIN", "private key", "\u{212a}ey", "\u{17f}ecret", "İ", "ß", " ", "=", "\n",
                    ]).prop_map(String::from),
                    "[ -~]{0,12}",
                    "\\PC{0,4}",
                ],
                0..24,
            )
        ) {
            let text = parts.concat();
            let automaton = rules::Rules::new(rules::specs());
            automaton.build_automaton();
            let direct = rules::Rules::new(rules::specs());
            prop_assert_eq!(direct.active(&text), automaton.active(&text));
        }
    }
}

#[derive(Deserialize)]
struct Planted {
    file: Vec<PlantedFile>,
}

#[derive(Deserialize)]
struct PlantedFile {
    kind: String,
    path: String,
    text: String,
    secrets: Vec<String>,
}

fn planted() -> Vec<PlantedFile> {
    let text = include_str!("../../../tests/fixtures/secrets/planted.toml");
    toml::from_str::<Planted>(text).unwrap().file
}

#[test]
fn the_planted_corpus_is_masked_or_excluded() {
    let files = planted();
    assert!(files.len() >= 30);
    for file in files {
        if is_secret_file(&file.path) {
            continue;
        }
        let mut counts = SecretCounts::new();
        let masked = mask_secrets(&file.text, &mut counts);
        for secret in &file.secrets {
            assert!(
                !masked.contains(secret.as_str()),
                "{} ({}): {secret} leaked:\n{masked}",
                file.kind,
                file.path
            );
        }
        assert_eq!(
            masked.lines().count(),
            file.text.lines().count(),
            "{}",
            file.kind
        );
    }
}

#[test]
fn ordinary_code_is_left_alone() {
    let code = r#"
use std::collections::HashMap;
let url = "https://example.com/path";
let password = get_password();
let token: Option<String> = None;
fn check(password: &str, token_url: &str) -> bool { password.len() > 8 }
const MAX_TOKENS: usize = 4096;
sk-learn is a library
let key = map.get("key");
self.api_key = api_key
headers["Authorization"] = f"Bearer {token}"
password = os.environ["DB_PASSWORD"]
"#;
    let mut counts = SecretCounts::new();
    assert_eq!(mask_secrets(code, &mut counts), code);
    assert!(counts.is_empty(), "{counts:?}");
}

#[test]
fn masking_is_idempotent_and_keeps_lines() {
    for file in planted() {
        let once = redact(&file.text).into_owned();
        assert_eq!(redact(&once), once, "{}", file.kind);
        assert_eq!(once.matches('\n').count(), file.text.matches('\n').count());
    }
}

#[test]
fn json_strings_are_masked_in_place() {
    let mut value = serde_json::json!({
        "hits": [{"text": "token = \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\""}],
        "n": 1,
    });
    assert_eq!(redact_json(&mut value), 1);
    let text = value.to_string();
    assert!(!text.contains("ghp_abc"), "{text}");
    assert!(text.contains("[redacted:github-token]"), "{text}");
}

#[test]
fn a_key_split_across_chunks_is_masked_on_both_sides() {
    let first =
        "let key = \"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5\n";
    let second = "AwEHoUQDQgAE8xOUetsCa8EfOlDEBAfREhJqspDo\n-----END EC PRIVATE KEY-----\";\n";
    assert!(!redact(first).contains("MHcCAQEE"));
    assert!(!redact(second).contains("AwEHoUQ"));
}

#[test]
fn lines_are_masked_together_before_they_are_quoted() {
    let lines = [
        "db:",
        "  password: hunter",
        "signing: |",
        "  -----BEGIN EC PRIVATE KEY-----",
        "  MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5",
        "  -----END EC PRIVATE KEY-----",
        "x = 1",
    ];
    let masked = redact_lines(lines);
    assert_eq!(masked.len(), lines.len(), "{masked:?}");
    for line in &masked {
        // How a check report quotes a line: after its place.
        let quoted = redact_owned(format!("secrets/a.yml:2: secrets/a.yml: {}", line.trim()));
        assert!(
            !quoted.contains("hunter") && !quoted.contains("MHcCAQEE"),
            "{quoted}"
        );
    }
    assert_eq!(masked[0], "db:");
    assert_eq!(masked[6], "x = 1");
    // Nothing to mask: the lines come back as they were.
    assert_eq!(redact_lines(["a", "", "b"]), ["a", "", "b"]);
    // A text with a newline of its own is masked alone and still counts as one.
    assert_eq!(redact_lines(["token = 'abcd1234efgh'\nx", "y"]).len(), 2);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_text_keeps_its_lines_and_masks_once(text in "(?s).{0,400}") {
            let once = redact(&text).into_owned();
            prop_assert_eq!(once.matches('\n').count(), text.matches('\n').count());
            prop_assert_eq!(redact(&once).into_owned(), once);
        }

        #[test]
        fn secret_like_text_keeps_its_lines(
            key in "(password|API_KEY|token|secret_key|clientSecret)",
            sep in "( = |: |=|=> |\": \")",
            value in "[A-Za-z0-9!@#%^&*._-]{0,40}",
            tail in "[ ,;\n]{0,3}",
        ) {
            let text = format!("{key}{sep}{value}{tail}");
            let once = redact(&text).into_owned();
            prop_assert_eq!(once.matches('\n').count(), text.matches('\n').count());
            prop_assert_eq!(redact(&once).into_owned(), once);
        }
    }
}
