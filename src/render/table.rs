//! The terminal table of `track report` (comfy-table), then the warnings
//! in plain words.

use std::io::Write;

use anyhow::Result;
use comfy_table::{
    Attribute, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width,
    presets,
};
use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;

use super::words::{Words, count};
use super::{ReportView, Style};
use crate::evaluate::{Evaluation, Figure, Status};

/// Cells of the gauge showing the share of the target reached.
const GAUGE_WIDTH: usize = 10;

pub fn report(view: &ReportView, style: Style, out: &mut dyn Write) -> Result<()> {
    let words = Words::new(view.plan, style.lang);
    let pick = |en, vi| style.lang.pick(en, vi);
    let mut table = new_table(style);
    let header = [
        pick("objective", "mục tiêu"),
        pick("title", "nội dung"),
        pick("target", "chỉ tiêu"),
        pick("actual", "thực hiện"),
        pick("reached", "tỷ lệ đạt"),
        pick("expected", "cần đạt"),
        pick("gap", "còn thiếu"),
        pick("status", "trạng thái"),
        pick("by", "hạn"),
    ];
    let mut widths = Unbreakable::new(header.len());
    for (column, name) in header.iter().enumerate() {
        widths.words(column, name);
    }
    table.set_header(header);
    let none = if style.ascii { "-" } else { "—" };
    for e in &view.shown {
        let objective = view.plan.objective(e.objective);
        let figure = |f: &Option<Figure>| {
            f.as_ref().map_or_else(
                || none.to_string(),
                |f| clip(&words.figure(objective, f), 40),
            )
        };
        let row = [
            objective.code.clone(),
            words.title(objective).to_string(),
            words.target(objective),
            figure(&e.actual),
            e.share
                .map_or_else(|| none.to_string(), |s| gauge(&words, s, style.ascii)),
            figure(&e.expected),
            e.gap
                .map_or_else(|| none.to_string(), |g| words.gap(objective, g)),
            words.status_of(e),
            words.date(objective.window.end),
        ];
        for (column, text) in row.iter().enumerate() {
            // An assessment is words and may wrap between them; every
            // other cell but the title is a code, a figure or a label.
            let words_only =
                column == TITLE || (column == ACTUAL && matches!(e.actual, Some(Figure::Text(_))));
            if words_only {
                widths.words(column, text);
            } else {
                widths.whole(column, text);
            }
        }
        let [code, title, target, actual, reached, expected, gap, _, by] = row;
        table.add_row(vec![
            Cell::new(code),
            Cell::new(title),
            Cell::new(target),
            Cell::new(actual).set_alignment(CellAlignment::Right),
            Cell::new(reached),
            Cell::new(expected).set_alignment(CellAlignment::Right),
            Cell::new(gap).set_alignment(CellAlignment::Right),
            status_cell(&words, e, style.color),
            Cell::new(by),
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
                let code = format!("  {branch} {}", unit.code);
                let actual = clip(&actual, 40);
                widths.whole(0, &code);
                widths.words(TITLE, name);
                if matches!(part.actual, Figure::Text(_)) {
                    widths.words(ACTUAL, &actual);
                } else {
                    widths.whole(ACTUAL, &actual);
                }
                table.add_row(vec![
                    Cell::new(code),
                    Cell::new(name),
                    Cell::new(""),
                    Cell::new(actual).set_alignment(CellAlignment::Right),
                ]);
            }
        }
    }
    // At a terminal the table fits its width by wrapping the title (and an
    // assessment) between words. A code, a figure, the gauge, a status or
    // a date is never cut: `83.3`/`3%` reads as two wrong numbers. When
    // the terminal is too narrow even so, the table runs wider than it.
    widths.readable(&table, TITLE);
    widths.constrain(&mut table);
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

/// The columns whose cells are words that may wrap.
const TITLE: usize = 1;
const ACTUAL: usize = 3;

/// The narrowest a wrapped title gets (see `Unbreakable::readable`).
const TITLE_FLOOR: usize = 20;

/// The narrowest each column may be without cutting what must stay whole:
/// a whole cell, or the longest word of a cell that may wrap. Given to the
/// table as lower bounds, so that only the spare width is shared out.
pub(super) struct Unbreakable(Vec<usize>);

impl Unbreakable {
    fn new(columns: usize) -> Unbreakable {
        Unbreakable(vec![0; columns])
    }

    /// Measured from a table whose `wrapping` columns hold words (names,
    /// titles) and every other column codes, figures and labels.
    /// Headers are labels that may wrap between words.
    pub(super) fn measure(table: &Table, wrapping: &[usize]) -> Unbreakable {
        let columns = table.column_iter().count();
        let mut widths = Unbreakable::new(columns);
        for (column, cell) in table
            .header()
            .into_iter()
            .flat_map(|h| h.cell_iter())
            .enumerate()
        {
            widths.words(column, &cell.content());
        }
        for column in 0..columns {
            for cell in table.column_cells_iter(column).flatten() {
                if wrapping.contains(&column) {
                    widths.words(column, &cell.content());
                } else {
                    widths.whole(column, &cell.content());
                }
            }
        }
        widths
    }

    /// Keeps a column of titles readable: at least `TITLE_FLOOR` wide (or
    /// its widest cell, when narrower). Past the point where the table
    /// must run wider than the terminal, a title a few words wide would
    /// only make each row a dozen lines tall.
    pub(super) fn readable(&mut self, table: &Table, column: usize) {
        let widest = table
            .column_cells_iter(column)
            .flatten()
            .map(|c| {
                c.content()
                    .lines()
                    .map(UnicodeWidthStr::width)
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        self.0[column] = self.0[column].max(widest.min(TITLE_FLOOR));
    }

    fn whole(&mut self, column: usize, text: &str) {
        let width = text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
        self.0[column] = self.0[column].max(width);
    }

    fn words(&mut self, column: usize, text: &str) {
        let width = text
            .split_whitespace()
            .map(UnicodeWidthStr::width)
            .max()
            .unwrap_or(0);
        self.0[column] = self.0[column].max(width);
    }

    pub(super) fn constrain(&self, table: &mut Table) {
        for (index, &width) in self.0.iter().enumerate() {
            if let Some(column) = table.column_mut(index) {
                // The bound counts the column's padding too.
                let padded = width + usize::from(column.padding_width());
                let padded = u16::try_from(padded).unwrap_or(u16::MAX);
                column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(padded)));
            }
        }
    }
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
    writeln!(
        out,
        "{} {}: {}; {}",
        style.lang.pick("As of", "Tính đến"),
        words.date(view.outcome.as_of),
        count(
            style.lang,
            view.shown.len(),
            "objective",
            "objectives",
            "mục tiêu"
        ),
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

/// A table of more rows than are worth holding at once (the completeness
/// matrix of thousands of units): comfy-table draws it a block of rows at
/// a time, every block with the same column widths, measured beforehand,
/// and the blocks are joined where their borders meet. The result is the
/// table comfy-table draws whole, in memory of one block.
pub(super) struct LongTable<'a> {
    style: Style,
    header: Vec<Cell>,
    /// Each column's widest cell or header, without padding.
    widths: Vec<usize>,
    rows: Vec<Vec<Cell>>,
    block: usize,
    /// Lines written so far (the top border and header once drawn).
    started: bool,
    /// The bottom border of the last block drawn, written at the end.
    bottom: Option<String>,
    /// How a table of one block is fitted to the terminal instead.
    short: fn(&mut Table),
    out: &'a mut dyn Write,
}

impl<'a> LongTable<'a> {
    /// `widths` must hold every cell's width (`UnicodeWidthStr`) and the
    /// header's: no cell is ever wrapped, as `Unbreakable` keeps codes,
    /// marks and counts whole in a table drawn at once.
    pub(super) fn new(
        style: Style,
        header: Vec<Cell>,
        widths: Vec<usize>,
        out: &'a mut dyn Write,
    ) -> LongTable<'a> {
        LongTable {
            style,
            header,
            widths,
            rows: Vec::new(),
            block: 1024,
            started: false,
            bottom: None,
            short: |_| {},
            out,
        }
    }

    /// A table that fits in one block is drawn as a table held whole is:
    /// fitted to the terminal by `arrange` rather than at the widths
    /// measured. A longer one is drawn at those widths, wider than a
    /// narrow terminal if need be: its blocks must line up.
    pub(super) fn when_short(mut self, arrange: fn(&mut Table)) -> Self {
        self.short = arrange;
        self
    }

    #[cfg(test)]
    fn block(mut self, rows: usize) -> Self {
        self.block = rows;
        self
    }

    pub(super) fn row(&mut self, row: Vec<Cell>) -> Result<()> {
        // A block is drawn once a row beyond it comes: a table of exactly
        // one block is still drawn as a short one.
        if self.rows.len() == self.block {
            self.draw(false)?;
        }
        self.rows.push(row);
        Ok(())
    }

    fn draw(&mut self, last: bool) -> Result<()> {
        let mut table = new_table(self.style);
        table.set_header(self.header.clone());
        for row in self.rows.drain(..) {
            table.add_row(row);
        }
        if last && !self.started {
            (self.short)(&mut table);
            writeln!(self.out, "{table}")?;
            return Ok(());
        }
        for (index, &width) in self.widths.iter().enumerate() {
            if let Some(column) = table.column_mut(index) {
                let padded = width + usize::from(column.padding_width());
                let padded = u16::try_from(padded).unwrap_or(u16::MAX);
                column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(padded)));
            }
        }
        let drawn = table.to_string();
        let lines: Vec<&str> = drawn.lines().collect();
        let Some((bottom, body)) = lines.split_last() else {
            return Ok(());
        };
        // A block's top border, header and the line under it are the
        // first block's; no cell wraps, so the header is one line.
        let skip = if self.started { 3.min(body.len()) } else { 0 };
        for line in &body[skip..] {
            writeln!(self.out, "{line}")?;
        }
        self.started = true;
        self.bottom = Some(bottom.to_string());
        Ok(())
    }

    /// Draws what is left and the bottom border.
    pub(super) fn finish(mut self) -> Result<()> {
        if !self.rows.is_empty() || !self.started {
            self.draw(true)?;
        }
        if let Some(bottom) = &self.bottom {
            writeln!(self.out, "{bottom}")?;
        }
        Ok(())
    }
}

