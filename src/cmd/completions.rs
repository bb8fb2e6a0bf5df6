//! `track completions SHELL`: the shell's completion script, generated
//! from the clap definitions so that it never falls behind them.

use std::path::Path;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::settings::write_output;

/// Needs no settings: it reads no data and writes no table.
pub fn run(output: Option<&Path>, args: &CompletionsArgs) -> Result<u8> {
    // `generate` panics on a write error, such as a reader gone away
    // (`track completions bash | true`): it writes into memory, and the
    // output that notes a broken pipe takes it from there.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "track", &mut script);
    write_output(output, |out| {
        out.write_all(&script)?;
        Ok(())
    })?;
    Ok(0)
}
