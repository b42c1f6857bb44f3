//! `ctx pack`: a budget-exact prompt of anchors, task, repository map and relevant code.

use crate::freshness::{fresh_index, Staleness};
use crate::output::{self, outln, Global};
use anyhow::Context;
use ctx_engine::anchor::{load_plan, AnchorSet, Plan};
use ctx_engine::embed::Embedder;
use ctx_engine::pack::{
    find_profile, load_profiles, pack_anchors, pack_corpus, parse_budget, read_index, FileFilter,
    Format, Pack, PackOptions, PlanInput, DEFAULT_PROFILE,
};
use ctx_engine::{Error, Index};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `ctx pack`.
#[derive(Debug, clap::Args)]
pub struct PackArgs {
    /// The window the pack is for (`400k`, `1m`, `1.5M`, `128000`); default: the model's
    /// context window. The model's answer reserve stays free inside the window: the pack
    /// gives up as much of the budget as the window beyond it does not already leave.
    #[arg(long, value_name = "TOKENS")]
    pub budget: Option<String>,
    /// Model profile: codex-5.3 (default), opus-4.6, o200k, cl100k, or `[profiles.NAME]`
    /// from .ctx/config.toml.
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// The task: what the pack is for. Empty or absent: a map-only pack.
    #[arg(long, value_name = "TEXT", conflicts_with = "query_file")]
    pub query: Option<String>,
    /// Read the task from a file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub query_file: Option<PathBuf>,
    /// A plan to hand off (JSON); its files come first. Default: the pinned .ctx/plan.json.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "xml", value_parser = ["xml", "markdown", "md", "json"])]
    pub format: String,
    /// Write the pack to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Tokens of the budget kept free for the answer (default: the model's reserve, less
    /// the part of the window beyond the budget).
    #[arg(long, value_name = "TOKENS")]
    pub reserve: Option<String>,
    /// Only pack files matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Never pack files matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Print why each item is in and what was dropped (stderr, or stdout with -o).
    #[arg(long)]
    pub explain: bool,
}

/// Runs `ctx pack`.
pub fn run(args: PackArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.root()?;
    let options = options(&args, &root)?;
    if let Some(pack) = crate::serve::client::pack(&root, &options) {
        // The daemon's watcher keeps its index up to date.
        write_pack(&pack?, &args, global, options.format, None)?;
        return Ok(ExitCode::SUCCESS);
    }
    // The BPE tables load while the index opens.
    options.profile.tokenizer.preload();
    let index = match Index::open(&root) {
        Ok(index) => index,
        Err(Error::NoIndex(_)) => anyhow::bail!(
            "no index at {}: run `ctx index` in the repository first",
            root.display()
        ),
        Err(e) => return Err(e).context("opening the index"),
    };
    let embedder = query_embedder(&index, &root, &options);
    let (index, stale) = fresh_index(index, &root, embedder.as_ref().map(|e| e as &dyn Embedder))?;
    let anchors = AnchorSet::load(&root).context("loading anchors")?;
    let (corpus, seeds) = read_index(
        &index,
        embedder.as_ref().map(|e| e as &dyn Embedder),
        &options,
    )?;
    // The index is not read again: close it (sled flushes and syncs on close) while the
    // pack is put together.
    let closing = std::thread::spawn(move || drop(index));
    let pack = pack_corpus(&corpus, &seeds, &pack_anchors(&anchors), &options)?;
    write_pack(&pack, &args, global, options.format, stale)?;
    closing
        .join()
        .map_err(|_| anyhow::anyhow!("closing the index panicked"))?;
    Ok(ExitCode::SUCCESS)
}

/// The embedding model for a hybrid search of the query, when the index holds vectors,
/// embeddings are not turned off (`config::embeddings`) and the task has text (loading
/// the model is wasted time otherwise).
fn query_embedder(
    index: &Index,
    root: &Path,
    options: &PackOptions,
) -> Option<ctx_indexers::embed::LoadedEmbedder> {
    let has_query = !options.query.trim().is_empty() || options.plan.is_some();
    let has_vectors = index.meta().model.is_some();
    if !has_vectors || !has_query {
        return None;
    }
    match crate::config::embeddings(root, None, has_vectors) {
        Ok(choice) if choice.on => {}
        Ok(_) => return None,
        Err(e) => {
            output::warn(format!("lexical search only ({e:#})"));
            return None;
        }
    }
    match crate::config::load_embedder(root) {
        Ok((embedder, _)) => embedder,
        Err(e) => {
            output::warn(format!("lexical search only ({e:#})"));
            None
        }
    }
}

fn options(args: &PackArgs, root: &Path) -> anyhow::Result<PackOptions> {
    let profiles = load_profiles(root)?;
    let profile = find_profile(&profiles, args.model.as_deref().unwrap_or(DEFAULT_PROFILE))?;
    let budget = args.budget.as_deref().map(parse_budget).transpose()?;
    let reserve = args
        .reserve
        .as_deref()
        .map(|r| parse_budget(r).or_else(|e| if r.trim() == "0" { Ok(0) } else { Err(e) }))
        .transpose()
        .context("reading --reserve")?;
    let query = read_query(args)?;
    let plan = read_plan(args.plan.as_deref(), root)?;
    let format = Format::parse(&args.format).expect("clap checks the format");
    Ok(PackOptions {
        profile,
        budget,
        reserve,
        query,
        plan,
        format,
        filter: FileFilter {
            include: args.include.clone(),
            exclude: args.exclude.clone(),
        },
        explain: args.explain,
    })
}

