//! `track report`: every format pinned on the seed data, filters, `--by
//! unit`, `-o FILE`, and a broken pipe.

use std::io::Read;
use std::process::Stdio;

use predicates::prelude::*;

use super::{Scratch, stdout_of, track};

fn report(args: &[&str]) -> String {
    stdout_of(track().arg("report").args(args))
}

#[test]
fn table_in_english() {
    insta::assert_snapshot!(report(&["--as-of", "2025-06-30", "--lang", "en"]));
}

#[test]
fn table_in_vietnamese() {
    insta::assert_snapshot!(report(&["--as-of", "2026-06-30", "--lang", "vi"]));
}

#[test]
fn csv_output() {
    insta::assert_snapshot!(report(&["--as-of", "2025-12-31", "--format", "csv"]));
}

#[test]
fn json_output() {
    insta::assert_snapshot!(report(&["--as-of", "2025-12-31", "--format", "json"]));
}

#[test]
fn markdown_output() {
    insta::assert_snapshot!(report(&["--as-of", "2026-06-30", "--format", "markdown"]));
}

#[test]
fn by_unit_breaks_actuals_down() {
    insta::assert_snapshot!(report(&[
        "--as-of",
        "2025-12-31",
        "--by",
        "unit",
        "--objective",
        "tasks-transfer-2025,key-products-ip-2030,grdp-group-2030",
    ]));
}

#[test]
fn by_unit_in_csv_adds_a_unit_column() {
    let csv = report(&[
        "--as-of",
        "2025-12-31",
        "--by",
        "unit",
        "-f",
        "csv",
        "--objective",
        "tasks-transfer-2025",
    ]);
    assert_eq!(
        csv.lines().collect::<Vec<_>>()[..1],
        [
            "objective,unit,title,target,actual,expected,gap,status,share,above_range,needed_per_half_year,halves_left,numerator,denominator,window_start,deadline"
        ]
    );
    assert!(csv.contains("\ntasks-transfer-2025,SKHCN,,,34,"), "{csv}");
    assert!(csv.contains("\ntasks-transfer-2025,SNNMT,,,10,"), "{csv}");
}

#[test]
fn filters_by_status_and_objective() {
    let csv = report(&[
        "--as-of",
        "2026-06-30",
        "-f",
        "csv",
        "--status",
        "missed,no-data",
    ]);
    let codes: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "tasks-transfer-2025",
            "startup-loans-2025",
            "marks-abroad-2025",
            "productivity-2025"
        ]
    );
    let one = report(&[
        "--as-of",
        "2026-06-30",
        "-f",
        "csv",
        "--objective",
        "ST-ORGS-2025",
    ]);
    assert_eq!(one.lines().count(), 2);
}

#[test]
fn filter_by_unit_counts_only_its_values() {
    let csv = report(&["--as-of", "2025-12-31", "-f", "csv", "--unit", "SNNMT"]);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // SNNMT reports tasks-transfer, key products and OCOP products only.
    assert!(
        rows.iter()
            .any(|r| r.starts_with("tasks-transfer-2025,") && r.contains(",10,")),
        "{csv}"
    );
    assert!(
        !rows.iter().any(|r| r.starts_with("tasks-provincial-2025,")),
        "{csv}"
    );
}

#[test]
fn unknown_filter_values_are_usage_errors_with_a_suggestion() {
    track()
        .args(["report", "--objective", "tasks-provincal-2025"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown objective `tasks-provincal-2025`; did you mean `tasks-provincial-2025`?",
        ));
    track()
        .args(["report", "--unit", "SKHC"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown unit `SKHC`; did you mean `SKHCN`?",
        ));
}

