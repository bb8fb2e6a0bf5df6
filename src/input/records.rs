//! A report file's text cut into records and fields, before any column
//! has a meaning: the first step of reading its rows. Cuts exactly where
//! simd-csv's `TotalReader` cuts (a differential test holds the two
//! equal), but a record without a quote, most of them, is cut where it
//! stands: its fields are slices of the text, found in one search.

const QUOTE: u8 = b'"';

/// The records of a text, one at a time.
pub struct Records<'t> {
    text: &'t [u8],
    /// Where the next record, or the line ends before it, starts.
    pos: usize,
    /// `\n`s before `pos`.
    newlines: u64,
    /// The fields of the record read last, as ranges of `text` or, for a
    /// record with quotes, of `unquoted`.
    bounds: Vec<(usize, usize)>,
    unquoted: Vec<u8>,
    hits: Hits,
    first_end: Option<usize>,
}

/// Where simd-csv's reader is in a record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Unquoted,
    Quoted,
    Quote,
}

/// One record: its fields, unquoted.
pub struct Record<'r> {
    /// The line it starts on, counted from 1 at the start of the text.
    pub line: u64,
    /// Where it ends: where the next one, or the line ends before it, starts.
    pub end: usize,
    /// Whether it had no quote: its fields are slices of the text, cut at
    /// ASCII bytes.
    pub plain: bool,
    base: &'r [u8],
    bounds: &'r [(usize, usize)],
}

impl<'r> Record<'r> {
    #[inline]
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    /// Never: a record has a field at least.
    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&'r [u8]> {
        let &(start, end) = self.bounds.get(i)?;
        debug_assert!(start <= end && end <= self.base.len(), "{start}..{end}");
        // SAFETY: `Records` cuts every field from `base` itself (the text,
        // or the record unquoted), so `start <= end <= base.len()`; the
        // differential tests and fuzzing against simd-csv run with this
        // asserted. Checking each of millions of fields cost 4 % of a report.
        Some(unsafe { self.base.get_unchecked(start..end) })
    }

    pub fn iter(&self) -> impl Iterator<Item = &'r [u8]> + '_ {
        let base = self.base;
        self.bounds
            .iter()
            .map(move |&(start, end)| &base[start..end])
    }
}

/// Fields taken from each record by position, the positions checked once
/// (for a file) rather than for each field of each row: a record with
/// enough fields gives them all, one comparison in all.
#[derive(Clone, Copy, Debug)]
pub struct Pick<const N: usize> {
    at: [usize; N],
    /// One more than the largest position: the fields a record needs.
    needed: usize,
}

impl<const N: usize> Pick<N> {
    pub fn new(at: [usize; N]) -> Pick<N> {
        let needed = at.iter().max().map_or(0, |m| m + 1);
        Pick { at, needed }
    }

    /// How many fields a record needs to give its picks.
    pub fn needed(&self) -> usize {
        self.needed
    }

    /// The fields at the picked positions; `None` when the record has
    /// fewer than `needed`.
    #[inline]
    pub fn fields<'r>(&self, record: &Record<'r>) -> Option<[&'r [u8]; N]> {
        if record.bounds.len() < self.needed {
            return None;
        }
        Some(self.at.map(|i| {
            // SAFETY: every `i` is below `needed` (`new`), which is no more
            // than the record's fields, checked above; the field's range
            // is within `base` (see `Record::get`).
            let &(start, end) = unsafe { record.bounds.get_unchecked(i) };
            debug_assert!(start <= end && end <= record.base.len(), "{start}..{end}");
            unsafe { record.base.get_unchecked(start..end) }
        }))
    }
}

