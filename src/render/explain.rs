//! `track explain OBJECTIVE`: how one figure was reached (the formula, the
//! target and thresholds, every value that counted and every value left
//! out, with unit, period, file and line) in each format.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

use super::csv::{CsvWriter, Field, level_code};
use super::json::{PrettyObject, Shown};
use super::table::{LongTable, text_width};
use super::words::Words;
use super::{Format, Style, json_number};
use crate::evaluate::{Evaluation, Outcome, Role, TraceEntry, Verdict};
use crate::lang::Lang;
use crate::model::{Measure, Objective, Plan, Rule, Value};
use crate::period::Period;
use comfy_table::Cell;
use serde::Serialize;

/// One objective's evaluation and the values behind it.
pub struct ExplainView<'a> {
    pub plan: &'a Plan,
    pub outcome: &'a Outcome,
    pub evaluation: &'a Evaluation,
    /// File names, indexed by `Source::file`.
    pub files: &'a [String],
}

pub fn render(format: Format, view: &ExplainView, style: Style, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Table | Format::Markdown => text(view, style, format == Format::Markdown, out),
        Format::Csv => csv(view, style, out),
        Format::Json => json(view, style, out),
    }
}

fn objective<'a>(view: &ExplainView<'a>) -> &'a Objective {
    view.plan.objective(view.evaluation.objective)
}

/// The formula in words.
fn formula(view: &ExplainView, lang: Lang) -> String {
    let o = objective(view);
    let code = |id| format!("`{}`", view.plan.indicator(id).code);
    let series = |id| {
        let indicator = view.plan.indicator(id);
        if indicator.kind.adds_up() {
            match lang {
                Lang::En => format!("the sum of {} over units and periods", code(id)),
                Lang::Vi => format!("tổng {} của các đơn vị, các kỳ", code(id)),
            }
        } else {
            match lang {
                Lang::En => format!("the sum over units of each unit's latest {}", code(id)),
                Lang::Vi => format!("tổng giá trị mới nhất của {} ở từng đơn vị", code(id)),
            }
        }
    };
    match (o.rule, o.measure) {
        (
            Rule::Ratio(_),
            Measure::Ratio {
                numerator,
                denominator,
            },
        ) => match lang {
            Lang::En => format!(
                "{} ÷ {} × 100 (sums first, never a mean of percentages)",
                series(numerator),
                series(denominator)
            ),
            Lang::Vi => format!(
                "{} ÷ {} × 100 (cộng trước rồi chia, không lấy trung bình tỷ lệ)",
                series(numerator),
                series(denominator)
            ),
        },
        (Rule::PerYear(_), Measure::Single(id)) => match lang {
            Lang::En => format!(
                "{} in each calendar year; judged on the current year",
                series(id)
            ),
            Lang::Vi => format!("{} trong từng năm; đánh giá theo năm hiện tại", series(id)),
        },
        (Rule::Ordinal { .. }, Measure::Single(id)) => match lang {
            Lang::En => format!("the latest level of {} reported by any unit", code(id)),
            Lang::Vi => format!("mức mới nhất của {} do bất kỳ đơn vị nào báo cáo", code(id)),
        },
        (Rule::Text, Measure::Single(id)) => match lang {
            Lang::En => format!("the latest assessment of {}", code(id)),
            Lang::Vi => format!("đánh giá mới nhất của {}", code(id)),
        },
        (_, Measure::Single(id)) => series(id),
        (_, Measure::Ratio { .. }) => unreachable!("only ratio rules have ratio measures"),
    }
}

