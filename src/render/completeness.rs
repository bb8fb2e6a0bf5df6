//! `track completeness` in each format: the matrix of units and indicators
//! by period (reported, late, missing), the reporting rate per unit and
//! per indicator, and the overall rate. Formats `completeness::Completeness`;
//! computes nothing.

use std::io::Write;

use anyhow::Result;
use comfy_table::{Attribute, Cell, CellAlignment, Color};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

use super::csv::{CsvWriter, Field};
use super::json::{PrettyObject, Shown};
use super::table::{LongTable, Unbreakable, new_table, text_width};
use super::words::{Words, count};
use super::{Format, Style, json_number};
use crate::completeness::{Completeness, Duty, Mark, Tally, cadence_code};
use crate::model::Plan;
use crate::period::Period;
use serde::Serialize;

pub struct CompletenessView<'a> {
    pub plan: &'a Plan,
    pub completeness: &'a Completeness,
}

pub fn render(
    format: Format,
    view: &CompletenessView,
    style: Style,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Table => table(view, style, out),
        Format::Markdown => markdown(view, style, out),
        Format::Csv => csv(view, style, out),
        Format::Json => json(view, out),
    }
}

/// A mark as a short cell: `✓`, `✓ late`, `✗` (or `+`, `+ late`, `x`).
fn glyph(words: &Words, mark: Mark, ascii: bool) -> String {
    let (done, not) = if ascii { ("+", "x") } else { ("✓", "✗") };
    match mark {
        Mark::Reported => done.to_string(),
        Mark::Late => format!("{done} {}", words.mark(Mark::Late)),
        Mark::Missing => not.to_string(),
    }
}

/// Each duty's cells in the periods' columns: empty where the duty's
/// cadence has no such period.
fn marks_by_column(
    c: &Completeness,
    duty: &Duty,
    column_of: &FxHashMap<Period, usize>,
) -> Vec<Option<Mark>> {
    let mut cells = vec![None; c.periods.len()];
    for owed in c.reports(duty) {
        cells[column_of[&owed.period]] = Some(owed.mark);
    }
    cells
}

fn columns(c: &Completeness) -> FxHashMap<Period, usize> {
    c.periods.iter().enumerate().map(|(i, &p)| (p, i)).collect()
}

/// `75% (3/4)`.
fn rate(words: &Words, tally: &Tally) -> String {
    match tally.rate {
        Some(r) => format!(
            "{} ({}/{})",
            words.percent(r.round_dp(0)),
            tally.reported,
            tally.expected
        ),
        None => "—".to_string(),
    }
}

fn headline(words: &Words, c: &Completeness) -> String {
    let t = &c.total;
    let rate = t
        .rate
        .map_or("—".to_string(), |r| words.percent(r.round_dp(1)));
    match words.lang {
        crate::lang::Lang::En => format!(
            "Reporting rate as of {}: {rate} ({} of {}; {} late, {} missing)",
            words.date(c.as_of),
            t.reported,
            count(
                words.lang,
                t.expected as usize,
                "report due",
                "reports due",
                ""
            ),
            t.late,
            t.missing
        ),
        crate::lang::Lang::Vi => format!(
            "Tỷ lệ nộp báo cáo tính đến {}: {rate} ({}/{} báo cáo đến hạn; {} nộp trễ, {} chưa nộp)",
            words.date(c.as_of),
            t.reported,
            t.expected,
            t.late,
            t.missing
        ),
    }
}

fn legend(words: &Words, c: &Completeness, ascii: bool) -> String {
    let g = |m| glyph(words, m, ascii);
    match words.lang {
        crate::lang::Lang::En => format!(
            "{} reported on time, {}: received after the due date, {} missing; a report is due {} days after its period ends",
            g(Mark::Reported),
            g(Mark::Late),
            g(Mark::Missing),
            c.due_days
        ),
        crate::lang::Lang::Vi => format!(
            "{} đã nộp đúng hạn, {}: nhận sau hạn nộp, {} chưa nộp; hạn nộp là {} ngày sau khi kết thúc kỳ báo cáo",
            g(Mark::Reported),
            g(Mark::Late),
            g(Mark::Missing),
            c.due_days
        ),
    }
}

fn nothing_due(words: &Words, c: &Completeness) -> String {
    match words.lang {
        crate::lang::Lang::En => format!("No report is due yet as of {}.", words.date(c.as_of)),
        crate::lang::Lang::Vi => format!(
            "Tính đến {} chưa có báo cáo nào đến hạn nộp.",
            words.date(c.as_of)
        ),
    }
}

