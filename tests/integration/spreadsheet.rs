//! CSV for spreadsheets: the Excel dialect (`--excel`), and formula-like
//! text neutralised in every CSV output.

use predicates::prelude::*;

use super::{Scratch, root, track};

fn bytes(cmd: &mut assert_cmd::Command) -> String {
    super::stdout_of(cmd)
}

#[test]
fn excel_has_a_bom_semicolons_decimal_commas_and_crlf() {
    let csv = bytes(track().args(["report", "--as-of", "2025-06-30", "--excel"]));
    assert!(csv.starts_with("\u{feff}objective;title;target;actual;expected;gap;status;"));
    let legal = csv
        .lines()
        .find(|l| l.starts_with("legal-docs-2025;"))
        .unwrap();
    assert!(
        legal.starts_with("legal-docs-2025;100% văn bản quy phạm pháp luật được đăng tải trên các phương tiện thông tin đại chúng;>= 100%;83,3333;100;16,6667;at-risk;83,3333;false;"),
        "{legal}"
    );
    assert!(csv.ends_with("\r\n") && !csv.replace("\r\n", "").contains('\n'));
    // The standard dialect is unchanged.
    let standard = bytes(track().args(["report", "--as-of", "2025-06-30", "-f", "csv"]));
    assert!(standard.starts_with("objective,title,"));
    assert!(standard.contains(",83.3333,100,16.6667,at-risk,"));
    // The other CSV outputs take the dialect too.
    let explain = bytes(track().args(["explain", "quality-tools-2030", "--excel"]));
    assert!(explain.starts_with("\u{feff}objective;part;unit;period;value;file;line;verdict\r\n"));
    let completeness = bytes(track().args([
        "--data",
        "tests/fixtures/duty",
        "completeness",
        "--as-of",
        "2026-01-20",
        "--excel",
    ]));
    assert!(completeness.contains("\r\nB;tasks;quarter;2025-Q3;2025-10-15;missing;50;75\r\n"));
    // `-o FILE.csv --excel` writes the dialect to the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("báo cáo.csv");
    track()
        .args(["report", "--as-of", "2025-06-30", "--excel", "-o"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv);
}

#[test]
fn excel_with_a_format_other_than_csv_is_a_usage_error() {
    track()
        .args(["report", "--excel", "-f", "json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`--excel` shapes CSV output; it does not apply to JSON",
        ));
}

/// Regression: `--excel` with a command that writes no CSV was accepted
/// and ignored, as if it had done something.
#[test]
fn excel_with_a_command_that_writes_no_csv_is_a_usage_error() {
    for args in [
        &["validate"][..],
        &["ingest", "--dry-run", "data/reports/sample-SCT-2025.csv"],
        &["completions", "bash"],
        &["man"],
    ] {
        track()
            .arg("--excel")
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(format!(
                "track: error: `--excel` shapes CSV output; `track {}` writes none\n",
                args[0]
            ));
    }
    // A check that cannot run exits 3, as monitoring expects.
    track()
        .args(["check", "--excel"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("`track check` writes none"));
}

#[test]
fn formula_like_text_is_neutralised_in_every_csv() {
    let scratch = Scratch::seed().report(
        "a.csv",
        "unit,indicator,period,value,note\nSKHCN,public-org-autonomy,2025,\"=HYPERLINK(\"\"http://x\"\",\"\"bấm\"\")\",\n",
    );
    let data = scratch.path().to_str().unwrap();
    let report = bytes(track().args([
        "--data",
        data,
        "report",
        "--as-of",
        "2025-12-31",
        "-f",
        "csv",
        "--objective",
        "autonomy-2025",
    ]));
    assert!(
        report.contains(",qualitative,\"'=HYPERLINK(\"\"http://x\"\",\"\"bấm\"\")\",,,info,"),
        "{report}"
    );
    let explain = bytes(track().args([
        "--data",
        data,
        "explain",
        "autonomy-2025",
        "--as-of",
        "2025-12-31",
        "--excel",
    ]));
    assert!(explain.contains(";2025;\"'=HYPERLINK("), "{explain}");
    // Tables show the text as it was written.
    let table = bytes(track().args(["--data", data, "report", "--as-of", "2025-12-31"]));
    assert!(table.contains("=HYPERLINK(") && !table.contains("'=HYPERLINK("));
    let _ = root();
}