/// Label and value lines: formula, window, target, thresholds, result.
fn facts(view: &ExplainView, style: Style) -> Vec<(String, String)> {
    let words = Words::new(view.plan, style.lang);
    let pick = |en: &str, vi: &str| style.lang.pick(en, vi).to_string();
    let o = objective(view);
    let e = view.evaluation;
    let mut lines = vec![
        (pick("formula", "công thức"), formula(view, style.lang)),
        (
            pick("window", "thời gian tính"),
            format!(
                "{} → {}; {} {}",
                words.date(o.window.start),
                words.date(o.window.end),
                pick(
                    "values whose period ends by",
                    "tính các giá trị có kỳ kết thúc đến hết"
                ),
                words.date(view.outcome.as_of.min(o.window.end))
            ),
        ),
        (
            pick("target", "chỉ tiêu"),
            format!(
                "{} {} {}",
                words.target(o),
                pick("by", "đến"),
                words.date(o.window.end)
            ),
        ),
    ];
    let threshold = match (o.rule, &e.expected, e.at_risk_from) {
        (Rule::Count(_) | Rule::PerYear(_), Some(expected), Some(at_risk)) => {
            let days = e.days.map_or(String::new(), |(elapsed, total)| {
                format!(
                    " ({elapsed}/{total} {})",
                    pick("days of the window", "ngày của thời gian tính")
                )
            });
            Some(format!(
                "{} {}{days}; {} {}; {}",
                pick("expected by now", "cần đạt đến nay"),
                words.figure(o, expected),
                pick("at risk from", "nguy cơ chậm từ"),
                words.number(at_risk),
                pick("below that off track", "thấp hơn là chậm tiến độ")
            ))
        }
        (Rule::Ratio(_), Some(expected), Some(at_risk)) => Some(format!(
            "{} {}; {} {}; {}",
            pick("expected", "cần đạt"),
            words.figure(o, expected),
            pick("at risk from", "nguy cơ chậm từ"),
            words.percent(at_risk),
            pick("below that off track", "thấp hơn là chậm tiến độ")
        )),
        (Rule::Ordinal { rank }, _, _) if rank > 0 => Some(format!(
            "{} {}; {} {}; {}",
            pick("met from", "đạt từ"),
            words.level(o, rank),
            pick("at risk at", "nguy cơ chậm ở mức"),
            words.level(o, rank - 1),
            pick("lower is off track", "thấp hơn là chậm tiến độ")
        )),
        _ => None,
    };
    if let Some(threshold) = threshold {
        lines.push((pick("thresholds", "ngưỡng"), threshold));
    }
    let mut result = e.actual.as_ref().map_or_else(
        || pick("no value counts", "chưa có giá trị nào"),
        |a| words.figure(o, a),
    );
    if let Some((num, den)) = e.ratio {
        result += &format!(" ({} / {})", words.number(num), words.number(den));
    }
    result += &format!(" — {}", words.status_of(e));
    if let Some(gap) = e.gap {
        result += &format!("; {} {}", pick("gap", "còn thiếu"), words.gap(o, gap));
    }
    if let Some(needed) = e.needed_per_half_year.filter(|n| !n.is_zero()) {
        result += &format!(
            "; {} {}",
            pick("needed per half year", "cần thêm mỗi 6 tháng"),
            words.number(needed)
        );
    }
    lines.push((pick("result", "kết quả"), result));
    for y in &e.years {
        let actual = y.actual.map_or("—".to_string(), |a| words.number(a));
        lines.push((
            format!("  {}", y.year),
            format!(
                "{actual} / {} — {}",
                words.number(y.expected),
                words.status(y.status)
            ),
        ));
    }
    lines
}

fn value_text(view: &ExplainView, entry: &TraceEntry, lang: Lang) -> String {
    let words = Words::new(view.plan, lang);
    match &entry.value {
        Value::Number(n) => words.number(*n),
        Value::Level(rank) => words.level(objective(view), *rank),
        Value::Text(t) => t.to_string(),
    }
}

fn role(entry: &TraceEntry, lang: Lang) -> &'static str {
    match entry.role {
        Role::Value => "",
        Role::Numerator => lang.pick("numerator", "tử số"),
        Role::Denominator => lang.pick("denominator", "mẫu số"),
    }
}

