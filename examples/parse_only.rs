//! The benchmark's floor: the fastest bare loop over the same report files
//! that `track report` reads, on one thread. It reads each file, splits it
//! with simd-csv (the reader `track` uses), and sums the value column by
//! indicator, with no validation and no plan. `track report` with one
//! thread is measured against it.
//!
//! ```sh
//! cargo run --release --example parse_only -- /tmp/national
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: parse_only DIR (a data folder with reports/)");
        std::process::exit(2);
    }));
    let started = Instant::now();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("reports"))
        .expect("a reports folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    let mut sums: HashMap<Vec<u8>, i64> = HashMap::new();
    let mut rows = 0u64;
    let mut record = simd_csv::ByteRecord::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("a readable file");
        let mut reader = simd_csv::TotalReaderBuilder::new()
            .has_headers(true)
            .from_bytes(&bytes);
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
    let total: i64 = sums.values().sum();
    eprintln!(
        "parse_only: {rows} rows in {} files, {} indicators, checksum {total}, {:.3} s",
        files.len(),
        sums.len(),
        started.elapsed().as_secs_f64()
    );
}
