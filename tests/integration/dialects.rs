//! A property: a valid report, however Excel or a colleague wrote it
//! (encoding, delimiter, decimal mark, header language, line ends,
//! Unicode form, stray spaces, blank lines), ingests to the same values.

use std::path::Path;

use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

use track::input::report_file::Encoding;
use track::store::{IngestOptions, ReadOptions, Reports, Store, load_plan, scan};

use super::{Scratch, fixture};

/// One value of a report, as the plan reads it back.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Value {
    unit: &'static str,
    indicator: &'static str,
    period: String,
    value: String,
    note: String,
}

/// How a report is written.
#[derive(Clone, Copy, Debug)]
enum Dialect {
    Utf8Comma,
    Utf8BomSemicolonCrlfVietnamese,
    Utf16LeTabCrlf,
    Utf16BeTab,
    Utf8NfdPaddedBlankLines,
    Windows1258Semicolon,
}

const DIALECTS: [Dialect; 6] = [
    Dialect::Utf8Comma,
    Dialect::Utf8BomSemicolonCrlfVietnamese,
    Dialect::Utf16LeTabCrlf,
    Dialect::Utf16BeTab,
    Dialect::Utf8NfdPaddedBlankLines,
    Dialect::Windows1258Semicolon,
];

fn note() -> impl Strategy<Value = String> {
    // Vietnamese letters, separators and quotes that need quoting, line
    // breaks inside a note; surrounding spaces are trimmed on reading.
    proptest::string::string_regex("[a-zA-Z0-9đĐơưăâêôỹếộầữ ,;\"'\t\n%()-]{0,30}")
        .unwrap()
        .prop_map(|n| n.trim().to_string())
}

fn report() -> impl Strategy<Value = Vec<Value>> {
    let months = proptest::sample::subsequence((1..=12u8).collect::<Vec<_>>(), 1..=6);
    let amounts = proptest::collection::vec((0u32..100_000, 0u32..3), 6);
    let notes = proptest::collection::vec(note(), 8);
    let level = proptest::option::of(0usize..4);
    (months, amounts, notes, level).prop_map(|(months, amounts, notes, level)| {
        let mut values: Vec<Value> = months
            .iter()
            .zip(&amounts)
            .zip(&notes)
            .map(|((&m, &(amount, scale)), note)| Value {
                unit: "SKHCN",
                indicator: "tasks-accepted",
                period: format!("2025-{m:02}"),
                value: rust_decimal::Decimal::new(i64::from(amount), scale)
                    .normalize()
                    .to_string(),
                note: note.clone(),
            })
            .collect();
        if let Some(rank) = level {
            values.push(Value {
                unit: "UBND",
                indicator: "grdp-contribution-group",
                period: "2025".into(),
                value: ["yeu", "trung-binh", "kha", "tot"][rank].into(),
                note: notes[7].clone(),
            });
        }
        values
    })
}

