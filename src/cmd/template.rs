//! `track template --unit U --period P`: the blank CSV report a unit owes
//! for a period; with `--all`, one file per unit into a folder, ready to
//! send out.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::unit_id;
use crate::cli::TemplateArgs;
use crate::completeness::{owed_in, periods_of};
use crate::lang::Lang;
use crate::model::{Plan, UnitId};
use crate::period::Period;
use crate::render::template::render;
use crate::render::words::{Words, count};
use crate::settings::{Settings, UsageError, write_atomically};

pub fn run(settings: &Settings, args: &TemplateArgs) -> Result<u8> {
    let plan = settings.store.load_plan()?;
    let period = period_in_plan(&plan, &args.period)?;
    let dialect = settings.style.csv;
    if !args.all {
        let code = args.unit.as_deref().unwrap_or_default();
        let unit = unit_id(&plan, code)?;
        let owed = owed_in(&plan, unit, period);
        if owed.is_empty() {
            return Err(nothing_owed(&plan, unit, period).into());
        }
        settings.write(|out| render(&plan, unit, period, &owed, dialect, out))?;
        return Ok(0);
    }

    let dir = args
        .dir
        .clone()
        .or_else(|| settings.output.clone())
        .ok_or_else(|| {
            UsageError(
                "`--all` writes one file per unit into a folder; name it with `--dir DIR` or `-o DIR`"
                    .into(),
            )
        })?;
    if dir.is_file() {
        return Err(UsageError(format!(
            "`{}` is a file; `--all` needs a folder to write one file per unit into",
            dir.display()
        ))
        .into());
    }
    let mut written: Vec<(PathBuf, UnitId, usize)> = Vec::new();
    let mut idle = Vec::new();
    for index in 0..plan.units.len() {
        let unit = UnitId(index as u32);
        let owed = owed_in(&plan, unit, period);
        if owed.is_empty() {
            idle.push(plan.unit(unit).code.as_str());
            continue;
        }
        let path = dir.join(format!("{period}-{}.csv", plan.unit(unit).code));
        write_atomically(&path, |out| {
            render(&plan, unit, period, &owed, dialect, out)
        })?;
        written.push((path, unit, owed.len()));
    }
    if written.is_empty() {
        return Err(UsageError(format!(
            "no unit reports anything for a period like `{period}`; {}",
            cadences_hint(&plan, period)
        ))
        .into());
    }
    print_summary(settings, &plan, period, &dir, &written, &idle)?;
    Ok(0)
}

/// Reads `--period` and keeps it within the plan's years.
fn period_in_plan(plan: &Plan, text: &str) -> Result<Period, UsageError> {
    let period: Period = text
        .parse()
        .map_err(|e| UsageError(format!("cannot read period `{}`; {e}", text.trim())))?;
    let last = plan.last_deadline();
    if period.end() < plan.start || period.start() > last {
        return Err(UsageError(format!(
            "period `{period}` is outside the plan, which runs from {} to {last}",
            plan.start
        )));
    }
    Ok(period)
}

/// Why a unit owes nothing for this period, and what to ask for instead.
fn nothing_owed(plan: &Plan, unit: UnitId, period: Period) -> UsageError {
    let code = &plan.unit(unit).code;
    let mut cadences: Vec<_> = plan
        .indicators
        .iter()
        .filter(|i| i.reports(unit))
        .map(|i| i.cadence)
        .collect();
    cadences.dedup();
    let Some(&cadence) = cadences.first() else {
        return UsageError(format!(
            "unit `{code}` is not expected to report any indicator; the plan's `reporters` lists decide who reports what"
        ));
    };
    // The period of the unit's cadence that ends with the one asked for,
    // or else the first of that year.
    let periods = periods_of(cadence, period.year());
    let suggestion = periods
        .iter()
        .find(|p| p.end() == period.end())
        .or(periods.first())
        .copied()
        .unwrap_or(period);
    UsageError(format!(
        "unit `{code}` reports nothing for a period like `{period}`; its indicators are reported {}: try `--period {suggestion}`",
        cadences
            .iter()
            .map(|&c| Words::new(plan, Lang::En).cadence(c))
            .collect::<Vec<_>>()
            .join(" or ")
    ))
}

fn cadences_hint(plan: &Plan, period: Period) -> String {
    let words = Words::new(plan, Lang::En);
    let mut cadences: Vec<&str> = plan
        .indicators
        .iter()
        .map(|i| words.cadence(i.cadence))
        .collect();
    cadences.sort_unstable();
    cadences.dedup();
    format!(
        "the plan's indicators are reported {} (e.g. `{}`)",
        cadences.join(" or "),
        plan.indicators
            .first()
            .and_then(|i| periods_of(i.cadence, period.year()).first().copied())
            .unwrap_or(period)
    )
}

fn print_summary(
    settings: &Settings,
    plan: &Plan,
    period: Period,
    dir: &Path,
    written: &[(PathBuf, UnitId, usize)],
    idle: &[&str],
) -> Result<()> {
    let words = Words::new(plan, settings.style.lang);
    let lang = settings.style.lang;
    // The files went to the folder; what is left to say goes to the terminal.
    crate::settings::write_output(None, |out| {
        match lang {
            Lang::En => writeln!(
                out,
                "wrote {} for {period} into `{}`:",
                count(lang, written.len(), "template", "templates", ""),
                dir.display()
            )?,
            Lang::Vi => writeln!(
                out,
                "đã tạo {} mẫu báo cáo {} trong thư mục `{}`:",
                written.len(),
                words.period(period),
                dir.display()
            )?,
        }
        let width = written
            .iter()
            .map(|(p, _, _)| p.display().to_string().chars().count())
            .max()
            .unwrap_or(0);
        for (path, unit, rows) in written {
            let name = path.display().to_string();
            let pad = " ".repeat(width - name.chars().count());
            let indicators = match (lang, rows) {
                (Lang::En, 1) => "indicator ",
                _ => lang.pick("indicators", "chỉ tiêu"),
            };
            writeln!(
                out,
                "  {name}{pad}  {rows:>2} {indicators}  {}",
                words.unit_name(*unit)
            )?;
        }
        if !idle.is_empty() {
            writeln!(
                out,
                "{}: {}",
                lang.pick(
                    "no report owed for this period by",
                    "không phải nộp báo cáo kỳ này"
                ),
                idle.join(", ")
            )?;
        }
        Ok(())
    })
}