fn reason(verdict: Verdict, lang: Lang) -> &'static str {
    match verdict {
        Verdict::Counted => lang.pick("counted", "được tính"),
        Verdict::Superseded => lang.pick("replaced by a later value", "đã có giá trị mới hơn"),
        Verdict::BeforeWindow => lang.pick("before the window", "trước thời gian tính"),
        Verdict::AfterDeadline => lang.pick("after the deadline", "sau thời hạn"),
        Verdict::AfterAsOf => lang.pick("after the as-of date", "sau ngày tính"),
    }
}

fn verdict_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Counted => "counted",
        Verdict::Superseded => "superseded",
        Verdict::BeforeWindow => "before-window",
        Verdict::AfterDeadline => "after-deadline",
        Verdict::AfterAsOf => "after-as-of",
    }
}

fn text(view: &ExplainView, style: Style, markdown: bool, out: &mut dyn Write) -> Result<()> {
    let o = objective(view);
    let lang = style.lang;
    let words = Words::new(view.plan, lang);
    if markdown {
        writeln!(out, "## `{}` — {}\n", o.code, words.title(o))?;
        for (label, value) in facts(view, style) {
            writeln!(out, "- **{}**: {}", label.trim(), value)?;
        }
    } else {
        writeln!(out, "{} — {}", o.code, words.title(o))?;
        let facts = facts(view, style);
        let width = facts
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        for (label, value) in facts {
            let pad = width - label.chars().count();
            writeln!(out, "  {label}{}  {value}", " ".repeat(pad))?;
        }
    }
    let ratio = matches!(o.measure, Measure::Ratio { .. });
    let header = |counted: bool| {
        let mut header = Vec::new();
        if ratio {
            header.push(lang.pick("part", "thành phần"));
        }
        header.extend([
            lang.pick("unit", "đơn vị"),
            lang.pick("period", "kỳ"),
            lang.pick("value", "giá trị"),
            lang.pick("file", "tệp"),
            lang.pick("line", "dòng"),
        ]);
        if !counted {
            header.push(lang.pick("why", "lý do"));
        }
        header
    };
    // Every value of a national roll-up is a long table: each row is
    // made as it is written, never all held.
    let row = |t: &TraceEntry| {
        let mut row = Vec::new();
        if ratio {
            row.push(role(t, lang).to_string());
        }
        row.extend([
            view.plan.unit(t.unit).code.clone(),
            t.period.to_string(),
            value_text(view, t, lang),
            view.files[t.source.file as usize].clone(),
            t.source.line.to_string(),
        ]);
        if t.verdict != Verdict::Counted {
            row.push(reason(t.verdict, lang).to_string());
        }
        row
    };
    // One reading counts each section's values and measures its columns;
    // one more for each section writes its rows.
    let mut shown = [0usize; 2];
    let mut widths = [true, false].map(|counted| {
        header(counted)
            .iter()
            .map(|h| text_width(h))
            .collect::<Vec<_>>()
    });
    for t in view.outcome.trace.values() {
        let t = t?;
        let section = usize::from(t.verdict != Verdict::Counted);
        shown[section] += 1;
        if !markdown {
            for (width, cell) in widths[section].iter_mut().zip(row(&t)) {
                *width = (*width).max(text_width(&cell));
            }
        }
    }
    for (section, counted) in [true, false].into_iter().enumerate() {
        let title = match counted {
            true => lang.pick("Values that counted", "Giá trị được tính"),
            false => lang.pick("Values left out", "Giá trị không tính"),
        };
        let shown = shown[section];
        writeln!(out)?;
        if markdown {
            writeln!(out, "### {title} ({shown})\n")?;
        } else {
            writeln!(out, "{title} ({shown}):")?;
        }
        if shown == 0 {
            continue;
        }
        let header = header(counted);
        let entries = view.outcome.trace.values().filter(|t| {
            t.as_ref()
                .map_or(true, |t| (t.verdict == Verdict::Counted) == counted)
        });
        if markdown {
            writeln!(out, "| {} |", header.join(" | "))?;
            writeln!(out, "|{}", "---|".repeat(header.len()))?;
            for t in entries {
                let cells: Vec<String> = row(&t?).iter().map(|c| c.replace('|', "\\|")).collect();
                writeln!(out, "| {} |", cells.join(" | "))?;
            }
        } else {
            let mut table = LongTable::new(
                style,
                header.into_iter().map(Cell::new).collect(),
                std::mem::take(&mut widths[section]),
                out,
            );
            for t in entries {
                table.row(row(&t?).into_iter().map(Cell::new).collect())?;
            }
            table.finish()?;
        }
    }
    Ok(())
}

