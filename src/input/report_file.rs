//! A unit's report file as received: its bytes decoded to text, its dialect
//! (delimiter, decimal mark, which column is which) worked out from the
//! header, and its rows handed out with their line and column numbers.
//! Nothing here knows the plan; `model::Plan::read_row` checks the rows.

use std::borrow::Cow;
use std::fmt;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::{Lang, Message};
use crate::msg;
use crate::number::DecimalMark;
use crate::text::fold;

/// How to decode bytes that carry no byte-order mark.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8, or UTF-16 when the file starts with a byte-order mark.
    #[default]
    Auto,
    /// Legacy Vietnamese Windows code page (TCVN-era files), for files
    /// that are not valid UTF-8 (the others are still read as UTF-8).
    #[value(name = "windows-1258")]
    #[serde(rename = "windows-1258")]
    Windows1258,
}

/// The name `Dialect::encoding` gives the legacy Vietnamese code page.
pub const WINDOWS_1258: &str = "Windows-1258";

/// One cell: its text and its 1-based column (field position).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell<'r> {
    pub text: &'r str,
    pub column: usize,
}

/// One data row, by role, with the line it starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawRow<'r> {
    pub line: u64,
    pub unit: Cell<'r>,
    pub indicator: Cell<'r>,
    pub period: Cell<'r>,
    pub value: Cell<'r>,
    pub note: Option<Cell<'r>>,
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Unit,
    Indicator,
    Period,
    Value,
    Note,
}

const ROLES: [(Role, &str, &[&str]); 5] = [
    (Role::Unit, "unit", &["unit", "don-vi", "ma-don-vi"]),
    (
        Role::Indicator,
        "indicator",
        &["indicator", "chi-tieu", "ma-chi-tieu"],
    ),
    (Role::Period, "period", &["period", "ky", "ky-bao-cao"]),
    (Role::Value, "value", &["value", "gia-tri"]),
    (Role::Note, "note", &["note", "ghi-chu"]),
];

fn role_of(header: &str) -> Option<Role> {
    let key = fold(header);
    ROLES
        .iter()
        .find(|(_, _, aliases)| aliases.contains(&key.as_str()))
        .map(|(r, _, _)| *r)
}

/// How a file is written, as found from its bytes and header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialect {
    pub encoding: &'static str,
    pub delimiter: u8,
    pub mark: DecimalMark,
    /// 0-based field index of unit, indicator, period, value, note.
    columns: [Option<usize>; 5],
    /// Line of the header row.
    header_line: u64,
    /// Fields in the header row.
    width: usize,
}

impl Dialect {
    /// How the file was read, in words: `UTF-8, `,` delimited, decimal
    /// mark `.``. The manifest keeps the English (`Display`).
    pub fn describe(&self) -> Message {
        let delimiter = |lang: Lang| match self.delimiter {
            b'\t' => lang.pick("tab", "dấu tab"),
            b';' => "`;`",
            _ => "`,`",
        };
        let mark = match self.mark {
            DecimalMark::Point => "`.`",
            DecimalMark::Comma => "`,`",
        };
        let (encoding, en, vi) = (self.encoding, delimiter(Lang::En), delimiter(Lang::Vi));
        msg!(
            "{encoding}, {en} delimited, decimal mark {mark}",
            "{encoding}, phân cách bằng {vi}, dấu thập phân {mark}"
        )
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe().en())
    }
}

/// A report file decoded and ready to read. Its text borrows the bytes
/// it was read from when they are UTF-8 already (the usual case), so that
/// a caller who keeps the bytes (an ingest writes them) holds them once.
pub struct ReportFile<'b> {
    pub name: String,
    text: Cow<'b, str>,
    pub dialect: Dialect,
    /// Problems with the file as a whole that do not stop reading it.
    pub warnings: Diagnostics,
}

impl ReportFile<'static> {
    /// Decodes `bytes` and reads the header. `name` is how diagnostics
    /// name the file. Fails when the text cannot be decoded or the header
    /// lacks a required column.
    pub fn parse(
        name: &str,
        bytes: Vec<u8>,
        encoding: Encoding,
    ) -> Result<ReportFile<'static>, Diagnostic> {
        ReportFile::read(name, Cow::Owned(bytes), encoding)
    }
}

