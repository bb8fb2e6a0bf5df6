//! `track`: a plan's indicators against its targets, from unit reports.
//!
//! The pipeline, one module per stage:
//!
//! - `cli` → `settings`: the command line, then the validated settings;
//! - `store` + `input`: the data folder, the plan's TOML shapes and the
//!   report files as received (decoded, dialect found, rows with lines);
//!   `store` also keeps received files with their manifest (`ingest`);
//! - `model`: the validated plan and observations (the only validation);
//! - `evaluate`: pure; actual, expected, gap and status per objective;
//! - `completeness`: pure; which owed reports came in, late or not at all;
//! - `render`: one file per output format, formatting only;
//! - `cmd`: one file per subcommand, dispatched from `run`;
//! - `lang` + `diagnostic`: the language, and problems that carry their
//!   words in English and Vietnamese until printed in the run's language;
//! - `progress`: the bar on standard error for long passes over files.

pub mod cli;
pub mod cmd;
pub mod completeness;
pub mod diagnostic;
pub mod evaluate;
pub mod input;
pub mod lang;
pub mod model;
pub mod number;
pub mod period;
pub mod progress;
pub mod render;
pub mod settings;
pub mod store;
pub mod target;
pub mod text;

use std::ffi::OsString;
use std::io::{self, Write};

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::diagnostic::{Failed, Invalid};
use crate::lang::Lang;
use crate::settings::{Settings, UsageError};

/// Exit code of `track check` when the check itself cannot run.
const CHECK_UNKNOWN: u8 = 3;

/// Runs `track` with these arguments and returns the exit code: 0 success,
/// 1 error, 2 bad usage; `track check` has its own codes (see `cmd::check`).
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let args: Vec<OsString> = args.into_iter().collect();
    let is_check = invoked_check(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.exit_code() {
                0 => 0,
                _ if is_check => CHECK_UNKNOWN,
                code => code as u8,
            };
        }
    };
    // The language of what is said from here on, settings or not.
    let lang = cli.global.lang.unwrap_or_else(Lang::from_env);
    let output = cli.global.output.as_deref();
    let result = match &cli.command {
        // A flag that would be silently ignored reads as if it had worked.
        command if cli.global.excel && !command.writes_csv() => {
            let name = command.name();
            Err(UsageError(msg!(
                "`--excel` shapes CSV output; `track {name}` writes none",
                "`--excel` chỉ dùng cho đầu ra CSV; `track {name}` không xuất CSV"
            ))
            .into())
        }
        // These read no data and need no settings.
        Command::Completions(args) => cmd::completions::run(output, args),
        Command::Man => cmd::man::run(output),
        command => Settings::from_args(&cli.global, command.fixed_format()).and_then(|settings| {
            match command {
                Command::Report(args) => cmd::report::run(&settings, args),
                Command::Check(args) => cmd::check::run(&settings, args),
                Command::Explain(args) => cmd::explain::run(&settings, args),
                Command::Validate(args) => cmd::validate::run(&settings, args),
                Command::Completeness(args) => cmd::completeness::run(&settings, args),
                Command::Template(args) => cmd::template::run(&settings, args),
                Command::Ingest(args) => cmd::ingest::run(&settings, args),
                Command::Export(args) => cmd::export::run(&settings, args),
                Command::Completions(_) | Command::Man => unreachable!("handled above"),
            }
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let code = report_error(&e, lang);
            if is_check && code != 0 {
                CHECK_UNKNOWN
            } else {
                code
            }
        }
    }
}

/// Prints an error the way the user can act on it, in `lang`, and picks
/// its exit code.
fn report_error(e: &anyhow::Error, lang: Lang) -> u8 {
    if settings::reader_gone() {
        // The reader went away (`track report | head`): not a failure.
        return 0;
    }
    let mut stderr = io::stderr().lock();
    if let Some(Invalid(diagnostics)) = e.downcast_ref::<Invalid>() {
        for d in diagnostics.iter() {
            let _ = writeln!(stderr, "{}", d.shown(lang));
        }
        let _ = writeln!(
            stderr,
            "track: {}: {}",
            lang.pick("stopped", "đã dừng"),
            diagnostics.summary(lang)
        );
        return 1;
    }
    // `error` stays the word after `track:` in both languages, as it does
    // after a file's place: scripts and mail filters look for it.
    let _ = writeln!(stderr, "track: error: {}", in_words(e, lang));
    if e.downcast_ref::<UsageError>().is_some() {
        2
    } else {
        1
    }
}

/// An error and its causes, `: `-separated as anyhow shows them, each of
/// ours in `lang` (the system's own, such as an OS error, as they come).
fn in_words(e: &anyhow::Error, lang: Lang) -> String {
    e.chain()
        .map(|link| {
            if let Some(failed) = link.downcast_ref::<Failed>() {
                failed.message.get(lang).to_string()
            } else if let Some(usage) = link.downcast_ref::<UsageError>() {
                usage.0.get(lang).to_string()
            } else {
                link.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// Whether the subcommand is `check`, found before clap parses, so that even
/// its usage errors exit 3 as monitoring expects. Only the global options
/// can come before the subcommand; which of them take a value (and so hide
/// the next word) is read from their clap definitions, so that a new option
/// cannot be missed.
fn invoked_check(args: &[OsString]) -> bool {
    let command = Cli::command();
    let takes_value = |word: &str| {
        command.get_arguments().any(|arg| {
            arg.get_action().takes_values()
                && (word
                    .strip_prefix("--")
                    .is_some_and(|long| arg.get_long() == Some(long))
                    || word
                        .strip_prefix('-')
                        .and_then(|short| short.parse::<char>().ok())
                        .is_some_and(|short| arg.get_short() == Some(short)))
        })
    };
    let mut rest = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = rest.next() {
        if takes_value(&arg) {
            rest.next();
        } else if !arg.starts_with('-') {
            return arg == "check";
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &str) -> Vec<OsString> {
        words.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn finds_check_after_any_global_option_and_its_value() {
        assert!(invoked_check(&args("track check")));
        assert!(invoked_check(&args("track --encoding windows-1258 check")));
        assert!(invoked_check(&args(
            "track -o out.txt --lang vi --color never check"
        )));
        assert!(invoked_check(&args("track --data=x --ascii check")));
        // The value of an option is not the subcommand.
        assert!(!invoked_check(&args("track --data check report")));
        assert!(!invoked_check(&args("track -f check report")));
        assert!(!invoked_check(&args("track report check")));
    }
}