fn csv(view: &ExplainView, style: Style, out: &mut dyn Write) -> Result<()> {
    let mut writer = CsvWriter::new(out, style.csv)?;
    writer.header(&[
        "objective",
        "part",
        "unit",
        "period",
        "value",
        "file",
        "line",
        "verdict",
    ])?;
    let o = objective(view);
    for t in view.outcome.trace.values() {
        let t = t?;
        let part = match t.role {
            Role::Value => "value",
            Role::Numerator => "numerator",
            Role::Denominator => "denominator",
        };
        let value = match &t.value {
            Value::Number(n) => Field::Number(*n),
            Value::Level(rank) => Field::text(level_code(view.plan, o, *rank)),
            Value::Text(text) => Field::text(text.as_ref()),
        };
        writer.row([
            Field::text(&o.code),
            Field::text(part),
            Field::text(&view.plan.unit(t.unit).code),
            Field::text(t.period.to_string()),
            value,
            Field::text(&view.files[t.source.file as usize]),
            Field::Number(t.source.line.into()),
            Field::text(verdict_code(t.verdict)),
        ])?;
    }
    writer.finish()
}

/// One value in JSON: typed rather than a `json!` value, as an objective
/// of a national roll-up has hundreds of thousands.
#[derive(Serialize)]
struct ValueJson<'a> {
    part: &'static str,
    unit: &'a str,
    period: Shown<Period>,
    value: serde_json::Value,
    file: &'a str,
    line: u32,
    verdict: &'static str,
}

fn json(view: &ExplainView, style: Style, out: &mut dyn Write) -> Result<()> {
    let o = objective(view);
    let e = view.evaluation;
    let number = |d: Option<rust_decimal::Decimal>| d.map_or(serde_json::Value::Null, json_number);
    let mut document = PrettyObject::new(out)?;
    document.field("objective", &o.code)?;
    document.field("as_of", &Shown(view.outcome.as_of))?;
    document.field("formula", &formula(view, style.lang))?;
    document.field("target", &Shown(&o.target))?;
    document.field("window_start", &Shown(o.window.start))?;
    document.field("deadline", &Shown(o.window.end))?;
    document.field("status", &e.status.code())?;
    document.field("gap", &number(e.gap))?;
    document.field("at_risk_from", &number(e.at_risk_from))?;
    document.field("elapsed_days", &e.days.map(|d| d.0))?;
    document.field("window_days", &e.days.map(|d| d.1))?;
    document.field("numerator", &number(e.ratio.map(|r| r.0)))?;
    document.field("denominator", &number(e.ratio.map(|r| r.1)))?;
    let values = view.outcome.trace.values().map(|t| {
        let t = t?;
        Ok(ValueJson {
            part: match t.role {
                Role::Value => "value",
                Role::Numerator => "numerator",
                Role::Denominator => "denominator",
            },
            unit: &view.plan.unit(t.unit).code,
            period: Shown(t.period),
            value: match t.value {
                Value::Number(n) => json_number(n),
                Value::Level(rank) => json!(level_code(view.plan, o, rank)),
                Value::Text(text) => json!(text),
            },
            file: &view.files[t.source.file as usize],
            line: t.source.line,
            verdict: verdict_code(t.verdict),
        })
    });
    document.try_array("values", values)?;
    document.finish()
}