fn table(view: &CompletenessView, style: Style, out: &mut dyn Write) -> Result<()> {
    let c = view.completeness;
    let words = Words::new(view.plan, style.lang);
    let pick = |en, vi| style.lang.pick(en, vi);
    if c.nothing_due() {
        writeln!(out, "{}", nothing_due(&words, c))?;
        return Ok(());
    }
    let mut header = vec![
        pick("unit", "đơn vị").to_string(),
        pick("indicator", "chỉ tiêu").to_string(),
    ];
    header.extend(c.periods.iter().map(|p| p.to_string()));
    header.push(pick("rate", "tỷ lệ nộp").to_string());
    let column_of = columns(c);
    // Thousands of units make a matrix of millions of cells: measured in
    // one pass, then drawn a block at a time. Codes, marks and counts are
    // never cut to fit a terminal.
    let mut widths: Vec<usize> = header.iter().map(|h| text_width(h)).collect();
    let last = widths.len() - 1;
    let mut previous = None;
    for duty in &c.duties {
        if previous != Some(duty.unit) {
            widths[0] = widths[0].max(text_width(&view.plan.unit(duty.unit).code));
        }
        previous = Some(duty.unit);
        widths[1] = widths[1].max(text_width(&view.plan.indicator(duty.indicator).code));
        for owed in c.reports(duty) {
            let width = text_width(&glyph(&words, owed.mark, style.ascii));
            let column = 2 + column_of[&owed.period];
            widths[column] = widths[column].max(width);
        }
        widths[last] = widths[last].max(text_width(&rate(&words, &duty.tally)));
    }
    let mut matrix = LongTable::new(
        style,
        header.into_iter().map(Cell::new).collect(),
        widths,
        out,
    )
    .when_short(|table| Unbreakable::measure(table, &[]).constrain(table));
    let mut previous = None;
    for duty in &c.duties {
        let unit = (previous != Some(duty.unit)).then(|| &view.plan.unit(duty.unit).code);
        previous = Some(duty.unit);
        let mut row = vec![
            Cell::new(unit.map_or("", |u| u.as_str())),
            Cell::new(&view.plan.indicator(duty.indicator).code),
        ];
        for mark in marks_by_column(c, duty, &column_of) {
            row.push(match mark {
                None => Cell::new(""),
                Some(mark) => mark_cell(glyph(&words, mark, style.ascii), mark, style.color)
                    .set_alignment(CellAlignment::Center),
            });
        }
        row.push(Cell::new(rate(&words, &duty.tally)).set_alignment(CellAlignment::Right));
        matrix.row(row)?;
    }
    matrix.finish()?;
    writeln!(out, "{}", legend(&words, c, style.ascii))?;

    let counts = [
        pick("due", "đến hạn"),
        pick("in", "đã nộp"),
        pick("late", "nộp trễ"),
        pick("missing", "chưa nộp"),
        pick("rate", "tỷ lệ nộp"),
    ];
    let tally_cells = |t: &Tally| {
        let missing = Cell::new(t.missing).set_alignment(CellAlignment::Right);
        let missing = if style.color && t.missing > 0 {
            missing.fg(Color::Red)
        } else {
            missing
        };
        vec![
            Cell::new(t.expected).set_alignment(CellAlignment::Right),
            Cell::new(t.reported).set_alignment(CellAlignment::Right),
            Cell::new(t.late).set_alignment(CellAlignment::Right),
            missing,
            Cell::new(percent(&words, t.rate)).set_alignment(CellAlignment::Right),
        ]
    };
    writeln!(out)?;
    writeln!(out, "{}", pick("By unit:", "Theo đơn vị:"))?;
    let mut units = new_table(style);
    let mut header = vec![pick("unit", "đơn vị"), pick("name", "tên đơn vị")];
    header.extend(counts);
    units.set_header(header);
    for (unit, tally) in &c.by_unit {
        let mut row = vec![
            Cell::new(&view.plan.unit(*unit).code),
            Cell::new(words.unit_name(*unit)),
        ];
        row.extend(tally_cells(tally));
        units.add_row(row);
    }
    let mut widths = Unbreakable::measure(&units, &[1]);
    widths.readable(&units, 1);
    widths.constrain(&mut units);
    writeln!(out, "{units}")?;
    writeln!(out)?;
    writeln!(out, "{}", pick("By indicator:", "Theo chỉ tiêu:"))?;
    let mut indicators = new_table(style);
    let mut header = vec![
        pick("indicator", "chỉ tiêu"),
        pick("title", "nội dung"),
        pick("cadence", "kỳ báo cáo"),
    ];
    header.extend(counts);
    indicators.set_header(header);
    for (id, tally) in &c.by_indicator {
        let indicator = view.plan.indicator(*id);
        let mut row = vec![
            Cell::new(&indicator.code),
            Cell::new(style.lang.pick(&indicator.title_en, &indicator.title)),
            Cell::new(words.cadence(indicator.cadence)),
        ];
        row.extend(tally_cells(tally));
        indicators.add_row(row);
    }
    let mut widths = Unbreakable::measure(&indicators, &[1]);
    widths.readable(&indicators, 1);
    widths.constrain(&mut indicators);
    writeln!(out, "{indicators}")?;
    writeln!(out, "{}", headline(&words, c))?;
    Ok(())
}

