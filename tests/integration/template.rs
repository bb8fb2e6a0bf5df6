//! `track template`: the rows a unit owes, a filled-in template read back,
//! `--all` into a folder, and the errors with their suggestions.

use predicates::prelude::*;

use super::{stdout_of, track};

fn template(args: &[&str]) -> String {
    stdout_of(track().arg("template").args(args))
}

#[test]
fn one_row_per_indicator_of_the_cadence_with_a_vietnamese_guide() {
    insta::assert_snapshot!(template(&["--unit", "SNNMT", "--period", "2025-H1"]));
    // The yearly indicators of SKHCN are in its year template only.
    let half = template(&["--unit", "skhcn", "--period", "2025-H2"]);
    assert_eq!(half.lines().count(), 1 + 13, "{half}");
    assert!(!half.contains("public-org-autonomy"));
    let year = template(&["--unit", "SKHCN", "--period", "2025"]);
    assert_eq!(
        year,
        "unit,indicator,period,value,note\n\
         SKHCN,public-org-autonomy,2025,,Mức độ tự chủ của các tổ chức KH&CN công lập (ghi đánh giá bằng lời)\n"
    );
    let levels = template(&["--unit", "UBND", "--period", "2025"]);
    assert!(
        levels.contains("tăng trưởng GRDP (ghi một mức: yeu, trung-binh, kha, tot)\"\n"),
        "{levels}"
    );
}

#[test]
fn a_filled_in_template_is_a_valid_report() {
    let dir = tempfile::tempdir().unwrap();
    let blank = template(&["--unit", "SCT", "--period", "2025-H1"]);
    // Fill every value in, as the unit would.
    let filled: String = blank
        .lines()
        .enumerate()
        .map(|(n, line)| {
            if n == 0 {
                format!("{line}\n")
            } else {
                format!("{}\n", line.replacen(",2025-H1,,", ",2025-H1,7,", 1))
            }
        })
        .collect();
    let file = dir.path().join("SCT.csv");
    std::fs::write(&file, filled).unwrap();
    track()
        .arg("validate")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 report file, 4 values"));
}

#[test]
fn all_writes_one_file_per_unit_that_owes_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gửi đi");
    track()
        .args(["template", "--all", "--period", "2025-H2", "--dir"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "wrote 8 templates for 2025-H2 into `",
        ))
        .stdout(predicate::str::contains(
            "no report owed for this period by: UBND, SNV, SGDDT, HU-DUCTRONG",
        ));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "2025-H2-BTG.csv",
            "2025-H2-SCT.csv",
            "2025-H2-SKHCN.csv",
            "2025-H2-SNNMT.csv",
            "2025-H2-STC.csv",
            "2025-H2-STP.csv",
            "2025-H2-TU-BAOLOC.csv",
            "2025-H2-TU-DALAT.csv"
        ]
    );
    let btg = std::fs::read_to_string(out.join("2025-H2-BTG.csv")).unwrap();
    assert!(
        btg.starts_with("unit,indicator,period,value,note\nBTG,legal-docs-published,2025-H2,,")
    );
    // `-o DIR` works too, and Excel's dialect applies to every file.
    let excel = dir.path().join("excel");
    track()
        .args(["template", "--all", "--period", "2025-H2", "--excel", "-o"])
        .arg(&excel)
        .assert()
        .success();
    let bytes = std::fs::read(excel.join("2025-H2-BTG.csv")).unwrap();
    assert!(bytes.starts_with("\u{feff}unit;indicator;period;value;note\r\n".as_bytes()));
}

