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
