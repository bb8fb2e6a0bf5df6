//! CSV output: one writer for every CSV `track` writes (report,
//! completeness, explain, template, and export), then `track report
//! --format csv` on top of it. English column names and codes whatever the
//! language; RFC 4180 with `.` decimals, or, with `--excel`, what Excel in
//! a Vietnamese locale opens as it should (BOM, `;`, decimal comma).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;
use rust_decimal::Decimal;

use super::{ReportView, Style, plain};
use crate::evaluate::Figure;
use crate::model::{IndicatorKind, Measure, Objective, Plan};

/// How CSV is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 4180: UTF-8 without BOM, `,` delimiter, `.` decimals.
    #[default]
    Standard,
    /// For Excel (and LibreOffice) in a Vietnamese locale, which read a
    /// CSV with the locale's list separator `;` and decimal comma, and
    /// take it as UTF-8 only when it starts with a byte-order mark.
    ExcelVi,
}

/// One cell of a CSV record.
#[derive(Clone, Debug, PartialEq)]
pub enum Field<'a> {
    /// Text, possibly the user's (titles, notes, assessments): neutralised
    /// if a spreadsheet would run it as a formula.
    Text(Cow<'a, str>),
    /// A number, rounded to four decimals, written with the dialect's
    /// decimal mark: a derived figure (a share, an expected value).
    Number(Decimal),
    /// A number as a unit reported it, every decimal kept, with the
    /// dialect's decimal mark (`track export` must not round data).
    Exact(Decimal),
    Empty,
}

impl<'a> Field<'a> {
    pub fn text(s: impl Into<Cow<'a, str>>) -> Field<'a> {
        Field::Text(s.into())
    }

    pub fn number(n: Option<Decimal>) -> Field<'a> {
        n.map_or(Field::Empty, Field::Number)
    }
}

impl<'a> From<&'a str> for Field<'a> {
    fn from(s: &'a str) -> Field<'a> {
        Field::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Field<'_> {
    fn from(s: String) -> Self {
        Field::Text(Cow::Owned(s))
    }
}

/// Writes CSV in a dialect, neutralising formula-like cells. Every CSV
/// output of `track` goes through it, so that no user text reaches a
/// spreadsheet as a formula, whichever command wrote it.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
    dialect: Dialect,
    record: Vec<String>,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the output: Excel's dialect opens with a UTF-8 byte-order
    /// mark, without which Excel reads the file in the locale's code page.
    pub fn new(mut out: W, dialect: Dialect) -> Result<CsvWriter<W>> {
        // Lines end as each reader expects: `\n` as `track` always wrote,
        // `\r\n` for Windows.
        let (delimiter, terminator) = match dialect {
            Dialect::Standard => (b',', csv::Terminator::Any(b'\n')),
            Dialect::ExcelVi => {
                out.write_all("\u{feff}".as_bytes())?;
                (b';', csv::Terminator::CRLF)
            }
        };
        let inner = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(terminator)
            .from_writer(out);
        Ok(CsvWriter {
            inner,
            dialect,
            record: Vec::new(),
        })
    }

    /// Rows alone, with no byte-order mark: part of an output that
    /// `new` started.
    pub fn rows_only(out: W, dialect: Dialect) -> CsvWriter<W> {
        let (delimiter, terminator) = match dialect {
            Dialect::Standard => (b',', csv::Terminator::Any(b'\n')),
            Dialect::ExcelVi => (b';', csv::Terminator::CRLF),
        };
        let inner = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(terminator)
            .from_writer(out);
        CsvWriter {
            inner,
            dialect,
            record: Vec::new(),
        }
    }

    /// The output, with all written so far flushed into it.
    pub fn into_inner(self) -> Result<W> {
        Ok(self.inner.into_inner().map_err(|e| e.into_error())?)
    }

    /// The header row: column names are ours, written as they are.
    pub fn header(&mut self, names: &[&str]) -> Result<()> {
        self.inner.write_record(names)?;
        Ok(())
    }

    pub fn row<'a>(&mut self, fields: impl IntoIterator<Item = Field<'a>>) -> Result<()> {
        // The cells' strings are kept from row to row: an export writes
        // millions of rows.
        let mut used = 0;
        for field in fields {
            if used == self.record.len() {
                self.record.push(String::new());
            }
            let cell = &mut self.record[used];
            cell.clear();
            let number = matches!(field, Field::Number(_) | Field::Exact(_));
            match field {
                Field::Text(text) => cell.push_str(&neutralise(&text)),
                Field::Number(n) => cell.push_str(&plain(n)),
                Field::Exact(n) => write!(cell, "{}", n.normalize())?,
                Field::Empty => {}
            }
            if number && self.dialect == Dialect::ExcelVi {
                // The decimal mark of the dialect.
                *cell = cell.replace('.', ",");
            }
            used += 1;
        }
        self.inner.write_record(&self.record[..used])?;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.inner.flush()?;
        Ok(())
    }
}

