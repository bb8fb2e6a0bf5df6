//! `track validate`: the plan and reports checked, nothing written.

use predicates::prelude::*;

use super::{Scratch, fixture, track};

#[test]
fn the_shipped_data_is_valid_with_one_warning() {
    track()
        .arg("validate")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("valid: 19 objectives, 25 report files"))
        .stderr(predicate::str::contains(
            "sample-HU-DUCTRONG-2025.csv:2:1: warning: unit `HU-DUCTRONG` is not expected to report `startup-ideas`; the value is kept",
        ));
}

#[test]
fn given_files_are_checked_against_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.csv");
    std::fs::write(&file, "unit,indicator,period,value\nSKHCN,tasks-provincial,2025-H1,-2\nSKHCN,grdp-contribution-group,2025,khá lắm\n").unwrap();
    track()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "x.csv:2:4: error: `-2` is negative",
        ))
        .stderr(predicate::str::contains(
            "x.csv:3:4: error: `khá lắm` is not a level of `grdp-contribution-group`",
        ));
}

#[test]
fn overlapping_flows_name_both_rows() {
    let scratch = Scratch::seed()
        .report("a.csv", "unit,indicator,period,value\nSKHCN,tasks-provincial,2025,4\n")
        .report("b.csv", "unit,indicator,period,value\nSKHCN,tasks-provincial,2025-Q1,1\nSKHCN,tasks-provincial,2025-Q1,1\n");
    track()
        .arg("--data")
        .arg(scratch.path())
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "b.csv:2:3: error: `SKHCN` reported the flow `tasks-provincial` for `2025-Q1` here and for the overlapping `2025` at {}:2; the months they share would count twice",
            scratch.path().join("reports/a.csv").display()
        )))
        .stderr(predicate::str::contains("b.csv:3:3: error: `SKHCN` reported the flow `tasks-provincial` for `2025-Q1` here and for the overlapping `2025`"));
}

#[test]
fn every_plan_error_is_listed_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("tiny/plan.toml"))
        .unwrap()
        .replace("reporters = [\"A\"]", "reporters = [\"AA\"]")
        .replace("target = \">= 10\"", "target = \"10 or more\"")
        .replace("measure = \"done\"", "measure = \"dnoe\"");
    std::fs::write(dir.path().join("plan.toml"), text).unwrap();
    let out = track()
        .arg("--data")
        .arg(dir.path())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    insta::assert_snapshot!(stderr.replace(&dir.path().display().to_string(), "DIR"));
}

/// The plan's errors in Vietnamese too, dates as Vietnamese write them.
#[test]
fn plan_errors_in_vietnamese() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("tiny/plan.toml"))
        .unwrap()
        .replace("reporters = [\"A\"]", "reporters = [\"AA\"]")
        .replace("target = \">= 10\"", "target = \"ten\"")
        .replace("by = 2025", "by = 2023");
    std::fs::write(dir.path().join("plan.toml"), text).unwrap();
    let out = track()
        .env("LANG", "vi_VN.UTF-8")
        .arg("--data")
        .arg(dir.path())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    insta::assert_snapshot!(stderr.replace(&dir.path().display().to_string(), "DIR"), @r"
    DIR/plan.toml:17:14: error: đơn vị `AA` trong `reporters` của `done` không có trong kế hoạch; có phải là `A` không?
    DIR/plan.toml:24:6: error: thời hạn 31/12/2023 của `done-2025` sớm hơn ngày bắt đầu tính 01/01/2024
    DIR/plan.toml:23:10: error: mục tiêu `done-2025`: không đọc được mức cần đạt `ten`; `done` là chỉ tiêu loại flow nên mức cần đạt phải là một số hoặc một khoảng như `15-20`, `>= 5` hoặc `5-10 per year`
    track: đã dừng: 3 lỗi trong 1 tệp
    ");
}
