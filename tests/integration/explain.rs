//! `track explain`: formula, thresholds and every value with its source.

use predicates::prelude::*;

use super::track;

fn explain(args: &[&str]) -> String {
    let out = track().arg("explain").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_count_lists_values_counted_and_left_out() {
    insta::assert_snapshot!(explain(&["tasks-provincial-2025", "--as-of", "2025-06-30"]));
}

#[test]
fn a_ratio_of_stocks_shows_superseded_values() {
    insta::assert_snapshot!(explain(&["key-products-ip-2030", "--as-of", "2025-12-31"]));
}

#[test]
fn json_lists_every_value_with_file_and_line() {
    insta::assert_snapshot!(explain(&[
        "grdp-group-2030",
        "--as-of",
        "2025-12-31",
        "--format",
        "json"
    ]));
}

#[test]
fn csv_has_one_row_per_value() {
    let csv = explain(&["legal-docs-2025", "--as-of", "2025-06-30", "-f", "csv"]);
    assert!(csv.starts_with("objective,part,unit,period,value,file,line,verdict\n"));
    assert!(
        csv.contains(
            "legal-docs-2025,numerator,BTG,2024-H1,1,data/reports/sample-BTG-2024.csv,2,counted"
        ),
        "{csv}"
    );
    assert!(csv.contains(",after-as-of\n"), "{csv}");
}

#[test]
fn an_unknown_objective_suggests_the_nearest() {
    track()
        .args(["explain", "startup-ideas-2026"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown objective `startup-ideas-2026`; did you mean `startup-ideas-2025`?",
        ));
}

#[test]
fn in_vietnamese_with_the_years_of_a_per_year_target() {
    insta::assert_snapshot!(explain(&[
        "startup-projects-2030",
        "--as-of",
        "2026-06-30",
        "--lang",
        "vi"
    ]));
}
