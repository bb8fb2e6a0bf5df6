//! `track export` in each format: every stored value as one normalised CSV
//! (through the shared `CsvWriter`, so `--excel` and formula neutralising
//! apply) or JSON, with the file and line it came from. Formats the values
//! read; computes nothing.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

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
pub struct Exporter<'a> {
    plan: &'a Plan,
    /// Superseded values are included: `in_force` and `superseded_by` columns.
    all: bool,
    to: To<'a>,
}

enum To<'a> {
    Csv(Box<CsvWriter<&'a mut dyn Write>>),
    /// `rows` written so far: the array is closed accordingly.
    Json {
        out: &'a mut dyn Write,
        rows: u64,
    },
}

impl<'a> Exporter<'a> {
    /// CSV or JSON (the caller has refused the other formats); writes the
    /// header or opens the array.
    pub fn new(
        format: Format,
        plan: &'a Plan,
        all: bool,
        style: Style,
        out: &'a mut dyn Write,
    ) -> Result<Exporter<'a>> {
        let to = match format {
            Format::Json => {
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
        Ok(Exporter { plan, all, to })
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
                let mut value = json!({
                    "unit": plan.unit(row.unit).code,
                    "indicator": plan.indicator(row.indicator).code,
                    "period": row.period.to_string(),
                    "value": plan.show_value(row.indicator, row.value),
                    "note": row.note,
                    "file": row.file,
                    "line": row.line,
                });
                if self.all {
                    value["in_force"] = json!(row.superseded_by.is_none());
                    value["superseded_by"] = json!(row.superseded_by.unwrap_or(""));
                }
                out.write_all(if *rows == 0 { b"\n" } else { b",\n" })?;
                // JSON strings escape line breaks, so every line break here
                // is the layout's own.
                for (i, line) in serde_json::to_string_pretty(&value)?.lines().enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    write!(out, "  {line}")?;
                }
                *rows += 1;
                Ok(())
            }
        }
    }

    /// Ends the output: closes the array, flushes the CSV.
    pub fn finish(self) -> Result<()> {
        match self.to {
            To::Csv(writer) => writer.finish(),
            To::Json { out, rows } => {
                out.write_all(if rows == 0 { b"]\n" } else { b"\n]\n" })?;
                Ok(())
            }
        }
    }
}
