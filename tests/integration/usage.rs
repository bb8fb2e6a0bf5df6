//! Wrong invocations: clap's usage errors and help.

use predicates::prelude::*;

use super::track;

#[test]
fn no_subcommand_shows_usage_and_exits_2() {
    track()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Usage: track"));
}

#[test]
fn unknown_subcommand_or_value_exits_2() {
    track()
        .arg("reprot")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("report"));
    track().args(["report", "--format", "xml"]).assert().code(2);
    track()
        .args(["report", "--as-of", "2025-13-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--as-of"));
}

#[test]
fn help_and_version_exit_0() {
    track()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("report"));
    track()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("track "));
}

#[test]
fn track_data_names_the_data_folder() {
    track()
        .env(
            "TRACK_DATA",
            super::root().join("examples/district-digital"),
        )
        .args(["report", "--as-of", "2026-03-31", "-f", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cashless-merchants-2026h1,"));
}
