//! Packing: budget-exact, relevance-ranked prompts (`ctx pack`).
//!
//! A pack holds, in this order: the anchors that apply (never dropped), the task (query
//! and plan), the repository map led by the files around the task, a manifest of what was
//! left out, the relevant code with line numbers (least relevant file first, the most
//! relevant last), the anchors restated briefly, and the task again. Long contexts are
//! read best at their ends: the rules open the pack, and the best code sits right before
//! the restated task.
//!
//! The final text, counted with the model profile's tokenizer, is at most
//! `budget − reserve`: every piece is counted exactly once (see [`render`]), and the whole
//! text's count is the sum of its pieces' counts where they meet at safe boundaries,
//! checked on the final text, plus fresh counts of the rest (see [`prompt`]); if it were
//! over, the lowest-priority additions are undone until it fits.

pub mod assemble;
pub mod budget;
pub mod corpus;
pub mod graph;
pub mod profile;
pub mod prompt;
pub mod query;
pub mod rank;
pub mod render;
pub mod roles;
pub mod select;
pub mod tokens;

pub use crate::secrets::SecretCounts;
pub use assemble::{pack_anchors, pack_corpus, pack_index, read_index};
pub use budget::parse_budget;
pub use corpus::{Corpus, FileFilter};
pub use profile::{builtin_profiles, find_profile, load_profiles, Profile, DEFAULT_PROFILE};
pub use rank::Seed;
pub use render::{Format, PackAnchor};
pub use tokens::Tokenizer;

use serde::{Deserialize, Serialize};

/// What to pack and for which model.
#[derive(Debug, Clone)]
pub struct PackOptions {
    /// The model profile (window, tokenizer, reserve).
    pub profile: Profile,
    /// The window the pack is for, in tokens; `None` = the profile's window.
    pub budget: Option<u64>,
    /// Tokens of the budget kept free for the answer; `None` = as much of the profile's
    /// reserve as the model's window beyond the budget does not already leave.
    pub reserve: Option<u64>,
    /// The task text; empty for a map-only pack.
    pub query: String,
    /// The plan to hand off, if any.
    pub plan: Option<PlanInput>,
    /// Output format.
    pub format: Format,
    /// Which files may be packed.
    pub filter: FileFilter,
    /// Whether to record why each item is in.
    pub explain: bool,
}

/// A plan handed to the pack: its JSON (shown in the task) and the files it names.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput {
    /// Pretty-printed plan JSON.
    pub json: String,
    /// Files and globs the plan names; they rank first.
    pub files: Vec<String>,
}

/// How an item is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemMode {
    /// Every line of the range.
    Full,
    /// Only the signature line of the symbol spanning the range.
    Signature,
}

/// One packed range of one file (part of the JSON contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackItem {
    /// Path relative to the index root.
    pub path: String,
    /// First line, 1-based.
    pub start_line: u32,
    /// Last line, 1-based, inclusive. For a signature item: the symbol's last line.
    pub end_line: u32,
    /// The symbol, when the item is one symbol.
    pub symbol: Option<String>,
    /// The kind of the item's best-ranked chunk.
    pub kind: crate::ChunkKind,
    /// Full lines or signature only.
    pub mode: ItemMode,
    /// Tokens the item's lines take in the prompt.
    pub tokens: u64,
    /// Relevance score of the item's best chunk.
    pub score: f64,
}

/// A file left out of the pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedFile {
    /// Path relative to the index root.
    pub path: String,
    /// Its rank among all files (1 = best).
    pub rank: u32,
    /// Its relevance score.
    pub score: f64,
    /// Its size in tokens, as indexed.
    pub tokens: u64,
}

/// A finished pack (the `--format json` contract, plus the prompt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    /// The budget in tokens.
    pub budget: u64,
    /// Tokens kept free for the answer.
    pub reserve: u64,
    /// Tokens the prompt takes, by the profile's count (≤ budget − reserve).
    pub tokens: u64,
    /// The tokenizer, with the safety factor for estimated profiles.
    pub tokenizer: String,
    /// The model profile's name.
    pub model: String,
    /// Ids of the anchors in the pack.
    pub anchors: Vec<String>,
    /// The packed ranges, by path then line.
    pub items: Vec<PackItem>,
    /// Files left out, best-ranked first.
    pub dropped: Vec<DroppedFile>,
    /// Secrets masked in the packed content, by kind.
    pub secrets_masked: SecretCounts,
    /// Files left out because they hold secrets.
    pub secret_files: Vec<String>,
    /// Notices about the pack as a whole (it leaves the model too little room to answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Why each item is in, and what was dropped (with `--explain`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explain: Vec<String>,
    /// The prompt text.
    pub prompt: String,
}

#[cfg(test)]
mod tests;
