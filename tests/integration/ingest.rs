//! `track ingest`: every quirk of files saved from Excel read to the right
//! values, every error of every file at once, clashes with the store,
//! `--replace`, `--dry-run`, re-ingesting, and a store that is never half
//! written: unchanged after a failed ingest, complete after parallel ones,
//! valid after an interrupted one.

use std::path::{Path, PathBuf};
use std::process::Output;

use predicates::prelude::*;

use super::{Scratch, fixture, root, track, tree};

/// The ingest fixtures' own plan, with an empty store.
fn fresh() -> Scratch {
    Scratch::with_plan(&fixture("ingest/plan.toml"))
}

/// A fixture's path as the tests pass it: relative to the repository
/// root, where `track` runs, so that messages are stable.
fn given(name: &str) -> PathBuf {
    PathBuf::from("tests/fixtures/ingest").join(name)
}

fn run(scratch: &Scratch, args: &[&str]) -> Output {
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(args)
        .output()
        .expect("track runs")
}

/// Standard output and error as text, the scratch folder shown as `DIR`.
fn text(scratch: &Scratch, bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace(&scratch.path().display().to_string(), "DIR")
}

fn ingest(scratch: &Scratch, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["ingest", "--received", "2025-07-14"];
    all.extend(args);
    let out = run(scratch, &all);
    (
        out.status.code().unwrap_or(-1),
        text(scratch, &out.stdout),
        text(scratch, &out.stderr),
    )
}

fn export(scratch: &Scratch, args: &[&str]) -> String {
    let mut all = vec!["export"];
    all.extend(args);
    let out = run(scratch, &all);
    assert!(out.status.success(), "{}", text(scratch, &out.stderr));
    text(scratch, &out.stdout)
}

/// Unit, indicator, period, value and note of each exported row.
fn values(csv_text: &str) -> Vec<[String; 5]> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("export is valid CSV");
            [0, 1, 2, 3, 4].map(|i| r[i].to_string())
        })
        .collect()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

const NOTE: &str = "Đã nghiệm thu 4 nhiệm vụ, gồm 2 nhiệm vụ chuyển tiếp";

#[test]
fn every_quirk_reads_the_same_values() {
    let quirks = [
        "utf8-bom.csv",
        "utf16le-tab.txt",
        "utf16be-tab.txt",
        "windows-1258.csv",
        "semicolon-decimal-comma.csv",
        "tab.tsv",
        "vietnamese-headers.csv",
        "nfd.csv",
        "whitespace.csv",
        "crlf.csv",
        "blank-lines.csv",
        "quoted-notes.csv",
    ];
    let expected = |note1: &str, note3: &str| {
        vec![
            ["SKHCN", "tasks-accepted", "2025-H1", "4", note1].map(String::from),
            ["SCT", "budget", "2025-H1", "12.5", "Tỷ đồng"].map(String::from),
            ["UBND", "grdp-contribution-group", "2025", "kha", note3].map(String::from),
        ]
    };
    let mut pinned = String::new();
    for name in quirks {
        let scratch = fresh();
        let file = given(&format!("quirks/{name}"));
        let mut args = vec![path_str(&file)];
        if name.starts_with("windows-1258") {
            args.push("--encoding=windows-1258");
        }
        let (code, stdout, stderr) = ingest(&scratch, &args);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(stderr, "", "{name}");
        // Read back without `--encoding`: the manifest knows it.
        let exported = export(&scratch, &[]);
        let want = if name == "quoted-notes.csv" {
            expected(
                "Đã nghiệm thu 4 nhiệm vụ, gồm:\n- 2 nhiệm vụ chuyển tiếp;\n- 2 nhiệm vụ mới, \"đặt hàng\"",
                "dòng 1\r\ndòng 2",
            )
        } else {
            expected(NOTE, "")
        };
        assert_eq!(values(&exported), want, "{name}");
        pinned.push_str(&format!("## {name}\n{stdout}{exported}\n"));
    }
    // Which dialect each file was read as, and the line of every value.
    insta::assert_snapshot!(pinned);
}

