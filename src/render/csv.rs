//! `track report --format csv`: RFC 4180, UTF-8, one header row, `.`
//! decimals, English column names and status codes whatever the language.

use std::io::Write;

use anyhow::Result;

use super::{ReportView, plain};
use crate::evaluate::Figure;
use crate::model::{IndicatorKind, Measure, Objective, Plan};

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

pub fn report(view: &ReportView, out: &mut dyn Write) -> Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = COLUMNS.to_vec();
    if view.by_unit {
        header.insert(1, "unit");
    }
    writer.write_record(&header)?;
    for e in &view.shown {
        let objective = view.plan.objective(e.objective);
        let opt = |d: Option<rust_decimal::Decimal>| d.map(plain).unwrap_or_default();
        let mut record = vec![
            objective.code.clone(),
            objective.title.clone(),
            objective.target.to_string(),
            figure(view.plan, objective, e.actual.as_ref()),
            figure(view.plan, objective, e.expected.as_ref()),
            opt(e.gap),
            e.status.code().to_string(),
            opt(e.share),
            e.above_range.to_string(),
            opt(e.needed_per_half_year),
            e.halves_left.to_string(),
            opt(e.ratio.map(|r| r.0)),
            opt(e.ratio.map(|r| r.1)),
            objective.window.start.to_string(),
            objective.window.end.to_string(),
        ];
        if view.by_unit {
            record.insert(1, String::new());
        }
        writer.write_record(&record)?;
        if view.by_unit {
            for part in &e.by_unit {
                let mut record = vec![String::new(); header.len()];
                record[0] = objective.code.clone();
                record[1] = view.plan.unit(part.unit).code.clone();
                record[4] = figure(view.plan, objective, Some(&part.actual));
                record[12] = opt(part.ratio.map(|r| r.0));
                record[13] = opt(part.ratio.map(|r| r.1));
                writer.write_record(&record)?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

/// A figure for machines: a plain number, a level's code, or the text.
pub(super) fn figure(plan: &Plan, objective: &Objective, figure: Option<&Figure>) -> String {
    match figure {
        None => String::new(),
        Some(Figure::Number(n) | Figure::Percent(n)) => plain(*n),
        Some(Figure::Level(rank)) => level_code(plan, objective, *rank),
        Some(Figure::Text(t)) => t.clone(),
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