#[test]
fn output_file_takes_its_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    for (name, start) in [("r.json", "{"), ("r.csv", "objective,"), ("r.md", "## ")] {
        let path = dir.path().join(name);
        track()
            .args(["report", "--as-of", "2025-06-30", "-o"])
            .arg(&path)
            .assert()
            .success()
            .stdout("");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(start), "{name}: {text}");
    }
    track()
        .args(["report", "-o"])
        .arg(dir.path().join("r.xlsx"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot tell the format from"));
    // Only the three files: no temporary file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

/// `-o` onto something that is not a file (a named pipe here; `/dev/null`
/// alike) writes into it: a temporary file renamed over it would replace it.
#[cfg(unix)]
#[test]
fn output_into_a_named_pipe_keeps_the_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("report.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::read_to_string(pipe).unwrap())
    };
    track()
        .args(["report", "--as-of", "2025-06-30", "-o"])
        .arg(&pipe)
        .assert()
        .success();
    assert!(reader.join().unwrap().starts_with("objective,"));
    let kind = std::fs::metadata(&pipe).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("track"))
        .current_dir(super::root())
        .args(["report", "--as-of", "2025-06-30", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn no_colour_when_piped_even_with_a_terminal_choice_of_auto() {
    let out = track()
        .env_remove("NO_COLOR")
        .args(["report", "--as-of", "2025-06-30"])
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b), "escape codes in piped output");
    let coloured = track()
        .args(["report", "--as-of", "2025-06-30", "--color", "always"])
        .output()
        .unwrap();
    assert!(coloured.stdout.contains(&0x1b), "--color always colours");
}

#[test]
fn bad_reports_stop_the_report_with_every_error() {
    let scratch = Scratch::seed().report(
        "bad.csv",
        "unit,indicator,period,value,note\nSKHC,tasks-provincial,2025-H1,3,\nSKHCN,tasks-provincal,2025-H1,3,\nSKHCN,tasks-provincial,2025-H3,x,\n",
    );
    track()
        .arg("--data")
        .arg(scratch.path())
        .arg("report")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("bad.csv:2:1: error: unknown unit `SKHC`; did you mean `SKHCN`?"))
        .stderr(predicate::str::contains(
            "bad.csv:3:2: error: unknown indicator `tasks-provincal`; did you mean `tasks-provincial`?",
        ))
        .stderr(predicate::str::contains("bad.csv:4:3: error: cannot read period `2025-H3`"))
        .stderr(predicate::str::contains("bad.csv:4:4: error: `x` is not a number"))
        .stderr(predicate::str::contains("track: stopped: 4 errors in 1 file"));
}

/// Values past the largest number track holds (~7.9 × 10^28) stop the
/// run with the objective named, on one thread or two, never a panic.
#[test]
fn a_sum_past_the_largest_number_names_the_objective() {
    let huge = "70000000000000000000000000000";
    let row = |period: &str| {
        format!("unit,indicator,period,value,note\nSTP,legal-docs-issued,{period},{huge},\n")
    };
    // Two files: on two threads each may read one, and only the two
    // parts added together pass it (the unit tests pin that case).
    let scratch = Scratch::seed()
        .report("huge-1.csv", &row("2024-H1"))
        .report("huge-2.csv", &row("2024-H2"));
    for threads in ["1", "2"] {
        track()
            .arg("--data")
            .arg(scratch.path())
            .args(["--no-cache", "--threads", threads, "report"])
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                "track: error: objective `legal-docs-2025` cannot be judged: the values of \
                 `legal-docs-issued` it counts add up past 7.9 × 10^28, the largest number track \
                 holds; check them (`track export` lists each with its file and line)\n",
            );
    }
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["--lang", "vi", "check"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(
            "không đánh giá được mục tiêu `legal-docs-2025`: tổng các giá trị của `legal-docs-issued` vượt quá 7,9 × 10^28",
        ));
}

#[test]
fn an_empty_data_folder_says_where_the_plan_should_be() {
    let dir = tempfile::tempdir().unwrap();
    track()
        .arg("--data")
        .arg(dir.path())
        .arg("report")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read the plan"))
        .stderr(predicate::str::contains("plan.toml"));
}

#[test]
fn a_plan_without_reports_is_all_no_data() {
    let scratch = Scratch::seed();
    let csv = report(&[
        "--data",
        scratch.path().to_str().unwrap(),
        "--as-of",
        "2025-06-30",
        "-f",
        "csv",
    ]);
    assert_eq!(csv.lines().count(), 20);
    assert!(
        csv.lines().skip(1).all(|l| l.contains(",no-data,")),
        "{csv}"
    );
}