impl<'b> ReportFile<'b> {
    /// `parse`, borrowing `bytes` instead of taking them.
    pub fn parse_borrowed(
        name: &str,
        bytes: &'b [u8],
        encoding: Encoding,
    ) -> Result<ReportFile<'b>, Diagnostic> {
        ReportFile::read(name, Cow::Borrowed(bytes), encoding)
    }

    /// `parse` or `parse_borrowed`, as the bytes come.
    pub fn read(
        name: &str,
        bytes: Cow<'b, [u8]>,
        encoding: Encoding,
    ) -> Result<ReportFile<'b>, Diagnostic> {
        let (text, label) = decode(name, bytes, encoding)?;
        let text = lone_cr_to_lf(text);
        let (dialect, warnings) = read_header(name, &text, label)?;
        Ok(ReportFile {
            name: name.to_string(),
            text,
            dialect,
            warnings,
        })
    }

    /// Calls `on_row` for every data row, in order. Blank rows (nothing but
    /// delimiters and spaces) are skipped; a row that cannot be split into
    /// its cells (too few fields) is handed over as a problem instead.
    pub fn for_each_row(&self, mut on_row: impl FnMut(Result<RawRow<'_>, Diagnostic>)) {
        let text = self.text.as_bytes();
        let mut reader = simd_csv::TotalReaderBuilder::new()
            .delimiter(self.dialect.delimiter)
            .has_headers(false)
            .from_bytes(text);
        let mut record = simd_csv::ByteRecord::new();
        let columns = self.dialect.columns;
        let needed = columns.iter().flatten().max().map_or(0, |m| m + 1);
        let mut lines = LineCounter::new(text);
        loop {
            let start = reader.position();
            if !reader.read_byte_record(&mut record) {
                break;
            }
            let line = lines.line_at(start);
            if line <= self.dialect.header_line || record.iter().all(|f| f.trim_ascii().is_empty())
            {
                continue;
            }
            if record.len() < needed {
                let found = record.len();
                on_row(Err(Diagnostic::error(
                    &self.name,
                    msg!(
                        "this row has {found} fields, the header {needed}; is a delimiter missing?",
                        "dòng này có {found} cột, dòng tiêu đề có {needed} cột; có phải thiếu dấu phân cách?"
                    ),
                )
                .at(line, found + 1)));
                continue;
            }
            // More fields than the header: a decimal comma or a delimiter
            // inside an unquoted value has split it, and every value from
            // there on would be read from the wrong column.
            if let Some(extra) = (self.dialect.width..record.len())
                .find(|&i| !record.get(i).unwrap_or_default().trim_ascii().is_empty())
            {
                let (found, width) = (record.len(), self.dialect.width);
                let delimiter = self.dialect.delimiter as char;
                on_row(Err(Diagnostic::error(
                    &self.name,
                    msg!(
                        "this row has {found} fields, the header {width}; is there a decimal comma or a `{delimiter}` inside a value? \
                         quote that value (`\"12,5\"`) or save the file with `;` between fields",
                        "dòng này có {found} cột, dòng tiêu đề có {width} cột; có dấu phẩy thập phân hoặc dấu `{delimiter}` nằm trong một giá trị không? \
                         hãy đặt giá trị đó trong ngoặc kép (`\"12,5\"`) hoặc lưu lại tệp với dấu `;` giữa các cột"
                    ),
                )
                .at(line, extra + 1)));
                continue;
            }
            let field = |i: usize| -> &str {
                let bytes = record.get(i).unwrap_or_default();
                // SAFETY: `self.text` is a `str`, so valid UTF-8; fields
                // are cut from it at ASCII bytes (delimiter, quote, line end)
                // and unescaping only removes ASCII quotes, so every field is
                // valid UTF-8 too. Checking again cost a tenth of a report's time.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            };
            let cell = |role: usize| -> Option<Cell<'_>> {
                columns[role].map(|i| Cell {
                    text: field(i),
                    column: i + 1,
                })
            };
            let (Some(unit), Some(indicator), Some(period), Some(value)) =
                (cell(0), cell(1), cell(2), cell(3))
            else {
                unreachable!("required columns are checked with the header")
            };
            on_row(Ok(RawRow {
                line,
                unit,
                indicator,
                period,
                value,
                note: cell(4),
            }));
        }
    }
}

