//! `track completeness`: the matrix on a fixture with missing reports, in
//! English and Vietnamese and every format; late reports from received
//! dates; missing reports as warnings in `track report` and `track check`.

use std::collections::HashMap;
use std::path::PathBuf;

use predicates::prelude::*;

use super::{Scratch, fixture, stdout_of, track};
use track::completeness::Tracker;
use track::lang::Lang;
use track::render::completeness::{CompletenessView, render};
use track::render::{Format, Style};

/// `track --data tests/fixtures/duty completeness --as-of 2026-01-20 …`.
fn completeness(args: &[&str]) -> String {
    stdout_of(
        track()
            .args([
                "--data",
                "tests/fixtures/duty",
                "completeness",
                "--as-of",
                "2026-01-20",
            ])
            .args(args),
    )
}

#[test]
fn matrix_in_english() {
    insta::assert_snapshot!(completeness(&["--lang", "en"]));
}

#[test]
fn matrix_in_vietnamese() {
    insta::assert_snapshot!(completeness(&["--lang", "vi"]));
}

#[test]
fn markdown_lists_the_matrix_and_the_rates() {
    insta::assert_snapshot!(completeness(&["--lang", "vi", "-f", "markdown"]));
}

#[test]
fn csv_has_one_row_per_owed_report() {
    let csv = completeness(&["-f", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "unit,indicator,cadence,period,due,status,unit_rate,indicator_rate"
    );
    assert_eq!(lines.len(), 1 + 13, "{csv}");
    assert!(lines.contains(&"B,tasks,quarter,2025-Q3,2025-10-15,missing,50,75"));
    assert!(lines.contains(&"A,grade,year,2025,2026-01-15,reported,100,100"));
}

#[test]
fn json_has_duties_rates_and_missing_reports() {
    let json: serde_json::Value = serde_json::from_str(&completeness(&["-f", "json"])).unwrap();
    assert_eq!(json["total"]["expected"], 13);
    assert_eq!(json["total"]["missing"], 3);
    assert_eq!(json["by_unit"][1]["unit"], "B");
    assert_eq!(json["by_unit"][1]["rate"], 50);
    assert_eq!(
        json["missing"][0],
        serde_json::json!({"unit": "B", "period": "2025-Q3", "due": "2025-10-15", "indicators": ["tasks"]})
    );
}

#[test]
fn filters_by_unit_and_indicator_with_suggestions() {
    let csv = completeness(&["-f", "csv", "--unit", "b", "--indicator", "products"]);
    assert_eq!(csv.lines().count(), 1 + 2, "{csv}");
    track()
        .args([
            "--data",
            "tests/fixtures/duty",
            "completeness",
            "--indicator",
            "product",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown indicator `product`; did you mean `products`?",
        ));
}

#[test]
fn before_anything_is_due_it_says_so() {
    assert_eq!(
        track()
            .args([
                "--data",
                "tests/fixtures/duty",
                "completeness",
                "--as-of",
                "2025-04-14"
            ])
            .output()
            .unwrap()
            .stdout,
        b"No report is due yet as of 2025-04-14.\n"
    );
}

/// Received dates come from the store's manifest (the `ingest` branch); the
/// computation and the rendering of late reports are checked here with
/// dates given directly.
#[test]
fn late_reports_are_those_received_after_their_due_date() {
    let dir = fixture("duty");
    let plan = track::store::load_plan(&dir.join("plan.toml")).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let received: HashMap<&str, &str> = [
        // Q1 was due 2025-04-15: late; Q2 and H1 on time.
        ("a-2025-h1.csv", "2025-07-10"),
        // Everything of the second half, and the year, came late.
        ("a-2025-h2.csv", "2026-01-20"),
        // H1 in one value covers Q1 (late) and Q2 (on time).
        ("b-2025.csv", "2025-07-01"),
    ]
    .into();
    let received: Vec<_> = files
        .iter()
        .map(|f| {
            received[f.file_name().unwrap().to_str().unwrap()]
                .parse()
                .ok()
        })
        .collect();
    let mut tracker = Tracker::new(&plan, "2026-01-20".parse().unwrap());
    track::store::scan(
        &plan,
        &track::store::Reports::given(&files),
        Default::default(),
        |obs| tracker.add(obs, received[obs.source.file as usize]),
    )
    .unwrap();
    let completeness = tracker.finish();
    assert_eq!(
        (completeness.total.reported, completeness.total.late),
        (10, 6)
    );
    let mut out = Vec::new();
    let style = Style {
        lang: Lang::En,
        color: false,
        width: None,
        ascii: false,
        csv: Default::default(),
    };
    let view = CompletenessView {
        plan: &plan,
        completeness: &completeness,
    };
    render(Format::Table, &view, style, &mut out).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn a_missing_report_is_a_warning_in_report_and_check() {
    // Everything met, but 2025-H1 was due on 2025-07-15 and never came.
    let scratch = Scratch::with_plan(&fixture("tiny/plan.toml"))
        .report("a.csv", "unit,indicator,period,value\nA,done,2024,10\n");
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["check", "--as-of", "2025-07-15"])
        .assert()
        .code(1)
        .stdout(
            "WARNING: 1 missing report (as of 2025-07-15)\n  \
             - A (Unit A) has not sent its 2025-H1 report on done (due 2025-07-15)\n",
        );
    // The day before it is not due yet.
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["check", "--quiet", "--as-of", "2025-07-14"])
        .assert()
        .code(0);
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["report", "--as-of", "2025-07-15", "--lang", "vi"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Cảnh báo:\n  - Đơn vị A (A) chưa gửi báo cáo 6 tháng đầu năm 2025 về done (hạn 15/07/2025)\n",
        ));
    // Filtered to objectives that need other indicators, it is not listed.
    let json = track()
        .arg("--data")
        .arg(scratch.path())
        .args([
            "report",
            "--as-of",
            "2025-07-15",
            "-f",
            "json",
            "--status",
            "no-data",
        ])
        .output()
        .unwrap()
        .stdout;
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["missing_reports"], serde_json::json!([]));
}

#[test]
fn a_report_ingested_after_its_due_date_is_late() {
    // 2025-H1 of the tiny plan is due 2025-07-15; 2025-H2 on 2026-01-15.
    let scratch = Scratch::with_plan(&fixture("tiny/plan.toml"));
    let dir = tempfile::tempdir().unwrap();
    let h1 = dir.path().join("h1.csv");
    let h2 = dir.path().join("h2.csv");
    std::fs::write(&h1, "unit,indicator,period,value\nA,done,2025-H1,4\n").unwrap();
    std::fs::write(&h2, "unit,indicator,period,value\nA,done,2025-H2,4\n").unwrap();
    for (file, received) in [(&h1, "2025-07-10"), (&h2, "2026-02-01")] {
        track()
            .arg("--data")
            .arg(scratch.path())
            .args(["ingest", "--received", received])
            .arg(file)
            .assert()
            .success();
    }
    let out = track()
        .arg("--data")
        .arg(scratch.path())
        .args(["completeness", "--as-of", "2026-02-01", "-f", "csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.contains("A,done,half-year,2025-H1,2025-07-15,reported,"),
        "{csv}"
    );
    assert!(
        csv.contains("A,done,half-year,2025-H2,2026-01-15,late,"),
        "{csv}"
    );
    assert!(
        csv.contains("A,done,half-year,2024-H1,2024-07-15,missing,"),
        "{csv}"
    );
}
