//! Model profiles: a context window, a tokenizer and the room kept for the answer.
//!
//! Built-in profiles:
//!
//! | name        | window | tokenizer   | counted as                 | default reserve |
//! |-------------|--------|-------------|----------------------------|-----------------|
//! | `codex-5.3` | 400k   | o200k_base  | exact                      | 32k             |
//! | `opus-4.6`  | 1M     | (none public) | o200k × 1.15 + 512       | 64k             |
//! | `o200k`     | 128k   | o200k_base  | exact                      | 8k              |
//! | `cl100k`    | 128k   | cl100k_base | exact                      | 8k              |
//!
//! `opus-4.6` has no public tokenizer. Anthropic's tokenizers produce somewhat more tokens
//! than o200k_base on code (measurements of earlier Claude tokenizers put the ratio between
//! 1.0 and 1.12 on source code), so ctx counts with o200k_base, multiplies by a safety factor
//! of 1.15 and adds a fixed margin of 512 tokens. The estimate is conservative on purpose:
//! a pack for `opus-4.6` may come out a little smaller than the window could hold, never larger.
//!
//! Users add or override profiles in `.ctx/config.toml`:
//!
//! ```toml
//! [profiles.my-model]            # quote names with dots: [profiles."gpt-4.1"]
//! context = "200k"          # window, a budget string or a number
//! tokenizer = "cl100k_base" # o200k_base | cl100k_base
//! safety_factor = 1.1       # optional, default 1.0
//! margin = 256              # optional, default 0
//! reserve = "16k"           # optional, default 1/16 of the window
//! ```

use super::budget::parse_budget;
use super::tokens::Tokenizer;
use crate::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// The profile used when no `--model` is given.
pub const DEFAULT_PROFILE: &str = "codex-5.3";

/// How one model counts tokens and how large its window is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The name given to `--model`.
    pub name: String,
    /// Context window in tokens.
    pub context: u64,
    /// The tokenizer counts are made with.
    pub tokenizer: Tokenizer,
    /// Multiplier applied to the tokenizer's count (1.0 when the tokenizer is the model's own).
    pub safety_factor: f64,
    /// Tokens added to every estimate on top of the factor.
    pub margin: u64,
    /// Tokens kept free for the model's answer when the budget is the whole window.
    pub reserve: u64,
    /// One line on where the numbers come from.
    pub note: String,
}

impl Profile {
    /// True when counts are exact (the profile's tokenizer is the model's own).
    pub fn is_exact(&self) -> bool {
        self.safety_factor == 1.0 && self.margin == 0
    }

    /// The profile's estimate of a text that the tokenizer counts as `raw` tokens.
    pub fn estimate(&self, raw: u64) -> u64 {
        if self.is_exact() {
            return raw;
        }
        (raw as f64 * self.safety_factor).ceil() as u64 + self.margin
    }

    /// The largest raw tokenizer count whose estimate stays within `limit`.
    pub fn raw_limit(&self, limit: u64) -> u64 {
        if self.is_exact() {
            return limit;
        }
        let mut raw = ((limit.saturating_sub(self.margin)) as f64 / self.safety_factor) as u64;
        while raw > 0 && self.estimate(raw) > limit {
            raw -= 1;
        }
        raw
    }

    /// The name shown for the tokenizer in pack output (`o200k_base`, or
    /// `o200k_base×1.15+512` for an estimate).
    pub fn tokenizer_label(&self) -> String {
        if self.is_exact() {
            self.tokenizer.name().to_string()
        } else {
            format!(
                "{}x{}+{}",
                self.tokenizer.name(),
                self.safety_factor,
                self.margin
            )
        }
    }
}