/// Line numbers from byte offsets. The positions of the `\n`s are found a
/// window of text at a time (SIMD, via memchr); a record's line is then
/// found by walking past the ones before it, so records pay no byte scan,
/// and memory holds one window's positions, not one per line of the file.
/// A record's offset may point at the line end left over from the previous
/// record (the `\n` of a CRLF), so line ends there are skipped first.
/// Quoted fields may span lines. (Lone `\r` line ends were made `\n` when
/// the file was read.)
struct LineCounter<'t> {
    text: &'t [u8],
    /// Positions of the `\n`s in `text[..searched]` not yet walked past
    /// (from `next` on).
    newlines: Vec<usize>,
    next: usize,
    searched: usize,
    /// `\n`s walked past.
    passed: u64,
}

/// Bytes searched for line ends at a time: a few thousand lines.
const LINE_WINDOW: usize = 1 << 16;

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> LineCounter<'t> {
        LineCounter {
            text,
            newlines: Vec::new(),
            next: 0,
            searched: 0,
            passed: 0,
        }
    }

    /// The line of the record that starts at `byte`. Offsets must not decrease.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = (byte as usize).min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        loop {
            while self.newlines.get(self.next).is_some_and(|&at| at < start) {
                self.next += 1;
                self.passed += 1;
            }
            if self.next < self.newlines.len() || self.searched >= start {
                return self.passed + 1;
            }
            let end = (self.searched + LINE_WINDOW).min(self.text.len());
            let from = self.searched;
            self.newlines.clear();
            self.newlines
                .extend(memchr::memchr_iter(b'\n', &self.text[from..end]).map(|i| from + i));
            self.next = 0;
            self.searched = end;
        }
    }
}

/// Old Mac Excel ("CSV (Macintosh)") ends lines with `\r` alone, which
/// the CSV reader does not take for a line end: such ends become `\n`.
/// Files with `\n` or `\r\n` ends are returned untouched.
fn lone_cr_to_lf(text: Cow<'_, str>) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, or
/// Windows-1258 when asked for. Not-UTF-8 without the option is an error
/// that says where and names the option. UTF-8 bytes are not copied.
fn decode<'b>(
    name: &str,
    bytes: Cow<'b, [u8]>,
    encoding: Encoding,
) -> Result<(Cow<'b, str>, &'static str), Diagnostic> {
    if let Some((coding, bom_len)) = encoding_rs::Encoding::for_bom(&bytes) {
        if coding == encoding_rs::UTF_8 {
            let bytes = match bytes {
                Cow::Borrowed(b) => Cow::Borrowed(&b[bom_len..]),
                Cow::Owned(mut b) => {
                    b.drain(..bom_len);
                    Cow::Owned(b)
                }
            };
            return utf8(name, bytes).map(|t| (t, "UTF-8 with BOM"));
        }
        let (text, had_errors) = coding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            let coding = coding.name();
            return Err(Diagnostic::error(
                name,
                msg!(
                    "the file is not valid {coding}",
                    "tệp không phải {coding} hợp lệ"
                ),
            ));
        }
        return Ok((
            Cow::Owned(text.into_owned()),
            if coding == encoding_rs::UTF_16LE {
                "UTF-16LE"
            } else {
                "UTF-16BE"
            },
        ));
    }
    match encoding {
        // Valid UTF-8 beyond ASCII is, in practice, never Windows-1258 text:
        // read it as UTF-8, so that a batch read with the option may mix
        // both kinds without garbling the UTF-8 files.
        Encoding::Windows1258 if simdutf8::basic::from_utf8(&bytes).is_ok() => {
            utf8(name, bytes).map(|t| (t, "UTF-8"))
        }
        Encoding::Windows1258 => {
            let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(&bytes);
            // A Windows-1258 file is NFD-like (base letter plus tone mark):
            // normalise once here so that codes and names match.
            let text = match crate::text::nfc(&text) {
                Cow::Borrowed(t) => t.to_string(),
                Cow::Owned(t) => t,
            };
            Ok((Cow::Owned(text), WINDOWS_1258))
        }
        Encoding::Auto => utf8(name, bytes).map(|t| (t, "UTF-8")),
    }
}