/// A field as the dialect writes it, quoted when it must be.
fn field(text: &str, delimiter: char) -> String {
    if text.contains([delimiter, '"', '\r', '\n']) || text != text.trim() {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn write(values: &[Value], dialect: Dialect) -> Vec<u8> {
    use Dialect::*;
    let delimiter = match dialect {
        Utf8Comma | Utf8NfdPaddedBlankLines => ',',
        Utf8BomSemicolonCrlfVietnamese | Windows1258Semicolon => ';',
        Utf16LeTabCrlf | Utf16BeTab => '\t',
    };
    let end = match dialect {
        Utf8BomSemicolonCrlfVietnamese | Utf16LeTabCrlf | Windows1258Semicolon => "\r\n",
        _ => "\n",
    };
    let header = match dialect {
        Utf8BomSemicolonCrlfVietnamese => "Đơn vị;Chỉ tiêu;Kỳ;Giá trị;Ghi chú".to_string(),
        Utf8NfdPaddedBlankLines => " DON_VI ,chi tieu,KỲ,Giá_Trị,ghi chú".to_string(),
        _ => ["unit", "indicator", "period", "value", "note"].join(&delimiter.to_string()),
    };
    let mut text = header + end;
    for v in values {
        let number = v.value.chars().all(|c| c.is_ascii_digit() || c == '.');
        let value = if number && delimiter != ',' {
            v.value.replace('.', ",")
        } else {
            v.value.clone()
        };
        let pad = |s: &str| match dialect {
            Utf8NfdPaddedBlankLines => format!("  {s} "),
            _ => s.to_string(),
        };
        let cells = [
            pad(v.unit),
            pad(v.indicator),
            pad(&v.period),
            pad(&value),
            field(&v.note, delimiter),
        ];
        text.push_str(&cells.join(&delimiter.to_string()));
        text.push_str(end);
        if matches!(dialect, Utf8NfdPaddedBlankLines) {
            text.push_str(&format!("{end},,,,{end}"));
        }
    }
    match dialect {
        Utf8Comma => text.into_bytes(),
        Utf8BomSemicolonCrlfVietnamese => [&b"\xef\xbb\xbf"[..], text.as_bytes()].concat(),
        Utf16LeTabCrlf => [0xff, 0xfe]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        Utf16BeTab => [0xfe, 0xff]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
        Utf8NfdPaddedBlankLines => text.nfd().collect::<String>().into_bytes(),
        Windows1258Semicolon => windows_1258(&text),
    }
}

/// Vietnamese in Windows-1258: letters with a circumflex, breve or horn
/// precomposed, tone marks as combining characters after them.
fn windows_1258(text: &str) -> Vec<u8> {
    let mut out = String::new();
    let mut tones = String::new();
    for c in text.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            if matches!(c, '\u{302}' | '\u{306}' | '\u{31b}') {
                let base = out.pop().expect("a mark follows a letter");
                out.extend([base, c].iter().collect::<String>().nfc());
            } else {
                tones.push(c);
            }
            continue;
        }
        out.push_str(&tones);
        tones.clear();
        out.push(c);
    }
    out.push_str(&tones);
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&out);
    assert!(!unmappable, "{out:?}");
    bytes.into_owned()
}

/// Ingests `bytes` into a fresh store and reads the values back.
fn ingest(bytes: &[u8], dialect: Dialect) -> Vec<Value> {
    let scratch = Scratch::with_plan(&fixture("ingest/plan.toml"));
    let file = scratch.path().join("incoming.csv");
    std::fs::write(&file, bytes).unwrap();
    let encoding = match dialect {
        Dialect::Windows1258Semicolon => Encoding::Windows1258,
        _ => Encoding::Auto,
    };
    let store = Store::new(scratch.path());
    // Any other reading option keeps its default, whatever options exist.
    #[allow(clippy::needless_update)]
    let read = ReadOptions {
        encoding,
        ..ReadOptions::default()
    };
    let options = IngestOptions {
        read,
        replace: false,
        dry_run: false,
        received: "2025-07-14".into(),
        lang: track::lang::Lang::En,
    };
    store
        .ingest(&[file], &options)
        .unwrap_or_else(|e| panic!("{dialect:?}: {e:?}"));
    read_back(&store, scratch.path())
}

fn read_back(store: &Store, root: &Path) -> Vec<Value> {
    let plan = load_plan(&root.join("plan.toml")).unwrap();
    let reports: Reports = store.reports().unwrap();
    let mut values = Vec::new();
    // Read with the default encoding: the manifest knows the file's.
    scan(&plan, &reports, ReadOptions::default(), |obs| {
        let code = |s: &str| -> &'static str {
            ["SKHCN", "UBND", "tasks-accepted", "grdp-contribution-group"]
                .into_iter()
                .find(|c| *c == s)
                .expect("a known code")
        };
        values.push(Value {
            unit: code(&plan.unit(obs.unit).code),
            indicator: code(&plan.indicator(obs.indicator).code),
            period: obs.period.to_string(),
            value: plan.show_value(obs.indicator, &obs.value),
            // Notes are handed over as written, trimmed when asked for; what
            // outputs them (export) normalises them to NFC, as here.
            note: track::text::nfc(obs.note()).into_owned(),
        });
    })
    .unwrap();
    values
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_dialect_ingests_to_the_same_values(values in report()) {
        for dialect in DIALECTS {
            let read = ingest(&write(&values, dialect), dialect);
            prop_assert_eq!(&read, &values, "{:?}", dialect);
        }
    }
}