/// The built-in profiles, sorted by name.
pub fn builtin_profiles() -> Vec<Profile> {
    let exact =
        |name: &str, context: u64, tokenizer: Tokenizer, reserve: u64, note: &str| Profile {
            name: name.to_string(),
            context,
            tokenizer,
            safety_factor: 1.0,
            margin: 0,
            reserve,
            note: note.to_string(),
        };
    let mut all = vec![
        exact(
            "cl100k",
            128_000,
            Tokenizer::Cl100kBase,
            8_000,
            "generic cl100k_base model, exact counts",
        ),
        exact(
            "codex-5.3",
            400_000,
            Tokenizer::O200kBase,
            32_000,
            "400k-context Codex model, o200k_base, exact counts",
        ),
        exact(
            "o200k",
            128_000,
            Tokenizer::O200kBase,
            8_000,
            "generic o200k_base model, exact counts",
        ),
        Profile {
            name: "opus-4.6".to_string(),
            context: 1_000_000,
            tokenizer: Tokenizer::O200kBase,
            safety_factor: 1.15,
            margin: 512,
            reserve: 64_000,
            note: "1M-context Claude model; no public tokenizer: o200k_base count x 1.15 + 512 (conservative)".to_string(),
        },
    ];
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// Every profile known at `root`: the built-ins, then `[profiles.NAME]` from
/// `root/.ctx/config.toml` (a user profile with a built-in's name replaces it).
pub fn load_profiles(root: &Path) -> Result<Vec<Profile>> {
    let mut all = builtin_profiles();
    let path = root.join(".ctx").join("config.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(all),
        Err(e) => return Err(Error::io("reading", path, e)),
    };
    for user in parse_user_profiles(&path, &text)? {
        all.retain(|p| p.name != user.name);
        all.push(user);
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

/// Finds a profile by name; the error lists the known names.
pub fn find_profile(profiles: &[Profile], name: &str) -> Result<Profile> {
    profiles
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
        .cloned()
        .ok_or_else(|| {
            let known: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
            Error::Invalid(format!(
                "unknown model {name:?}: known models are {}; add others as [profiles.NAME] in .ctx/config.toml",
                known.join(", ")
            ))
        })
}

fn parse_user_profiles(path: &Path, text: &str) -> Result<Vec<Profile>> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let (line, column) = e
            .span()
            .map(|s| line_column(text, s.start))
            .unwrap_or((1, 1));
        Error::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let Some(profiles) = doc.get("profiles") else {
        return Ok(Vec::new());
    };
    let profiles = profiles.as_table().ok_or_else(|| {
        invalid(
            path,
            "`profiles` must be a table of [profiles.NAME] sections",
        )
    })?;
    profiles
        .iter()
        .map(|(name, value)| parse_user_profile(path, name, value))
        .collect()
}

fn parse_user_profile(path: &Path, name: &str, value: &toml::Value) -> Result<Profile> {
    let table = value
        .as_table()
        .ok_or_else(|| invalid(path, &format!("[profiles.{name}] must be a table")))?;
    let context = match table.get("context") {
        Some(v) => tokens_value(path, name, "context", v)?,
        None => {
            return Err(invalid(
                path,
                &format!("[profiles.{name}] needs `context`, the window size (like \"200k\")"),
            ))
        }
    };
    let tokenizer = match table.get("tokenizer") {
        None => Tokenizer::O200kBase,
        Some(v) => v.as_str().and_then(Tokenizer::parse).ok_or_else(|| {
            invalid(
                path,
                &format!("[profiles.{name}] tokenizer {v} is unknown: use \"o200k_base\" or \"cl100k_base\""),
            )
        })?,
    };
    let safety_factor = match table.get("safety_factor") {
        None => 1.0,
        Some(v) => v
            .as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .filter(|f| (1.0..=4.0).contains(f))
            .ok_or_else(|| {
                invalid(
                    path,
                    &format!(
                        "[profiles.{name}] safety_factor {v} must be a number from 1.0 to 4.0"
                    ),
                )
            })?,
    };
    let margin = match table.get("margin") {
        None => 0,
        Some(v) => tokens_value(path, name, "margin", v)?,
    };
    let reserve = match table.get("reserve") {
        None => context / 16,
        Some(v) => tokens_value(path, name, "reserve", v)?,
    };
    Ok(Profile {
        name: name.to_string(),
        context,
        tokenizer,
        safety_factor,
        margin,
        reserve,
        note: format!("user profile from {}", path.display()),
    })
}

fn tokens_value(path: &Path, profile: &str, key: &str, v: &toml::Value) -> Result<u64> {
    let parsed = match v {
        toml::Value::Integer(i) if *i >= 0 => Ok(*i as u64),
        toml::Value::String(s) => parse_budget(s),
        _ => Err(Error::Invalid(String::new())),
    };
    parsed.map_err(|_| {
        invalid(
            path,
            &format!("[profiles.{profile}] {key} {v} is not a token count: write a number or a string like \"200k\""),
        )
    })
}

fn invalid(path: &Path, message: &str) -> Error {
    Error::Invalid(format!("{}: {message}", path.display()))
}

/// 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_cover_the_required_models() {
        let all = builtin_profiles();
        let codex = find_profile(&all, "codex-5.3").unwrap();
        assert_eq!(codex.context, 400_000);
        assert_eq!(codex.tokenizer, Tokenizer::O200kBase);
        assert!(codex.is_exact());
        let opus = find_profile(&all, "opus-4.6").unwrap();
        assert_eq!(opus.context, 1_000_000);
        assert!(!opus.is_exact());
        assert!(opus.estimate(1000) >= 1150 + 512);
        assert!(find_profile(&all, "o200k").is_ok());
        assert!(find_profile(&all, "cl100k").is_ok());
    }

    #[test]
    fn raw_limit_inverts_the_estimate() {
        let opus = find_profile(&builtin_profiles(), "opus-4.6").unwrap();
        for limit in [600u64, 1000, 8_000, 936_000, 1_000_000] {
            let raw = opus.raw_limit(limit);
            assert!(opus.estimate(raw) <= limit);
            assert!(opus.estimate(raw + 1) > limit || raw == 0 || opus.estimate(raw + 2) > limit);
        }
        assert_eq!(opus.raw_limit(100), 0);
    }

    #[test]
    fn unknown_model_lists_the_known_ones() {
        let err = find_profile(&builtin_profiles(), "gpt-9")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"gpt-9\""), "{err}");
        assert!(
            err.contains("codex-5.3") && err.contains("opus-4.6"),
            "{err}"
        );
    }

    #[test]
    fn user_profiles_load_from_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".ctx")).unwrap();
        std::fs::write(
            dir.path().join(".ctx/config.toml"),
            "[profiles.mine]\ncontext = \"200k\"\ntokenizer = \"cl100k_base\"\nreserve = 1000\n\n[profiles.\"codex-5.3\"]\ncontext = 300000\n",
        )
        .unwrap();
        let all = load_profiles(dir.path()).unwrap();
        let mine = find_profile(&all, "mine").unwrap();
        assert_eq!(mine.context, 200_000);
        assert_eq!(mine.tokenizer, Tokenizer::Cl100kBase);
        assert_eq!(mine.reserve, 1000);
        assert_eq!(find_profile(&all, "codex-5.3").unwrap().context, 300_000);
    }

    #[test]
    fn bad_user_profiles_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".ctx")).unwrap();
        let cfg = dir.path().join(".ctx/config.toml");
        std::fs::write(&cfg, "[profiles.bad]\ncontext = \"huge\"\n").unwrap();
        let err = load_profiles(dir.path()).unwrap_err().to_string();
        assert!(err.contains("[profiles.bad] context"), "{err}");
        std::fs::write(
            &cfg,
            "[profiles.bad]\ncontext = 1000\ntokenizer = \"gpt2\"\n",
        )
        .unwrap();
        let err = load_profiles(dir.path()).unwrap_err().to_string();
        assert!(err.contains("gpt2"), "{err}");
        std::fs::write(&cfg, "[profiles\n").unwrap();
        assert!(matches!(
            load_profiles(dir.path()).unwrap_err(),
            Error::Syntax { line: 1, .. }
        ));
    }
}
