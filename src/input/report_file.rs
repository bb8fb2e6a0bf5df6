//! A unit's report file as received: its bytes decoded to text, its dialect
//! (delimiter, decimal mark, which column is which) worked out from the
//! header, and its rows handed out with their line and column numbers.
//! Nothing here knows the plan; `model::Plan::read_row` checks the rows.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::input::records::{Pick, Records};
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
    /// Empty, in column 0, when the file has no note column: read as an
    /// empty note, without a test for each row.
    pub note: Cell<'r>,
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

/// Where a report file's bytes come from.
pub enum Input<'b> {
    /// Held whole: decoded at once, and not copied when UTF-8.
    Bytes(Cow<'b, [u8]>),
    /// Read as the rows are wanted, `chunk` bytes at a time, so that memory
    /// holds a chunk and not the file (see `Stream`).
    Stream(Box<dyn Read + 'b>, usize),
}

/// Files from this size on are read a chunk at a time: memory then holds a
/// few chunks, whatever the file's size. Smaller ones (a unit's report is
/// a few kilobytes) are read whole, in one call.
pub const STREAM_FROM: u64 = 4 << 20;

/// The bytes read at a time from a file read in chunks.
pub const CHUNK: usize = 1 << 20;

impl Input<'static> {
    /// The file at `path`: whole when small, else in chunks.
    pub fn open(path: &Path) -> io::Result<Input<'static>> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        if len >= STREAM_FROM {
            return Ok(Input::Stream(Box::new(file), CHUNK));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.read_to_end(&mut bytes)?;
        Ok(Input::Bytes(Cow::Owned(bytes)))
    }
}

impl<'b> Input<'b> {
    /// `open`, reading a small file into `room`, which a caller keeps from
    /// file to file: no allocation for each of thousands of files, and two
    /// system calls fewer than `read_to_end` makes.
    pub fn open_in(path: &Path, room: &'b mut Vec<u8>) -> io::Result<Input<'b>> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        if len >= STREAM_FROM {
            return Ok(Input::Stream(Box::new(file), CHUNK));
        }
        Ok(Input::Bytes(Cow::Borrowed(read_into(
            &mut file, len, room,
        )?)))
    }
}

/// The rest of `file`, of `len` bytes when asked, read into `room`: in one
/// call, and one more that finds the end (or reads on, if the file has
/// grown since). `room` is zeroed only where it grows.
pub fn read_into<'b>(file: &mut File, len: u64, room: &'b mut Vec<u8>) -> io::Result<&'b [u8]> {
    let wanted = len as usize + 1;
    if room.len() < wanted {
        room.resize(wanted, 0);
    }
    let mut filled = 0;
    loop {
        if filled == room.len() {
            room.resize(filled * 2, 0);
        }
        match file.read(&mut room[filled..]) {
            Ok(0) => return Ok(&room[..filled]),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

impl From<Vec<u8>> for Input<'_> {
    fn from(bytes: Vec<u8>) -> Self {
        Input::Bytes(Cow::Owned(bytes))
    }
}

impl<'b> From<&'b [u8]> for Input<'b> {
    fn from(bytes: &'b [u8]) -> Self {
        Input::Bytes(Cow::Borrowed(bytes))
    }
}

impl<'b> From<Cow<'b, [u8]>> for Input<'b> {
    fn from(bytes: Cow<'b, [u8]>) -> Self {
        Input::Bytes(bytes)
    }
}

/// A report file decoded and ready to read. Its text borrows the bytes
/// it was read from when they are UTF-8 already (the usual case), so that
/// a caller who keeps the bytes (an ingest writes them) holds them once.
pub struct ReportFile<'b> {
    pub name: String,
    text: Text<'b>,
    pub dialect: Dialect,
    /// Problems with the file as a whole that do not stop reading it.
    pub warnings: Diagnostics,
}

/// The text of a report file: whole, or the part of a stream not read yet.
enum Text<'b> {
    Whole(Cow<'b, str>),
    Stream(Stream<'b>),
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
        ReportFile::read(name, Input::from(bytes), encoding)
    }
}

impl<'b> ReportFile<'b> {
    /// `parse`, borrowing `bytes` instead of taking them.
    pub fn parse_borrowed(
        name: &str,
        bytes: &'b [u8],
        encoding: Encoding,
    ) -> Result<ReportFile<'b>, Diagnostic> {
        ReportFile::read(name, Input::from(bytes), encoding)
    }

    /// `parse` or `parse_borrowed`, as the bytes come, or a stream read as
    /// the rows are wanted. A stream's header is read here; its rows, and
    /// a byte that is not UTF-8 among them, by `for_each_row`.
    pub fn read(
        name: &str,
        input: Input<'b>,
        encoding: Encoding,
    ) -> Result<ReportFile<'b>, Diagnostic> {
        match input {
            Input::Bytes(bytes) => ReportFile::whole(name, bytes, encoding),
            Input::Stream(reader, chunk) => Stream::open(name, reader, chunk, encoding),
        }
    }

    fn whole(
        name: &str,
        bytes: Cow<'b, [u8]>,
        encoding: Encoding,
    ) -> Result<ReportFile<'b>, Diagnostic> {
        let (text, label) = decode(name, bytes, encoding)?;
        let text = lone_cr_to_lf(text);
        let (dialect, warnings) = read_header(name, &text, label)?;
        Ok(ReportFile {
            name: name.to_string(),
            text: Text::Whole(text),
            dialect,
            warnings,
        })
    }

    /// Calls `on_row` for every data row, in order. Blank rows (nothing but
    /// delimiters and spaces) are skipped; a row that cannot be split into
    /// its cells (too few fields) is handed over as a problem instead.
    /// Fails when a stream cannot be read to its end or is not UTF-8 further on:
    /// the rows before that have been handed over.
    pub fn for_each_row(
        &mut self,
        mut on_row: impl FnMut(Result<&RawRow<'_>, Diagnostic>),
    ) -> Result<(), Diagnostic> {
        let (name, dialect) = (self.name.as_str(), &self.dialect);
        let stream = match &mut self.text {
            Text::Whole(text) => {
                read_rows(name, dialect, text.as_bytes(), 0, false, true, &mut on_row);
                return Ok(());
            }
            Text::Stream(stream) => stream,
        };
        loop {
            let last = stream.done();
            let text = &stream.buf[..stream.ready];
            let (lines_before, primed) = (stream.lines_before, stream.primed);
            let Some(carry) =
                read_rows(name, dialect, text, lines_before, primed, last, &mut on_row)
            else {
                return Ok(());
            };
            // Nothing could be handed over: a record longer than the text
            // at hand. Reading twice as much keeps this linear.
            let wanted = if stream.consume(carry) {
                stream.chunk
            } else {
                stream.buf.len().max(stream.chunk)
            };
            stream.read_more(name, wanted)?;
            stream.settle(name)?;
        }
    }
}

