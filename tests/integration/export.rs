//! `track export`: every value in force as one CSV (or JSON), with its
//! file and line; `--all` adds the superseded ones.

use predicates::prelude::*;

use super::{Scratch, fixture, track};

#[test]
fn exports_every_shipped_value_with_file_and_line() {
    let out = track().arg("export").output().unwrap();
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        csv.lines().count(),
        145,
        "a header and the 144 sample values"
    );
    let head: Vec<&str> = csv.lines().take(4).collect();
    insta::assert_snapshot!(head.join("\n"), @r#"
    unit,indicator,period,value,note,file,line
    BTG,legal-docs-published,2024-H1,1,"Số liệu mẫu, không phải số liệu thực tế",sample-BTG-2024.csv,2
    BTG,legal-docs-published,2024-H2,2,,sample-BTG-2024.csv,3
    BTG,legal-docs-published,2025-H1,2,"Số liệu mẫu, không phải số liệu thực tế",sample-BTG-2025.csv,2
    "#);
    // Levels by their code, text as written.
    assert!(
        csv.contains("UBND,grdp-contribution-group,2024,yeu,"),
        "{csv}"
    );
}

#[test]
fn json_has_one_object_per_value() {
    let out = track().args(["export", "-f", "json"]).output().unwrap();
    assert!(out.status.success());
    let values: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let values = values.as_array().unwrap();
    assert_eq!(values.len(), 144);
    assert_eq!(values[0]["file"], "sample-BTG-2024.csv");
    assert_eq!(values[0]["line"], 2);
}

#[test]
fn an_empty_store_exports_the_header() {
    let scratch = Scratch::with_plan(&fixture("tiny/plan.toml"));
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["export", "--all"])
        .assert()
        .success()
        .stdout("unit,indicator,period,value,note,file,line,in_force,superseded_by\n");
}

#[test]
fn markdown_is_not_an_export_format() {
    track()
        .args(["export", "-f", "markdown"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("writes csv or json"));
}