/// The width of a cell's text as a table measures it.
pub(super) fn text_width(text: &str) -> usize {
    text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(ascii: bool) -> Style {
        Style {
            lang: crate::lang::Lang::En,
            color: false,
            width: None,
            ascii,
            csv: crate::render::csv::Dialect::Standard,
        }
    }

    #[test]
    fn a_long_table_drawn_in_blocks_is_the_table_drawn_whole() {
        let header = ["unit", "indicator", "2024-H1", "rate"];
        let rows: Vec<[String; 4]> = (0..10)
            .map(|n| {
                [
                    if n % 3 == 0 {
                        format!("U-{n}")
                    } else {
                        String::new()
                    },
                    format!("ind-{}", n % 4),
                    ["✓", "✗", "✓ late"][n % 3].to_string(),
                    format!("{}% ({n}/9)", n * 10),
                ]
            })
            .collect();
        for ascii in [false, true] {
            let mut whole = new_table(style(ascii));
            whole.set_header(header);
            for row in &rows {
                whole.add_row(
                    row.iter()
                        .map(|t| Cell::new(t).set_alignment(CellAlignment::Right)),
                );
            }
            let expected = format!("{whole}\n");
            let mut widths: Vec<usize> = header.iter().map(|h| text_width(h)).collect();
            for row in &rows {
                for (w, t) in widths.iter_mut().zip(row) {
                    *w = (*w).max(text_width(t));
                }
            }
            for block in [1, 3, 10, 100] {
                let mut out = Vec::new();
                let mut long = LongTable::new(
                    style(ascii),
                    header.iter().map(Cell::new).collect(),
                    widths.clone(),
                    &mut out,
                )
                .block(block);
                for row in &rows {
                    long.row(
                        row.iter()
                            .map(|t| Cell::new(t).set_alignment(CellAlignment::Right))
                            .collect(),
                    )
                    .unwrap();
                }
                long.finish().unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), expected, "block {block}");
            }
        }
        // At a narrow terminal, a table of one block (exactly) is fitted
        // to it as a table drawn whole is.
        let narrow = Style {
            width: Some(24),
            ..style(false)
        };
        let mut whole = new_table(narrow);
        whole.set_header(header);
        for row in &rows {
            whole.add_row(row);
        }
        let expected = format!("{whole}\n");
        assert!(
            expected.lines().count() > rows.len() + 4,
            "wrapped:\n{expected}"
        );
        let mut out = Vec::new();
        let mut long = LongTable::new(
            narrow,
            header.iter().map(Cell::new).collect(),
            vec![0; 4],
            &mut out,
        )
        .block(rows.len());
        for row in &rows {
            long.row(row.iter().map(Cell::new).collect()).unwrap();
        }
        long.finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
