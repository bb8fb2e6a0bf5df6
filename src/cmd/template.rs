//! `track template --unit U --period P`: the blank CSV report a unit owes
//! for a period; with `--all`, one file per unit into a folder, ready to
//! send out.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::unit_id;
use crate::cli::TemplateArgs;
use crate::completeness::{owed_in, periods_of};
use crate::diagnostic::Failed;
use crate::input::plan_file::Cadence;
use crate::lang::{Lang, Message};
use crate::model::{Plan, UnitId};
use crate::msg;
use crate::period::{Period, PeriodError};
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
            UsageError(msg!(
                "`--all` writes one file per unit into a folder; name it with `--dir DIR` or `-o DIR`",
                "`--all` ghi mỗi đơn vị một tệp vào một thư mục; hãy chỉ thư mục bằng `--dir DIR` hoặc `-o DIR`"
            ))
        })?;
    if dir.is_file() {
        return Err(UsageError(msg!(
            "`{}` is a file; `--all` needs a folder to write one file per unit into",
            "`{}` là một tệp; `--all` cần một thư mục để ghi mỗi đơn vị một tệp",
            dir.display()
        ))
        .into());
    }
    let mut planned = Vec::new();
    let mut idle = Vec::new();
    for index in 0..plan.units.len() {
        let unit = UnitId(index as u32);
        let owed = owed_in(&plan, unit, period);
        if owed.is_empty() {
            idle.push(plan.unit(unit).code.as_str());
            continue;
        }
        let path = dir.join(format!("{period}-{}.csv", plan.unit(unit).code));
        planned.push((path, unit, owed));
    }
    // A file of that name may be a unit's return, filled in and saved back
    // into the folder the blank one went out from: never written over
    // unasked, and nothing is written at all, so that no folder is left
    // half new and half old.
    let taken: Vec<&Path> = planned
        .iter()
        .map(|(path, _, _)| path.as_path())
        .filter(|path| path.exists())
        .collect();
    if !taken.is_empty() && !args.force {
        return Err(already_there(&dir, &taken).into());
    }
    let mut written: Vec<(PathBuf, UnitId, usize)> = Vec::new();
    for (path, unit, owed) in planned {
        write_atomically(&path, |out| {
            render(&plan, unit, period, &owed, dialect, out)
        })?;
        written.push((path, unit, owed.len()));
    }
    if written.is_empty() {
        return Err(UsageError(
            msg!(
                "no unit reports anything for a period like `{period}`; ",
                "không đơn vị nào báo cáo cho kỳ dạng `{period}`; "
            )
            .then(&cadences_hint(&plan, period)),
        )
        .into());
    }
    print_summary(settings, &plan, period, &dir, &written, &idle)?;
    Ok(0)
}

/// Why `--all` wrote nothing: files of the templates' names are there.
fn already_there(dir: &Path, taken: &[&Path]) -> Failed {
    let dir = dir.display();
    let n = taken.len();
    let names = taken
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ");
    let (en, vi) = (count(Lang::En, n, "file", "files", ""), format!("{n} tệp"));
    Failed {
        message: msg!(
            "`{dir}` already holds {en} of these templates' names: {names}; they may be returns that units \
             filled in, so nothing was written (move them away, or add `--force` to write over them)",
            "`{dir}` đã có {vi} trùng tên với các mẫu sắp tạo: {names}; đó có thể là báo cáo các đơn vị \
             đã điền, nên chưa ghi tệp nào (hãy chuyển các tệp đó đi nơi khác, hoặc thêm `--force` để ghi đè)"
        ),
        source: None,
    }
}

/// Reads `--period` and keeps it within the plan's years.
fn period_in_plan(plan: &Plan, text: &str) -> Result<Period, UsageError> {
    let period: Period = text
        .parse()
        .map_err(|e: PeriodError| UsageError(e.message(text)))?;
    let last = plan.last_deadline();
    if period.end() < plan.start || period.start() > last {
        let (start, start_vi) = (plan.start, Lang::Vi.date(plan.start));
        let last_vi = Lang::Vi.date(last);
        return Err(UsageError(msg!(
            "period `{period}` is outside the plan, which runs from {start} to {last}",
            "kỳ `{period}` nằm ngoài thời gian của kế hoạch, từ {start_vi} đến {last_vi}"
        )));
    }
    Ok(period)
}

/// Why a unit owes nothing for this period, and what to ask for instead.
fn nothing_owed(plan: &Plan, unit: UnitId, period: Period) -> UsageError {
    let code = &plan.unit(unit).code;
    // Each cadence once, in the plan's order (the first decides the
    // suggestion): `dedup` alone keeps repeats that are not adjacent.
    let mut cadences: Vec<Cadence> = Vec::new();
    for indicator in plan.indicators.iter().filter(|i| i.reports(unit)) {
        if !cadences.contains(&indicator.cadence) {
            cadences.push(indicator.cadence);
        }
    }
    let Some(&cadence) = cadences.first() else {
        return UsageError(msg!(
            "unit `{code}` is not expected to report any indicator; the plan's `reporters` lists decide who reports what",
            "đơn vị `{code}` không phải báo cáo chỉ tiêu nào; danh sách `reporters` trong kế hoạch quy định đơn vị nào báo cáo chỉ tiêu nào"
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
    let reported = cadence_words(plan, &cadences);
    let (en, vi) = (reported.en(), reported.vi());
    UsageError(msg!(
        "unit `{code}` reports nothing for a period like `{period}`; its indicators are reported {en}: try `--period {suggestion}`",
        "đơn vị `{code}` không phải báo cáo gì cho kỳ dạng `{period}`; các chỉ tiêu của đơn vị được báo cáo {vi}: hãy thử `--period {suggestion}`"
    ))
}

/// "half-yearly or yearly" / "6 tháng/lần hoặc hằng năm".
fn cadence_words(plan: &Plan, cadences: &[Cadence]) -> Message {
    let words = |lang| {
        cadences
            .iter()
            .map(|&c| Words::new(plan, lang).cadence(c))
            .collect::<Vec<_>>()
            .join(lang.pick(" or ", " hoặc "))
    };
    Message::new(words(Lang::En), words(Lang::Vi))
}

fn cadences_hint(plan: &Plan, period: Period) -> Message {
    let mut cadences: Vec<Cadence> = Vec::new();
    for indicator in &plan.indicators {
        if !cadences.contains(&indicator.cadence) {
            cadences.push(indicator.cadence);
        }
    }
    let example = plan
        .indicators
        .first()
        .and_then(|i| periods_of(i.cadence, period.year()).first().copied())
        .unwrap_or(period);
    let reported = cadence_words(plan, &cadences);
    let (en, vi) = (reported.en(), reported.vi());
    msg!(
        "the plan's indicators are reported {en} (e.g. `{example}`)",
        "các chỉ tiêu của kế hoạch được báo cáo {vi} (ví dụ `{example}`)"
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
