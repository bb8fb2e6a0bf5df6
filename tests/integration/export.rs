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

/// Regression: `track export` wrote its CSV with a writer of its own, which
/// ignored `--excel` and let a unit's note reach a spreadsheet as a formula.
#[test]
fn export_takes_the_excel_dialect_and_neutralises_formulas() {
    let scratch = Scratch::with_plan(&fixture("ingest/plan.toml")).report(
        "a.csv",
        "unit,indicator,period,value,note\n\
         SCT,budget,2025-H1,12.34567,\"=HYPERLINK(\"\"http://x\"\",\"\"bấm\"\")\"\n\
         SKHCN,tasks-accepted,2025-H1,4,+note\n\
         UBND,assessment,2025,-5 so với kế hoạch,@SUM(A1)\n",
    );
    let run = |args: &[&str]| {
        let out = track()
            .arg("--data")
            .arg(scratch.path())
            .arg("export")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    insta::assert_snapshot!(run(&[]), @r#"
    unit,indicator,period,value,note,file,line
    SCT,budget,2025-H1,12.34567,"'=HYPERLINK(""http://x"",""bấm"")",a.csv,2
    SKHCN,tasks-accepted,2025-H1,4,'+note,a.csv,3
    UBND,assessment,2025,'-5 so với kế hoạch,'@SUM(A1),a.csv,4
    "#);
    let excel = run(&["--excel"]);
    assert_eq!(
        excel,
        "\u{feff}unit;indicator;period;value;note;file;line\r\n\
         SCT;budget;2025-H1;12,34567;\"'=HYPERLINK(\"\"http://x\"\",\"\"bấm\"\")\";a.csv;2\r\n\
         SKHCN;tasks-accepted;2025-H1;4;'+note;a.csv;3\r\n\
         UBND;assessment;2025;'-5 so với kế hoạch;'@SUM(A1);a.csv;4\r\n"
    );
    // JSON carries the values as written: no spreadsheet reads it.
    let json: serde_json::Value = serde_json::from_str(&run(&["-f", "json"])).unwrap();
    assert_eq!(json[0]["note"], "=HYPERLINK(\"http://x\",\"bấm\")");
    assert_eq!(json[0]["value"], "12.34567");
}
