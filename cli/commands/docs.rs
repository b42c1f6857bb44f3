//! `ctx completions SHELL` and `ctx man`: documentation generated from the command
//! definition itself (clap_complete, clap_mangen), so it never goes out of date.

use crate::output::{self, Global};
use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `ctx completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Install, for example:\n  \
    bash: ctx completions bash > ~/.local/share/bash-completion/completions/ctx\n  \
    zsh:  ctx completions zsh > ~/.zfunc/_ctx   (with fpath+=~/.zfunc before compinit)\n  \
    fish: ctx completions fish > ~/.config/fish/completions/ctx.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `ctx man`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Read it with `ctx man | man -l -`, or install the pages with \
    `ctx man --dir ~/.local/share/man/man1`."
)]
pub struct ManArgs {
    /// Write `ctx.1` and one `ctx-COMMAND.1` page per subcommand into DIR instead of
    /// printing `ctx.1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs `ctx completions`: the script goes to stdout.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = crate::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "ctx", &mut script);
    write_all_stdout(&script)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `ctx man`.
pub fn man(args: ManArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let command = crate::Cli::command();
    let Some(dir) = args.dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        write_all_stdout(&page)?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let written = write_pages(command, &dir)?;
    if global.json {
        output::summary(&serde_json::json!({"dir": dir, "pages": written}))?;
    } else {
        output::info(format!(
            "wrote {} man pages into {}",
            written.len(),
            dir.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the page of `command` and of each of its subcommands (`ctx-index.1`,
/// `ctx-anchors-add.1`, …); returns the file names.
fn write_pages(command: clap::Command, dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut written = Vec::new();
    let mut stack = vec![(command.get_name().to_string(), command)];
    while let Some((name, command)) = stack.pop() {
        let command = command
            .display_name(name.clone())
            .bin_name(name.replace('-', " "));
        for sub in command.get_subcommands() {
            if sub.get_name() != "help" {
                stack.push((format!("{name}-{}", sub.get_name()), sub.clone()));
            }
        }
        let file = format!("{name}.1");
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        let path = dir.join(&file);
        std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
        written.push(file);
    }
    written.sort();
    Ok(written)
}

fn write_all_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
