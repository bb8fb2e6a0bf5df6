//! `track man`: the manual page in roff, generated from the clap
//! definitions (`track man > track.1; man ./track.1`).

use std::path::Path;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::settings::write_output;

/// Needs no settings: it reads no data and writes no table.
pub fn run(output: Option<&Path>) -> Result<u8> {
    write_output(output, |out| {
        clap_mangen::Man::new(Cli::command()).render(out)?;
        Ok(())
    })?;
    Ok(0)
}
