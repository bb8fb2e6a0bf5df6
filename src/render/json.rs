//! `track report --format json`: one JSON document, English keys, status
//! codes, numbers as numbers (percentages in percent).

use std::io::Write;

use anyhow::Result;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::csv::level_code;
use super::words::Words;
use super::{ReportView, Style, json_number};
use crate::evaluate::Figure;
use crate::model::{Objective, Plan, Rule};

pub fn report(view: &ReportView, style: Style, out: &mut dyn Write) -> Result<()> {
    let words = Words::new(view.plan, style.lang);
    let objectives: Vec<Value> = view
        .shown
        .iter()
        .map(|e| {
            let objective = view.plan.objective(e.objective);
            let number = |d: Option<Decimal>| d.map_or(Value::Null, json_number);
            let mut o = json!({
                "objective": objective.code,
                "title": objective.title,
                "title_en": objective.title_en,
                "section": objective.section,
                "measure": measure(view.plan, objective),
                "target": objective.target.to_string(),
                "window_start": objective.window.start.to_string(),
                "deadline": objective.window.end.to_string(),
                "status": e.status.code(),
                "actual": machine(view.plan, objective, e.actual.as_ref()),
                "expected": machine(view.plan, objective, e.expected.as_ref()),
                "gap": number(e.gap),
                "share": number(e.share),
                "above_range": e.above_range,
                "needed_per_half_year": number(e.needed_per_half_year),
                "halves_left": e.halves_left,
                "values": e.values,
            });
            if let Some((num, den)) = e.ratio {
                o["numerator"] = json_number(num);
                o["denominator"] = json_number(den);
            }
            if let Some((unit, period)) = e.latest {
                o["latest"] =
                    json!({ "unit": view.plan.unit(unit).code, "period": period.to_string() });
            }
            if matches!(objective.rule, Rule::PerYear(_)) {
                o["years"] = e
                    .years
                    .iter()
                    .map(|y| {
                        json!({
                            "year": y.year,
                            "actual": number(y.actual),
                            "expected": json_number(y.expected),
                            "gap": number(y.gap),
                            "status": y.status.code(),
                            "complete": y.complete,
                        })
                    })
                    .collect();
            }
            if view.by_unit {
                o["by_unit"] = e
                    .by_unit
                    .iter()
                    .map(|part| {
                        let mut u = json!({
                            "unit": view.plan.unit(part.unit).code,
                            "actual": machine(view.plan, objective, Some(&part.actual)),
                        });
                        if let Some((num, den)) = part.ratio {
                            u["numerator"] = json_number(num);
                            u["denominator"] = json_number(den);
                        }
                        u
                    })
                    .collect();
            }
            o
        })
        .collect();
    let warnings: Vec<Value> = view
        .warnings
        .iter()
        .map(|w| {
            let (id, year) = match **w {
                crate::evaluate::Warning::Objective(id) => (id, None),
                crate::evaluate::Warning::Year { objective, year } => (objective, Some(year)),
            };
            let e = view
                .outcome
                .evaluation(id)
                .expect("every objective is evaluated");
            let status = year
                .and_then(|y| e.years.iter().find(|r| r.year == y))
                .map_or(e.status, |r| r.status);
            json!({
                "objective": view.plan.objective(id).code,
                "year": year,
                "status": status.code(),
                "message": words.warning(view.outcome, w),
            })
        })
        .collect();
    let missing: Vec<Value> = view
        .missing
        .iter()
        .map(|o| {
            json!({
                "unit": view.plan.unit(o.unit).code,
                "period": o.period.to_string(),
                "due": o.due.to_string(),
                "indicators": o.indicators.iter().map(|&i| view.plan.indicator(i).code.as_str()).collect::<Vec<_>>(),
                "message": words.overdue(o),
            })
        })
        .collect();
    let document = json!({
        "plan": view.plan.code,
        "as_of": view.outcome.as_of.to_string(),
        "objectives": objectives,
        "warnings": warnings,
        "missing_reports": missing,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// A figure as JSON: numbers as numbers, levels by code, text as a string.
fn machine(plan: &Plan, objective: &Objective, f: Option<&Figure>) -> Value {
    match f {
        None => Value::Null,
        Some(Figure::Number(n) | Figure::Percent(n)) => json_number(*n),
        Some(Figure::Level(rank)) => Value::String(level_code(plan, objective, *rank)),
        Some(Figure::Text(t)) => Value::String(t.clone()),
    }
}

fn measure(plan: &Plan, objective: &Objective) -> String {
    match objective.measure {
        crate::model::Measure::Single(i) => plan.indicator(i).code.clone(),
        crate::model::Measure::Ratio {
            numerator,
            denominator,
        } => {
            format!(
                "{} / {}",
                plan.indicator(numerator).code,
                plan.indicator(denominator).code
            )
        }
    }
}

/// A JSON object written a field at a time, laid out as
/// `serde_json::to_writer_pretty` lays out the whole object: for documents
/// with an array too long to build as one value (the completeness matrix,
/// every value behind an objective).
pub(super) struct PrettyObject<'a> {
    out: &'a mut dyn Write,
    fields: usize,
    buf: Vec<u8>,
}

impl<'a> PrettyObject<'a> {
    pub(super) fn new(out: &'a mut dyn Write) -> Result<PrettyObject<'a>> {
        out.write_all(b"{")?;
        Ok(PrettyObject {
            out,
            fields: 0,
            buf: Vec::new(),
        })
    }

    fn key(&mut self, key: &str) -> Result<()> {
        self.out
            .write_all(if self.fields == 0 { b"\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.write_all(b": ")?;
        self.fields += 1;
        Ok(())
    }

    pub(super) fn field(&mut self, key: &str, value: &impl serde::Serialize) -> Result<()> {
        self.key(key)?;
        indented(self.out, &mut self.buf, value, 1)
    }

    /// An array whose items are made one at a time.
    pub(super) fn array<T: serde::Serialize>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = T>,
    ) -> Result<()> {
        self.try_array(key, items.into_iter().map(Ok))
    }

    /// `array` of items read as they are written, any of which may fail.
    pub(super) fn try_array<T: serde::Serialize>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = Result<T>>,
    ) -> Result<()> {
        self.key(key)?;
        self.out.write_all(b"[")?;
        let mut count = 0;
        for item in items {
            let item = item?;
            self.out
                .write_all(if count == 0 { b"\n    " } else { b",\n    " })?;
            indented(self.out, &mut self.buf, &item, 2)?;
            count += 1;
        }
        self.out
            .write_all(if count == 0 { b"]" } else { b"\n  ]" })?;
        Ok(())
    }

    /// Closes the object and ends the line.
    pub(super) fn finish(self) -> Result<()> {
        self.out
            .write_all(if self.fields == 0 { b"}\n" } else { b"\n}\n" })?;
        Ok(())
    }
}

/// `value` laid out pretty, nested `level` deep: its first line where the
/// cursor is, the others indented. JSON strings escape line breaks, so
/// every line break is the layout's own.
pub(super) fn indented(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    value: &impl serde::Serialize,
    level: usize,
) -> Result<()> {
    // Laid out whole into a buffer kept from item to item, indented in it,
    // then written at once: serde_json writes a few bytes at a time.
    buf.clear();
    serde_json::to_writer_pretty(&mut *buf, value)?;
    let laid_out = buf.len();
    let mut from = 0;
    while let Some(at) = memchr::memchr(b'\n', &buf[from..laid_out]) {
        buf.extend_from_within(from..=from + at);
        for _ in 0..level {
            buf.extend_from_slice(b"  ");
        }
        from += at + 1;
    }
    buf.extend_from_within(from..laid_out);
    out.write_all(&buf[laid_out..])?;
    Ok(())
}

/// A value written with `Display` (a period, a date) as a JSON string.
pub(super) struct Shown<T>(pub T);

impl<T: std::fmt::Display> serde::Serialize for Shown<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

#[cfg(test)]
mod pretty_tests {
    use super::*;

    #[test]
    fn an_object_written_field_by_field_is_laid_out_as_serde_json_lays_it_out() {
        let nested = json!({"a": [1, {"b": "x\ny"}], "c": {}, "d": []});
        for items in [vec![], vec![nested.clone()], vec![nested.clone(), json!(2)]] {
            let whole = json!({"first": nested, "items": items, "last": null});
            let mut expected = serde_json::to_string_pretty(&whole).unwrap();
            expected.push('\n');
            let mut out = Vec::new();
            let mut object = PrettyObject::new(&mut out).unwrap();
            object.field("first", &nested).unwrap();
            object.array("items", items.iter()).unwrap();
            object.field("last", &Value::Null).unwrap();
            object.finish().unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
        let mut out = Vec::new();
        PrettyObject::new(&mut out).unwrap().finish().unwrap();
        assert_eq!(out, b"{}\n");
    }
}