impl CsvWriter<Vec<u8>> {
    /// The rows written since the last call.
    pub fn take(&mut self) -> Result<Vec<u8>> {
        let fresh = CsvWriter::rows_only(Vec::new(), self.dialect);
        std::mem::replace(self, fresh).into_inner()
    }
}

/// A cell that a spreadsheet would run as a formula (it starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
/// OWASP's advice on CSV injection says; anything else is left as it is.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

const COLUMNS: [&str; 15] = [
    "objective",
    "title",
    "target",
    "actual",
    "expected",
    "gap",
    "status",
    "share",
    "above_range",
    "needed_per_half_year",
    "halves_left",
    "numerator",
    "denominator",
    "window_start",
    "deadline",
];

/// `track report --format csv`: RFC 4180, UTF-8, one header row, `.`
/// decimals (or the Excel dialect), English column names and status codes.
pub fn report(view: &ReportView, style: Style, out: &mut dyn Write) -> Result<()> {
    let mut writer = CsvWriter::new(out, style.csv)?;
    let mut header: Vec<&str> = COLUMNS.to_vec();
    if view.by_unit {
        header.insert(1, "unit");
    }
    writer.header(&header)?;
    for e in &view.shown {
        let objective = view.plan.objective(e.objective);
        let mut record = vec![
            Field::text(&objective.code),
            Field::text(&objective.title),
            Field::text(objective.target.to_string()),
            figure(view.plan, objective, e.actual.as_ref()),
            figure(view.plan, objective, e.expected.as_ref()),
            Field::number(e.gap),
            Field::text(e.status.code()),
            Field::number(e.share),
            Field::text(e.above_range.to_string()),
            Field::number(e.needed_per_half_year),
            Field::Number(e.halves_left.into()),
            Field::number(e.ratio.map(|r| r.0)),
            Field::number(e.ratio.map(|r| r.1)),
            Field::text(objective.window.start.to_string()),
            Field::text(objective.window.end.to_string()),
        ];
        if view.by_unit {
            record.insert(1, Field::Empty);
        }
        writer.row(record)?;
        if view.by_unit {
            for part in &e.by_unit {
                let mut record = vec![Field::Empty; header.len()];
                record[0] = Field::text(&objective.code);
                record[1] = Field::text(&view.plan.unit(part.unit).code);
                record[4] = figure(view.plan, objective, Some(&part.actual));
                record[12] = Field::number(part.ratio.map(|r| r.0));
                record[13] = Field::number(part.ratio.map(|r| r.1));
                writer.row(record)?;
            }
        }
    }
    writer.finish()
}

/// A figure for machines: a number, a level's code, or the text.
pub(super) fn figure<'a>(
    plan: &Plan,
    objective: &Objective,
    figure: Option<&'a Figure>,
) -> Field<'a> {
    match figure {
        None => Field::Empty,
        Some(Figure::Number(n) | Figure::Percent(n)) => Field::Number(*n),
        Some(Figure::Level(rank)) => Field::text(level_code(plan, objective, *rank)),
        Some(Figure::Text(t)) => Field::text(t.as_str()),
    }
}

pub(super) fn level_code(plan: &Plan, objective: &Objective, rank: usize) -> String {
    match objective.measure {
        Measure::Single(id) => match &plan.indicator(id).kind {
            IndicatorKind::Ordinal(levels) => levels.get(rank).map(|l| l.code.clone()),
            _ => None,
        },
        Measure::Ratio { .. } => None,
    }
    .unwrap_or_else(|| rank.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dialect: Dialect, rows: Vec<Vec<Field>>) -> String {
        let mut out = Vec::new();
        let mut w = CsvWriter::new(&mut out, dialect).unwrap();
        w.header(&["a", "b"]).unwrap();
        for row in rows {
            w.row(row).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formula_like_text_is_neutralised_and_numbers_are_not() {
        for bad in [
            "=1+2",
            "+84 90",
            "-5 so với kế hoạch",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(bad), format!("'{bad}"), "{bad:?}");
        }
        for fine in ["Sở Tư pháp", "5-10", "> 60%", "", "'quoted"] {
            assert_eq!(neutralise(fine), fine);
        }
        let csv = write(
            Dialect::Standard,
            vec![vec![
                Field::text("=HYPERLINK(\"http://x\")"),
                Field::Number("-1.5".parse().unwrap()),
            ]],
        );
        assert_eq!(csv, "a,b\n\"'=HYPERLINK(\"\"http://x\"\")\",-1.5\n");
    }

    #[test]
    fn excel_dialect_has_a_bom_semicolons_and_decimal_commas() {
        let csv = write(
            Dialect::ExcelVi,
            vec![vec![
                Field::text("Nhiệm vụ; cấp tỉnh"),
                Field::Number("53.8462".parse().unwrap()),
            ]],
        );
        assert_eq!(csv, "\u{feff}a;b\r\n\"Nhiệm vụ; cấp tỉnh\";53,8462\r\n");
    }
}