fn percent(words: &Words, rate: Option<Decimal>) -> String {
    rate.map_or("—".to_string(), |r| words.percent(r.round_dp(0)))
}

fn mark_cell(text: String, mark: Mark, color: bool) -> Cell {
    let cell = Cell::new(text);
    if !color {
        return cell;
    }
    match mark {
        Mark::Reported => cell.fg(Color::Green),
        Mark::Late => cell.fg(Color::Yellow),
        Mark::Missing => cell.fg(Color::Red).add_attribute(Attribute::Bold),
    }
}

fn markdown(view: &CompletenessView, style: Style, out: &mut dyn Write) -> Result<()> {
    let c = view.completeness;
    let words = Words::new(view.plan, style.lang);
    let pick = |en, vi| style.lang.pick(en, vi);
    writeln!(
        out,
        "## {} — {} {}\n",
        pick("Reporting completeness", "Tình hình nộp báo cáo"),
        pick("as of", "tính đến"),
        words.date(c.as_of)
    )?;
    if c.nothing_due() {
        writeln!(out, "{}", nothing_due(&words, c))?;
        return Ok(());
    }
    let mut header = vec![
        pick("Unit", "Đơn vị").to_string(),
        pick("Indicator", "Chỉ tiêu").to_string(),
    ];
    header.extend(c.periods.iter().map(|p| p.to_string()));
    header.push(pick("Rate", "Tỷ lệ nộp").to_string());
    writeln!(out, "| {} |", header.join(" | "))?;
    writeln!(out, "|---|---|{}--:|", ":-:|".repeat(c.periods.len()))?;
    let column_of = columns(c);
    for duty in &c.duties {
        let mut cells = vec![
            format!("`{}`", view.plan.unit(duty.unit).code),
            format!("`{}`", view.plan.indicator(duty.indicator).code),
        ];
        for mark in marks_by_column(c, duty, &column_of) {
            cells.push(match mark {
                None => String::new(),
                Some(Mark::Missing) => format!("**{}**", glyph(&words, Mark::Missing, false)),
                Some(mark) => glyph(&words, mark, false),
            });
        }
        cells.push(rate(&words, &duty.tally));
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    writeln!(out, "\n{}\n", legend(&words, c, false))?;
    let counts = [
        pick("Due", "Đến hạn"),
        pick("In", "Đã nộp"),
        pick("Late", "Nộp trễ"),
        pick("Missing", "Chưa nộp"),
        pick("Rate", "Tỷ lệ nộp"),
    ];
    let tally_cells = |t: &Tally| {
        [
            t.expected.to_string(),
            t.reported.to_string(),
            t.late.to_string(),
            t.missing.to_string(),
            percent(&words, t.rate),
        ]
    };
    writeln!(out, "### {}\n", pick("By unit", "Theo đơn vị"))?;
    writeln!(
        out,
        "| {} | {} | {} |",
        pick("Unit", "Đơn vị"),
        pick("Name", "Tên đơn vị"),
        counts.join(" | ")
    )?;
    writeln!(out, "|---|---|--:|--:|--:|--:|--:|")?;
    for (unit, tally) in &c.by_unit {
        writeln!(
            out,
            "| `{}` | {} | {} |",
            view.plan.unit(*unit).code,
            escape(words.unit_name(*unit)),
            tally_cells(tally).join(" | ")
        )?;
    }
    writeln!(out, "\n### {}\n", pick("By indicator", "Theo chỉ tiêu"))?;
    writeln!(
        out,
        "| {} | {} | {} | {} |",
        pick("Indicator", "Chỉ tiêu"),
        pick("Title", "Nội dung"),
        pick("Cadence", "Kỳ báo cáo"),
        counts.join(" | ")
    )?;
    writeln!(out, "|---|---|---|--:|--:|--:|--:|--:|")?;
    for (id, tally) in &c.by_indicator {
        let indicator = view.plan.indicator(*id);
        writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            indicator.code,
            escape(style.lang.pick(&indicator.title_en, &indicator.title)),
            words.cadence(indicator.cadence),
            tally_cells(tally).join(" | ")
        )?;
    }
    writeln!(out, "\n{}", headline(&words, c))?;
    Ok(())
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// One row per owed report: long form, for pivot tables.
fn csv(view: &CompletenessView, style: Style, out: &mut dyn Write) -> Result<()> {
    let mut writer = CsvWriter::new(out, style.csv)?;
    writer.header(&[
        "unit",
        "indicator",
        "cadence",
        "period",
        "due",
        "status",
        "unit_rate",
        "indicator_rate",
    ])?;
    let c = view.completeness;
    for duty in &c.duties {
        let unit_rate = c.unit_tally(duty.unit).and_then(|t| t.rate);
        let indicator_rate = c.indicator_tally(duty.indicator).and_then(|t| t.rate);
        for owed in c.reports(duty) {
            writer.row([
                Field::text(&view.plan.unit(duty.unit).code),
                Field::text(&view.plan.indicator(duty.indicator).code),
                Field::text(cadence_code(duty.cadence)),
                Field::text(owed.period.to_string()),
                Field::text(owed.due.to_string()),
                Field::text(owed.mark.code()),
                Field::number(unit_rate),
                Field::number(indicator_rate),
            ])?;
        }
    }
    writer.finish()
}

/// A duty in JSON: typed rather than a `json!` value, as there are
/// thousands of them with dozens of reports each.
#[derive(Serialize)]
struct DutyJson<'a> {
    unit: &'a str,
    indicator: &'a str,
    cadence: &'static str,
    reports: Vec<OwedJson>,
    tally: TallyJson,
}