#[test]
fn markdown_in_vietnamese_with_missing_reports() {
    insta::assert_snapshot!(report(&[
        "--as-of",
        "2025-12-31",
        "--format",
        "markdown",
        "--lang",
        "vi"
    ]));
}

/// Issue 4: an analyst whose terminal is set to Vietnamese reads every
/// warning about the data in Vietnamese too (they were in English), dates
/// as 31/12/2025, with the place and the `warning` word unchanged.
#[test]
fn data_warnings_in_vietnamese() {
    let scratch = Scratch::seed()
        .report(
            "a.csv",
            "unit,indicator,period,value,note,nguoi_lap\n\
             SCT,tasks-provincial,2025-H1,3,,\n\
             SKHCN,tasks-provincial,2031,1,,\n\
             SKHCN,tasks-accepted,2025-H1,4,,\n\
             SKHCN,tasks-applied,2025-H1,5,,\n\
             SKHCN,startup-ideas,2025-H1,,,\n\
             SKHCN,ip-support,2025-H1,,,\n",
        )
        .report("b.csv", "don_vi;chi_tieu;ky;gia_tri;ghi_chu\n");
    let out = track()
        .env("LANG", "vi_VN.UTF-8")
        .arg("--data")
        .arg(scratch.path())
        .args([
            "report",
            "--as-of",
            "2025-12-31",
            "--objective",
            "tasks-applied-2030",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr)
        .unwrap()
        .replace(&scratch.path().display().to_string(), "DIR");
    insta::assert_snapshot!(stderr);
    // The table beneath is Vietnamese as it was.
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("Tính đến 31/12/2025")
    );
    // A share above 100 % is checked by `validate` (and `ingest`), not
    // on every report.
    let validated = track()
        .env("LANG", "vi_VN.UTF-8")
        .arg("--data")
        .arg(scratch.path())
        .arg("validate")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(validated.stderr).unwrap().contains(
            "a.csv:5:4: warning: `SKHCN` báo cáo `tasks-applied` là `5` cho kỳ `2025-H1`, lớn hơn `tasks-accepted` là `4`"
        )
    );
}

#[test]
fn errors_and_usage_errors_in_vietnamese() {
    let scratch = Scratch::seed().report(
        "bad.csv",
        "unit,indicator,period,value,note\nSKHC,tasks-provincial,2025-H1,3,\nSKHCN,tasks-provincial,2025-H3,x,\n",
    );
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["--lang", "vi", "report"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "bad.csv:2:1: error: đơn vị `SKHC` không có trong kế hoạch; có phải là `SKHCN` không?",
        ))
        .stderr(predicate::str::contains(
            "bad.csv:3:3: error: không đọc được kỳ báo cáo `2025-H3`",
        ))
        .stderr(predicate::str::contains(
            "bad.csv:3:4: error: `x` không phải là số",
        ))
        .stderr(predicate::str::contains(
            "track: đã dừng: 3 lỗi trong 1 tệp\n",
        ));
    track()
        .env("LANG", "vi_VN.UTF-8")
        .args(["report", "--objective", "tasks-provincal-2025"])
        .assert()
        .code(2)
        .stderr(
            "track: error: mục tiêu `tasks-provincal-2025` không có trong kế hoạch; có phải là `tasks-provincial-2025` không?\n",
        );
    // Before any settings exist, `--lang` or the locale still decides.
    let nowhere = tempfile::tempdir().unwrap();
    track()
        .env("LANG", "vi_VN.UTF-8")
        .arg("--data")
        .arg(nowhere.path())
        .arg("report")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "track: error: không đọc được kế hoạch",
        ));
    track()
        .args(["--lang", "vi", "report", "--as-of", "hôm qua"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "track: error: --as-of: `hôm qua` không phải là một ngày hay một kỳ báo cáo",
        ));
}
