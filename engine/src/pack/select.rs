//! Choosing what fits: which chunks of which files are shown in full, as signatures, or
//! not at all, within a token limit.
//!
//! Priority, highest first (each phase only uses room the earlier ones left):
//! 1. *focus*: the best-ranked chunks in full, with the signature of their enclosing class
//!    or impl (up to [`FOCUS_SHARE`] of the room);
//! 2. *outline*: the signatures of the symbols of files in rank order, so lower-ranked
//!    files degrade to an outline before they are dropped (up to [`OUTLINE_SHARE`]);
//! 3. *whole files* in rank order;
//! 4. *fill*: single further chunks in rank order, then entries of the related-files map.
//!
//! Costs are exact token counts of the rendered pieces (see [`render`](super::render)), so
//! the sum of what is chosen is the size of the code section.

use super::corpus::Corpus;
use super::graph::Graph;
use super::rank::Ranking;
use super::render::Renderer;
use super::tokens::Tokenizer;
use crate::secrets::{mask_secrets, SecretCounts};
use crate::Chunk;
use std::borrow::Cow;

/// Share of the room the focus phase may fill.
pub const FOCUS_SHARE: f64 = 0.6;
/// Share of the room focus and outline together may fill.
pub const OUTLINE_SHARE: f64 = 0.85;
/// Chunks scoring below this share of the best score are not focus candidates.
const FOCUS_MIN_SCORE: f64 = 0.08;
/// A partial chunk shows at least this many lines.
const MIN_HEAD_LINES: u32 = 3;
/// Best-ranked chunks tried for a partial head.
const HEAD_CANDIDATES: usize = 400;
/// Tokens a line number adds to a line, for estimates (`12| ` is two or three tokens).
const LINE_NUMBER_TOKENS: u64 = 2;
/// Phases count ahead this much more than their room, so that what they end up trying
/// has mostly been counted in parallel.
const PREFETCH_MARGIN: f64 = 1.15;
/// Symbols listed per map entry.
pub const MAP_SYMBOLS: usize = 8;

/// How a chunk is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Show {
    /// Not shown (a `⋮` marks the gap).
    Omit,
    /// Only its signature line.
    Signature,
    /// Its first `n` lines (used last, to fill the room to the line).
    Head(u32),
    /// Every line.
    Full,
}

/// Exact token counts of rendered pieces, computed once and reused.
pub struct Costs<'a> {
    corpus: &'a Corpus,
    renderer: Renderer,
    tokenizer: Tokenizer,
    masked: Vec<Option<Cow<'a, str>>>,
    full: Vec<Option<u32>>,
    signature: Vec<Option<Option<u32>>>,
    open: Vec<Option<u32>>,
    /// Secrets masked in the chunks rendered so far.
    pub secrets: SecretCounts,
    close: u32,
    gap: u32,
}