#[derive(Serialize)]
struct OwedJson {
    period: Shown<Period>,
    due: Shown<jiff::civil::Date>,
    status: &'static str,
}

#[derive(Serialize)]
struct TallyJson {
    expected: u32,
    reported: u32,
    late: u32,
    missing: u32,
    rate: Value,
}

impl From<&Tally> for TallyJson {
    fn from(t: &Tally) -> TallyJson {
        TallyJson {
            expected: t.expected,
            reported: t.reported,
            late: t.late,
            missing: t.missing,
            rate: t.rate.map_or(Value::Null, json_number),
        }
    }
}

fn tally_json(t: &Tally) -> Value {
    json!({
        "expected": t.expected,
        "reported": t.reported,
        "late": t.late,
        "missing": t.missing,
        "rate": t.rate.map_or(Value::Null, json_number),
    })
}

fn json(view: &CompletenessView, out: &mut dyn Write) -> Result<()> {
    let c = view.completeness;
    let plan = view.plan;
    // `{"unit": "SKHCN", "expected": …}`: the key first, then the counts.
    let keyed = |key: &str, code: &str, t: &Tally| {
        let mut map = serde_json::Map::new();
        map.insert(key.to_string(), json!(code));
        if let Value::Object(counts) = tally_json(t) {
            map.extend(counts);
        }
        Value::Object(map)
    };
    // Written a duty at a time: the whole document of thousands of units
    // would be gigabytes as one value.
    let mut document = PrettyObject::new(out)?;
    document.field("plan", &plan.code)?;
    document.field("as_of", &c.as_of.to_string())?;
    document.field("due_days", &c.due_days)?;
    document.field(
        "periods",
        &c.periods.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
    )?;
    document.array(
        "duties",
        c.duties.iter().map(|d| DutyJson {
            unit: &plan.unit(d.unit).code,
            indicator: &plan.indicator(d.indicator).code,
            cadence: cadence_code(d.cadence),
            reports: c
                .reports(d)
                .map(|o| OwedJson {
                    period: Shown(o.period),
                    due: Shown(o.due),
                    status: o.mark.code(),
                })
                .collect(),
            tally: TallyJson::from(&d.tally),
        }),
    )?;
    document.array(
        "by_unit",
        c.by_unit
            .iter()
            .map(|(u, t)| keyed("unit", &plan.unit(*u).code, t)),
    )?;
    document.array(
        "by_indicator",
        c.by_indicator
            .iter()
            .map(|(i, t)| keyed("indicator", &plan.indicator(*i).code, t)),
    )?;
    document.field("total", &tally_json(&c.total))?;
    document.array(
        "missing",
        c.overdue.iter().map(|o| json!({
            "unit": plan.unit(o.unit).code,
            "period": o.period.to_string(),
            "due": o.due.to_string(),
            "indicators": o.indicators.iter().map(|&i| plan.indicator(i).code.as_str()).collect::<Vec<_>>(),
        })),
    )?;
    document.finish()
}
