//! Fuzz target: any bytes are cut into records and fields by `track`'s
//! reader exactly as simd-csv's `TotalReader`, the reader it replaced,
//! cuts them: the same fields, ending at the same places, on the same
//! lines. (A byte-order mark at the very start is left aside: simd-csv
//! drops it, and `track` never hands its reader one there that counts.)

#![no_main]

use libfuzzer_sys::fuzz_target;
use track::input::records::Records;

type Read = Vec<(u64, Vec<Vec<u8>>, usize)>;

fn ours(text: &[u8], delimiter: u8) -> Read {
    let mut records = Records::new(text, delimiter);
    let mut out = Vec::new();
    while let Some(record) = records.next_record() {
        let fields = record.iter().map(<[u8]>::to_vec).collect();
        out.push((record.line, fields, record.end));
    }
    out
}

fn theirs(text: &[u8], delimiter: u8) -> Read {
    let mut reader = simd_csv::TotalReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_bytes(text);
    let mut record = simd_csv::ByteRecord::new();
    let mut out = Vec::new();
    loop {
        let from = reader.position() as usize;
        if !reader.read_byte_record(&mut record) {
            return out;
        }
        let start = from
            + text[from..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let line = text[..start.min(text.len())].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let fields = record.iter().map(<[u8]>::to_vec).collect();
        out.push((line, fields, reader.position() as usize));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    if text.starts_with(&[0xef, 0xbb, 0xbf]) {
        return;
    }
    let delimiter = [b',', b';', b'\t'][pick as usize % 3];
    assert_eq!(ours(text, delimiter), theirs(text, delimiter));
});
