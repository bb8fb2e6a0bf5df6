//! The terminal table of `track report` (comfy-table), then the warnings
//! in plain words.

use std::io::Write;

use anyhow::Result;
use comfy_table::{
    Attribute, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, presets,
};
use rust_decimal::Decimal;

use super::words::Words;
use super::{ReportView, Style};
use crate::evaluate::{Evaluation, Status};

/// Cells of the gauge showing the share of the target reached.
const GAUGE_WIDTH: usize = 10;

pub fn report(view: &ReportView, style: Style, out: &mut dyn Write) -> Result<()> {
    let words = Words::new(view.plan, style.lang);
    let pick = |en, vi| style.lang.pick(en, vi);
    let mut table = new_table(style);
    table.set_header([
        pick("objective", "mục tiêu"),
        pick("title", "nội dung"),
        pick("target", "chỉ tiêu"),
        pick("actual", "thực hiện"),
        pick("reached", "tỷ lệ đạt"),
        pick("expected", "cần đạt"),
        pick("gap", "còn thiếu"),
        pick("status", "trạng thái"),
        pick("by", "hạn"),
    ]);
    let none = if style.ascii { "-" } else { "—" };
    for e in &view.shown {
        let objective = view.plan.objective(e.objective);
        let figure = |f: &Option<crate::evaluate::Figure>| {
            f.as_ref().map_or_else(
                || none.to_string(),
                |f| clip(&words.figure(objective, f), 40),
            )
        };
        table.add_row(vec![
            Cell::new(&objective.code),
            Cell::new(words.title(objective)),
            Cell::new(words.target(objective)),
            Cell::new(figure(&e.actual)).set_alignment(CellAlignment::Right),
            Cell::new(
                e.share
                    .map_or_else(|| none.to_string(), |s| gauge(&words, s, style.ascii)),
            ),
            Cell::new(figure(&e.expected)).set_alignment(CellAlignment::Right),
            Cell::new(
                e.gap
                    .map_or_else(|| none.to_string(), |g| words.gap(objective, g)),
            )
            .set_alignment(CellAlignment::Right),
            status_cell(&words, e, style.color),
            Cell::new(words.date(objective.window.end)),
        ]);
        if view.by_unit {
            let branch = if style.ascii { "`-" } else { "└" };
            for part in &e.by_unit {
                let unit = view.plan.unit(part.unit);
                let name = words.unit_name(part.unit);
                let mut actual = words.figure(objective, &part.actual);
                if let Some((num, den)) = part.ratio {
                    actual = format!("{actual} ({} / {})", words.number(num), words.number(den));
                }
                table.add_row(vec![
                    Cell::new(format!("  {branch} {}", unit.code)),
                    Cell::new(name),
                    Cell::new(""),
                    Cell::new(clip(&actual, 40)).set_alignment(CellAlignment::Right),
                ]);
            }
        }
    }
    // When the table must fit a terminal, the title, figures and status
    // wrap; an objective's code, the gauge and the deadline never do, so
    // that they stay readable (the code is what `track explain` takes).
    for index in [0, 4, 8] {
        if let Some(column) = table.column_mut(index) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    writeln!(out, "{table}")?;
    write_summary(view, style, out)?;
    if !view.warnings.is_empty() || !view.missing.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", pick("Warnings:", "Cảnh báo:"))?;
        for warning in &view.warnings {
            writeln!(out, "  - {}", words.warning(view.outcome, warning))?;
        }
        for missing in &view.missing {
            writeln!(out, "  - {}", words.overdue(missing))?;
        }
    }
    Ok(())
}

/// A table that fits the terminal when there is one, never colours what
/// is not asked to be coloured, and draws with ASCII when asked to.
pub(super) fn new_table(style: Style) -> Table {
    let mut table = Table::new();
    table.load_style(if style.ascii {
        presets::ASCII_FULL_CONDENSED
    } else {
        presets::UTF8_FULL_CONDENSED
    });
    table.force_no_tty();
    if style.color {
        table.enforce_styling();
    }
    if let Some(width) = style.width {
        table.set_width(width);
        table.set_content_arrangement(ContentArrangement::Dynamic);
    }
    table
}

/// "As of 2025-12-31: 19 objectives; 4 met, 2 on track, …".
fn write_summary(view: &ReportView, style: Style, out: &mut dyn Write) -> Result<()> {
    let words = Words::new(view.plan, style.lang);
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|&status| {
            let n = view.shown.iter().filter(|e| e.status == status).count();
            (n > 0).then(|| format!("{n} {}", words.status(status)))
        })
        .collect();
    let objectives = style.lang.pick("objectives", "mục tiêu");
    writeln!(
        out,
        "{} {}: {} {objectives}; {}",
        style.lang.pick("As of", "Tính đến"),
        words.date(view.outcome.as_of),
        view.shown.len(),
        counts.join(", ")
    )?;
    Ok(())
}

fn status_cell(words: &Words, e: &Evaluation, color: bool) -> Cell {
    let cell = Cell::new(words.status_of(e));
    if !color {
        return cell;
    }
    let (fg, bold) = match e.status {
        Status::Met => (Color::Green, false),
        Status::OnTrack => (Color::Green, false),
        Status::AtRisk => (Color::Yellow, true),
        Status::OffTrack => (Color::Red, true),
        Status::Missed => (Color::Red, true),
        Status::NoData => (Color::DarkGrey, false),
        Status::Info => (Color::Cyan, false),
    };
    let cell = cell.fg(fg);
    if bold {
        cell.add_attribute(Attribute::Bold)
    } else {
        cell
    }
}

/// `███████░░░ 70%` (ASCII: `#######... 70%`): the share reached, full at
/// 100% and beyond.
fn gauge(words: &Words, share: Decimal, ascii: bool) -> String {
    let filled = (share.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED) * Decimal::from(GAUGE_WIDTH)
        / Decimal::ONE_HUNDRED)
        .round()
        .try_into()
        .unwrap_or(0usize);
    let (full, empty) = if ascii { ("#", ".") } else { ("█", "░") };
    let bar: String = full.repeat(filled) + &empty.repeat(GAUGE_WIDTH - filled);
    format!("{bar} {}", words.percent(share.round_dp(0)))
}

/// Long text (an assessment) cut to `max` characters with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}