impl<'a> Costs<'a> {
    /// Costs of `corpus` rendered by `renderer`, counted with `tokenizer`.
    pub fn new(corpus: &'a Corpus, renderer: Renderer, tokenizer: Tokenizer) -> Costs<'a> {
        let n = corpus.chunks.len();
        Costs {
            corpus,
            renderer,
            tokenizer,
            masked: vec![None; n],
            full: vec![None; n],
            signature: vec![None; n],
            open: vec![None; corpus.files.len()],
            secrets: SecretCounts::new(),
            close: tokenizer.count(&renderer.file_close()) as u32,
            gap: tokenizer.count(&renderer.gap()) as u32,
        }
    }

    /// The chunk's text with secrets masked.
    pub fn masked(&mut self, i: usize) -> &str {
        if self.masked[i].is_none() {
            let corpus: &'a Corpus = self.corpus;
            let text = mask_secrets(&corpus.chunks[i].text, &mut self.secrets);
            self.masked[i] = Some(text);
        }
        self.masked[i].as_deref().expect("just set")
    }

    /// The numbered lines of chunk `i`.
    pub fn full_text(&mut self, i: usize) -> String {
        let start = self.corpus.chunks[i].start_line;
        let renderer = self.renderer;
        renderer.lines(self.masked(i), start)
    }

    /// The numbered signature line of chunk `i`, if it defines a symbol.
    pub fn signature_text(&mut self, i: usize) -> Option<String> {
        let chunk = &self.corpus.chunks[i];
        if !chunk.kind.is_symbol() || chunk.symbol.is_none() || is_continuation(self.corpus, i) {
            return None;
        }
        let start = chunk.start_line;
        let wanted = chunk.signature.clone();
        let renderer = self.renderer;
        let text = self.masked(i);
        let (offset, line) = signature_line(text, wanted.as_deref())?;
        Some(renderer.lines(line, start + offset as u32))
    }

    /// Estimated tokens of chunk `i` in full: exact once counted, else from the indexed
    /// count of its text plus the line numbers. Only used to decide what to count ahead.
    pub fn full_estimate(&self, i: usize) -> u64 {
        if let Some(n) = self.full[i] {
            return u64::from(n);
        }
        let c = &self.corpus.chunks[i];
        u64::from(c.tokens) + u64::from(c.end_line - c.start_line + 1) * LINE_NUMBER_TOKENS
    }

    /// Counts ahead, in parallel, the full text of the `candidates` a phase is about to
    /// try, in order, until their estimated cost reaches `room` (exact counts of chunks
    /// counted before count towards it). Chunks beyond are counted when they are tried.
    pub fn prefetch_full(&mut self, candidates: impl IntoIterator<Item = usize>, room: u64) {
        let mut todo = Vec::new();
        let mut total = 0u64;
        for i in candidates {
            if total >= room {
                break;
            }
            total += self.full_estimate(i);
            if self.full[i].is_none() && !todo.contains(&i) {
                todo.push(i);
            }
        }
        let texts: Vec<String> = todo.iter().map(|&i| self.full_text(i)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for (i, n) in todo.into_iter().zip(self.tokenizer.count_many(&refs)) {
            self.full[i] = Some(n as u32);
        }
    }

    /// Counts ahead, in parallel, the signature lines of the symbols of `files`, in order,
    /// until their estimated cost reaches `room`.
    pub fn prefetch_signatures(&mut self, files: impl IntoIterator<Item = usize>, room: u64) {
        let mut todo = Vec::new();
        let mut texts = Vec::new();
        let mut total = 0u64;
        for f in files {
            if total >= room {
                break;
            }
            for i in self.corpus.files[f].chunks.clone() {
                if self.signature[i].is_some() {
                    total += u64::from(self.signature[i].flatten().unwrap_or(0));
                    continue;
                }
                match self.signature_text(i) {
                    Some(text) => {
                        total += text.len() as u64 / 3 + 1;
                        todo.push(i);
                        texts.push(text);
                    }
                    None => self.signature[i] = Some(None),
                }
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for (i, n) in todo.into_iter().zip(self.tokenizer.count_many(&refs)) {
            self.signature[i] = Some(Some(n as u32));
        }
    }

    /// A cheap lower bound of [`Costs::full`] from the indexed token count, to skip chunks
    /// that cannot fit without counting them. Only ever used to reject, never to accept.
    pub fn full_lower_bound(&self, i: usize) -> u64 {
        if let Some(n) = self.full[i] {
            return u64::from(n);
        }
        u64::from(self.corpus.chunks[i].tokens) * 9 / 10
    }

    /// Tokens of chunk `i` in full.
    pub fn full(&mut self, i: usize) -> u32 {
        if let Some(n) = self.full[i] {
            return n;
        }
        let n = self.tokenizer.count(&self.full_text(i)) as u32;
        self.full[i] = Some(n);
        n
    }

    /// The numbered first `n` lines of chunk `i`.
    pub fn head_text(&mut self, i: usize, n: u32) -> String {
        let start = self.corpus.chunks[i].start_line;
        let renderer = self.renderer;
        let text = self.masked(i);
        let end = text
            .match_indices('\n')
            .nth(n as usize - 1)
            .map_or(text.len(), |(at, _)| at);
        renderer.lines(&text[..end], start)
    }

    /// Tokens of the first `n` lines of chunk `i`.
    pub fn head(&mut self, i: usize, n: u32) -> u32 {
        let text = self.head_text(i, n);
        self.tokenizer.count(&text) as u32
    }

    /// Tokens of chunk `i`'s signature line; `None` when it has none.
    pub fn signature(&mut self, i: usize) -> Option<u32> {
        if let Some(n) = self.signature[i] {
            return n;
        }
        let n = self
            .signature_text(i)
            .map(|t| self.tokenizer.count(&t) as u32);
        self.signature[i] = Some(n);
        n
    }

    /// Tokens of the opening line of file `f`.
    pub fn open(&mut self, f: usize) -> u32 {
        if let Some(n) = self.open[f] {
            return n;
        }
        let file = &self.corpus.files[f];
        let n = self
            .tokenizer
            .count(&self.renderer.file_open(&file.path, &file.language)) as u32;
        self.open[f] = Some(n);
        n
    }

    /// Tokens of the closing line of a file.
    pub fn close(&self) -> u32 {
        self.close
    }

    /// The rendered text of `piece` and its tokens.
    pub fn piece(&mut self, piece: Piece) -> (String, u32) {
        match piece {
            Piece::Full(i) => (self.full_text(i), self.full(i)),
            Piece::Signature(i) => match self.signature_text(i) {
                Some(text) => (text, self.signature(i).unwrap_or(0)),
                None => (String::new(), 0),
            },
            Piece::Head(i, n) => {
                let text = self.head_text(i, n);
                let tokens = self.tokenizer.count(&text) as u32;
                (text, tokens)
            }
            Piece::Gap => (self.renderer.gap(), self.gap),
        }
    }

    /// Tokens of file `f` shown as `show` says (0 when nothing of it is shown).
    pub fn file(&mut self, f: usize, show: &[Show]) -> u64 {
        let range = self.corpus.files[f].chunks.clone();
        if range.clone().all(|i| show[i] == Show::Omit) {
            return 0;
        }
        let mut total = u64::from(self.open(f) + self.close);
        let mut gaps = 0u64;
        for piece in file_pieces(&self.corpus.chunks, range, show) {
            total += u64::from(match piece {
                Piece::Full(i) => self.full(i),
                Piece::Signature(i) => self.signature(i).unwrap_or(0),
                Piece::Head(i, n) => self.head(i, n),
                Piece::Gap => {
                    gaps += 1;
                    0
                }
            });
        }
        total + gaps * u64::from(self.gap)
    }
}

/// The line a signature is shown as: the line whose trimmed text is `signature`, else the
/// first non-blank line. Returns its offset in the chunk and the line.
pub fn signature_line<'t>(text: &'t str, signature: Option<&str>) -> Option<(usize, &'t str)> {
    let mut first = None;
    for (offset, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if first.is_none() {
            first = Some((offset, line));
        }
        if signature.is_some_and(|s| line.trim() == s.trim()) {
            return Some((offset, line));
        }
    }
    first
}

/// One piece of a shown file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// A chunk's lines.
    Full(usize),
    /// A chunk's signature line.
    Signature(usize),
    /// A chunk's first lines.
    Head(usize, u32),
    /// Lines left out.
    Gap,
}

/// The pieces of a file's chunks `range` shown as `show` says, in line order.
pub fn file_pieces(chunks: &[Chunk], range: std::ops::Range<usize>, show: &[Show]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut pending_gap = false;
    for i in range {
        match show[i] {
            Show::Omit => pending_gap = true,
            Show::Full => {
                if pending_gap {
                    out.push(Piece::Gap);
                }
                out.push(Piece::Full(i));
                pending_gap = false;
            }
            Show::Head(n) => {
                if pending_gap {
                    out.push(Piece::Gap);
                }
                out.push(Piece::Head(i, n));
                pending_gap = true;
            }
            Show::Signature => {
                let chunk = &chunks[i];
                let single_line = chunk.start_line == chunk.end_line;
                let at_start = chunk.signature.as_deref().is_none_or(|s| {
                    chunk
                        .text
                        .lines()
                        .next()
                        .is_some_and(|l| l.trim() == s.trim())
                });
                if pending_gap || !at_start {
                    out.push(Piece::Gap);
                }
                out.push(Piece::Signature(i));
                pending_gap = !single_line;
            }
        }
    }
    if pending_gap {
        out.push(Piece::Gap);
    }
    out
}

/// One applied change, so it can be undone when the final count says so.
#[derive(Debug, Clone)]
struct Change {
    file: usize,
    before: Vec<(usize, Show)>,
    cost_before: u64,
}

/// What a pack shows: per chunk, and the related-map entries.
#[derive(Debug, Clone)]
pub struct Selection {
    /// How each chunk is shown.
    pub show: Vec<Show>,
    /// Tokens each file takes.
    pub file_cost: Vec<u64>,
    /// Tokens taken by files and related-map entries.
    pub used: u64,
    /// The room.
    pub limit: u64,
    /// Related-map entries: (file, tokens), in order.
    pub related: Vec<(usize, u64)>,
    log: Vec<Change>,
}

impl Selection {
    /// An empty selection with `limit` tokens of room.
    pub fn new(chunks: usize, files: usize, limit: u64) -> Selection {
        Selection {
            show: vec![Show::Omit; chunks],
            file_cost: vec![0; files],
            used: 0,
            limit,
            related: Vec::new(),
            log: Vec::new(),
        }
    }

    /// Applies `changes` to file `f` if the result fits within `cap`; true if applied.
    pub fn try_apply(
        &mut self,
        costs: &mut Costs,
        f: usize,
        changes: &[(usize, Show)],
        cap: u64,
    ) -> bool {
        let changes: Vec<(usize, Show)> = changes
            .iter()
            .copied()
            .filter(|&(i, s)| self.show[i] < s)
            .collect();
        if changes.is_empty() {
            return false;
        }
        let before: Vec<(usize, Show)> = changes.iter().map(|&(i, _)| (i, self.show[i])).collect();
        for &(i, s) in &changes {
            self.show[i] = s;
        }
        let cost = costs.file(f, &self.show);
        let used = self.used - self.file_cost[f] + cost;
        if used > cap.min(self.limit) {
            for &(i, s) in &before {
                self.show[i] = s;
            }
            return false;
        }
        self.log.push(Change {
            file: f,
            before,
            cost_before: self.file_cost[f],
        });
        self.used = used;
        self.file_cost[f] = cost;
        true
    }

    /// True when showing chunk `i` of file `f` as `show` would fit the limit.
    pub fn fits(&mut self, costs: &mut Costs, f: usize, i: usize, show: Show) -> bool {
        let before = self.show[i];
        self.show[i] = show;
        let cost = costs.file(f, &self.show);
        self.show[i] = before;
        self.used - self.file_cost[f] + cost <= self.limit
    }

    /// Undoes the most recent change (a related-map entry first); false when none is left.
    pub fn undo_last(&mut self) -> bool {
        if let Some((_, tokens)) = self.related.pop() {
            self.used -= tokens;
            return true;
        }
        let Some(change) = self.log.pop() else {
            return false;
        };
        for (i, s) in change.before {
            self.show[i] = s;
        }
        self.used = self.used - self.file_cost[change.file] + change.cost_before;
        self.file_cost[change.file] = change.cost_before;
        true
    }

    /// True when any chunk of file `f` is shown.
    pub fn shows_file(&self, f: usize) -> bool {
        self.file_cost[f] > 0
    }
}

/// Chooses what to show of `corpus` within `limit` tokens, best-ranked first.
pub fn select(
    corpus: &Corpus,
    graph: &Graph,
    ranking: &Ranking,
    costs: &mut Costs,
    limit: u64,
) -> Selection {
    let mut sel = Selection::new(corpus.chunks.len(), corpus.files.len(), limit);
    focus(corpus, graph, ranking, costs, &mut sel);
    outline(corpus, ranking, costs, &mut sel);
    whole_files(corpus, ranking, costs, &mut sel);
    sel
}

/// Fills what room is left (after the manifest is known): further chunks in rank order,
/// related-map entries, and the first lines of one more chunk.
pub fn top_up(
    corpus: &Corpus,
    ranking: &Ranking,
    costs: &mut Costs,
    sel: &mut Selection,
    map_entry_cost: &mut dyn FnMut(usize) -> u64,
    in_map_head: &[bool],
) {
    fill_chunks(corpus, ranking, costs, sel);
    fill_map(ranking, sel, map_entry_cost, in_map_head);
    fill_head(corpus, ranking, costs, sel);
}

/// Fills the last of the room with the first lines of the best chunk not yet shown in
/// full (whole lines only), when at least [`MIN_HEAD_LINES`] of them fit.
fn fill_head(corpus: &Corpus, ranking: &Ranking, costs: &mut Costs, sel: &mut Selection) {
    let by_file = ranking
        .file_order
        .iter()
        .flat_map(|&f| corpus.files[f].chunks.clone());
    let candidates = ranking.chunk_order.iter().copied().chain(by_file);
    for i in candidates.take(HEAD_CANDIDATES) {
        if sel.used >= sel.limit {
            return;
        }
        let lines = corpus.chunks[i].end_line - corpus.chunks[i].start_line + 1;
        if sel.show[i] >= Show::Head(1) || lines <= MIN_HEAD_LINES {
            continue;
        }
        let f = file_of(corpus, i);
        // The most lines that fit: binary search on the (monotone) cost.
        let (mut lo, mut hi) = (0u32, lines - 1);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if sel.fits(costs, f, i, Show::Head(mid)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if lo >= MIN_HEAD_LINES {
            sel.try_apply(costs, f, &[(i, Show::Head(lo))], sel.limit);
            return;
        }
    }
}

/// `room` tokens with the prefetch margin.
fn ahead(room: u64) -> u64 {
    (room as f64 * PREFETCH_MARGIN) as u64
}

fn share(sel: &Selection, fraction: f64) -> u64 {
    (sel.limit as f64 * fraction) as u64
}

fn file_of(corpus: &Corpus, i: usize) -> usize {
    corpus
        .file_index(&corpus.chunks[i].path)
        .expect("chunks belong to files")
}

fn focus(
    corpus: &Corpus,
    graph: &Graph,
    ranking: &Ranking,
    costs: &mut Costs,
    sel: &mut Selection,
) {
    let cap = share(sel, FOCUS_SHARE);
    let Some(&top) = ranking.chunk_order.first() else {
        return;
    };
    let floor = ranking.chunk_score[top] * FOCUS_MIN_SCORE;
    let candidates = ranking
        .chunk_order
        .iter()
        .copied()
        .take_while(|&i| ranking.chunk_score[i] >= floor)
        .flat_map(|i| std::iter::once(i).chain(sibling_parts(corpus, file_of(corpus, i), i)));
    costs.prefetch_full(candidates, ahead(cap));
    for &i in &ranking.chunk_order {
        if ranking.chunk_score[i] < floor || sel.used >= cap {
            break;
        }
        let f = file_of(corpus, i);
        let mut changes = vec![(i, Show::Full)];
        changes.extend(sibling_parts(corpus, f, i).map(|p| (p, Show::Full)));
        let whole_symbol = changes.len();
        if let Some(p) = graph.parent(i) {
            changes.push((p, Show::Signature));
        }
        let _ = sel.try_apply(costs, f, &changes, cap)
            || sel.try_apply(costs, f, &changes[..whole_symbol], cap)
            || sel.try_apply(costs, f, &changes[..1], cap);
    }
}

/// True when chunk `i` continues the symbol of the chunk before it (a later part of a
/// symbol the chunker split).
pub fn is_continuation(corpus: &Corpus, i: usize) -> bool {
    let chunk = &corpus.chunks[i];
    if chunk.part.is_some_and(|(part, _)| part > 1) {
        return true;
    }
    i > 0
        && chunk.symbol.is_some()
        && corpus.chunks[i - 1].path == chunk.path
        && corpus.chunks[i - 1].symbol == chunk.symbol
}

/// The other parts of the split symbol chunk `i` belongs to (none when it is whole).
fn sibling_parts(corpus: &Corpus, f: usize, i: usize) -> impl Iterator<Item = usize> + '_ {
    let range = corpus.files[f].chunks.clone();
    let mut first = i;
    while first > range.start && is_continuation(corpus, first) {
        first -= 1;
    }
    let mut end = i + 1;
    while end < range.end && is_continuation(corpus, end) {
        end += 1;
    }
    (first..end).filter(move |&j| j != i)
}

fn outline(corpus: &Corpus, ranking: &Ranking, costs: &mut Costs, sel: &mut Selection) {
    let cap = share(sel, OUTLINE_SHARE);
    let files = ranking.file_order.iter().copied();
    costs.prefetch_signatures(files, ahead(cap.saturating_sub(sel.used)));
    for &f in &ranking.file_order {
        if sel.used >= cap {
            break;
        }
        let symbols: Vec<(usize, Show)> = corpus.files[f]
            .chunks
            .clone()
            .filter(|&i| costs.signature(i).is_some())
            .map(|i| (i, Show::Signature))
            .collect();
        if symbols.is_empty() {
            continue;
        }
        if !sel.try_apply(costs, f, &symbols, cap) {
            let top_level: Vec<(usize, Show)> = symbols
                .iter()
                .copied()
                .filter(|&(i, _)| corpus.chunks[i].parent.is_none())
                .collect();
            if top_level.len() < symbols.len() {
                sel.try_apply(costs, f, &top_level, cap);
            }
        }
    }
}

fn whole_files(corpus: &Corpus, ranking: &Ranking, costs: &mut Costs, sel: &mut Selection) {
    let missing = |costs: &Costs, sel: &Selection, f: usize| -> u64 {
        corpus.files[f]
            .chunks
            .clone()
            .filter(|&i| sel.show[i] < Show::Full)
            .map(|i| costs.full_lower_bound(i))
            .sum()
    };
    let candidates: Vec<usize> = ranking
        .file_order
        .iter()
        .copied()
        .filter(|&f| sel.used + missing(costs, sel, f) <= sel.limit)
        .flat_map(|f| corpus.files[f].chunks.clone())
        .filter(|&i| sel.show[i] < Show::Full)
        .collect();
    costs.prefetch_full(candidates, ahead(sel.limit.saturating_sub(sel.used)));
    for &f in &ranking.file_order {
        if sel.used >= sel.limit {
            break;
        }
        if sel.used + missing(costs, sel, f) > sel.limit {
            continue;
        }
        let all: Vec<(usize, Show)> = corpus.files[f]
            .chunks
            .clone()
            .map(|i| (i, Show::Full))
            .collect();
        sel.try_apply(costs, f, &all, sel.limit);
    }
}

fn fill_chunks(corpus: &Corpus, ranking: &Ranking, costs: &mut Costs, sel: &mut Selection) {
    let fits = |costs: &Costs, sel: &Selection, i: usize| {
        sel.show[i] < Show::Full && sel.used + costs.full_lower_bound(i) <= sel.limit
    };
    let candidates: Vec<usize> = ranking
        .chunk_order
        .iter()
        .copied()
        .filter(|&i| fits(costs, sel, i))
        .collect();
    costs.prefetch_full(candidates, ahead(sel.limit.saturating_sub(sel.used)));
    for &i in &ranking.chunk_order {
        if sel.used >= sel.limit {
            return;
        }
        if fits(costs, sel, i) {
            let f = file_of(corpus, i);
            sel.try_apply(costs, f, &[(i, Show::Full)], sel.limit);
        }
    }
    // Then the remaining chunks of files already shown, in file rank order.
    let candidates: Vec<usize> = ranking
        .file_order
        .iter()
        .filter(|&&f| sel.shows_file(f))
        .flat_map(|&f| corpus.files[f].chunks.clone())
        .filter(|&i| fits(costs, sel, i))
        .collect();
    costs.prefetch_full(candidates, ahead(sel.limit.saturating_sub(sel.used)));
    for &f in &ranking.file_order {
        if sel.used >= sel.limit {
            return;
        }
        if !sel.shows_file(f) {
            continue;
        }
        for i in corpus.files[f].chunks.clone() {
            if fits(costs, sel, i) {
                sel.try_apply(costs, f, &[(i, Show::Full)], sel.limit);
            }
        }
    }
}

fn fill_map(
    ranking: &Ranking,
    sel: &mut Selection,
    entry_cost: &mut dyn FnMut(usize) -> u64,
    in_map_head: &[bool],
) {
    for &f in &ranking.file_order {
        if sel.shows_file(f) || in_map_head[f] {
            continue;
        }
        let cost = entry_cost(f);
        if sel.used + cost <= sel.limit {
            sel.used += cost;
            sel.related.push((f, cost));
        } else if cost <= 4 {
            break;
        }
    }
}