/// Hands `text`'s data rows to `on_row` (see `ReportFile::for_each_row`).
/// `text` starts where a record starts, after `lines_before` line ends,
/// or with our own record to skip (`primed`, see `Stream`). Unless it is
/// the `last` of the file, the record it ends with may go on past it: that
/// one is not handed over, and where it starts is returned, to read again
/// with the text that follows. Every record before it is split as in the
/// whole file: the reader starts afresh at a record, and decides on the
/// bytes it has seen, which are the file's.
fn read_rows(
    name: &str,
    dialect: &Dialect,
    text: &[u8],
    lines_before: u64,
    primed: bool,
    last: bool,
    on_row: &mut impl FnMut(Result<&RawRow<'_>, Diagnostic>),
) -> Option<usize> {
    let mut records = Records::new(text, dialect.delimiter);
    let columns = dialect.columns;
    let [
        Some(unit_at),
        Some(indicator_at),
        Some(period_at),
        Some(value_at),
        note_at,
    ] = columns
    else {
        unreachable!("required columns are checked with the header")
    };
    // Without a note column the unit is picked twice; its second is not read.
    let pick = Pick::new([
        unit_at,
        indicator_at,
        period_at,
        value_at,
        note_at.unwrap_or(unit_at),
    ]);
    let needed = pick.needed();
    let note_column = note_at.map_or(0, |at| at + 1);
    if primed {
        records.next_record();
    } else if !last {
        // The file's start (see `Stream::primed`): its first record (the
        // header, or blank lines before it: never a row) must end in the
        // text, else all of it waits for more.
        records.next_record();
        if records
            .first_reading_end()
            .is_none_or(|end| end >= text.len())
        {
            return Some(0);
        }
    }
    loop {
        let start = records.position();
        let Some(record) = records.next_record() else {
            // Line ends only, after the last record: read past.
            return (!last).then_some(text.len());
        };
        if !last && record.end >= text.len() {
            return Some(start);
        }
        let line = lines_before + record.line;
        let fields = pick.fields(&record);
        // A row whose unit starts with a visible character is not blank:
        // the usual row is known so without a look at its other fields.
        let visible_unit =
            fields.is_some_and(|[unit, ..]| unit.first().is_some_and(|b| !b.is_ascii_whitespace()));
        if line <= dialect.header_line
            || !visible_unit && record.iter().all(|f| f.trim_ascii().is_empty())
        {
            continue;
        }
        let Some(mut fields) = fields else {
            let found = record.len();
            on_row(Err(Diagnostic::error(
                name,
                msg!(
                    "this row has {found} fields, the header {needed}; is a delimiter missing?",
                    "dòng này có {found} cột, dòng tiêu đề có {needed} cột; có phải thiếu dấu phân cách?"
                ),
            )
            .at(line, found + 1)));
            continue;
        };
        // More fields than the header: a decimal comma or a delimiter
        // inside an unquoted value has split it, and every value from
        // there on would be read from the wrong column.
        if let Some(extra) = (dialect.width..record.len())
            .find(|&i| !record.get(i).unwrap_or_default().trim_ascii().is_empty())
        {
            let (found, width) = (record.len(), dialect.width);
            let delimiter = dialect.delimiter as char;
            on_row(Err(Diagnostic::error(
                name,
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
        if !record.plain {
            // simd-csv drops a field's first byte when a quote follows a
            // quoted part in it (`"Đúng"x"`, found by fuzzing), and so does
            // `Records`, which cuts as it does: the rest of a character cut
            // so is dropped too. (A record without quotes is cut at ASCII
            // bytes only.)
            for field in &mut fields {
                while let [first, rest @ ..] = field
                    && (0x80..0xc0).contains(first)
                {
                    *field = rest;
                }
            }
        }
        let [unit, indicator, period, value, note] = fields.map(|bytes| {
            debug_assert!(std::str::from_utf8(bytes).is_ok(), "{bytes:?}");
            // SAFETY: `text` is valid UTF-8 (a `str`'s, or checked so);
            // fields are cut from it at ASCII bytes (delimiter, quote, line
            // end), unescaping only removes ASCII quotes, and a start cut
            // inside a character was moved past it above: every field is
            // valid UTF-8 too. Checking again cost a tenth of a report's time.
            unsafe { std::str::from_utf8_unchecked(bytes) }
        });
        on_row(Ok(&RawRow {
            line,
            unit: Cell {
                text: unit,
                column: unit_at + 1,
            },
            indicator: Cell {
                text: indicator,
                column: indicator_at + 1,
            },
            period: Cell {
                text: period,
                column: period_at + 1,
            },
            value: Cell {
                text: value,
                column: value_at + 1,
            },
            note: Cell {
                text: if note_column == 0 { "" } else { note },
                column: note_column,
            },
        }));
    }
}

/// A report file read a chunk at a time. `buf` holds the text from the
/// record where reading stopped to the bytes read last: UTF-8 checked up
/// to `checked` (a character cut by the chunk's end waits for the rest),
/// and up to `ready` also with lone `\r`s made `\n` as in a whole file
/// (a `\r` at the end waits for the byte after it).
struct Stream<'b> {
    reader: Box<dyn Read + 'b>,
    chunk: usize,
    buf: Vec<u8>,
    checked: usize,
    ready: usize,
    eof: bool,
    /// Line ends before `buf`, less one if `primed`.
    lines_before: u64,
    /// Whether `buf` starts with a record of our own, `x\n`, to skip: the
    /// CSV reader reads its first record twice (as a header, then again),
    /// and a first record cut by the end of the text would leave it inside
    /// a quoted field for the second reading.
    primed: bool,
}

impl<'b> Stream<'b> {
    /// Reads what the header needs: the byte-order mark and the first
    /// line that is not blank. UTF-16 and `--encoding windows-1258` are
    /// read whole instead: whether a file is UTF-8 is known only at its
    /// end, and such files are the old exports of Excel, small.
    fn open(
        name: &str,
        reader: Box<dyn Read + 'b>,
        chunk: usize,
        encoding: Encoding,
    ) -> Result<ReportFile<'b>, Diagnostic> {
        let mut stream = Stream {
            reader,
            chunk: chunk.max(1),
            buf: Vec::new(),
            checked: 0,
            ready: 0,
            eof: false,
            lines_before: 0,
            primed: false,
        };
        while stream.buf.len() < 3 && !stream.eof {
            stream.read_more(name, stream.chunk)?;
        }
        let bom = encoding_rs::Encoding::for_bom(&stream.buf);
        if encoding == Encoding::Windows1258 || bom.is_some_and(|(c, _)| c != encoding_rs::UTF_8) {
            let mut bytes = stream.buf;
            stream
                .reader
                .read_to_end(&mut bytes)
                .map_err(|e| cannot_read_to_end(name, &e))?;
            return ReportFile::whole(name, Cow::Owned(bytes), encoding);
        }
        let label = match bom {
            Some((_, len)) => {
                stream.buf.drain(..len);
                "UTF-8 with BOM"
            }
            None => "UTF-8",
        };
        stream.settle(name)?;
        let mut seen = (0, 0);
        // Past `MAX_HEADER` without a line end, the header is refused: no
        // more is read (unless all of it is blank so far, as a whole
        // reading would then look past it).
        let header_too_long = |text: &str, (blank, searched): (usize, usize)| {
            searched - blank > MAX_HEADER && !text[blank..searched].trim().is_empty()
        };
        while !stream.done()
            && !header_is_whole(stream.text(), &mut seen)
            && !header_too_long(stream.text(), seen)
        {
            // As much again: a header read a chunk at a time, in files of
            // blank lines or one long line, would be read in many small reads.
            stream.read_more(name, stream.buf.len().max(stream.chunk))?;
            stream.settle(name)?;
        }
        let (dialect, warnings) = read_header(name, stream.text(), label)?;
        Ok(ReportFile {
            name: name.to_string(),
            text: Text::Stream(stream),
            dialect,
            warnings,
        })
    }

    /// The text ready to read.
    fn text(&self) -> &str {
        // SAFETY: `buf[..checked]` was checked to be UTF-8 (`settle`),
        // ending where a character ends, and `ready` is `checked` or the
        // place of a `\r` (an ASCII character) before it.
        unsafe { std::str::from_utf8_unchecked(&self.buf[..self.ready]) }
    }

    /// Whether all of the file is read and ready.
    fn done(&self) -> bool {
        self.eof && self.ready == self.buf.len()
    }

    /// Reads up to `wanted` more bytes; none at the end of the file.
    fn read_more(&mut self, name: &str, wanted: usize) -> Result<(), Diagnostic> {
        let read = (&mut self.reader)
            .take(wanted as u64)
            .read_to_end(&mut self.buf)
            .map_err(|e| cannot_read_to_end(name, &e))?;
        self.eof |= read == 0;
        Ok(())
    }

    /// Checks the bytes read last and makes their lone `\r`s `\n`.
    fn settle(&mut self, name: &str) -> Result<(), Diagnostic> {
        match simdutf8::compat::from_utf8(&self.buf[self.checked..]) {
            Ok(_) => self.checked = self.buf.len(),
            Err(e) if e.error_len().is_none() && !self.eof => self.checked += e.valid_up_to(),
            Err(e) => {
                let at = self.checked + e.valid_up_to();
                return Err(not_utf8(name, self.lines_before, &self.buf[..at]));
            }
        }
        let mut from = self.ready;
        self.ready = self.checked;
        while let Some(i) = memchr::memchr(b'\r', &self.buf[from..self.checked]) {
            let at = from + i;
            match self.buf.get(at + 1) {
                Some(b'\n') => {}
                None if !self.eof => {
                    self.ready = at;
                    break;
                }
                _ => self.buf[at] = b'\n',
            }
            from = at + 1;
        }
        Ok(())
    }

    /// Drops the text before `carry`, where `read_rows` stopped, and puts
    /// our own record before it (see `primed`). False when there is no room
    /// for that: the text is then read again from where it starts.
    fn consume(&mut self, carry: usize) -> bool {
        // Nothing to drop but our own record: none of the file's.
        if carry < 2 || (carry == 2 && self.primed) {
            return false;
        }
        let ends = memchr::memchr_iter(b'\n', &self.buf[..carry]).count() as u64;
        // Less the `\n` of our record, which the lines of the text count.
        self.lines_before = (self.lines_before + ends).saturating_sub(1);
        self.buf[carry - 2..carry].copy_from_slice(b"x\n");
        let at = carry - 2;
        self.buf.drain(..at);
        self.checked -= at;
        self.ready -= at;
        self.primed = true;
        true
    }
}

/// Whether `text` holds its first line that is not blank whole. `seen`:
/// the bytes of blank lines at its start found so far, and how far the
/// line after them was searched for its end; neither is looked at again.
fn header_is_whole(text: &str, seen: &mut (usize, usize)) -> bool {
    let (blank, searched) = seen;
    loop {
        let from = (*searched).max(*blank);
        let Some(end) = memchr::memchr(b'\n', &text.as_bytes()[from..]) else {
            *searched = text.len();
            return false;
        };
        let end = from + end + 1;
        if !text[*blank..end].trim().is_empty() {
            return true;
        }
        (*blank, *searched) = (end, end);
    }
}

fn cannot_read_to_end(name: &str, e: &io::Error) -> Diagnostic {
    Diagnostic::error(
        name,
        msg!(
            "cannot read `{name}` to its end: {e}",
            "không đọc hết được `{name}`: {e}"
        ),
    )
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
    Err(not_utf8(name, 0, &bytes[..e.valid_up_to()]))
}

/// Text that is not UTF-8 at the end of `before` (checked UTF-8), which
/// starts at a line's start after `lines_before` line ends. The line and
/// column count lone `\r`s as line ends, as the rows' lines do.
fn not_utf8(name: &str, lines_before: u64, before: &[u8]) -> Diagnostic {
    let before = std::str::from_utf8(before).unwrap_or_default();
    let bytes = before.as_bytes();
    let ends =
        |at: usize| bytes[at] == b'\n' || (bytes[at] == b'\r' && bytes.get(at + 1) != Some(&b'\n'));
    let line_ends = memchr::memchr2_iter(b'\n', b'\r', bytes).filter(|&at| ends(at));
    let (count, last) = line_ends.fold((0u64, None), |(n, _), at| (n + 1, Some(at)));
    let column = before[last.map_or(0, |at| at + 1)..].chars().count() + 1;
    Diagnostic::error(
        name,
        msg!(
            "the file is not UTF-8; if it was saved from Excel as CSV in a Vietnamese Windows code page, \
             read it with `--encoding windows-1258`, or save it again as \"CSV UTF-8\"",
            "tệp không phải UTF-8; nếu tệp được lưu từ Excel dạng CSV theo bảng mã Windows tiếng Việt, \
             hãy đọc bằng `--encoding windows-1258`, hoặc lưu lại tệp dạng \"CSV UTF-8\""
        ),
    )
    .at(lines_before + count + 1, column)
}

/// No header is this long (a real one is well under a kilobyte): a first
/// line longer than this is refused, not split into millions of columns.
const MAX_HEADER: usize = 64 << 10;

/// Columns `track` does not read are warned about by name, each name once,
/// up to this many names; the rest are counted in one more warning.
const UNKNOWN_NAMED: usize = 10;

/// Finds the header (the first non-blank line), the delimiter that splits
/// it into known columns, and the decimal mark that goes with it.
fn read_header(
    name: &str,
    text: &str,
    encoding: &'static str,
) -> Result<(Dialect, Diagnostics), Diagnostic> {
    // Files of one export share one header: the dialect of the last one
    // read on this thread is taken again when its line is the same, at the
    // same place, in the same encoding, and it raised nothing (problems
    // name their file). Splitting it three ways and folding each name cost
    // a twentieth of reading ten million rows.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, Dialect)>> = const { std::cell::RefCell::new(None) };
    }
    let line = text.lines().enumerate().find(|(_, l)| !l.trim().is_empty());
    let same = |(header, dialect): &(String, Dialect)| {
        line.is_some_and(|(index, l)| {
            l == header && dialect.header_line == index as u64 + 1 && dialect.encoding == encoding
        })
    };
    if let Some(dialect) =
        LAST.with_borrow(|last| last.as_ref().filter(|l| same(l)).map(|l| l.1.clone()))
    {
        return Ok((dialect, Diagnostics::default()));
    }
    let read = read_header_anew(name, line, encoding);
    if let (Ok((dialect, warnings)), Some((_, header))) = (&read, line)
        && warnings.is_empty()
    {
        LAST.set(Some((header.to_string(), dialect.clone())));
    }
    read
}

/// `read_header` of the header `line` (its index and text), if any.
fn read_header_anew(
    name: &str,
    line: Option<(usize, &str)>,
    encoding: &'static str,
) -> Result<(Dialect, Diagnostics), Diagnostic> {
    let Some((index, header)) = line else {
        return Err(Diagnostic::error(
            name,
            msg!(
                "the file is empty; expected a header `unit,indicator,period,value,note`",
                "tệp trống; cần có dòng tiêu đề `unit,indicator,period,value,note`"
            ),
        ));
    };
    let header_line = index as u64 + 1;
    if header.len() > MAX_HEADER {
        return Err(Diagnostic::error(
            name,
            msg!(
                "the first line is longer than {} KiB, which no header is; expected a header \
                 `unit,indicator,period,value,note` (is this a CSV file?)",
                "dòng đầu dài hơn {} KiB, không thể là dòng tiêu đề; cần dòng tiêu đề \
                 `unit,indicator,period,value,note` (đây có phải tệp CSV không?)",
                MAX_HEADER >> 10
            ),
        )
        .at(header_line, 1));
    }
    // Split as a record of the file is, line end included: a line cut
    // right after a quote (`…,"note"`) would leave the reader in the
    // quoted state it reads a text's first record again in.
    let line = format!("{}\n", header.trim_start_matches('\u{feff}'));
    let split = |delimiter: u8| -> Vec<String> {
        let mut records = Records::new(line.as_bytes(), delimiter);
        let Some(record) = records.next_record() else {
            return Vec::new();
        };
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
    let mut unknown: Vec<&str> = Vec::new();
    let mut unnamed = 0;
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
            None if field.is_empty() || unknown.contains(&field.as_str()) => {}
            None if unknown.len() == UNKNOWN_NAMED => unnamed += 1,
            None => {
                unknown.push(field);
                warnings.push(
                    Diagnostic::warning(
                        name,
                        msg!(
                            "column `{field}` is not one `track` reads; it is ignored",
                            "`track` không đọc cột `{field}`; cột này được bỏ qua"
                        ),
                    )
                    .at(header_line, i + 1),
                );
            }
        }
    }
    if unnamed > 0 {
        warnings.push(
            Diagnostic::warning(
                name,
                msg!(
                    "{unnamed} more columns are not ones `track` reads; they are ignored",
                    "`track` không đọc thêm {unnamed} cột khác; các cột này được bỏ qua"
                ),
            )
            .at(header_line, 1),
        );
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
        let mut message = msg!(
            "the header lacks {missing} (found {found}); expected `unit,indicator,period,value,note` \
             or the Vietnamese `don_vi,chi_tieu,ky,gia_tri,ghi_chu`",
            "dòng tiêu đề thiếu cột {missing} (đang có {found}); cần `unit,indicator,period,value,note` \
             hoặc tên tiếng Việt `don_vi,chi_tieu,ky,gia_tri,ghi_chu`"
        );
        // One name holding delimiters: a tool quoted the whole line.
        if let [only] = fields.as_slice()
            && only.contains([',', ';', '\t'])
        {
            message = message.then(&msg!(
                "; is the whole header quoted as one field? save the file without the quotes around it",
                "; có phải cả dòng tiêu đề nằm trong một cặp ngoặc kép? hãy lưu lại tệp, bỏ ngoặc kép quanh dòng tiêu đề"
            ));
        }
        return Err(Diagnostic::error(name, message).at(header_line, 1));
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

    type Row = (u64, String, String, String, String, Option<String>);

    fn owned(r: RawRow) -> Row {
        (
            r.line,
            r.unit.text.to_string(),
            r.indicator.text.to_string(),
            r.period.text.to_string(),
            r.value.text.to_string(),
            (r.note.column > 0).then(|| r.note.text.to_string()),
        )
    }

    fn rows(file: &mut ReportFile) -> Vec<Row> {
        let mut out = Vec::new();
        file.for_each_row(|r| out.push(owned(*r.unwrap_or_else(|d| panic!("{d}")))))
            .unwrap();
        out
    }

    #[test]
    fn reads_plain_utf8_with_line_numbers() {
        let text = "unit,indicator,period,value,note\nSKHCN,tasks-provincial,2024-Q3,4,\"Đã phê duyệt, 4\"\n\n,,,,\nSCT,x,2025-H1,7,\n";
        let mut file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        assert_eq!(file.dialect.delimiter, b',');
        let rows = rows(&mut file);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].5.as_deref(), Some("Đã phê duyệt, 4"));
        assert_eq!(rows[1].0, 5);
    }

    #[test]
    fn counts_lines_across_crlf_and_quoted_line_breaks() {
        let text = "unit,indicator,period,value,note\r\nA,x,2025,1,\"two\r\nlines\"\r\n\r\nB,x,2025,2,\r\n";
        let mut file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        let lines: Vec<u64> = rows(&mut file).iter().map(|r| r.0).collect();
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
        assert!(text.len() > 1 << 18);
        let mut file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        let lines: Vec<u64> = rows(&mut file).iter().map(|r| r.0).collect();
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
            let mut owned = ReportFile::parse("r.csv", bytes.to_vec(), Encoding::Auto).unwrap();
            let mut borrowed = ReportFile::parse_borrowed("r.csv", bytes, Encoding::Auto).unwrap();
            assert_eq!(owned.dialect, borrowed.dialect);
            assert_eq!(rows(&mut owned), rows(&mut borrowed));
        }
        let file = ReportFile::parse_borrowed("r.csv", texts[1], Encoding::Auto).unwrap();
        assert!(matches!(file.text, Text::Whole(Cow::Borrowed(_))));
    }

    #[test]
    fn reads_files_whose_lines_end_in_cr_alone() {
        let text = "unit,indicator,period,value,note\rA,x,2025,1,\rB,x,2025,2,\r";
        let mut file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        let lines: Vec<u64> = rows(&mut file).iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn a_row_longer_than_the_header_is_an_error_at_its_first_extra_field() {
        let text = "unit,indicator,period,value,note\nA,x,2025,12,5,ghi chu\nB,x,2025,3,,,\n";
        let mut file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        let mut got = Vec::new();
        file.for_each_row(|r| {
            got.push(
                r.map(|r| r.value.text.to_string())
                    .map_err(|d| (d.line, d.column)),
            )
        })
        .unwrap();
        // Row 2 is split by a decimal comma; row 3's extra fields are empty.
        assert_eq!(got, [Err((Some(2), Some(6))), Ok("3".to_string())]);
    }

    #[test]
    fn finds_vietnamese_headers_and_semicolons() {
        let text =
            "\u{feff}Đơn vị;Chỉ tiêu;Kỳ;Giá trị;Ghi chú\r\nSKHCN;tasks-provincial;2024;1,5;\r\n";
        let mut file = ReportFile::parse("r.csv", text.into(), Encoding::Auto).unwrap();
        assert_eq!(file.dialect.delimiter, b';');
        assert_eq!(file.dialect.mark, DecimalMark::Comma);
        assert_eq!(file.dialect.encoding, "UTF-8 with BOM");
        assert_eq!(rows(&mut file)[0].4, "1,5");
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let text = "unit\tindicator\tperiod\tvalue\nSKHCN\ttasks\t2025\t3\n";
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut file = ReportFile::parse("r.txt", bytes, Encoding::Auto).unwrap();
        assert_eq!(file.dialect.encoding, "UTF-16LE");
        assert_eq!(file.dialect.delimiter, b'\t');
        assert_eq!(rows(&mut file)[0].1, "SKHCN");
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
        let mut file =
            ReportFile::parse("r.csv", text.as_bytes().to_vec(), Encoding::Windows1258).unwrap();
        assert_eq!(file.dialect.encoding, "UTF-8");
        assert_eq!(rows(&mut file)[0].5.as_deref(), Some("Đã duyệt"));
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
        let mut file = ReportFile::parse(
            "r.csv",
            "unit,indicator,period,value\nA,b,2025\n".into(),
            Encoding::Auto,
        )
        .unwrap();
        let mut problems = Vec::new();
        file.for_each_row(|r| problems.push(r.expect_err("no row")))
            .unwrap();
        assert_eq!(problems[0].line, Some(2));
        assert!(problems[0].message.en().contains("3 fields"));
    }

    /// What reading a file gives: its dialect, warnings and rows, or its
    /// rows up to a stop and why it stopped.
    #[allow(clippy::type_complexity)]
    fn outcome(
        file: Result<ReportFile, Diagnostic>,
    ) -> Result<(Dialect, Vec<Diagnostic>, Vec<Result<Row, Diagnostic>>), Diagnostic> {
        let mut file = file?;
        let mut seen = Vec::new();
        file.for_each_row(|r| seen.push(r.map(|r| owned(*r))))?;
        let warnings = file.warnings.iter().cloned().collect();
        Ok((file.dialect, warnings, seen))
    }

    fn streamed(
        bytes: &[u8],
        chunk: usize,
        encoding: Encoding,
    ) -> Result<ReportFile<'_>, Diagnostic> {
        ReportFile::read("r.csv", Input::Stream(Box::new(bytes), chunk), encoding)
    }

    /// A file read a chunk at a time gives what it gives read whole, for
    /// chunks of any size; one that is not UTF-8 stops where the whole
    /// one says it is not.
    fn reads_as_whole(bytes: &[u8], chunks: &[usize]) -> Result<(), String> {
        for encoding in [Encoding::Auto, Encoding::Windows1258] {
            let whole = outcome(ReportFile::parse_borrowed("r.csv", bytes, encoding));
            for &chunk in chunks {
                let stream = outcome(streamed(bytes, chunk, encoding));
                let same = match (&whole, &stream) {
                    (Err(w), Err(s)) if w.message.en().contains("not UTF-8") => {
                        !s.message.en().contains("not UTF-8")
                            || (w.line, w.column) == (s.line, s.column)
                    }
                    _ => whole == stream,
                };
                if !same {
                    return Err(format!(
                        "{encoding:?}, chunks of {chunk}: {:?}\nwhole:  {whole:?}\nstream: {stream:?}",
                        String::from_utf8_lossy(bytes)
                    ));
                }
            }
        }
        Ok(())
    }

    #[test]
    fn a_file_read_in_chunks_reads_as_a_whole_one() {
        let mut text = String::from("\u{feff}unit,indicator,period,value,note\r\n");
        for i in 0..3_000u64 {
            match i % 7 {
                0 => text.push_str(&format!("A,x,2025,{i},\"hai\r\ndòng, \"\"có\"\" dấu\"\r\n")),
                1 => text.push_str(&format!("B,y,2025-Q1,{i},ghi chú\r")),
                2 => text.push_str(&format!("\u{feff}C,x,2025,{i}\n\n")),
                3 => text.push_str(&format!("D,x,2025,{i},,extra\n")),
                4 => text.push_str("E,x\r\n"),
                5 => text.push_str(&format!("F;x;2025;{i}\n")),
                _ => text.push_str(&format!("\"G\",\"x\",2026,\"{i}\",\"\"\n")),
            }
        }
        let (_, _, rows) = outcome(ReportFile::parse_borrowed(
            "r.csv",
            text.as_bytes(),
            Encoding::Auto,
        ))
        .unwrap();
        assert_eq!(rows.len(), 3_000);
        assert_eq!(
            rows.iter().filter(|r| r.is_ok()).count(),
            (0..3_000).filter(|i| [0, 1, 6].contains(&(i % 7))).count()
        );
        reads_as_whole(text.as_bytes(), &[1, 2, 3, 5, 8, 13, 64, 1000, 4096, CHUNK]).unwrap();
    }

    #[test]
    fn a_quote_after_a_quoted_part_leaves_every_cell_utf8() {
        // simd-csv drops the note's first byte here, the first of `Đ`.
        let text = "unit,indicator,period,value,note\nA,x,2025,1,\"Đúng\"x\"y\n";
        for bytes in [
            text.as_bytes().to_vec(),
            text.replace('\n', "\r\n").into_bytes(),
        ] {
            let (_, _, rows) = outcome(ReportFile::parse("r.csv", bytes, Encoding::Auto)).unwrap();
            let note = rows[0].as_ref().unwrap().5.clone().unwrap();
            assert!(
                std::str::from_utf8(note.as_bytes()).is_ok(),
                "{:?}",
                note.as_bytes()
            );
            assert!(note.starts_with("úngx\"y"), "{note:?}");
        }
    }

    /// Counts the reads asked of it, and the bytes they gave.
    struct Counted<'c> {
        bytes: &'c [u8],
        calls: &'c std::cell::Cell<usize>,
        given: &'c std::cell::Cell<usize>,
    }

    impl Read for Counted<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.calls.set(self.calls.get() + 1);
            let n = self.bytes.read(buf)?;
            self.given.set(self.given.get() + n);
            Ok(n)
        }
    }

    /// A file of one enormous line (not a CSV file, or one whose line ends
    /// were lost) is refused at its first line, read whole or a chunk at a
    /// time, and a streamed reading stops soon after `MAX_HEADER` bytes.
    #[test]
    fn a_first_line_longer_than_any_header_is_refused_early() {
        // And a blank line longer than that is no header, but only blank.
        let mut blank = " ".repeat(2 * MAX_HEADER);
        blank.push_str("\nunit,indicator,period,value\nA,x,2025,1\n");
        let whole = ReportFile::parse_borrowed("r.csv", blank.as_bytes(), Encoding::Auto);
        assert_eq!(
            outcome(streamed(blank.as_bytes(), 1024, Encoding::Auto)),
            outcome(whole)
        );
        let mut text = String::from("unit,indicator,period,value,note");
        while text.len() < 16 * MAX_HEADER {
            text.push_str(",extra");
        }
        text.push_str("\nA,x,2025,1,n\n");
        let whole = ReportFile::parse_borrowed("r.csv", text.as_bytes(), Encoding::Auto)
            .err()
            .unwrap();
        assert!(
            whole
                .message
                .en()
                .starts_with("the first line is longer than 64 KiB, which no header is"),
            "{}",
            whole.message
        );
        assert_eq!((whole.line, whole.column), (Some(1), Some(1)));
        let (calls, given) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
        let counted = Counted {
            bytes: text.as_bytes(),
            calls: &calls,
            given: &given,
        };
        let streamed = ReportFile::read(
            "r.csv",
            Input::Stream(Box::new(counted), 1024),
            Encoding::Auto,
        )
        .err()
        .unwrap();
        assert_eq!(streamed, whole);
        assert!(given.get() <= 4 * MAX_HEADER, "{} bytes read", given.get());
    }

    /// A header with its names quoted, as some tools save every text cell,
    /// is read as the names (it was refused when its first and last names
    /// were quoted: found by a review).
    #[test]
    fn a_header_of_quoted_names_reads_as_the_names() {
        for header in [
            "\"unit\",\"indicator\",\"period\",\"value\",\"note\"",
            "unit,indicator,period,value,\"note\"",
            "\"unit\";\"indicator\";\"period\";\"value\"",
            "\u{feff}\"unit\",\"indicator\",\"period\",\"value\"",
        ] {
            // Rows after it, or nothing: a header that ends the file.
            for after in ["\nA,x,2025,1\n", "\r\nA,x,2025,1\r\n", ""] {
                let text = format!("{header}{after}");
                let file = ReportFile::parse("r.csv", text.into(), Encoding::Auto);
                let file = file.unwrap_or_else(|d| panic!("{header:?}: {d}"));
                assert_eq!(
                    file.dialect.width,
                    if header.contains("note") { 5 } else { 4 }
                );
                assert!(file.warnings.is_empty(), "{header:?}");
            }
        }
    }

    /// A header quoted whole is one name: refused, with what to do.
    #[test]
    fn a_header_quoted_whole_is_refused_with_a_hint() {
        let quoted = "\"unit,indicator,period,value,note\"\nA,x,2025,1\n";
        let err = ReportFile::parse("r.csv", quoted.into(), Encoding::Auto)
            .err()
            .unwrap();
        let message = err.message.en();
        assert!(
            message.contains("found `unit,indicator,period,value,note`"),
            "{message}"
        );
        assert!(message.ends_with("is the whole header quoted as one field? save the file without the quotes around it"), "{message}");
        // A header that lacks a column for another reason gets no such hint.
        let short = "unit,indicator,period\nA,x,2025\n";
        let err = ReportFile::parse("r.csv", short.into(), Encoding::Auto)
            .err()
            .unwrap();
        assert!(!err.message.en().contains("quoted"), "{}", err.message.en());
    }

    /// A header read before on the same thread is taken again only where
    /// it gives the same answer: not at another line, not in another
    /// encoding, and not when it raised a warning, which names its file.
    #[test]
    fn a_header_seen_before_reads_as_it_did() {
        let header = "unit;indicator;period;value\n";
        let first = ReportFile::parse(
            "a.csv",
            format!("{header}A;x;2025;1,5\n").into(),
            Encoding::Auto,
        )
        .unwrap();
        assert_eq!(first.dialect.delimiter, b';');
        let text = format!("\n\n{header}A;x;2025;2\n");
        let mut later = ReportFile::parse("b.csv", text.into(), Encoding::Auto).unwrap();
        assert_eq!(later.dialect.header_line, 3);
        assert_eq!(rows(&mut later)[0].0, 4);
        let bom = format!("\u{feff}{header}A;x;2025;3\n");
        let with_bom = ReportFile::parse("c.csv", bom.into(), Encoding::Auto).unwrap();
        assert_eq!(with_bom.dialect.encoding, "UTF-8 with BOM");
        for name in ["d.csv", "e.csv"] {
            let text = "unit,indicator,period,value,extra\nA,x,2025,1,\n";
            let file = ReportFile::parse(name, text.into(), Encoding::Auto).unwrap();
            assert_eq!(file.warnings.iter().count(), 1, "{name}");
            assert!(file.warnings.iter().all(|w| w.to_string().contains(name)));
        }
    }

    /// Columns `track` does not read: each name warned about once, at its
    /// first column, ten names at most, the rest counted.
    #[test]
    fn columns_not_read_are_warned_about_once_a_name_and_ten_names_at_most() {
        let extra: Vec<String> = (1..=12).map(|n| format!("c{n}")).collect();
        let header = format!(
            "unit,indicator,c1,period,c1,value,{},c1\nA,x,2025,1\n",
            extra.join(",")
        );
        let file = ReportFile::parse("r.csv", header.into_bytes(), Encoding::Auto).unwrap();
        let warnings: Vec<(String, Option<usize>)> = file
            .warnings
            .iter()
            .map(|w| (w.message.en().to_string(), w.column))
            .collect();
        let mut expected: Vec<(String, Option<usize>)> = (1..=10)
            .map(|n| {
                let column = if n == 1 { 3 } else { 6 + n };
                (
                    format!("column `c{n}` is not one `track` reads; it is ignored"),
                    Some(column),
                )
            })
            .collect();
        expected.push((
            "2 more columns are not ones `track` reads; they are ignored".to_string(),
            Some(1),
        ));
        assert_eq!(warnings, expected);
    }

    #[test]
    fn files_read_into_the_same_room_read_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let mut room = Vec::new();
        // Longer, then shorter, then empty: what a larger file left in the
        // room is never read as part of a smaller one.
        for (name, len) in [("long.csv", 10_000), ("short.csv", 7), ("empty.csv", 0)] {
            let path = dir.path().join(name);
            let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            match Input::open_in(&path, &mut room).unwrap() {
                Input::Bytes(read) => assert_eq!(read.as_ref(), &bytes[..], "{name}"),
                Input::Stream(..) => panic!("{name} is small"),
            }
        }
        // A file longer than it was said to be (grown since) is read to its end.
        let path = dir.path().join("grown.csv");
        std::fs::write(&path, b"unit,indicator\n").unwrap();
        let mut file = File::open(&path).unwrap();
        let mut small = Vec::new();
        assert_eq!(
            read_into(&mut file, 3, &mut small).unwrap(),
            b"unit,indicator\n"
        );
    }

    /// One stray quote makes the rest of a file one record, which waits for
    /// the end: it is read with reads twice as large each time (a MiB in
    /// kilobyte chunks: a few dozen reads, not a thousand), else every read
    /// would split the whole text again. So is a header after many blank
    /// lines, or one line long.
    #[test]
    fn a_record_longer_than_a_chunk_is_read_in_ever_larger_reads() {
        for start in ["", " \r\n \n", "unit,indicator,period,value,note"] {
            let mut text = start.repeat(20_000);
            text.push_str("unit,indicator,period,value,note\nA,x,2025,1,\"unclosed\n");
            while text.len() < 1 << 20 {
                text.push_str("A,x,2025,1,n\n");
            }
            let (calls, given) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
            let counted = Counted {
                bytes: text.as_bytes(),
                calls: &calls,
                given: &given,
            };
            let stream = ReportFile::read(
                "r.csv",
                Input::Stream(Box::new(counted), 1024),
                Encoding::Auto,
            );
            let whole = ReportFile::parse_borrowed("r.csv", text.as_bytes(), Encoding::Auto);
            assert_eq!(outcome(stream), outcome(whole));
            assert!(calls.get() < 200, "{} reads", calls.get());
        }
    }

    #[test]
    fn a_byte_that_is_not_utf8_far_in_is_found_where_it_is() {
        let mut bytes = b"unit,indicator,period,value\n".to_vec();
        for i in 0..1000 {
            bytes.extend(format!("A,x,2025,{i}\r").as_bytes());
        }
        bytes.extend(b"A,x,2025,\xd2\n");
        let whole = ReportFile::parse("r.csv", bytes.clone(), Encoding::Auto)
            .err()
            .unwrap();
        assert_eq!((whole.line, whole.column), (Some(1002), Some(10)));
        let mut file = streamed(&bytes, 4096, Encoding::Auto).unwrap();
        let mut rows = 0;
        let stop = file
            .for_each_row(|r| rows += usize::from(r.is_ok()))
            .unwrap_err();
        assert_eq!(stop, whole);
        assert!(rows > 0 && rows < 1000, "{rows}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct(
                    "tests/proptest-regressions/report-file-chunks.txt",
                ),
            )),
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any text of the bytes that matter to a CSV reader, cut anywhere.
        #[test]
        fn any_text_read_in_chunks_reads_as_whole(
            head in proptest::sample::select(vec![
                &b""[..], b"\xef\xbb\xbf", b"\xff\xfe", b"unit,indicator,period,value,note\n",
                b"\xef\xbb\xbfunit;indicator;period;value\r\n", b"\n \nunit,indicator,period,value\r",
            ]),
            parts in proptest::collection::vec(proptest::sample::select(vec![
                &b"A"[..], b"x", b"2025", b"12", b",", b";", b"\"", b"\"\"", b"\r", b"\n", b"\r\n",
                b" ", b"\t", "é".as_bytes(), b"\xef\xbb\xbf", b"\xe1\xba", b"\xff", b"A,x,2025,1,n\n",
                b"unit,indicator,period,value\n",
            ]), 0..60),
        ) {
            let mut bytes = head.to_vec();
            for p in parts {
                bytes.extend_from_slice(p);
            }
            let checked = reads_as_whole(&bytes, &[1, 2, 3, 4, 7, 16]);
            proptest::prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
        }
    }
}
