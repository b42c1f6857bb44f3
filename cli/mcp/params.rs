//! The arguments of each MCP tool; their doc comments become the JSON schemas' descriptions.

use schemars::JsonSchema;
use serde::Deserialize;

/// How `search` ranks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    /// BM25 and vectors fused by reciprocal rank, plus exact symbol matches (default).
    #[default]
    Hybrid,
    /// BM25 only: exact words and identifiers.
    Lexical,
    /// Vectors only: meaning (needs the embedding model).
    Semantic,
}

/// Arguments of `search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// What to look for: words, identifiers (`session request`, `Server::handle`) or prose.
    pub query: String,
    /// hybrid (default), lexical or semantic.
    #[serde(default)]
    pub mode: SearchMode,
    /// Number of hits, 1 to 50 (default 10).
    pub k: Option<usize>,
    /// Include each hit's code or text (default true; at most 4,000 characters per hit).
    pub include_text: Option<bool>,
}

/// Output format of `pack`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PackFormat {
    /// XML-tagged sections (default).
    #[default]
    Xml,
    /// Markdown sections.
    Markdown,
    /// The whole pack as JSON (items, tokens, what was left out).
    Json,
}

/// Arguments of `pack`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackParams {
    /// The task the pack is for; empty for a map-only pack.
    #[serde(default)]
    pub query: String,
    /// Token budget (`32k`, `200k`, `128000`). Default: 32k when no model is given, else
    /// the model's window minus its reserve.
    pub budget: Option<String>,
    /// Model profile that decides the tokenizer and window: codex-5.3, opus-4.6, o200k,
    /// cl100k, or a `[profiles.NAME]` of .ctx/config.toml.
    pub model: Option<String>,
    /// xml (default), markdown or json.
    #[serde(default)]
    pub format: PackFormat,
    /// Only pack files matching these globs (e.g. `src/**`).
    #[serde(default)]
    pub include: Vec<String>,
    /// Never pack files matching these globs.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Arguments of `anchors`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnchorsParams {
    /// Show this anchor in full (its id or a unique prefix); omit to list every anchor.
    pub id: Option<String>,
}

/// Whether an anchor forbids, requires or allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PolarityParam {
    /// The rule forbids something (default).
    #[default]
    Never,
    /// The rule requires something.
    Always,
    /// The rule explicitly allows something another rule would flag.
    Allowed,
}

/// What a violation does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityParam {
    /// Deny the action (default; also spelled `deny`).
    #[default]
    #[serde(alias = "deny")]
    Block,
    /// Ask the user to confirm the action.
    Ask,
    /// Allow it and remind the model of the rule (also spelled `remind`).
    #[serde(alias = "remind")]
    Warn,
}

/// Arguments of `anchor_add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnchorAddParams {
    /// The rule in the user's words, e.g. "Never push to main" or "Do not edit generated/".
    pub text: String,
    /// never (default), always or allowed.
    #[serde(default)]
    pub polarity: PolarityParam,
    /// block (default: deny violating actions), ask (the user confirms) or warn (remind the model).
    #[serde(default)]
    pub severity: SeverityParam,
    /// Globs the rule applies to; default: what the text names, else the whole repository.
    #[serde(default)]
    pub scope: Vec<String>,
    /// Commands to forbid: program, subcommand words and flags, e.g. "git push --force".
    #[serde(default)]
    pub forbid_command: Vec<String>,
    /// Path globs that may not be written, edited or deleted, e.g. "generated/**".
    #[serde(default)]
    pub forbid_path: Vec<String>,
    /// Regexes forbidden in added lines, e.g. "\\.unwrap\\(\\)".
    #[serde(default)]
    pub forbid_pattern: Vec<String>,
}

/// Arguments of `check_action`: exactly one of `command`, `path` (with `content`, or with
/// `old` and `new`) or `diff`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckParams {
    /// A shell command line to check, e.g. "git push --force origin main".
    pub command: Option<String>,
    /// Directory the command runs in, relative to the repository root (default: the root).
    pub cwd: Option<String>,
    /// A file to be written or edited, relative to the repository root.
    pub path: Option<String>,
    /// The file's whole new content (a write).
    pub content: Option<String>,
    /// The text an edit replaces (with `new`).
    pub old: Option<String>,
    /// The replacement text of an edit (with `old`).
    pub new: Option<String>,
    /// A unified diff (`git diff` output) to check.
    pub diff: Option<String>,
}

/// Arguments of `index_status` (none).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusParams {}

/// Arguments of `reindex`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReindexParams {
    /// Delete the derived index data and index from scratch (default false: incremental).
    #[serde(default)]
    pub rebuild: bool,
}
