//! Putting a pack together: rank, fix the sections that never move, select what fits,
//! render, and verify the final count.

use super::corpus::Corpus;
use super::graph::Graph;
use super::prompt::Prompt;
use super::query::{task_text, QueryTerms};
use super::rank::{rank, RankInput, Ranking, Seed};
use super::render::{PackAnchor, Renderer};
use super::select::{file_pieces, select, Costs, Selection, Show, MAP_SYMBOLS};
use super::{DroppedFile, ItemMode, Pack, PackItem, PackOptions};
use crate::anchor::{Anchor, AnchorSet, AnchorSource};
use crate::embed::Embedder;
use crate::index::Index;
use crate::search::{SearchMode, SearchRequest};
use crate::{Error, Result};

/// Share of the room the map head (files around the task, then central files) may take,
/// and its cap in tokens.
const MAP_HEAD_SHARE: f64 = 0.03;
const MAP_HEAD_MAX: u64 = 6_000;
/// Share of the room the manifest may take, and its cap in tokens.
const MANIFEST_SHARE: f64 = 0.02;
const MANIFEST_MAX: u64 = 800;
/// Search hits asked for per pack.
const SEARCH_HITS: usize = 100;
/// Share of the limit advisory anchors may take.
const ADVISORY_SHARE: f64 = 0.05;
/// Files (by rank) whose paths decide which scoped anchors apply.
const ANCHOR_SCOPE_FILES: usize = 20;
/// Share of the limit the task may take again after the code; a longer task is restated
/// up to this and points back to the full text.
const RESTATE_SHARE: f64 = 0.08;
/// Reasons `--explain` gives per item.
const EXPLAIN_REASONS: usize = 3;

/// Packs from an open index: loads its chunks, searches for the query (hybrid when an
/// embedder is given, else lexical) and packs with `anchors`.
pub fn pack_index(
    index: &Index,
    embedder: Option<&dyn Embedder>,
    anchors: &AnchorSet,
    options: &PackOptions,
) -> Result<Pack> {
    let (corpus, seeds) = read_index(index, embedder, options)?;
    pack_corpus(&corpus, &seeds, &pack_anchors(anchors), options)
}

/// What a pack needs from an index: the corpus of packable chunks and the search hits
/// for the query (hybrid when an embedder is given, else lexical). After this the index
/// is not read again, so a caller may release it while [`pack_corpus`] runs.
///
/// Also starts loading the profile's tokenizer on another thread (see
/// [`Tokenizer::preload`](super::Tokenizer::preload)).
pub fn read_index(
    index: &Index,
    embedder: Option<&dyn Embedder>,
    options: &PackOptions,
) -> Result<(Corpus, Vec<Seed>)> {
    // Load the BPE while the index is read and the graph built.
    options.profile.tokenizer.preload();
    let chunks = index.all_chunks()?;
    if chunks.is_empty() {
        return Err(Error::Invalid(format!(
            "the index at {} holds no files: run `ctx index` in the repository first",
            index.root().display()
        )));
    }
    let corpus = Corpus::new(chunks, &options.filter)?;
    let seeds = search_seeds(index, embedder, options)?;
    Ok((corpus, seeds))
}

/// The enabled anchors of `anchors` as a pack shows them (built-in ones are for `ctx
/// check` only).
pub fn pack_anchors(anchors: &AnchorSet) -> Vec<PackAnchor> {
    anchors
        .anchors()
        .iter()
        .filter(|a| a.enabled && !matches!(a.source, AnchorSource::Builtin))
        .map(pack_anchor)
        .collect()
}

fn search_seeds(
    index: &Index,
    embedder: Option<&dyn Embedder>,
    options: &PackOptions,
) -> Result<Vec<Seed>> {
    let mut text = task_text(&options.query);
    if let Some(plan) = &options.plan {
        text.push('\n');
        text.push_str(&plan.json);
    }
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let request = SearchRequest {
        query: text,
        mode: if embedder.is_some() {
            SearchMode::Hybrid
        } else {
            SearchMode::Lexical
        },
        k: SEARCH_HITS,
    };
    Ok(index
        .search(&request, embedder)?
        .into_iter()
        .map(|h| Seed {
            path: h.path,
            start_line: h.start_line,
            end_line: h.end_line,
            lexical_rank: h.lexical_rank,
            vector_rank: h.vector_rank,
        })
        .collect())
}