#[test]
fn windows_1258_without_the_option_names_it() {
    let scratch = fresh();
    let (code, stdout, stderr) = ingest(&scratch, &[path_str(&given("quirks/windows-1258.csv"))]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    insta::assert_snapshot!(stderr);
}

#[test]
fn every_error_of_every_file_at_once() {
    let scratch = fresh();
    let before = tree(scratch.path());
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture("ingest/errors"))
        .unwrap()
        .map(|e| given("errors").join(e.unwrap().file_name()))
        .collect();
    files.sort();
    let args: Vec<&str> = files.iter().map(|f| path_str(f)).collect();
    let (code, stdout, stderr) = ingest(&scratch, &args);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(stderr.ends_with("; nothing was stored\n"), "{stderr}");
    assert_eq!(tree(scratch.path()), before);
    insta::assert_snapshot!(stderr);
}

/// Issue 4: the errors a unit's file commonly has, in Vietnamese when the
/// locale is (they were in English whatever the language), with the
/// `file:line:column: error:` prefix machine-parsable as in English.
#[test]
fn every_error_of_every_file_in_vietnamese() {
    let scratch = fresh();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture("ingest/errors"))
        .unwrap()
        .map(|e| given("errors").join(e.unwrap().file_name()))
        .collect();
    files.sort();
    let mut args = vec!["ingest", "--received", "2025-07-14"];
    args.extend(files.iter().map(|f| path_str(f)));
    let out = track()
        .env("LANG", "vi_VN.UTF-8")
        .arg("--data")
        .arg(scratch.path())
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&scratch, &out.stderr);
    for line in stderr.lines().filter(|l| !l.starts_with("track: ")) {
        assert!(line.contains(": error: "), "{line}");
    }
    insta::assert_snapshot!(stderr);
}

