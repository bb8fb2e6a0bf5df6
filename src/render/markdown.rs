//! `track report --format markdown`: a GitHub-flavoured table and the
//! warnings as a list, for pasting into a note or an issue.

use std::io::Write;

use anyhow::Result;

use super::words::Words;
use super::{ReportView, Style};

pub fn report(view: &ReportView, style: Style, out: &mut dyn Write) -> Result<()> {
    let words = Words::new(view.plan, style.lang);
    let pick = |en, vi| style.lang.pick(en, vi);
    writeln!(
        out,
        "## {} — {} {}\n",
        pick(&view.plan.title_en, &view.plan.title),
        pick("as of", "tính đến"),
        words.date(view.outcome.as_of)
    )?;
    let header = [
        pick("Objective", "Mục tiêu"),
        pick("Title", "Nội dung"),
        pick("Target", "Chỉ tiêu"),
        pick("Actual", "Thực hiện"),
        pick("Reached", "Tỷ lệ đạt"),
        pick("Expected", "Cần đạt"),
        pick("Gap", "Còn thiếu"),
        pick("Status", "Trạng thái"),
        pick("By", "Hạn"),
    ];
    row(out, header.iter().map(|h| h.to_string()))?;
    writeln!(out, "|---|---|---|--:|--:|--:|--:|---|---|")?;
    for e in &view.shown {
        let objective = view.plan.objective(e.objective);
        let figure = |f: &Option<crate::evaluate::Figure>| {
            f.as_ref()
                .map_or("—".to_string(), |f| words.figure(objective, f))
        };
        row(
            out,
            [
                format!("`{}`", objective.code),
                words.title(objective).to_string(),
                words.target(objective),
                figure(&e.actual),
                e.share
                    .map_or("—".to_string(), |s| words.percent(s.round_dp(0))),
                figure(&e.expected),
                e.gap.map_or("—".to_string(), |g| words.gap(objective, g)),
                format!("**{}**", words.status_of(e)),
                words.date(objective.window.end),
            ]
            .into_iter(),
        )?;
        if view.by_unit {
            for part in &e.by_unit {
                let unit = view.plan.unit(part.unit);
                let mut actual = words.figure(objective, &part.actual);
                if let Some((num, den)) = part.ratio {
                    actual = format!("{actual} ({} / {})", words.number(num), words.number(den));
                }
                let cells = [
                    format!("↳ `{}`", unit.code),
                    words.unit_name(part.unit).to_string(),
                    String::new(),
                    actual,
                ];
                row(
                    out,
                    cells
                        .into_iter()
                        .chain(std::iter::repeat_n(String::new(), 5)),
                )?;
            }
        }
    }
    if !view.warnings.is_empty() || !view.missing.is_empty() {
        writeln!(out, "\n### {}\n", pick("Warnings", "Cảnh báo"))?;
        for warning in &view.warnings {
            writeln!(out, "- {}", escape(&words.warning(view.outcome, warning)))?;
        }
        for missing in &view.missing {
            writeln!(out, "- {}", escape(&words.overdue(missing)))?;
        }
    }
    Ok(())
}

fn row(out: &mut dyn Write, cells: impl Iterator<Item = String>) -> Result<()> {
    let cells: Vec<String> = cells.map(|c| escape(&c)).collect();
    writeln!(out, "| {} |", cells.join(" | "))?;
    Ok(())
}

/// Keeps a cell in its column: `|` would end it and a newline the row.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