/// An anchor as the pack shows it.
pub fn pack_anchor(a: &Anchor) -> PackAnchor {
    let advisory = match &a.source {
        AnchorSource::Doc { path, .. } => !is_instruction_file(path),
        _ => false,
    };
    PackAnchor {
        advisory,
        id: a.id.clone(),
        text: a.text.clone(),
        polarity: a.polarity.as_str().to_string(),
        severity: a.severity.as_str().to_string(),
        scope: a.scope.clone(),
        source: a.source.label(),
    }
}

/// True for files written as instructions to coding agents.
pub fn is_instruction_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "agents.md"
            | "claude.md"
            | "gemini.md"
            | ".cursorrules"
            | ".windsurfrules"
            | "copilot-instructions.md"
            | "conventions.md"
            | "agent.md"
    ) || path.starts_with(".cursor/")
        || path.contains("/.cursor/")
        || path.starts_with(".claude/")
}

/// A rendered piece of a pack and its exact token count.
struct Counted {
    text: String,
    tokens: u64,
}

impl Counted {
    fn new(text: String, tokenizer: super::Tokenizer) -> Counted {
        let tokens = tokenizer.count(&text) as u64;
        Counted { text, tokens }
    }

    fn push_to(&self, prompt: &mut Prompt) {
        prompt.push(&self.text, Some(self.tokens));
    }
}

/// Everything fixed before selection: the pieces that never move and their cost.
///
/// The layout, top to bottom: header and anchors; the task with the repository map (files
/// around the task first); the manifest of what was left out; the code, least relevant
/// file first and most relevant last; the anchors restated briefly; the task again; the
/// footer. See the README's "Pack layout" for the reasons.
struct Frame {
    renderer: Renderer,
    anchors: Vec<PackAnchor>,
    head: Counted,
    task: Counted,
    map_head: Vec<Counted>,
    map_close: Counted,
    code_open: Counted,
    code_close: Counted,
    reminder: Counted,
    restated: Counted,
    footer: Counted,
    fixed: u64,
    omitted_anchors: usize,
}

/// Packs `corpus` for `options`, given search hits `seeds` and every enabled anchor.
pub fn pack_corpus(
    corpus: &Corpus,
    seeds: &[Seed],
    anchors: &[PackAnchor],
    options: &PackOptions,
) -> Result<Pack> {
    let (budget, reserve, limit) = limits(options)?;
    let profile = &options.profile;
    let tokenizer = profile.tokenizer;
    let raw_limit = profile.raw_limit(limit);
    let mut terms_text = options.query.clone();
    if let Some(plan) = &options.plan {
        terms_text.push('\n');
        terms_text.push_str(&plan.json);
    }
    let terms = QueryTerms::parse(&terms_text);
    let graph = Graph::build(&corpus.chunks);

    let plan_files = options
        .plan
        .as_ref()
        .map(|p| p.files.clone())
        .unwrap_or_default();
    let ranking = rank(
        corpus,
        &graph,
        &RankInput {
            seeds,
            terms: &terms,
            plan_files: &plan_files,
        },
    );
    let applicable = applicable_anchors(corpus, &ranking, anchors, &plan_files);
    let renderer = Renderer::new(options.format);
    let (applicable, omitted) = cap_advisory(
        applicable,
        renderer,
        tokenizer,
        (limit as f64 * ADVISORY_SHARE) as u64,
    );
    let mut frame = fixed_frame(renderer, profile, applicable, options, limit);
    frame.omitted_anchors = omitted;
    check_anchors_fit(&frame, profile, raw_limit, limit)?;
    let room = raw_limit - frame.fixed;
    let map_head_room = ((room as f64 * MAP_HEAD_SHARE) as u64).min(MAP_HEAD_MAX);
    let (map_head, in_head) = map_head(corpus, &ranking, renderer, tokenizer, map_head_room);
    let head_cost = map_head.iter().map(|e| e.tokens).sum::<u64>();
    frame.map_head = map_head;
    let manifest_room = ((room as f64 * MANIFEST_SHARE) as u64).min(MANIFEST_MAX);
    let code_room = room - head_cost - manifest_room;
    let mut costs = Costs::new(corpus, renderer, tokenizer);
    let mut entry_cost =
        |f: usize| tokenizer.count(&map_entry(corpus, &ranking, renderer, f)) as u64;
    let mut sel = select(corpus, &graph, &ranking, &mut costs, code_room);

    // Hand unused manifest room to the code, then undo additions until everything fits.
    let manifest = manifest_text(
        corpus,
        &ranking,
        &sel,
        &costs,
        renderer,
        manifest_room,
        frame.omitted_anchors,
    );
    let manifest_cost = tokenizer.count(&manifest) as u64;
    let slack = manifest_room.saturating_sub(manifest_cost);
    let omitted_anchors = frame.omitted_anchors;
    let manifest_for = |sel: &Selection, costs: &Costs| {
        let room = manifest_room + slack;
        let text = manifest_text(
            corpus,
            &ranking,
            sel,
            costs,
            renderer,
            room,
            omitted_anchors,
        );
        Counted::new(text, tokenizer)
    };
    sel.limit += slack;
    super::select::top_up(
        corpus,
        &ranking,
        &mut costs,
        &mut sel,
        &mut entry_cost,
        &in_head,
    );
    let mut manifest = manifest_for(&sel, &costs);
    while frame.fixed + head_cost + sel.used + manifest.tokens > raw_limit && sel.undo_last() {
        manifest = manifest_for(&sel, &costs);
    }
    loop {
        let prompt = render(corpus, &ranking, &frame, &sel, &mut costs, &manifest);
        let raw = prompt.count(tokenizer);

        let tokens = profile.estimate(raw);
        if tokens <= limit {
            return Ok(finish(
                corpus,
                &ranking,
                &frame,
                &sel,
                &mut costs,
                options,
                (budget, reserve, tokens),
                prompt.into_text(),
            ));
        }
        if !sel.undo_last() {
            return Err(Error::Invalid(format!(
                "the pack takes {tokens} tokens even with no code, above the limit of {limit}: raise --budget"
            )));
        }
        manifest = manifest_for(&sel, &costs);
    }
}