impl<'t> Records<'t> {
    pub fn new(text: &'t [u8], delimiter: u8) -> Records<'t> {
        let mut hits = Hits {
            delimiter,
            at: 0,
            from: 0,
            mask: 0,
            delimiters: 0,
        };
        (hits.mask, hits.delimiters) = hits.window(text, 0);
        Records {
            text,
            pos: 0,
            newlines: 0,
            bounds: Vec::new(),
            unquoted: Vec::new(),
            hits,
            first_end: None,
        }
    }

    /// Where the first record ended when read the first time (see
    /// `next_record`), once it has been read.
    pub fn first_reading_end(&self) -> Option<usize> {
        self.first_end
    }

    /// Where the next record, or the line ends before it, starts.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next record; `None` when only line ends are left. A record cut
    /// by the end of the text ends there. Inline in the caller's loop: the
    /// record's fields then stay in registers, not returned through memory
    /// (a tenth fewer instructions for the bare loop, 4 % for a report).
    #[inline(always)]
    pub fn next_record(&mut self) -> Option<Record<'_>> {
        let text = self.text;
        // Line ends between records are passed over, as simd-csv does
        // (a blank line is no record).
        loop {
            match text.get(self.pos) {
                None => return None,
                Some(b'\n') => self.newlines += 1,
                Some(b'\r') => {}
                Some(_) => break,
            }
            self.pos += 1;
        }
        let line = self.newlines + 1;
        let start = self.pos;
        self.bounds.clear();
        // In locals, so that the loop keeps them in registers.
        let (mut hits, bounds) = (self.hits, &mut self.bounds);
        hits.seek(text, start);
        let mut field = start;
        let stop = loop {
            let Some((at, is_delimiter)) = hits.next(text) else {
                break None;
            };
            if !is_delimiter {
                break Some(at);
            }
            bounds.push((field, at));
            field = at + 1;
        };
        self.hits = hits;
        let end = match stop {
            Some(at) if text[at] == QUOTE => {
                let (mut end, left) = if at == start {
                    self.quoted(start, State::Unquoted)
                } else {
                    // Where the port is when it meets this quote: the
                    // fields before it cut, the bytes up to it copied, the
                    // field it is in started (a byte on, unless the last
                    // field cut starts there too: simd-csv's `bump`).
                    for (from, to) in &mut self.bounds {
                        (*from, *to) = (*from - start, *to - start);
                    }
                    let mut field = field - start;
                    if self.bounds.last().map_or(0, |b| b.0) != field {
                        field += 1;
                    }
                    self.unquoted.clear();
                    self.unquoted.extend_from_slice(&text[start..=at]);
                    self.quoted_on(start, at - start + 1, State::Quoted, field)
                };
                if self.first_end.is_none() {
                    self.first_end = Some(end);
                    // simd-csv reads a text's first record twice, as a
                    // header and then as a record, the second time in
                    // the state the first left it in: inside a quoted
                    // field if the text ended there.
                    if left != State::Unquoted {
                        end = self.quoted(start, left).0;
                    }
                }
                self.pos = end;
                self.newlines += newlines_in(&text[start..end]);
                return Some(Record {
                    line,
                    end,
                    plain: false,
                    base: &self.unquoted,
                    bounds: &self.bounds,
                });
            }
            Some(newline) => {
                self.newlines += 1;
                bounds.push((field, without_cr(text, field, newline)));
                newline + 1
            }
            None => {
                bounds.push((field, without_cr(text, field, text.len())));
                text.len()
            }
        };
        self.pos = end;
        self.first_end.get_or_insert(end);
        Some(self.plain(line))
    }

