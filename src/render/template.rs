//! The blank report a unit fills in (`track template`): the report CSV's
//! own header, one row per indicator owed, the value left blank and the
//! indicator's Vietnamese title in the note as a guide. CSV only, in
//! either dialect; `track` reads it back as it reads any report.

use std::io::Write;

use anyhow::Result;

use super::csv::{CsvWriter, Dialect, Field};
use crate::model::{IndicatorId, IndicatorKind, Plan, UnitId};
use crate::period::Period;

pub fn render(
    plan: &Plan,
    unit: UnitId,
    period: Period,
    indicators: &[IndicatorId],
    dialect: Dialect,
    out: &mut dyn Write,
) -> Result<()> {
    let mut writer = CsvWriter::new(out, dialect)?;
    writer.header(&["unit", "indicator", "period", "value", "note"])?;
    for &id in indicators {
        let indicator = plan.indicator(id);
        writer.row([
            Field::text(&plan.unit(unit).code),
            Field::text(&indicator.code),
            Field::text(period.to_string()),
            Field::Empty,
            Field::text(guide(plan, id)),
        ])?;
    }
    writer.finish()
}

/// The note that tells the person filling in what to write, in the
/// office's language: the title, then whether a count is new in the period
/// or the level at its end (the mistake units make most), its unit of
/// measure, the levels to choose from, or that text is expected.
fn guide(plan: &Plan, id: IndicatorId) -> String {
    let indicator = plan.indicator(id);
    let measure = |what: &str| match &indicator.counted_in {
        Some(c) => format!("{what}, đơn vị tính: {c}"),
        None => what.to_string(),
    };
    let hint = match &indicator.kind {
        IndicatorKind::Flow => measure("số mới trong kỳ"),
        IndicatorKind::Stock => measure("số có đến cuối kỳ"),
        IndicatorKind::Ordinal(levels) => format!(
            "ghi một mức: {}",
            levels
                .iter()
                .map(|l| l.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        IndicatorKind::Text => "ghi đánh giá bằng lời".to_string(),
    };
    format!("{} ({hint})", indicator.title)
}