#[test]
fn values_that_clash_with_stored_ones_are_refused() {
    let scratch = fresh();
    let (code, _, stderr) = ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    assert_eq!(code, 0, "{stderr}");
    let before = tree(scratch.path());
    let mut pinned = String::new();
    for name in [
        "clash-value.csv",
        "clash-same-value.csv",
        "clash-overlap.csv",
        "clash-level-date.csv",
        "clash-text.csv",
    ] {
        let (code, stdout, stderr) =
            ingest(&scratch, &[path_str(&given(&format!("store/{name}")))]);
        assert_eq!((code, stdout.as_str()), (1, ""), "{name}");
        assert_eq!(tree(scratch.path()), before, "{name}");
        pinned.push_str(&stderr);
    }
    insta::assert_snapshot!(pinned);
    // The same in Vietnamese, dates as Vietnamese write them.
    let (code, _, stderr) = ingest(
        &scratch,
        &[
            "--lang",
            "vi",
            path_str(&given("store/clash-level-date.csv")),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cả hai đều là số liệu tại ngày 30/06/2025"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("track: đã dừng: 1 lỗi trong 1 tệp; chưa lưu tệp nào\n"),
        "{stderr}"
    );
}

#[test]
fn replace_supersedes_and_keeps_the_old_on_record() {
    let scratch = fresh();
    ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    let clash = given("store/clash-value.csv");
    let overlap = given("store/clash-overlap.csv");
    let (code, stdout, stderr) = ingest(&scratch, &["--replace", path_str(&clash)]);
    assert_eq!(code, 0, "{stderr}");
    // A quarter of the half year just replaced overlaps the new value.
    let (code, stdout2, stderr2) = ingest(&scratch, &["--replace", path_str(&overlap)]);
    assert_eq!(code, 0, "{stderr2}");
    let manifest = std::fs::read_to_string(scratch.path().join("reports/manifest.json")).unwrap();
    let all = export(&scratch, &["--all"]);
    let in_force = export(&scratch, &[]);
    assert!(!in_force.contains("2025-H1,4,"), "{in_force}");
    track()
        .arg("--data")
        .arg(scratch.path())
        .arg("validate")
        .assert()
        .success()
        .stdout(predicate::str::contains("(2 superseded, kept on record)"));
    insta::assert_snapshot!(format!(
        "{stdout}{stdout2}\n# export --all\n{all}\n# manifest.json\n{manifest}"
    ));
}

#[test]
fn the_same_content_again_is_a_no_op() {
    let scratch = fresh();
    let file = given("store/stored.csv");
    ingest(&scratch, &[path_str(&file)]);
    let before = tree(scratch.path());
    // The same bytes under another name are recognised by their hash.
    let copy = tempfile::tempdir().unwrap();
    let renamed = copy.path().join("resent.csv");
    std::fs::copy(root().join(&file), &renamed).unwrap();
    let (code, stdout, _) = ingest(&scratch, &[path_str(&file), path_str(&renamed)]);
    assert_eq!(code, 0);
    assert_eq!(tree(scratch.path()), before);
    let stdout = stdout.replace(&copy.path().display().to_string(), "TMP");
    insta::assert_snapshot!(stdout, @r"
    `tests/fixtures/ingest/store/stored.csv` is already stored as `DIR/reports/stored.csv`, received 2025-07-14; nothing to do
    `TMP/resent.csv` is already stored as `DIR/reports/stored.csv`, received 2025-07-14; nothing to do
    nothing to do: every file is already stored
    ");

    // In Vietnamese, the day it was received as Vietnamese write dates.
    let (_, stdout, _) = ingest(&scratch, &["--lang", "vi", path_str(&file)]);
    assert!(
        stdout.contains(", nhận ngày 14/07/2025; không cần làm gì"),
        "{stdout}"
    );

    // Given twice in one ingest, a file is stored once.
    let other = fresh();
    let clash = given("store/clash-value.csv");
    let (code, stdout, _) = ingest(&other, &[path_str(&clash), path_str(&clash)]);
    assert_eq!(code, 0);
    assert!(stdout.contains("has the same content as"), "{stdout}");
    assert!(stdout.contains("ingested: 1 file, 1 value"), "{stdout}");
}

#[test]
fn a_name_already_taken_gets_a_suffix() {
    let scratch = fresh();
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    std::fs::create_dir(&a).unwrap();
    std::fs::write(
        a.join("SKHCN.csv"),
        "unit,indicator,period,value\nSKHCN,tasks-accepted,2025-01,1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("SKHCN.csv"),
        "unit,indicator,period,value\nSKHCN,tasks-accepted,2025-02,1\n",
    )
    .unwrap();
    let (code, stdout, stderr) = ingest(
        &scratch,
        &[
            path_str(&a.join("SKHCN.csv")),
            path_str(&dir.path().join("SKHCN.csv")),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("as `DIR/reports/SKHCN.csv`"), "{stdout}");
    assert!(stdout.contains("as `DIR/reports/SKHCN-2.csv`"), "{stdout}");
}

#[test]
fn dry_run_says_what_would_happen_and_writes_nothing() {
    let scratch = fresh();
    ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    let before = tree(scratch.path());
    let (code, stdout, stderr) = ingest(
        &scratch,
        &[
            "--dry-run",
            "--replace",
            path_str(&given("store/clash-value.csv")),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(tree(scratch.path()), before);
    insta::assert_snapshot!(stdout, @r"
    would store `tests/fixtures/ingest/store/clash-value.csv` as `DIR/reports/clash-value.csv`: 1 value (UTF-8, `,` delimited, decimal mark `.`)
      `SKHCN` `tasks-accepted` `2025-H1`: `5` (line 2) replaces `4` (DIR/reports/stored.csv:2)
    dry run: 1 file to store, 1 value, 1 stored value superseded; nothing written
    ");
}

/// The seed plan with the shipped sample reports, which have no manifest.
fn seed_with_samples() -> Scratch {
    let scratch = Scratch::seed();
    for entry in std::fs::read_dir(root().join("data/reports")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            scratch
                .path()
                .join("reports")
                .join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    scratch
}

#[test]
fn a_failed_ingest_leaves_the_store_byte_identical() {
    let good = tempfile::tempdir().unwrap();
    let good = good.path().join("SKHCN-2026-H2.csv");
    std::fs::write(
        &good,
        "unit,indicator,period,value\nSKHCN,tasks-national,2026-H2,1\n",
    )
    .unwrap();
    let bad = given("errors/unknown-unit.csv");

    // A store without a manifest (as shipped), then one with a manifest.
    let scratch = seed_with_samples();
    for round in 0..2 {
        let before = tree(scratch.path());
        for extra in [&[][..], &["--replace"][..]] {
            let mut args: Vec<&str> = extra.to_vec();
            args.extend([path_str(&good), path_str(&bad)]);
            let (code, stdout, stderr) = ingest(&scratch, &args);
            assert_eq!((code, stdout.as_str()), (1, ""), "round {round}: {stderr}");
            assert!(stderr.contains("unknown unit `SKHC`"), "{stderr}");
            assert_eq!(tree(scratch.path()), before, "round {round}");
        }
        if round == 0 {
            let (code, _, stderr) = ingest(&scratch, &[path_str(&good)]);
            assert_eq!(code, 0, "{stderr}");
            std::fs::write(
                &good,
                "unit,indicator,period,value\nSKHCN,tasks-national,2027-H1,1\n",
            )
            .unwrap();
        }
    }
}

#[test]
fn a_failed_ingest_into_a_store_without_a_reports_folder_makes_none() {
    // New files are written to temporary files in `reports/` while they
    // are checked: the folder made for them goes again when nothing is
    // stored, and so do they.
    let scratch = fresh();
    std::fs::remove_dir(scratch.path().join("reports")).unwrap();
    let before = tree(scratch.path());
    let (code, _, stderr) = ingest(
        &scratch,
        &[
            path_str(&given("store/stored.csv")),
            path_str(&given("errors/unknown-unit.csv")),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(tree(scratch.path()), before);
    let (code, _, stderr) = ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    assert_eq!(code, 0, "{stderr}");
    assert!(scratch.path().join("reports/stored.csv").is_file());
}

#[test]
fn a_file_found_stored_leaves_no_temporary_file() {
    // In a store without a manifest, whether a given file is stored
    // already is known only once the store is read, after the file may
    // have been written ahead to a temporary file.
    let scratch = seed_with_samples();
    let copy = tempfile::tempdir().unwrap();
    let resent = copy.path().join("resent.csv");
    std::fs::copy(root().join("data/reports/sample-SCT-2025.csv"), &resent).unwrap();
    let new = copy.path().join("SKHCN-2027-H1.csv");
    std::fs::write(
        &new,
        "unit,indicator,period,value\nSKHCN,tasks-national,2027-H1,1\n",
    )
    .unwrap();
    let (code, stdout, stderr) = ingest(&scratch, &[path_str(&resent), path_str(&new)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("is already stored as"), "{stdout}");
    assert!(stdout.contains("ingested: 1 file, 1 value"), "{stdout}");
    let hidden: Vec<_> = std::fs::read_dir(scratch.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(hidden, Vec::<String>::new());
}

#[test]
fn the_shipped_samples_are_adopted_on_the_first_ingest() {
    let scratch = seed_with_samples();
    let report = |s: &Scratch| {
        let out = run(s, &["report", "--as-of", "2025-12-31", "-f", "csv"]);
        assert!(out.status.success());
        out.stdout
    };
    let before = report(&scratch);
    let new = tempfile::tempdir().unwrap();
    let new = new.path().join("SKHCN-2027-H1.csv");
    std::fs::write(
        &new,
        "unit,indicator,period,value\nSKHCN,tasks-national,2027-H1,1\n",
    )
    .unwrap();
    let (code, _, stderr) = ingest(&scratch, &[path_str(&new)]);
    assert_eq!(code, 0, "{stderr}");
    // A value after the as-of date: the report is as it was.
    assert_eq!(report(&scratch), before);

    let store = track::store::Store::new(scratch.path());
    let manifest = store.manifest().unwrap().expect("a manifest now");
    assert_eq!(manifest.files.len(), 26);
    assert!(manifest.files[..25].iter().all(|e| e.received.is_none()
        && e.original_name.is_none()
        && e.file.starts_with("sample-")));
    assert_eq!(manifest.files[25].file, "SKHCN-2027-H1.csv");
    let dates = store.received_dates().unwrap();
    assert_eq!(dates[0], ("sample-BTG-2024.csv".to_string(), None));
    assert_eq!(
        dates[25],
        (
            "SKHCN-2027-H1.csv".to_string(),
            Some(jiff::civil::Date::constant(2025, 7, 14))
        )
    );
}

#[test]
fn warnings_do_not_stop_an_ingest() {
    let scratch = fresh();
    let (code, stdout, stderr) = ingest(&scratch, &[path_str(&given("warnings.csv"))]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("4 values"), "{stdout}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn parallel_ingests_lose_nothing() {
    let scratch = fresh();
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (1..=8)
        .map(|month| {
            let path = dir.path().join(format!("SKHCN-2024-{month:02}.csv"));
            std::fs::write(
                &path,
                format!(
                    "unit,indicator,period,value\nSKHCN,tasks-accepted,2024-{month:02},{month}\n"
                ),
            )
            .unwrap();
            path
        })
        .collect();
    let binary = assert_cmd::cargo::cargo_bin("track");
    let children: Vec<_> = files
        .iter()
        .map(|file| {
            std::process::Command::new(&binary)
                .arg("--data")
                .arg(scratch.path())
                .arg("ingest")
                .arg(file)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("track starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let manifest = track::store::Store::new(scratch.path())
        .manifest()
        .unwrap()
        .expect("a manifest");
    assert_eq!(manifest.files.len(), 8);
    let mut months: Vec<String> = values(&export(&scratch, &[]))
        .into_iter()
        .map(|[_, _, period, value, _]| format!("{period}={value}"))
        .collect();
    months.sort();
    let want: Vec<String> = (1..=8).map(|m| format!("2024-{m:02}={m}")).collect();
    assert_eq!(months, want);
}

#[test]
fn an_interrupted_ingest_leaves_a_store_that_validates() {
    let scratch = fresh();
    ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    let reports = scratch.path().join("reports");
    // What a crash leaves between writing the files and the manifest: a
    // new file not in the manifest, and a temporary file half written.
    let clash = given("store/clash-value.csv");
    std::fs::copy(root().join(&clash), reports.join("clash-value.csv")).unwrap();
    std::fs::write(reports.join(".track-x1y2z3.part"), "unit,indi").unwrap();

    let out = run(&scratch, &["validate"]);
    assert!(out.status.success(), "{}", text(&scratch, &out.stderr));
    assert!(
        text(&scratch, &out.stdout).starts_with("valid: 4 objectives, 1 report file, 3 values")
    );
    insta::assert_snapshot!(text(&scratch, &out.stderr), @"DIR/reports/clash-value.csv: warning: `clash-value.csv` is not in the manifest, so it is not read (copied in by hand, or left by an ingest that was interrupted); add it with `track ingest`, or delete it");
    assert!(values(&export(&scratch, &[])).iter().all(|v| v[3] != "5"));

    // Running the ingest again puts the file in its place.
    let (code, stdout, stderr) = ingest(&scratch, &["--replace", path_str(&clash)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("as `DIR/reports/clash-value.csv`"),
        "{stdout}"
    );
    assert!(!reports.join(".track-x1y2z3.part").exists());
    let out = run(&scratch, &["validate"]);
    assert!(out.status.success());
    assert_eq!(text(&scratch, &out.stderr), "");
}

#[test]
fn an_edited_stored_file_is_noticed() {
    let scratch = fresh();
    ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    let stored = scratch.path().join("reports/stored.csv");
    let edited = std::fs::read_to_string(&stored)
        .unwrap()
        .replace(",4,", ",3,");
    std::fs::write(&stored, edited).unwrap();
    track()
        .arg("--data")
        .arg(scratch.path())
        .arg("validate")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: `stored.csv` has changed since it was received",
        ));
}

#[test]
fn a_stored_file_with_values_added_by_hand_is_noticed_by_every_reading_command() {
    let scratch = fresh();
    ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    let stored = scratch.path().join("reports/stored.csv");
    let mut text = std::fs::read_to_string(&stored).unwrap();
    text.push_str("SCT,budget,2025-H2,3,\n");
    std::fs::write(&stored, text).unwrap();
    // Reading commands compare the number of values (hashing is for
    // `validate`): 4 values now against 3 when received.
    track()
        .arg("--data")
        .arg(scratch.path())
        .args(["report", "--as-of", "2026-06-30", "-f", "csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: `stored.csv` has changed since it was received (4 values now, 3 then)",
        ));
}

#[test]
fn a_broken_manifest_is_an_error_that_says_where() {
    let scratch = fresh();
    ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    let manifest = scratch.path().join("reports/manifest.json");
    let original = std::fs::read_to_string(&manifest).unwrap();

    std::fs::write(&manifest, original.replace("\"rows\": 3,", "\"rows\": 3")).unwrap();
    let out = run(&scratch, &["validate"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&scratch, &out.stderr);
    assert!(
        stderr.starts_with(
            "DIR/reports/manifest.json:10:7: error: cannot read the manifest: expected `,` or `}`"
        ),
        "{stderr}"
    );

    std::fs::write(&manifest, &original).unwrap();
    std::fs::remove_file(scratch.path().join("reports/stored.csv")).unwrap();
    let out = run(&scratch, &["report"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&scratch, &out.stderr).contains(
            "DIR/reports/manifest.json: error: `stored.csv` is listed in the manifest but missing from `DIR/reports`; restore it from a backup"
        ),
        "{}",
        text(&scratch, &out.stderr)
    );
}

#[test]
fn the_received_day_is_known_for_each_file_read() {
    let scratch = fresh();
    ingest(&scratch, &[path_str(&given("store/stored.csv"))]);
    let store = track::store::Store::new(scratch.path());
    let plan = store.load_plan().unwrap();
    let reports = store.reports().unwrap();
    let mut days = Vec::new();
    let scan = track::store::scan(&plan, &reports, Default::default(), |obs| {
        days.push(reports.received()[obs.source.file as usize]);
    })
    .unwrap();
    let day = Some(jiff::civil::Date::constant(2025, 7, 14));
    assert_eq!(days, [day; 3]);
    assert_eq!(scan.received, [day]);
}

#[test]
fn of_two_clashing_ingests_at_once_one_lands_and_the_other_is_refused() {
    let scratch = fresh();
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = [4, 5]
        .iter()
        .map(|value| {
            let path = dir.path().join(format!("SKHCN-{value}.csv"));
            std::fs::write(
                &path,
                format!("unit,indicator,period,value\nSKHCN,tasks-accepted,2024-H1,{value}\n"),
            )
            .unwrap();
            path
        })
        .collect();
    let binary = assert_cmd::cargo::cargo_bin("track");
    let children: Vec<_> = files
        .iter()
        .map(|file| {
            std::process::Command::new(&binary)
                .arg("--data")
                .arg(scratch.path())
                .arg("ingest")
                .arg(file)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("track starts")
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut codes: Vec<i32> = outputs.iter().map(|o| o.status.code().unwrap()).collect();
    codes.sort();
    assert_eq!(codes, [0, 1]);
    let refused = outputs.iter().find(|o| !o.status.success()).unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("reported `tasks-accepted` for `2024-H1` before"),
        "{stderr}"
    );
    let manifest = track::store::Store::new(scratch.path())
        .manifest()
        .unwrap()
        .expect("a manifest");
    assert_eq!(manifest.files.len(), 1);
}

#[test]
fn one_ingest_takes_windows_1258_and_utf8_files_together() {
    let scratch = fresh();
    let dir = tempfile::tempdir().unwrap();
    let utf8 = dir.path().join("SKHCN-2026-H1.csv");
    std::fs::write(
        &utf8,
        "unit,indicator,period,value,note\nSKHCN,tasks-accepted,2026-H1,2,Đã nghiệm thu\n",
    )
    .unwrap();
    let (code, stdout, stderr) = ingest(
        &scratch,
        &[
            "--encoding",
            "windows-1258",
            path_str(&given("quirks/windows-1258.csv")),
            path_str(&utf8),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("(Windows-1258, `;` delimited"), "{stdout}");
    assert!(
        stdout.contains("SKHCN-2026-H1.csv`: 1 value (UTF-8,"),
        "{stdout}"
    );
    let exported = values(&export(&scratch, &[]));
    assert_eq!(exported[0][4], NOTE);
    assert_eq!(exported[3][4], "Đã nghiệm thu");
}

/// Writes `text` as a file in a temporary folder and ingests it.
fn ingest_text(scratch: &Scratch, name: &str, text: &[u8]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let (code, stdout, stderr) = ingest(scratch, &[path_str(&file)]);
    let folder = dir.path().display().to_string();
    (
        code,
        stdout.replace(&folder, "TMP"),
        stderr.replace(&folder, "TMP"),
    )
}

#[test]
fn a_decimal_comma_in_a_comma_separated_file_is_an_error_not_a_shifted_row() {
    let scratch = fresh();
    let (code, _, stderr) = ingest_text(
        &scratch,
        "shift.csv",
        b"unit,indicator,period,value,note\nSCT,budget,2024-H1,12,5,ghi chu\n",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "TMP/shift.csv:2:6: error: this row has 6 fields, the header 5; is there a decimal comma or a `,` inside a value?"
        ),
        "{stderr}"
    );
    assert_eq!(values(&export(&scratch, &[])), Vec::<[String; 5]>::new());
}

#[test]
fn lines_ending_in_a_carriage_return_alone_are_read() {
    let scratch = fresh();
    let (code, _, stderr) = ingest_text(
        &scratch,
        "mac.csv",
        b"unit,indicator,period,value,note\rSKHCN,tasks-accepted,2024-H1,3,\rSCT,budget,2024-H1,7,\r",
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    let exported = export(&scratch, &[]);
    assert_eq!(values(&exported).len(), 2, "{exported}");
    assert!(exported.contains(",mac.csv,3\n"), "{exported}");
}

#[test]
fn a_half_filled_template_stores_what_was_filled_and_warns_of_the_blanks() {
    let scratch = fresh();
    let (code, _, stderr) = ingest_text(
        &scratch,
        "2025-H1-SKHCN.csv",
        "unit,indicator,period,value,note\nSKHCN,tasks-accepted,2025-H1,4,Nhiệm vụ KH&CN được nghiệm thu\nSKHCN,tasks-applied,2025-H1,,Nhiệm vụ được ứng dụng\n"
            .as_bytes(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("2025-H1-SKHCN.csv:3:4: warning: no value; the row is left out"),
        "{stderr}"
    );
    assert_eq!(values(&export(&scratch, &[])).len(), 1);
}

#[test]
fn a_file_with_only_a_header_is_stored_with_a_warning() {
    let scratch = fresh();
    let (code, _, stderr) =
        ingest_text(&scratch, "empty.csv", b"unit,indicator,period,value,note\n");
    assert_eq!(code, 0);
    assert!(
        stderr.contains("empty.csv: warning: the file holds a header but no values"),
        "{stderr}"
    );
}

/// `--data` as a relative path (the default, `data`, is one): the ingest
/// lands, and leaves no temporary file behind.
#[test]
fn an_ingest_into_a_data_folder_given_relative_lands() {
    let scratch = fresh();
    let parent = scratch.path().parent().unwrap();
    let name = scratch.path().file_name().unwrap();
    std::fs::write(
        parent.join(format!("{}-new.csv", name.to_string_lossy())),
        "unit,indicator,period,value,note\nSKHCN,tasks-accepted,2025-H1,4,\n",
    )
    .unwrap();
    track()
        .current_dir(parent)
        .arg("--data")
        .arg(name)
        .arg("ingest")
        .arg(format!("{}-new.csv", name.to_string_lossy()))
        .assert()
        .success()
        .stdout(predicate::str::contains("ingested: 1 file, 1 value"));
    std::fs::remove_file(parent.join(format!("{}-new.csv", name.to_string_lossy()))).unwrap();
    let mut stored: Vec<String> = std::fs::read_dir(scratch.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    stored.sort();
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(stored.contains(&"manifest.json".to_string()), "{stored:?}");
}

/// What `track` stores (reports, manifest, cache) and writes with `-o` can
/// be read by whoever may read a file made the usual way in that folder:
/// colleagues sharing a data folder read what one of them ingested. A
/// file written over keeps its permissions.
#[cfg(unix)]
#[test]
fn stored_files_and_outputs_have_the_permissions_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let scratch = fresh();
    let (code, _, stderr) = ingest(&scratch, &[path_str(&given("quirks/crlf.csv"))]);
    assert_eq!(code, 0, "{stderr}");
    let reports = scratch.path().join("reports");
    let usual = reports.join("usual.txt");
    std::fs::write(&usual, "").unwrap();
    let expected = mode(&usual);
    assert_eq!(mode(&reports.join("crlf.csv")), expected);
    assert_eq!(mode(&reports.join("manifest.json")), expected);
    std::fs::remove_file(&usual).unwrap();

    let out = scratch.path().join("values.csv");
    assert!(
        run(&scratch, &["export", "-o", out.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(mode(&out), expected);
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(
        run(
            &scratch,
            &["report", "-f", "csv", "-o", out.to_str().unwrap()]
        )
        .status
        .success()
    );
    assert_eq!(
        mode(&out),
        0o640,
        "written over, the file keeps its permissions"
    );
}