    fn plain(&self, line: u64) -> Record<'_> {
        Record {
            line,
            end: self.pos,
            plain: true,
            base: self.text,
            bounds: &self.bounds,
        }
    }

    /// Reads the record that starts at `start` and has a quote into
    /// `unquoted` and `bounds`; returns where it ends. A port of simd-csv
    /// 0.14's `CoreReader::read_record` and `ByteRecordBuilder` (MIT) over
    /// the whole text, so that quoted fields, and the odd ones (`a"b`,
    /// `"a"b"`), are read exactly as before: keep the two in step.
    fn quoted(&mut self, start: usize, from: State) -> (usize, State) {
        self.unquoted.clear();
        self.bounds.clear();
        self.quoted_on(start, 0, from, 0)
    }

    /// `quoted`, from `pos` (counted from `start`) on in `state`, where
    /// `unquoted` and `bounds` hold what the port has read before it and
    /// `field` is where in `unquoted` the field being read starts.
    fn quoted_on(
        &mut self,
        start: usize,
        mut pos: usize,
        from: State,
        mut field: usize,
    ) -> (usize, State) {
        let input = &self.text[start..];
        let (delimiter, len) = (self.hits.delimiter, input.len());
        let data = &mut self.unquoted;
        let bounds = &mut self.bounds;
        let finish_field = |data: &Vec<u8>, bounds: &mut Vec<(usize, usize)>, field: &mut usize| {
            bounds.push((*field, data.len()));
            *field = data.len();
        };
        let finish_record =
            |data: &mut Vec<u8>, bounds: &mut Vec<(usize, usize)>, field: &mut usize| {
                finish_field(data, bounds, field);
                if let Some((s, e)) = bounds.last_mut()
                    && data[*s..*e].last() == Some(&b'\r')
                {
                    *e -= 1;
                    data.pop();
                }
            };
        let mut state = from;
        while pos < len {
            match state {
                State::Unquoted => {
                    if input[pos] == QUOTE {
                        state = State::Quoted;
                        pos += 1;
                        continue;
                    }
                    let mut last = 0;
                    self.hits.seek(self.text, start + pos);
                    while let Some((at, _)) = self.hits.next(self.text) {
                        let offset = at - start - pos;
                        last = offset + 1;
                        let byte = input[pos + offset];
                        if byte == delimiter {
                            // The bytes up to here are copied below.
                            let from = field;
                            field = data.len() + offset;
                            bounds.push((from, field));
                            field += 1;
                            continue;
                        }
                        if byte == b'\n' {
                            data.extend_from_slice(&input[pos..pos + offset]);
                            finish_record(data, bounds, &mut field);
                            return (start + pos + last, State::Unquoted);
                        }
                        state = State::Quoted;
                        if bounds.last().map_or(0, |b| b.0) != field {
                            field += 1;
                        }
                        break;
                    }
                    if last == 0 {
                        break;
                    }
                    data.extend_from_slice(&input[pos..pos + last]);
                    pos += last;
                }
                State::Quoted => match self.hits.next_quote(self.text, start + pos) {
                    Some(at) => {
                        let offset = at - start - pos;
                        data.extend_from_slice(&input[pos..pos + offset]);
                        pos += offset + 1;
                        state = State::Quote;
                    }
                    None => break,
                },
                State::Quote => {
                    let byte = input[pos];
                    if byte == QUOTE {
                        state = State::Quoted;
                        data.push(byte);
                        pos += 1;
                    } else if byte == delimiter {
                        finish_field(data, bounds, &mut field);
                        pos += 1;
                        state = State::Unquoted;
                    } else if byte == b'\n' {
                        finish_field(data, bounds, &mut field);
                        return (start + pos + 1, State::Unquoted);
                    } else if byte == b'\r' && pos + 2 < len && input[pos + 2] == b'\n' {
                        finish_field(data, bounds, &mut field);
                        return (start + pos + 2, State::Unquoted);
                    } else {
                        state = State::Unquoted;
                    }
                }
            }
        }
        // The end of the text ends the record.
        data.extend_from_slice(&input[pos..]);
        finish_record(data, bounds, &mut field);
        (start + len, state)
    }
}

/// Where the delimiters, line ends and quotes of a text are, found a
/// window of 32 bytes at a time: one search for all of a record's fields.
#[derive(Clone, Copy)]
struct Hits {
    delimiter: u8,
    /// Where the window starts.
    at: usize,
    /// Where in the window hits are still to be handed out.
    from: usize,
    /// The window's hits not yet handed out, a bit for each byte.
    mask: u32,
    /// Which of the window's bytes are delimiters.
    delimiters: u32,
}

const WINDOW: usize = 32;

impl Hits {
    /// Hits from `pos` on.
    #[inline]
    fn seek(&mut self, text: &[u8], pos: usize) {
        // The window's hits before the last one handed out are gone.
        if pos >= self.at + WINDOW || pos < self.from {
            self.from = pos;
            self.at = pos;
            (self.mask, self.delimiters) = self.window(text, pos);
        } else {
            self.mask &= u32::MAX << (pos - self.at);
        }
    }

    /// The first quote from `pos` on.
    fn next_quote(&mut self, text: &[u8], pos: usize) -> Option<usize> {
        self.seek(text, pos);
        while let Some((at, _)) = self.next(text) {
            if text[at] == QUOTE {
                return Some(at);
            }
        }
        None
    }

    /// The next hit, and whether it is a delimiter.
    #[inline]
    fn next(&mut self, text: &[u8]) -> Option<(usize, bool)> {
        loop {
            if self.mask != 0 {
                let bit = self.mask.trailing_zeros();
                self.mask &= self.mask - 1;
                let at = self.at + bit as usize;
                self.from = at + 1;
                return Some((at, self.delimiters >> bit & 1 != 0));
            }
            if self.at + WINDOW >= text.len() {
                return None;
            }
            self.at += WINDOW;
            self.from = self.at;
            (self.mask, self.delimiters) = self.window(text, self.at);
        }
    }

    /// A bit for each delimiter, line end and quote in `text[at..at + 32]`,
    /// and one for each delimiter.
    #[inline]
    fn window(&self, text: &[u8], at: usize) -> (u32, u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(bytes) = text.get(at..at + WINDOW) {
            return sse2_hits(bytes, self.delimiter);
        }
        let bytes = &text[at..text.len().min(at + WINDOW)];
        let (mut hits, mut delimiters) = (0, 0);
        for (i, &b) in bytes.iter().enumerate() {
            let delimiter = b == self.delimiter;
            hits |= u32::from(delimiter || b == b'\n' || b == QUOTE) << i;
            delimiters |= u32::from(delimiter) << i;
        }
        (hits, delimiters)
    }
}

