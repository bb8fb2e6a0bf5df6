//! Fuzz target: any bytes, read as a report file in either encoding and
//! checked row by row against the seed plan, must give values or
//! diagnostics, never a panic; and read a chunk at a time (as a large file
//! is), of any chunk size, they must give what they give read whole.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use track::diagnostic::Diagnostic;
use track::input::report_file::{Encoding, Input, ReportFile};
use track::model::{Plan, Source};

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/plan.toml");
        track::store::load_plan(std::path::Path::new(path)).expect("the seed plan is valid")
    })
}

/// Each row as text (or its problem), then how the reading ended.
fn read(file: Result<ReportFile, Diagnostic>) -> (Vec<String>, Result<String, Diagnostic>) {
    let plan = plan();
    let mut file = match file {
        Ok(file) => file,
        Err(d) => return (Vec::new(), Err(d)),
    };
    let (dialect, mark) = (file.dialect.to_string(), file.dialect.mark);
    let mut seen = Vec::new();
    let mut cells = Vec::new();
    let end = file.for_each_row(|row| {
        let row = match row {
            Ok(row) => row,
            Err(d) => return seen.push(format!("{d:?}")),
        };
        cells.clear();
        let source = Source {
            file: 0,
            line: row.line as u32,
        };
        let obs = plan
            .read_row(&row, mark, source, &mut cells)
            .map(|obs| plan.show_value(obs.indicator, &obs.value));
        seen.push(format!("{row:?} {obs:?} {cells:?}"));
    });
    (seen, end.map(|()| dialect))
}

fuzz_target!(|data: &[u8]| {
    let chunk = data.first().map_or(1, |&b| usize::from(b % 64) + 1);
    for encoding in [Encoding::Auto, Encoding::Windows1258] {
        let (whole, ended) = read(ReportFile::parse("fuzz.csv", data.to_vec(), encoding));
        let input = Input::Stream(Box::new(data), chunk);
        let (streamed, stream_ended) = read(ReportFile::read("fuzz.csv", input, encoding));
        match (&ended, &stream_ended) {
            // Not UTF-8 further on: the rows before it, then the same stop
            // (or a problem with the header found first).
            (Err(w), Err(s)) if w.message.en().contains("not UTF-8") => {
                assert!(
                    !s.message.en().contains("not UTF-8") || (w.line, w.column) == (s.line, s.column),
                    "{w:?} {s:?}"
                );
            }
            _ => {
                assert_eq!(whole, streamed, "chunks of {chunk}");
                assert_eq!(ended, stream_ended, "chunks of {chunk}");
            }
        }
    }
});
