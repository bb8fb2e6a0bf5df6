//! The `track` binary: runs the library and exits with its code.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(track::run(std::env::args_os()))
}
