//! `track completions SHELL` and `track man`: generated from the CLI.

use predicates::prelude::*;

use super::track;

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        track()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("completeness"))
            .stdout(predicate::str::contains("template"));
    }
    track().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_is_a_roff_page_of_every_command() {
    track()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(".ie \\n(.g .ds Aq"))
        .stdout(predicate::str::contains(".TH track 1"))
        .stdout(predicate::str::contains("completeness"));
    // They read no data: a missing data folder does not matter.
    track()
        .args(["--data", "/nonexistent", "man"])
        .assert()
        .success();
}