/// `Hits::window` on a whole window, with SSE2, which every x86-64
/// processor has.
#[cfg(target_arch = "x86_64")]
#[inline]
fn sse2_hits(bytes: &[u8], delimiter: u8) -> (u32, u32) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    assert!(bytes.len() >= WINDOW);
    // SAFETY: SSE2 is part of x86-64; each load reads 16 of the 32 bytes
    // `bytes` holds (checked above) and needs no alignment.
    let half = |from: usize| unsafe {
        let v = _mm_loadu_si128(bytes.as_ptr().add(from).cast::<__m128i>());
        let is_delimiter = _mm_cmpeq_epi8(v, _mm_set1_epi8(delimiter as i8));
        let is_newline = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8));
        let is_quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(QUOTE as i8));
        let hits = _mm_or_si128(_mm_or_si128(is_delimiter, is_newline), is_quote);
        (
            _mm_movemask_epi8(hits) as u32,
            _mm_movemask_epi8(is_delimiter) as u32,
        )
    };
    let ((low, low_delimiters), (high, high_delimiters)) = (half(0), half(16));
    (low | high << 16, low_delimiters | high_delimiters << 16)
}

/// The `\n`s in a quoted record: most have one, at their end.
fn newlines_in(record: &[u8]) -> u64 {
    match record.split_last() {
        Some((b'\n', rest)) if memchr::memchr(b'\n', rest).is_none() => 1,
        _ => memchr::memchr_iter(b'\n', record).count() as u64,
    }
}

/// The end of a last field at `end`, less a `\r` it ends with.
#[inline]
fn without_cr(text: &[u8], field: usize, end: usize) -> usize {
    if end > field && text[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// simd-csv's reading, with lines counted as `read_rows` counted them.
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
            let line =
                memchr::memchr_iter(b'\n', &text[..start.min(text.len())]).count() as u64 + 1;
            let fields = record.iter().map(<[u8]>::to_vec).collect();
            out.push((line, fields, reader.position() as usize));
        }
    }

    #[test]
    fn cuts_as_simd_csv_does() {
        for text in [
            "",
            "\n\n",
            "a,b\n",
            "a,b",
            "a,b\r\n\r\nc,d\r\n",
            "a,\"b,c\",d\ne,f\n",
            "a,\"b\"\"c\"\n",
            "\"Đúng\"x\",y\n",
            "a\"b,c\nd\n",
            "\"a\nb\",c\nd,e",
            "\"x\"\r\n,\n",
            "\"x\"\r\n\n,\n",
            "\"x\"\ra\n",
            ",,,\n  ,\t\n",
            "\"unterminated,\na,b\n",
            "a,b\r",
            // The first record read again from inside a quoted field.
            "a,\"b\nc,d\ne\n",
            "\"x\"\"\ny,z",
        ] {
            for delimiter in [b',', b';'] {
                assert_eq!(
                    ours(text.as_bytes(), delimiter),
                    theirs(text.as_bytes(), delimiter),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn a_record_without_quotes_is_not_copied() {
        let text = b"a,b,c\n";
        let mut records = Records::new(text, b',');
        let record = records.next_record().expect("a record");
        let field = record.get(1).expect("a field");
        assert!(std::ptr::eq(field.as_ptr(), text[2..].as_ptr()));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct(
                    "tests/proptest-regressions/records.txt",
                ),
            )),
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any text of the bytes that matter (delimiters, quotes, line
        /// ends, spaces, a character of two bytes) is cut the same way.
        #[test]
        fn any_text_is_cut_as_simd_csv_cuts_it(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b", ",", ";", "\"", "\"\"", "\n", "\r", "\r\n", " ", "đ", "\u{feff}",
            ]), 0..80),
            semicolon: bool,
        ) {
            let mut text = parts.concat();
            // simd-csv drops a byte-order mark at the start of what it
            // is given; `read_rows` is never given one there that counts
            // (the header's line, or a stream's record of its own).
            if text.starts_with('\u{feff}') {
                text.insert(0, 'a');
            }
            let delimiter = if semicolon { b';' } else { b',' };
            proptest::prop_assert_eq!(
                ours(text.as_bytes(), delimiter),
                theirs(text.as_bytes(), delimiter)
            );
        }
    }
}
