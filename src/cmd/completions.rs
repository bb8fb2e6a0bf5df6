//! `track completions SHELL`: the shell's completion script, generated
//! from the clap definitions so that it never falls behind them.

use std::path::Path;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::settings::write_output;

/// Needs no settings: it reads no data and writes no table.
pub fn run(output: Option<&Path>, args: &CompletionsArgs) -> Result<u8> {
    write_output(output, |out| {
        clap_complete::generate(args.shell, &mut Cli::command(), "track", out);
        Ok(())
    })?;
    Ok(0)
}
