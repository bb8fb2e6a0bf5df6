//! The benchmark's floor: the fastest bare loops over the same report
//! files that `track report` reads, on one thread, with no validation and
//! no plan. `track report` with one thread is measured against them.
//!
//! - default: parse only. Each file is read whole and split into records
//!   by simd-csv's zero-copy reader; the unit, indicator and value fields
//!   are touched (their lengths summed), nothing is converted.
//! - `--records`: the same, split by `track`'s own reader
//!   (`track::input::records`), which cuts as simd-csv does; whichever of
//!   the two is faster is the floor.
//! - `--sum`: simd-csv's `TotalReader`, summing the value column by
//!   indicator in an FxHash map.
//!
//! ```sh
//! cargo run --release --example parse_only -- /tmp/national
//! cargo run --release --example parse_only -- /tmp/national --records
//! cargo run --release --example parse_only -- /tmp/national --sum
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rustc_hash::FxHashMap;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| {
        eprintln!("usage: parse_only DIR [--records | --sum] (DIR: a data folder with reports/)");
        std::process::exit(2);
    }));
    let mode = args.next().unwrap_or_default();
    let started = Instant::now();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("reports"))
        .expect("a reports folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    let (rows, checksum) = match mode.as_str() {
        "--sum" => sum_by_indicator(&files),
        "--records" => parse_records(&files),
        _ => parse(&files),
    };
    eprintln!(
        "parse_only {mode}: {rows} rows in {} files, checksum {checksum}, {:.3} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
}

/// A file's bytes, read as `track` reads them: into room kept from file
/// to file, in as few system calls.
fn read<'r>(path: &Path, room: &'r mut Vec<u8>) -> &'r [u8] {
    let mut file = File::open(path).expect("a readable file");
    let len = file.metadata().expect("a readable file").len();
    track::input::report_file::read_into(&mut file, len, room).expect("a readable file")
}

fn parse(files: &[PathBuf]) -> (u64, u64) {
    let (mut rows, mut bytes_seen) = (0u64, 0u64);
    let mut room = Vec::new();
    for path in files {
        let bytes = read(path, &mut room);
        let mut reader = simd_csv::ZeroCopyReaderBuilder::new()
            .has_headers(true)
            .from_reader(bytes);
        while let Some(record) = reader.read_byte_record().expect("a CSV record") {
            rows += 1;
            for i in [0, 1, 3] {
                bytes_seen += record.get(i).map_or(0, |f| f.len() as u64);
            }
        }
    }
    (rows, bytes_seen)
}

fn parse_records(files: &[PathBuf]) -> (u64, u64) {
    let (mut rows, mut bytes_seen) = (0u64, 0u64);
    let mut room = Vec::new();
    for path in files {
        let bytes = read(path, &mut room);
        let mut records = track::input::records::Records::new(bytes, b',');
        records.next_record(); // the header
        while let Some(record) = records.next_record() {
            rows += 1;
            for i in [0, 1, 3] {
                bytes_seen += record.get(i).map_or(0, |f| f.len() as u64);
            }
        }
    }
    (rows, bytes_seen)
}

fn sum_by_indicator(files: &[PathBuf]) -> (u64, u64) {
    let mut sums: FxHashMap<Vec<u8>, i64> = FxHashMap::default();
    let mut rows = 0u64;
    let mut record = simd_csv::ByteRecord::new();
    let mut room = Vec::new();
    for path in files {
        let bytes = read(path, &mut room);
        let mut reader = simd_csv::TotalReaderBuilder::new()
            .has_headers(true)
            .from_bytes(bytes);
        while reader.read_byte_record(&mut record) {
            rows += 1;
            let value: i64 = std::str::from_utf8(&record[3])
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            match sums.get_mut(&record[1]) {
                Some(sum) => *sum += value,
                None => {
                    sums.insert(record[1].to_vec(), value);
                }
            }
        }
    }
    (rows, sums.values().sum::<i64>() as u64)
}