/// `(budget, reserve, budget − reserve)` for `options`.
///
/// The budget is the model's window unless `--budget` says otherwise, and the answer's
/// room is kept inside the window: without `--reserve`, the profile's reserve is taken
/// from the budget as far as the window beyond the budget does not already leave it
/// (`--budget 400k` on a 400k window packs 368k; `--budget 16k` packs 16k).
fn limits(options: &PackOptions) -> Result<(u64, u64, u64)> {
    let profile = &options.profile;
    let budget = options.budget.unwrap_or(profile.context);
    let reserve = options.reserve.unwrap_or_else(|| {
        let beyond = profile.context.saturating_sub(budget);
        profile.reserve.saturating_sub(beyond)
    });
    if reserve >= budget {
        return Err(Error::Invalid(format!(
            "the reserve of {reserve} tokens leaves nothing of the budget of {budget}: lower --reserve or raise --budget"
        )));
    }
    Ok((budget, reserve, budget - reserve))
}

/// Anchors without a scope, and scoped anchors whose globs match one of the best-ranked
/// files or a plan file; sorted by id.
fn applicable_anchors(
    corpus: &Corpus,
    ranking: &Ranking,
    anchors: &[PackAnchor],
    plan_files: &[String],
) -> Vec<PackAnchor> {
    let mut paths: Vec<&str> = ranking
        .file_order
        .iter()
        .filter(|&&f| ranking.file_score[f] > 0.0)
        .take(ANCHOR_SCOPE_FILES)
        .map(|&f| corpus.files[f].path.as_str())
        .collect();
    paths.extend(plan_files.iter().map(String::as_str));
    let mut out: Vec<PackAnchor> = anchors
        .iter()
        .filter(|a| {
            a.scope.is_empty()
                || super::corpus::glob_set(&a.scope)
                    .is_some_and(|g| paths.iter().any(|p| g.is_match(p)))
        })
        .cloned()
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

/// Keeps every binding anchor, and advisory ones (in order) while their text fits `room`;
/// returns the anchors kept and how many advisory ones were left out.
fn cap_advisory(
    anchors: Vec<PackAnchor>,
    renderer: Renderer,
    tokenizer: super::Tokenizer,
    room: u64,
) -> (Vec<PackAnchor>, usize) {
    let empty = tokenizer.count(&renderer.anchors(&[])) as u64;
    let mut used = 0;
    let mut omitted = 0;
    let mut kept = Vec::with_capacity(anchors.len());
    for a in anchors {
        if !a.advisory {
            kept.push(a);
            continue;
        }
        let cost = (tokenizer.count(&renderer.anchors(std::slice::from_ref(&a))) as u64)
            .saturating_sub(empty);
        if used + cost <= room {
            used += cost;
            kept.push(a);
        } else {
            omitted += 1;
        }
    }
    (kept, omitted)
}

fn fixed_frame(
    renderer: Renderer,
    profile: &super::Profile,
    anchors: Vec<PackAnchor>,
    options: &PackOptions,
    limit: u64,
) -> Frame {
    let counted = |text: String| Counted::new(text, profile.tokenizer);
    let head = counted(
        renderer.header(&profile.name, &profile.tokenizer_label()) + &renderer.anchors(&anchors),
    );
    let task = counted(
        renderer.task(
            &options.query,
            options.plan.as_ref().map(|p| p.json.as_str()),
        ) + &renderer.map_open(),
    );
    let restate_room = (limit as f64 * RESTATE_SHARE) as u64;
    let restated =
        counted(renderer.task_restated(&cut_to(&options.query, restate_room, profile.tokenizer)));
    let map_close = counted(renderer.map_close());
    let code_open = counted(renderer.code_open());
    let code_close = counted(renderer.code_close());
    let reminder = counted(renderer.reminder(&anchors));
    let footer = counted(renderer.footer());
    let fixed = [
        &head,
        &task,
        &map_close,
        &code_open,
        &code_close,
        &reminder,
        &restated,
        &footer,
    ]
    .iter()
    .map(|c| c.tokens)
    .sum();
    Frame {
        renderer,
        anchors,
        head,
        task,
        map_head: Vec::new(),
        map_close,
        code_open,
        code_close,
        reminder,
        restated,
        footer,
        fixed,
        omitted_anchors: 0,
    }
}

/// `text` if it takes at most `room` tokens, else its first lines within about `room`
/// tokens and a pointer to the whole.
fn cut_to(text: &str, room: u64, tokenizer: super::Tokenizer) -> String {
    if tokenizer.count(text) as u64 <= room {
        return text.to_string();
    }
    let note = "[... the task continues: its full text is above]";
    let mut out = String::new();
    // Characters are a safe over-estimate of tokens for the cut; the piece is counted
    // exactly afterwards.
    for line in text.lines() {
        if (out.len() + line.len() + note.len()) as u64 / 3 > room {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(note);
    out
}

fn check_anchors_fit(
    frame: &Frame,
    profile: &super::Profile,
    raw_limit: u64,
    limit: u64,
) -> Result<()> {
    if frame.fixed <= raw_limit {
        return Ok(());
    }
    let anchors = profile.estimate(frame.head.tokens + frame.reminder.tokens);
    let total = profile.estimate(frame.fixed);
    if anchors > limit {
        return Err(Error::Invalid(format!(
            "the {} anchors take {anchors} tokens, above the budget of {limit} tokens (budget minus reserve): raise --budget to at least {}, lower --reserve, or disable anchors with `ctx anchors`",
            frame.anchors.len(),
            total + total / 10
        )));
    }
    Err(Error::Invalid(format!(
        "the anchors and the task take {total} tokens, above the budget of {limit} tokens (budget minus reserve): raise --budget to at least {} or shorten the query",
        total + total / 10
    )))
}

/// One map entry: the file and its most central symbols, in line order.
fn map_entry(corpus: &Corpus, ranking: &Ranking, renderer: Renderer, f: usize) -> String {
    let file = &corpus.files[f];
    let mut symbols: Vec<usize> = file
        .chunks
        .clone()
        .filter(|&i| {
            let c = &corpus.chunks[i];
            c.kind.is_symbol() && c.symbol.is_some() && c.part.is_none_or(|(p, _)| p == 1)
        })
        .collect();
    symbols.sort_by(|&a, &b| {
        ranking.chunk_importance[b]
            .total_cmp(&ranking.chunk_importance[a])
            .then(a.cmp(&b))
    });
    symbols.truncate(MAP_SYMBOLS);
    symbols.sort_unstable();
    let names: Vec<&str> = symbols
        .iter()
        .filter_map(|&i| corpus.chunks[i].symbol.as_deref())
        .collect();
    renderer.map_entry(&file.path, &names)
}

/// The map head: files around the task (by rank, among files with any relevance), then
/// the most central files (global PageRank, tests and data down-weighted), while they fit
/// `room`.
fn map_head(
    corpus: &Corpus,
    ranking: &Ranking,
    renderer: Renderer,
    tokenizer: super::Tokenizer,
    room: u64,
) -> (Vec<Counted>, Vec<bool>) {
    let mut central: Vec<usize> = (0..corpus.files.len()).collect();
    central.sort_by(|&a, &b| {
        ranking.file_importance[b]
            .total_cmp(&ranking.file_importance[a])
            .then(a.cmp(&b))
    });
    let around = ranking
        .file_order
        .iter()
        .copied()
        .take_while(|&f| ranking.file_score[f] > 0.0);
    let mut entries = Vec::new();
    let mut used = 0;
    let mut in_head = vec![false; corpus.files.len()];
    for f in around.chain(central) {
        if in_head[f] {
            continue;
        }
        let entry = Counted::new(map_entry(corpus, ranking, renderer, f), tokenizer);
        if used + entry.tokens > room {
            break;
        }
        used += entry.tokens;
        entries.push(entry);
        in_head[f] = true;
    }
    (entries, in_head)
}

/// The manifest of what was left out, at most `room` tokens.
fn manifest_text(
    corpus: &Corpus,
    ranking: &Ranking,
    sel: &Selection,
    costs: &Costs,
    renderer: Renderer,
    room: u64,
    omitted_anchors: usize,
) -> String {
    let dropped: Vec<usize> = ranking
        .file_order
        .iter()
        .copied()
        .filter(|&f| !sel.shows_file(f))
        .collect();
    let outlined = corpus
        .files
        .iter()
        .enumerate()
        .filter(|(f, file)| {
            sel.shows_file(*f) && file.chunks.clone().all(|i| sel.show[i] != Show::Full)
        })
        .count();
    let mut lines = vec![format!(
        "{} of {} files not shown; {} shown as signatures only",
        dropped.len(),
        corpus.files.len(),
        outlined
    )];
    if !corpus.secret_files.is_empty() {
        lines.push(format!(
            "{} files excluded because they hold secrets (.env, private keys)",
            corpus.secret_files.len()
        ));
    }
    if omitted_anchors > 0 {
        lines.push(format!(
            "{omitted_anchors} advisory rules extracted from documentation (see `ctx anchors list`)"
        ));
    }
    let masked: u32 = costs.secrets.values().sum();
    if masked > 0 {
        lines.push(format!("{masked} secrets masked in the shown code"));
    }
    let names: Vec<&str> = dropped
        .iter()
        .map(|&f| corpus.files[f].path.as_str())
        .collect();
    let tokenizer_free = |s: &str| s.len() as u64 / 3 + 2; // a safe over-estimate
    let mut text = renderer.manifest_open();
    for line in &lines {
        text.push_str(&renderer.manifest_line(line));
    }
    let mut listed = String::new();
    let budget_left = |t: &str, l: &str| tokenizer_free(t) + tokenizer_free(l) + 16 < room;
    for name in names.iter().take(200) {
        let candidate = if listed.is_empty() {
            format!("best-ranked files not shown: {name}")
        } else {
            format!("{listed}, {name}")
        };
        if !budget_left(&text, &candidate) {
            break;
        }
        listed = candidate;
    }
    if !listed.is_empty() {
        text.push_str(&renderer.manifest_line(&listed));
    }
    text.push_str(&renderer.manifest_close());
    if tokenizer_free(&text) > room {
        return renderer.manifest_open() + &renderer.manifest_close();
    }
    text
}

fn render(
    corpus: &Corpus,
    ranking: &Ranking,
    frame: &Frame,
    sel: &Selection,
    costs: &mut Costs,
    manifest: &Counted,
) -> Prompt {
    let r = frame.renderer;
    let mut out = Prompt::with_capacity((sel.used as usize + frame.fixed as usize) * 4 + 1024);
    frame.head.push_to(&mut out);
    frame.task.push_to(&mut out);
    for entry in &frame.map_head {
        entry.push_to(&mut out);
    }
    for &(f, tokens) in &sel.related {
        out.push(&map_entry(corpus, ranking, r, f), Some(tokens));
    }
    frame.map_close.push_to(&mut out);
    manifest.push_to(&mut out);
    frame.code_open.push_to(&mut out);
    // Least relevant first: the most relevant code ends next to the restated task.
    for &f in ranking.file_order.iter().rev() {
        if !sel.shows_file(f) {
            continue;
        }
        let file = &corpus.files[f];
        let open = r.file_open(&file.path, &file.language);
        out.push(&open, Some(u64::from(costs.open(f))));
        for piece in file_pieces(&corpus.chunks, file.chunks.clone(), &sel.show) {
            let (text, tokens) = costs.piece(piece);
            out.push(&text, Some(u64::from(tokens)));
        }
        out.push(&r.file_close(), Some(u64::from(costs.close())));
    }
    frame.code_close.push_to(&mut out);
    frame.reminder.push_to(&mut out);
    frame.restated.push_to(&mut out);
    frame.footer.push_to(&mut out);
    out
}

#[allow(clippy::too_many_arguments)]
fn finish(
    corpus: &Corpus,
    ranking: &Ranking,
    frame: &Frame,
    sel: &Selection,
    costs: &mut Costs,
    options: &PackOptions,
    (budget, reserve, tokens): (u64, u64, u64),
    prompt: String,
) -> Pack {
    let items = items(corpus, ranking, sel, costs);
    let dropped: Vec<DroppedFile> = ranking
        .file_order
        .iter()
        .enumerate()
        .filter(|(_, &f)| !sel.shows_file(f))
        .map(|(rank, &f)| DroppedFile {
            path: corpus.files[f].path.clone(),
            rank: rank as u32 + 1,
            score: round(ranking.file_score[f]),
            tokens: corpus.files[f]
                .chunks
                .clone()
                .map(|i| u64::from(corpus.chunks[i].tokens))
                .sum(),
        })
        .collect();
    let explain = if options.explain {
        explain(corpus, ranking, frame, &items, &dropped)
    } else {
        Vec::new()
    };
    Pack {
        warnings: answer_room_warning(&options.profile, tokens)
            .into_iter()
            .collect(),
        budget,
        reserve,
        tokens,
        tokenizer: options.profile.tokenizer_label(),
        model: options.profile.name.clone(),
        anchors: frame.anchors.iter().map(|a| a.id.clone()).collect(),
        items,
        dropped,
        secrets_masked: costs.secrets.clone(),
        secret_files: corpus.secret_files.clone(),
        explain,
        prompt,
    }
}

/// A notice when a pack of `tokens` leaves the model less room to answer than the
/// profile's reserve.
fn answer_room_warning(profile: &super::Profile, tokens: u64) -> Option<String> {
    let room = profile.context.saturating_sub(tokens);
    (room < profile.reserve).then(|| {
        format!(
            "the pack leaves {room} of {}'s {} tokens for the answer, less than its reserve of {}: lower --budget or raise --reserve",
            profile.name, profile.context, profile.reserve
        )
    })
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The items of a selection: runs of full chunks merged, one item per signature.
fn items(corpus: &Corpus, ranking: &Ranking, sel: &Selection, costs: &mut Costs) -> Vec<PackItem> {
    let mut out = Vec::new();
    for (f, file) in corpus.files.iter().enumerate() {
        if !sel.shows_file(f) {
            continue;
        }
        let mut run: Vec<usize> = Vec::new();
        let flush = |run: &mut Vec<usize>, out: &mut Vec<PackItem>, costs: &mut Costs| {
            if let Some(item) = full_item(corpus, ranking, run, costs) {
                out.push(item);
            }
            run.clear();
        };
        for i in file.chunks.clone() {
            match sel.show[i] {
                Show::Full => run.push(i),
                Show::Signature => {
                    flush(&mut run, &mut out, costs);
                    let c = &corpus.chunks[i];
                    out.push(PackItem {
                        path: c.path.clone(),
                        start_line: c.start_line,
                        end_line: c.end_line,
                        symbol: c.symbol.clone(),
                        kind: c.kind,
                        mode: ItemMode::Signature,
                        tokens: u64::from(costs.signature(i).unwrap_or(0)),
                        score: round(ranking.chunk_score[i]),
                    });
                }
                Show::Head(n) => {
                    flush(&mut run, &mut out, costs);
                    let c = &corpus.chunks[i];
                    out.push(PackItem {
                        path: c.path.clone(),
                        start_line: c.start_line,
                        end_line: c.start_line + n - 1,
                        symbol: c.symbol.clone(),
                        kind: c.kind,
                        mode: ItemMode::Full,
                        tokens: u64::from(costs.head(i, n)),
                        score: round(ranking.chunk_score[i]),
                    });
                }
                Show::Omit => flush(&mut run, &mut out, costs),
            }
        }
        flush(&mut run, &mut out, costs);
    }
    out
}

fn full_item(
    corpus: &Corpus,
    ranking: &Ranking,
    run: &[usize],
    costs: &mut Costs,
) -> Option<PackItem> {
    let (&first, &last) = (run.first()?, run.last()?);
    let best = *run.iter().max_by(|&&a, &&b| {
        ranking.chunk_score[a]
            .total_cmp(&ranking.chunk_score[b])
            .then(b.cmp(&a))
    })?;
    let symbol = if run.len() == 1 {
        corpus.chunks[first].symbol.clone()
    } else {
        None
    };
    Some(PackItem {
        path: corpus.chunks[first].path.clone(),
        start_line: corpus.chunks[first].start_line,
        end_line: corpus.chunks[last].end_line,
        symbol,
        kind: corpus.chunks[best].kind,
        mode: ItemMode::Full,
        tokens: run.iter().map(|&i| u64::from(costs.full(i))).sum(),
        score: round(ranking.chunk_score[best]),
    })
}

fn explain(
    corpus: &Corpus,
    ranking: &Ranking,
    frame: &Frame,
    items: &[PackItem],
    dropped: &[DroppedFile],
) -> Vec<String> {
    let mut out = Vec::new();
    for a in &frame.anchors {
        let why = if a.scope.is_empty() {
            "applies everywhere".to_string()
        } else {
            format!("scope {} matches packed files", a.scope.join(", "))
        };
        out.push(format!("anchor {} ({}): {why}", a.id, a.source));
    }
    for item in items {
        let f = corpus
            .file_index(&item.path)
            .expect("items come from the corpus");
        let rank = ranking.file_order.iter().position(|&x| x == f).unwrap_or(0) + 1;
        let why = item_reasons(corpus, ranking, f, item);
        let mode = match item.mode {
            ItemMode::Full => "full",
            ItemMode::Signature => "signature",
        };
        out.push(format!(
            "{}:{}-{} {mode} (file rank {rank}, {} tokens): {}",
            item.path,
            item.start_line,
            item.end_line,
            item.tokens,
            why.join("; ")
        ));
    }
    for d in dropped.iter().take(50) {
        out.push(format!(
            "dropped {} (rank {}, score {:.3}, ~{} tokens): no room",
            d.path, d.rank, d.score, d.tokens
        ));
    }
    if dropped.len() > 50 {
        out.push(format!("dropped {} more files", dropped.len() - 50));
    }
    out
}

/// The (at most [`EXPLAIN_REASONS`]) pieces of evidence that added most to an item: its
/// file's and its chunks', largest first; a down-weighted role is said as well.
fn item_reasons(corpus: &Corpus, ranking: &Ranking, f: usize, item: &PackItem) -> Vec<String> {
    let mut why: Vec<(f64, String)> = ranking.file_reasons.get(&f).cloned().unwrap_or_default();
    for i in corpus.files[f].chunks.clone() {
        let c = &corpus.chunks[i];
        if c.start_line >= item.start_line && c.end_line <= item.end_line {
            for (w, reason) in ranking.chunk_reasons.get(&i).into_iter().flatten() {
                match why.iter_mut().find(|(_, r)| r == reason) {
                    Some(entry) => entry.0 += w,
                    None => why.push((*w, reason.clone())),
                }
            }
        }
    }
    why.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out: Vec<String> = why
        .into_iter()
        .take(EXPLAIN_REASONS)
        .map(|(_, r)| r)
        .collect();
    if out.is_empty() {
        out.push("fills remaining room (file rank and centrality)".into());
    }
    let (role, pointed) = ranking.file_role[f];
    if role != super::roles::Role::Source && !pointed && out.len() < EXPLAIN_REASONS {
        out.push(format!("{} file, down-weighted", role.label()));
    }
    out
}
