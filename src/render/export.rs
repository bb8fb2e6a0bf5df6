//! `track export` in each format: every stored value as one normalised CSV
//! (through the shared `CsvWriter`, so `--excel` and formula neutralising
//! apply) or JSON, with the file and line it came from. Formats the values
//! read; computes nothing.

use std::io::Write;

use anyhow::Result;

use super::csv::{CsvWriter, Field};
use super::{Format, Style};
use crate::model::{IndicatorId, Plan, UnitId, Value};
use crate::period::Period;

/// One stored value, as the pass reads it.
pub struct ExportRow<'a> {
    pub unit: UnitId,
    pub indicator: IndicatorId,
    pub period: Period,
    pub value: &'a Value<'a>,
    /// The note in NFC.
    pub note: &'a str,
    /// The stored file's name inside `reports/`.
    pub file: &'a str,
    pub line: u32,
    /// The file that superseded the value, for a value no longer in force.
    pub superseded_by: Option<&'a str>,
}

const COLUMNS: [&str; 7] = [
    "unit",
    "indicator",
    "period",
    "value",
    "note",
    "file",
    "line",
];

/// Writes the values one at a time, as they are read: ten million values
/// are never all held.
pub struct Exporter<'a, W: Write> {
    plan: &'a Plan,
    /// Superseded values are included: `in_force` and `superseded_by` columns.
    all: bool,
    to: To<W>,
    /// A JSON row laid out, kept from row to row.
    buf: Vec<u8>,
}

enum To<W: Write> {
    Csv(Box<CsvWriter<W>>),
    /// `rows` written so far: the array is closed accordingly.
    Json {
        out: W,
        rows: u64,
    },
    /// CSV rows formatted elsewhere, written as they are (`rows`).
    Raw(W),
    /// Only while switching from `Csv` to `Raw`.
    Gone,
}

impl<'a> Exporter<'a, Vec<u8>> {
    /// Rows alone, into memory: one file's share of an export formatted on
    /// another thread, for `Exporter::rows` to write in its place.
    pub fn rows_only(format: Format, plan: &'a Plan, all: bool, style: Style) -> Self {
        let to = match format {
            // Counted as not the first row: each row opens with `,`, which
            // the export's first row drops.
            Format::Json => To::Json {
                out: Vec::new(),
                rows: 1,
            },
            _ => To::Csv(Box::new(CsvWriter::rows_only(Vec::new(), style.csv))),
        };
        Exporter {
            plan,
            all,
            to,
            buf: Vec::new(),
        }
    }

    /// The rows formatted since the last call.
    pub fn take(&mut self) -> Result<Vec<u8>> {
        Ok(match &mut self.to {
            To::Csv(writer) => writer.take()?,
            To::Json { out, .. } => std::mem::take(out),
            To::Raw(_) | To::Gone => Vec::new(),
        })
    }
}

impl<'a, W: Write> Exporter<'a, W> {
    /// Writes rows formatted by `rows_only` (`count` of them), as `row`
    /// would have written them.
    pub fn rows(&mut self, formatted: &[u8], count: u64) -> Result<()> {
        if count == 0 {
            return Ok(());
        }
        if let To::Csv(_) = self.to
            && let To::Csv(writer) = std::mem::replace(&mut self.to, To::Gone)
        {
            self.to = To::Raw(writer.into_inner()?);
        }
        match &mut self.to {
            To::Raw(out) => out.write_all(formatted)?,
            To::Json { out, rows } => {
                let first = usize::from(*rows == 0);
                out.write_all(&formatted[first..])?;
                *rows += count;
            }
            To::Csv(_) | To::Gone => unreachable!("switched above"),
        }
        Ok(())
    }

    /// CSV or JSON (the caller has refused the other formats); writes the
    /// header or opens the array.
    pub fn new(format: Format, plan: &'a Plan, all: bool, style: Style, out: W) -> Result<Self> {
        let to = match format {
            Format::Json => {
                let mut out = out;
                out.write_all(b"[")?;
                To::Json { out, rows: 0 }
            }
            _ => {
                let mut writer = CsvWriter::new(out, style.csv)?;
                let mut header = COLUMNS.to_vec();
                if all {
                    header.extend(["in_force", "superseded_by"]);
                }
                writer.header(&header)?;
                To::Csv(Box::new(writer))
            }
        };
        Ok(Exporter {
            plan,
            all,
            to,
            buf: Vec::new(),
        })
    }

    pub fn row(&mut self, row: &ExportRow) -> Result<()> {
        let plan = self.plan;
        match &mut self.to {
            To::Csv(writer) => {
                let value = match row.value {
                    // A value as reported, every decimal kept, with the dialect's mark.
                    Value::Number(n) => Field::Exact(*n),
                    other => Field::text(plan.show_value(row.indicator, other)),
                };
                let mut record = vec![
                    Field::text(&plan.unit(row.unit).code),
                    Field::text(&plan.indicator(row.indicator).code),
                    Field::text(row.period.to_string()),
                    value,
                    Field::text(row.note),
                    Field::text(row.file),
                    Field::text(row.line.to_string()),
                ];
                if self.all {
                    record.push(Field::text(row.superseded_by.is_none().to_string()));
                    record.push(Field::text(row.superseded_by.unwrap_or("")));
                }
                writer.row(record)
            }
            // One object per value; the value as a report would write it (a
            // string). Laid out as `serde_json::to_writer_pretty` lays out
            // the whole array.
            To::Json { out, rows } => {
                // Laid out by hand as serde_json's pretty printer lays out
                // the object in the array; strings escaped by serde_json.
                let buf = &mut self.buf;
                buf.clear();
                buf.extend_from_slice(if *rows == 0 { b"\n  {" } else { b",\n  {" });
                let key = |buf: &mut Vec<u8>, name: &str| {
                    buf.extend_from_slice(b",\n    \"");
                    buf.extend_from_slice(name.as_bytes());
                    buf.extend_from_slice(b"\": ");
                };
                let text = |buf: &mut Vec<u8>, text: &str| serde_json::to_writer(buf, text);
                buf.extend_from_slice(b"\n    \"unit\": ");
                text(buf, &plan.unit(row.unit).code)?;
                key(buf, "indicator");
                text(buf, &plan.indicator(row.indicator).code)?;
                key(buf, "period");
                write!(buf, "\"{}\"", row.period)?;
                key(buf, "value");
                text(buf, &plan.show_value(row.indicator, row.value))?;
                key(buf, "note");
                text(buf, row.note)?;
                key(buf, "file");
                text(buf, row.file)?;
                key(buf, "line");
                write!(buf, "{}", row.line)?;
                if self.all {
                    key(buf, "in_force");
                    write!(buf, "{}", row.superseded_by.is_none())?;
                    key(buf, "superseded_by");
                    text(buf, row.superseded_by.unwrap_or(""))?;
                }
                buf.extend_from_slice(b"\n  }");
                out.write_all(buf)?;
                *rows += 1;
                Ok(())
            }
            To::Raw(_) | To::Gone => {
                unreachable!("an export formats its rows or takes them formatted, not both")
            }
        }
    }

    /// Ends the output: closes the array, flushes the CSV.
    pub fn finish(self) -> Result<()> {
        match self.to {
            To::Csv(writer) => writer.finish(),
            To::Json { mut out, rows } => {
                out.write_all(if rows == 0 { b"]\n" } else { b"\n]\n" })?;
                out.flush()?;
                Ok(())
            }
            To::Raw(mut out) => {
                out.flush()?;
                Ok(())
            }
            To::Gone => unreachable!("switched to Raw"),
        }
    }
}
