//! Fuzz target: any bytes, read as a report file in either encoding and
//! checked row by row against the seed plan, must give values or
//! diagnostics, never a panic.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use track::input::report_file::{Encoding, ReportFile};
use track::model::{Plan, Source};

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/plan.toml");
        track::store::load_plan(std::path::Path::new(path)).expect("the seed plan is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let plan = plan();
    for encoding in [Encoding::Auto, Encoding::Windows1258] {
        let Ok(file) = ReportFile::parse("fuzz.csv", data.to_vec(), encoding) else {
            continue;
        };
        let _ = file.dialect.to_string();
        let mut cells = Vec::new();
        file.for_each_row(|row| {
            let Ok(row) = row else { return };
            cells.clear();
            let source = Source {
                file: 0,
                line: row.line as u32,
            };
            if let Some(obs) = plan.read_row(&row, file.dialect.mark, source, &mut cells) {
                let _ = plan.show_value(obs.indicator, &obs.value);
            }
        });
    }
});
