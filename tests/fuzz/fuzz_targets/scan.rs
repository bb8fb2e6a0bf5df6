//! Fuzz target: two report files from one input (split at the first NUL
//! byte), read together through `store::scan` against the seed plan, so
//! that clashes between files and their second pass are exercised: any
//! bytes give values or diagnostics, never a panic.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use track::model::Plan;
use track::store::{ReadOptions, Reports, scan};

struct Setup {
    plan: Plan,
    files: [PathBuf; 2],
    _dir: tempfile::TempDir,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/plan.toml");
        let plan = track::store::load_plan(std::path::Path::new(path)).expect("a valid plan");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let files = [dir.path().join("a.csv"), dir.path().join("b.csv")];
        Setup {
            plan,
            files,
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    let (a, b) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    std::fs::write(&setup.files[0], a).expect("write a.csv");
    std::fs::write(&setup.files[1], b).expect("write b.csv");
    let reports = Reports::given(&setup.files);
    let mut values = 0usize;
    let _ = scan(&setup.plan, &reports, ReadOptions::default(), |_| {
        values += 1
    });
});