fn utf8<'b>(name: &str, bytes: Cow<'b, [u8]>) -> Result<Cow<'b, str>, Diagnostic> {
    // simdutf8 checks a national store's gigabytes many times faster than
    // std; std's slower check runs only to find where a bad file goes wrong.
    if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: the bytes were just found to be valid UTF-8.
        return Ok(match bytes {
            Cow::Borrowed(b) => Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(b) }),
            Cow::Owned(b) => Cow::Owned(unsafe { String::from_utf8_unchecked(b) }),
        });
    }
    let e = std::str::from_utf8(&bytes).expect_err("simdutf8 found it invalid");
    let before = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Err(Diagnostic::error(
        name,
        msg!(
            "the file is not UTF-8; if it was saved from Excel as CSV in a Vietnamese Windows code page, \
             read it with `--encoding windows-1258`, or save it again as \"CSV UTF-8\"",
            "tệp không phải UTF-8; nếu tệp được lưu từ Excel dạng CSV theo bảng mã Windows tiếng Việt, \
             hãy đọc bằng `--encoding windows-1258`, hoặc lưu lại tệp dạng \"CSV UTF-8\""
        ),
    )
    .at(line, column))
}

/// Finds the header (the first non-blank line), the delimiter that splits
/// it into known columns, and the decimal mark that goes with it.
fn read_header(
    name: &str,
    text: &str,
    encoding: &'static str,
) -> Result<(Dialect, Diagnostics), Diagnostic> {
    let Some((index, header)) = text.lines().enumerate().find(|(_, l)| !l.trim().is_empty()) else {
        return Err(Diagnostic::error(
            name,
            msg!(
                "the file is empty; expected a header `unit,indicator,period,value,note`",
                "tệp trống; cần có dòng tiêu đề `unit,indicator,period,value,note`"
            ),
        ));
    };
    let header_line = index as u64 + 1;
    let split = |delimiter: u8| -> Vec<String> {
        let mut reader = simd_csv::TotalReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .from_bytes(header.as_bytes());
        let mut record = simd_csv::ByteRecord::new();
        reader.read_byte_record(&mut record);
        record
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect()
    };
    let (delimiter, fields) = [b',', b';', b'\t']
        .into_iter()
        .map(|d| (d, split(d)))
        .max_by_key(|(_, fields)| fields.iter().filter(|f| role_of(f).is_some()).count())
        .expect("three candidates");

    let mut columns = [None; 5];
    let mut warnings = Diagnostics::default();
    for (i, field) in fields.iter().enumerate() {
        match role_of(field) {
            Some(role) => {
                let slot = &mut columns[role as usize];
                if slot.is_some() {
                    return Err(Diagnostic::error(
                        name,
                        msg!(
                            "column `{field}` appears twice in the header",
                            "cột `{field}` xuất hiện hai lần trong dòng tiêu đề"
                        ),
                    )
                    .at(header_line, i + 1));
                }
                *slot = Some(i);
            }
            None if field.is_empty() => {}
            None => warnings.push(
                Diagnostic::warning(
                    name,
                    msg!(
                        "column `{field}` is not one `track` reads; it is ignored",
                        "`track` không đọc cột `{field}`; cột này được bỏ qua"
                    ),
                )
                .at(header_line, i + 1),
            ),
        }
    }
    let missing: Vec<&str> = ROLES[..4]
        .iter()
        .filter(|(role, _, _)| columns[*role as usize].is_none())
        .map(|(_, name, _)| *name)
        .collect();
    if !missing.is_empty() {
        let found = fields
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let missing = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Diagnostic::error(
            name,
            msg!(
                "the header lacks {missing} (found {found}); expected `unit,indicator,period,value,note` \
                 or the Vietnamese `don_vi,chi_tieu,ky,gia_tri,ghi_chu`",
                "dòng tiêu đề thiếu cột {missing} (đang có {found}); cần `unit,indicator,period,value,note` \
                 hoặc tên tiếng Việt `don_vi,chi_tieu,ky,gia_tri,ghi_chu`"
            ),
        )
        .at(header_line, 1));
    }
    let mark = if delimiter == b',' {
        DecimalMark::Point
    } else {
        DecimalMark::Comma
    };
    Ok((
        Dialect {
            encoding,
            delimiter,
            mark,
            columns,
            header_line,
            width: fields.len(),
        },
        warnings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(file: &ReportFile) -> Vec<(u64, String, String, String, String, Option<String>)> {
        let mut out = Vec::new();
        file.for_each_row(|r| {
            let r = r.unwrap_or_else(|d| panic!("{d}"));
            out.push((
                r.line,
                r.unit.text.to_string(),
                r.indicator.text.to_string(),
                r.period.text.to_string(),
                r.value.text.to_string(),
                r.note.map(|n| n.text.to_string()),
            ))
        });
        out
    }

    #[test]
    fn reads_plain_utf8_with_line_numbers() {
        let text = "unit,indicator,period,value,note\nSKHCN,tasks-provincial,2024-Q3,4,\"Đã phê duyệt, 4\"\n\n,,,,\nSCT,x,2025-H1,7,\n";
        let file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        assert_eq!(file.dialect.delimiter, b',');
        let rows = rows(&file);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].5.as_deref(), Some("Đã phê duyệt, 4"));
        assert_eq!(rows[1].0, 5);
    }

    #[test]
    fn counts_lines_across_crlf_and_quoted_line_breaks() {
        let text = "unit,indicator,period,value,note\r\nA,x,2025,1,\"two\r\nlines\"\r\n\r\nB,x,2025,2,\r\n";
        let file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        let lines: Vec<u64> = rows(&file).iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 5]);
    }

    #[test]
    fn counts_lines_across_the_windows_line_ends_are_found_in() {
        // Rows of every length, CRLF and LF ends, and quoted line breaks,
        // over several windows: each row's line is the one it starts on.
        let mut text = String::from("unit,indicator,period,value,note\n");
        let mut expected = Vec::new();
        let mut line = 2;
        for i in 0..12_000u64 {
            expected.push(line);
            let note = "x".repeat((i % 37) as usize);
            if i % 101 == 0 {
                text.push_str(&format!("A,x,2025,{i},\"{note}\nmore\r\nlines\"\n"));
                line += 3;
            } else if i % 2 == 0 {
                text.push_str(&format!("A,x,2025,{i},{note}\r\n"));
                line += 1;
            } else {
                text.push_str(&format!("A,x,2025,{i},{note}\n\n"));
                line += 2;
            }
        }
        assert!(text.len() > 4 * LINE_WINDOW);
        let file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        let lines: Vec<u64> = rows(&file).iter().map(|r| r.0).collect();
        assert_eq!(lines, expected);
    }

    #[test]
    fn borrowed_bytes_read_as_owned_ones_and_utf8_is_not_copied() {
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(
            "unit\tindicator\tperiod\tvalue\nA\tx\t2025\t3\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        let texts: [&[u8]; 4] = [
            b"unit,indicator,period,value\nA,x,2025,1\n",
            "\u{feff}unit;indicator;period;value\r\nA;x;2025;1,5\r\n".as_bytes(),
            b"unit,indicator,period,value\rA,x,2025,1\rB,x,2025,2\r",
            &utf16,
        ];
        for bytes in texts {
            let owned = ReportFile::parse("r.csv", bytes.to_vec(), Encoding::Auto).unwrap();
            let borrowed = ReportFile::parse_borrowed("r.csv", bytes, Encoding::Auto).unwrap();
            assert_eq!(owned.dialect, borrowed.dialect);
            assert_eq!(rows(&owned), rows(&borrowed));
        }
        let file = ReportFile::parse_borrowed("r.csv", texts[1], Encoding::Auto).unwrap();
        assert!(matches!(file.text, Cow::Borrowed(_)));
    }

    #[test]
    fn reads_files_whose_lines_end_in_cr_alone() {
        let text = "unit,indicator,period,value,note\rA,x,2025,1,\rB,x,2025,2,\r";
        let file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        let lines: Vec<u64> = rows(&file).iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn a_row_longer_than_the_header_is_an_error_at_its_first_extra_field() {
        let text = "unit,indicator,period,value,note\nA,x,2025,12,5,ghi chu\nB,x,2025,3,,,\n";
        let file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        let mut got = Vec::new();
        file.for_each_row(|r| {
            got.push(
                r.map(|r| r.value.text.to_string())
                    .map_err(|d| (d.line, d.column)),
            )
        });
        // Row 2 is split by a decimal comma; row 3's extra fields are empty.
        assert_eq!(got, [Err((Some(2), Some(6))), Ok("3".to_string())]);
    }

    #[test]
    fn finds_vietnamese_headers_and_semicolons() {
        let text =
            "\u{feff}Đơn vị;Chỉ tiêu;Kỳ;Giá trị;Ghi chú\r\nSKHCN;tasks-provincial;2024;1,5;\r\n";
        let file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        assert_eq!(file.dialect.delimiter, b';');
        assert_eq!(file.dialect.mark, DecimalMark::Comma);
        assert_eq!(file.dialect.encoding, "UTF-8 with BOM");
        assert_eq!(rows(&file)[0].4, "1,5");
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let text = "unit\tindicator\tperiod\tvalue\nSKHCN\ttasks\t2025\t3\n";
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let file = ReportFile::parse("r.txt", bytes, Encoding::Auto).unwrap();
        assert_eq!(file.dialect.encoding, "UTF-16LE");
        assert_eq!(file.dialect.delimiter, b'\t');
        assert_eq!(rows(&file)[0].1, "SKHCN");
    }

    #[test]
    fn not_utf8_names_the_option() {
        let bytes = b"unit,indicator,period,value\nS\xd2,x,2025,1\n".to_vec();
        let err = ReportFile::parse("r.csv", bytes.clone(), Encoding::Auto)
            .err()
            .unwrap();
        assert_eq!(err.line, Some(2));
        assert!(err.message.en().contains("--encoding windows-1258"));
        assert!(err.message.vi().contains("--encoding windows-1258"));
        let file = ReportFile::parse("r.csv", bytes, Encoding::Windows1258).unwrap();
        assert_eq!(file.dialect.encoding, "Windows-1258");
    }

    #[test]
    fn windows_1258_is_only_for_what_is_not_utf8() {
        let text = "unit,indicator,period,value,note\nSKHCN,x,2025,1,Đã duyệt\n";
        let file =
            ReportFile::parse("r.csv", text.as_bytes().to_vec(), Encoding::Windows1258).unwrap();
        assert_eq!(file.dialect.encoding, "UTF-8");
        assert_eq!(rows(&file)[0].5.as_deref(), Some("Đã duyệt"));
    }

    #[test]
    fn a_header_without_required_columns_is_an_error() {
        let err = ReportFile::parse("r.csv", "unit,indicatr,period\n".into(), Encoding::Auto)
            .err()
            .unwrap();
        assert!(
            err.message
                .en()
                .starts_with("the header lacks `indicator`, `value`"),
            "{}",
            err.message
        );
        assert_eq!((err.line, err.column), (Some(1), Some(1)));
    }

    #[test]
    fn a_short_row_is_a_problem_with_its_line() {
        let file = ReportFile::parse(
            "r.csv",
            "unit,indicator,period,value\nA,b,2025\n".into(),
            Encoding::Auto,
        )
        .unwrap();
        let mut problems = Vec::new();
        file.for_each_row(|r| problems.push(r.expect_err("no row")));
        assert_eq!(problems[0].line, Some(2));
        assert!(problems[0].message.en().contains("3 fields"));
    }
}
