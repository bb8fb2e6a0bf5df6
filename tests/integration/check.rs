//! `track check`: the monitoring-plugin exit codes, each one, and quiet.

use predicates::prelude::*;

use super::{Scratch, fixture, track};

fn tiny() -> Scratch {
    Scratch::with_plan(&fixture("tiny/plan.toml"))
}

#[test]
fn all_well_is_one_line_and_exit_0() {
    let scratch = tiny().report("a.csv", "unit,indicator,period,value\nA,done,2024,10\n");
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["check", "--as-of", "2025-06-30"])
        .assert()
        .code(0)
        .stdout("OK: 1 objective met, on track or informational (as of 2025-06-30)\n");
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["check", "--quiet", "--as-of", "2025-06-30"])
        .assert()
        .code(0)
        .stdout("")
        .stderr("");
}

#[test]
fn at_risk_or_no_data_is_a_warning_exit_1() {
    // 2025-06-30: expected 10 × 547/731 = 7.48; 6.5 is 87% of it.
    let scratch = tiny().report("a.csv", "unit,indicator,period,value\nA,done,2024,6.5\n");
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["check", "--quiet", "--as-of", "2025-06-30"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "WARNING: 1 at risk (as of 2025-06-30)\n",
        ))
        .stdout(predicate::str::contains(
            "done-2025: 6.5 of at least 10 by 2025-12-31; 3.5 short, at risk",
        ));
    let empty = tiny();
    track()
        .arg("--data")
        .arg(empty.path())
        .args(["check", "--as-of", "2025-06-30"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("WARNING: 1 no data"));
}

#[test]
fn off_track_or_missed_is_critical_exit_2() {
    let scratch = tiny().report("a.csv", "unit,indicator,period,value\nA,done,2024,2\n");
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["check", "--as-of", "2025-06-30"])
        .assert()
        .code(2)
        .stdout(predicate::str::starts_with("CRITICAL: 1 off track"));
    track()
        .args(["check", "--as-of", "2026-06-30"])
        .assert()
        .code(2)
        .stdout(predicate::str::starts_with("CRITICAL: 3 missed, 1 off track, 2 at risk, 1 no data, 1 past year short, 8 missing reports, 1 data warning"));
}

#[test]
fn a_check_that_cannot_run_exits_3() {
    let bad = tiny().report("a.csv", "unit,indicator,period,value\nB,done,2024,2\n");
    track()
        .arg("--data")
        .arg(bad.path())
        .arg("check")
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "a.csv:2:1: error: unknown unit `B`",
        ));
    let nowhere = tempfile::tempdir().unwrap();
    track()
        .arg("--data")
        .arg(nowhere.path())
        .arg("check")
        .assert()
        .code(3);
}

#[test]
fn bad_usage_of_check_exits_3_not_2() {
    track().args(["check", "--no-such-flag"]).assert().code(3);
    track()
        .args(["--data", "data", "check", "--as-of", "someday"])
        .assert()
        .code(3);
    // Global options with a value may come before `check`.
    track()
        .args(["--encoding", "windows-1258", "check", "--no-such-flag"])
        .assert()
        .code(3);
    // Other commands keep clap's 2.
    track().args(["report", "--no-such-flag"]).assert().code(2);
}