fn read_query(args: &PackArgs) -> anyhow::Result<String> {
    if let Some(query) = &args.query {
        return Ok(query.clone());
    }
    let Some(path) = &args.query_file else {
        return Ok(String::new());
    };
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading the query from stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .with_context(|| format!("reading the query file {:?}", path.display().to_string()))
}

/// The plan from `--plan FILE`, else the pinned `.ctx/plan.json`, else none.
fn read_plan(path: Option<&Path>, root: &Path) -> anyhow::Result<Option<PlanInput>> {
    let Some(path) = path else {
        return Ok(load_plan(root)
            .context("loading the pinned plan")?
            .map(|plan| PlanInput {
                json: serde_json::to_string_pretty(&plan).expect("plans serialize"),
                files: plan.scope(),
            }));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the plan {:?}", path.display().to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Syntax {
        path: path.to_path_buf(),
        line: e.line().max(1),
        column: e.column().max(1),
        message: format!("the plan is not valid JSON: {e}"),
    })?;
    let files = serde_json::from_value::<Plan>(value.clone())
        .map(|p| p.scope())
        .unwrap_or_default();
    Ok(Some(PlanInput {
        json: serde_json::to_string_pretty(&value).expect("values serialize"),
        files,
    }))
}

/// Writes the pack: to `-o FILE` or stdout, as the prompt, the pack JSON (`--format json`)
/// or, with `--json`, as a `pack` record; then the summary (a line, or the `summary` record).
fn write_pack(
    pack: &Pack,
    args: &PackArgs,
    global: &Global,
    format: Format,
    stale: Option<Staleness>,
) -> anyhow::Result<()> {
    let to_stdout = args.output.is_none();
    if global.json && to_stdout {
        output::record("pack", pack)?;
        return output::summary(&summary(pack, stale));
    }
    // The pack masks secrets as it counts; the exit filter is the last net.
    let text = if format == Format::Json {
        let mut value = serde_json::to_value(pack)?;
        ctx_engine::secrets::redact_json(&mut value);
        serde_json::to_string(&value)? + "\n"
    } else {
        ctx_engine::secrets::redact(&pack.prompt).into_owned()
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("writing the pack to {:?}", path.display().to_string()))?;
            if global.json {
                output::summary(&summary(pack, stale))?;
            } else {
                outln!("{}", summary_line(pack))?;
                warn_pack(pack);
                if args.explain {
                    print_explain(&mut std::io::stdout().lock(), pack)?;
                }
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            output::info(summary_line(pack));
            warn_pack(pack);
            if args.explain {
                print_explain(&mut std::io::stderr().lock(), pack)?;
            }
        }
    }
    Ok(())
}

/// The pack's own warnings (no room left for the answer…) on stderr.
fn warn_pack(pack: &Pack) {
    for warning in &pack.warnings {
        output::warn(warning);
    }
}

fn summary_line(pack: &Pack) -> String {
    let limit = pack.budget - pack.reserve;
    let full = pack
        .items
        .iter()
        .filter(|i| i.mode == ctx_engine::pack::ItemMode::Full)
        .count();
    format!(
        "packed {} tokens of {limit} ({:.1}%, {}, model {}): {} anchors, {} full ranges, {} signatures, {} files left out",
        pack.tokens,
        100.0 * pack.tokens as f64 / limit.max(1) as f64,
        pack.tokenizer,
        pack.model,
        pack.anchors.len(),
        full,
        pack.items.len() - full,
        pack.dropped.len()
    )
}

fn summary(pack: &Pack, stale: Option<Staleness>) -> serde_json::Value {
    serde_json::json!({
        "budget": pack.budget, "reserve": pack.reserve, "tokens": pack.tokens,
        "tokenizer": pack.tokenizer, "model": pack.model, "anchors": pack.anchors,
        "items": pack.items.len(), "dropped": pack.dropped.len(),
        "warnings": pack.warnings, "stale": stale,
    })
}

fn print_explain(out: &mut dyn Write, pack: &Pack) -> anyhow::Result<()> {
    for line in &pack.explain {
        writeln!(out, "{}", ctx_engine::secrets::redact(line))?;
    }
    if !pack.secrets_masked.is_empty() {
        let kinds: Vec<String> = pack
            .secrets_masked
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        writeln!(out, "secrets masked: {}", kinds.join(", "))?;
    }
    for path in &pack.secret_files {
        writeln!(out, "excluded (holds secrets): {path}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Cli;
    use clap::Parser;

    #[test]
    fn parses_pack_flags() {
        let cli = Cli::try_parse_from([
            "ctx",
            "pack",
            "--budget",
            "400k",
            "--model",
            "codex-5.3",
            "--query",
            "x",
            "--format",
            "json",
            "--include",
            "src/**",
            "--explain",
        ]);
        assert!(cli.is_ok(), "{cli:?}");
        assert!(Cli::try_parse_from(["ctx", "pack", "--format", "yaml"]).is_err());
        assert!(Cli::try_parse_from(["ctx", "pack", "--query", "a", "--query-file", "b"]).is_err());
    }
}
