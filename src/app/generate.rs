//! `surplus generate completions|man`: files for packagers, made from the clap definition.

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell as CompleteShell;

use crate::cli::{Cli, GenerateCommand, Shell};

/// Writes the requested files.
pub fn run(command: &GenerateCommand) -> anyhow::Result<()> {
    match command {
        GenerateCommand::Completions { shell, dir } => completions(*shell, dir),
        GenerateCommand::Man { dir } => man(dir),
    }
}

fn completions(shell: Shell, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let shell = match shell {
        Shell::Bash => CompleteShell::Bash,
        Shell::Zsh => CompleteShell::Zsh,
        Shell::Fish => CompleteShell::Fish,
        Shell::Elvish => CompleteShell::Elvish,
        Shell::Powershell => CompleteShell::PowerShell,
    };
    let path = clap_complete::generate_to(shell, &mut Cli::command(), "surplus", dir)
        .with_context(|| format!("{}", dir.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn man(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    // One page per command and subcommand: surplus.1, surplus-capacity.1, surplus-capacity-measure.1 …
    clap_mangen::generate_to(Cli::command(), dir).with_context(|| format!("{}", dir.display()))?;
    eprintln!("wrote man pages to {}", dir.display());
    Ok(())
}