#[test]
fn unknown_units_and_periods_are_usage_errors_with_a_suggestion() {
    track()
        .args(["template", "--unit", "SKHC", "--period", "2025-H1"])
        .assert()
        .code(2)
        .stderr("track: error: unknown unit `SKHC`; did you mean `SKHCN`?\n");
    track()
        .args(["template", "--unit", "SKHCN", "--period", "2025-H3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read period `2025-H3`; expected a period such as `2025`, `2025-H1`",
        ));
    track()
        .args(["template", "--unit", "SKHCN", "--period", "2031-H1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "period `2031-H1` is outside the plan, which runs from 2024-01-01 to 2030-12-31",
        ));
    track()
        .args(["template", "--unit", "UBND", "--period", "2025-H2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unit `UBND` reports nothing for a period like `2025-H2`; its indicators are reported yearly: try `--period 2025`",
        ));
    track()
        .args(["template", "--all", "--period", "2025-H2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "name it with `--dir DIR` or `-o DIR`",
        ));
    track()
        .args(["template", "--period", "2025-H2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--unit"));
    track()
        .args([
            "template", "--unit", "SCT", "--period", "2025-H2", "-f", "json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this command writes CSV only"));
}

/// Regression: `--all` wrote over files of the templates' names, which may
/// be returns that units filled in and saved back into the same folder.
#[test]
fn all_refuses_to_write_over_files_and_writes_nothing_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gui-di");
    let all = |extra: &[&str]| {
        let mut cmd = track();
        cmd.args(["template", "--all", "--period", "2025-H2", "--dir"])
            .arg(&out)
            .args(extra);
        cmd
    };
    all(&[]).assert().success();
    // A unit's return comes back under the template's name; another
    // template was deleted.
    let returned = out.join("2025-H2-STC.csv");
    let filled = "unit,indicator,period,value,note\nSTC,startup-loans,2025-H2,3,\n";
    std::fs::write(&returned, filled).unwrap();
    std::fs::remove_file(out.join("2025-H2-BTG.csv")).unwrap();
    let before = super::tree(&out);
    let shown = out.display().to_string();
    all(&[])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with(format!(
            "track: error: `{shown}` already holds 7 files of these templates' names: `{shown}/2025-H2-SKHCN.csv`,"
        )))
        .stderr(predicate::str::contains(format!("`{shown}/2025-H2-STC.csv`")))
        .stderr(predicate::str::contains(
            "nothing was written (move them away, or add `--force` to write over them)",
        ));
    assert_eq!(super::tree(&out), before, "nothing is written");
    track()
        .args([
            "--lang", "vi", "template", "--all", "--period", "2025-H2", "--dir",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "đã có 7 tệp trùng tên với các mẫu sắp tạo",
        ));
    // `--force` writes every template, over the old files.
    all(&["--force"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("wrote 8 templates"));
    assert!(out.join("2025-H2-BTG.csv").exists());
    assert_ne!(std::fs::read_to_string(&returned).unwrap(), filled);
    // `--force` belongs to `--all`.
    track()
        .args([
            "template", "--unit", "SCT", "--period", "2025-H2", "--force",
        ])
        .assert()
        .code(2);
}

/// Regression: the cadences a unit reports were deduplicated without
/// sorting, so a unit with half-yearly, yearly and half-yearly indicators
/// was told "half-yearly or yearly or half-yearly".
#[test]
fn a_unit_told_which_period_to_ask_for_hears_each_cadence_once() {
    let scratch = super::Scratch::with_plan(&super::fixture("tiny/plan.toml"));
    let plan = scratch.path().join("plan.toml");
    let mut text = std::fs::read_to_string(&plan).unwrap();
    text.push_str(
        "\n[indicators.yearly]\nkind = \"flow\"\ntitle = \"Hằng năm\"\ntitle_en = \"Yearly\"\n\
         reporters = [\"A\"]\ncadence = \"year\"\n\n\
         [indicators.again]\nkind = \"flow\"\ntitle = \"Lại\"\ntitle_en = \"Again\"\nreporters = [\"A\"]\n",
    );
    std::fs::write(&plan, text).unwrap();
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["template", "--unit", "A", "--period", "2025-Q1"])
        .assert()
        .code(2)
        .stderr(
            "track: error: unit `A` reports nothing for a period like `2025-Q1`; \
             its indicators are reported half-yearly or yearly: try `--period 2025-H1`\n",
        );
}
