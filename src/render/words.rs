//! Figures, targets, statuses and warnings in words, in Vietnamese or
//! English: shared by the table, Markdown and `track check`. Formats what
//! evaluation computed; computes nothing.

use jiff::civil::Date;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::completeness::{Mark, Overdue};
use crate::evaluate::{Evaluation, Figure, Outcome, Status, Warning, YearResult};
use crate::input::plan_file::Cadence;
use crate::lang::Lang;
use crate::model::{IndicatorKind, Measure, Objective, Plan, Rule, UnitId};
use crate::period::{Part, Period};
use crate::target::Bound;

/// A count with its noun: "1 value", "2 values"; Vietnamese nouns do not
/// change with the number ("1 giá trị", "2 giá trị").
pub fn count(lang: Lang, n: usize, one: &str, many: &str, vi: &str) -> String {
    let word = match (lang, n) {
        (Lang::Vi, _) => vi,
        (Lang::En, 1) => one,
        (Lang::En, _) => many,
    };
    format!("{n} {word}")
}

/// Words for one plan in one language.
#[derive(Clone, Copy)]
pub struct Words<'a> {
    pub plan: &'a Plan,
    pub lang: Lang,
}

impl<'a> Words<'a> {
    pub fn new(plan: &'a Plan, lang: Lang) -> Words<'a> {
        Words { plan, lang }
    }

    fn pick(&self, en: &'a str, vi: &'a str) -> &'a str {
        self.lang.pick(en, vi)
    }

    /// Rounded to two decimals, thousands grouped, with the language's
    /// decimal mark: `1,234.5` or `1.234,5`.
    pub fn number(&self, value: Decimal) -> String {
        let text = value
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
            .to_string();
        let (sign, text) = text
            .strip_prefix('-')
            .map_or(("", text.as_str()), |t| ("-", t));
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let (group, mark) = match self.lang {
            Lang::En => (',', '.'),
            Lang::Vi => ('.', ','),
        };
        let mut out = String::from(sign);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(c);
        }
        if !fraction.is_empty() {
            out.push(mark);
            out.push_str(fraction);
        }
        out
    }

    pub fn percent(&self, value: Decimal) -> String {
        format!("{}%", self.number(value))
    }

    pub fn date(&self, date: Date) -> String {
        self.lang.date(date)
    }

    pub fn status(&self, status: Status) -> &'a str {
        match status {
            Status::Met => self.pick("met", "đạt"),
            Status::OnTrack => self.pick("on track", "đúng tiến độ"),
            Status::AtRisk => self.pick("at risk", "nguy cơ chậm"),
            Status::OffTrack => self.pick("off track", "chậm tiến độ"),
            Status::Missed => self.pick("missed", "không đạt"),
            Status::NoData => self.pick("no data", "chưa có số liệu"),
            Status::Info => self.pick("info", "thông tin"),
        }
    }

    /// The status, and for a range exceeded, that it was.
    pub fn status_of(&self, e: &Evaluation) -> String {
        let status = self.status(e.status);
        if e.above_range {
            format!("{status} ({})", self.pick("above range", "vượt khung"))
        } else {
            status.to_string()
        }
    }

    /// Where an owed report stands, as a word.
    pub fn mark(&self, mark: Mark) -> &'a str {
        match mark {
            Mark::Reported => self.pick("reported", "đã nộp"),
            Mark::Late => self.pick("late", "nộp trễ"),
            Mark::Missing => self.pick("missing", "chưa nộp"),
        }
    }

    pub fn cadence(&self, cadence: Cadence) -> &'a str {
        match cadence {
            Cadence::Year => self.pick("yearly", "hằng năm"),
            Cadence::HalfYear => self.pick("half-yearly", "6 tháng/lần"),
            Cadence::Quarter => self.pick("quarterly", "hằng quý"),
            Cadence::Month => self.pick("monthly", "hằng tháng"),
        }
    }

    /// A period in a sentence: `2025-H1`, or in Vietnamese as offices say
    /// it, "6 tháng đầu năm 2025", "quý III/2025", "tháng 7/2025".
    pub fn period(&self, period: Period) -> String {
        let y = period.year();
        match (self.lang, period.part()) {
            (Lang::En, _) => period.to_string(),
            (Lang::Vi, Part::Year) => format!("năm {y}"),
            (Lang::Vi, Part::Half(1)) => format!("6 tháng đầu năm {y}"),
            (Lang::Vi, Part::Half(_)) => format!("6 tháng cuối năm {y}"),
            (Lang::Vi, Part::Quarter(q)) => {
                let roman = ["I", "II", "III", "IV"][usize::from(q.clamp(1, 4)) - 1];
                format!("quý {roman}/{y}")
            }
            (Lang::Vi, Part::Month(m)) => format!("tháng {m}/{y}"),
        }
    }

    /// A unit's name in the language, falling back to the Vietnamese one.
    pub fn unit_name(&self, unit: UnitId) -> &'a str {
        let unit = self.plan.unit(unit);
        match self.lang {
            Lang::Vi => &unit.name,
            Lang::En => unit.name_en.as_deref().unwrap_or(&unit.name),
        }
    }

    /// A missing-report warning: "SKHCN (Department of Science and
    /// Technology) has not sent its 2025-H1 report on a, b (due
    /// 2025-07-15)".
    pub fn overdue(&self, o: &Overdue) -> String {
        let code = &self.plan.unit(o.unit).code;
        let indicators: Vec<&str> = o
            .indicators
            .iter()
            .map(|&i| self.plan.indicator(i).code.as_str())
            .collect();
        let indicators = indicators.join(", ");
        match self.lang {
            Lang::En => format!(
                "{code} ({}) has not sent its {} report on {indicators} (due {})",
                self.unit_name(o.unit),
                o.period,
                self.date(o.due)
            ),
            Lang::Vi => format!(
                "{} ({code}) chưa gửi báo cáo {} về {indicators} (hạn {})",
                self.unit_name(o.unit),
                self.period(o.period),
                self.date(o.due)
            ),
        }
    }

    pub fn title(&self, objective: &'a Objective) -> &'a str {
        self.pick(&objective.title_en, &objective.title)
    }

    pub fn level(&self, objective: &Objective, rank: usize) -> String {
        let Measure::Single(id) = objective.measure else {
            return rank.to_string();
        };
        match &self.plan.indicator(id).kind {
            IndicatorKind::Ordinal(levels) => levels
                .get(rank)
                .map(|l| match self.lang {
                    Lang::Vi => l.title.clone(),
                    Lang::En => l.title_en.clone().unwrap_or_else(|| l.code.clone()),
                })
                .unwrap_or_else(|| rank.to_string()),
            _ => rank.to_string(),
        }
    }

    /// The target as a short cell: `15–20`, `≥ 60%`, `> 60%`, `5–10/year`, `≥ Khá`.
    pub fn target(&self, objective: &Objective) -> String {
        let bound = |b: &Bound, pct: &str| match b.high {
            Some(high) => format!("{}–{}{pct}", self.number(b.low), self.number(high)),
            None if b.strict => format!("> {}{pct}", self.number(b.low)),
            None => format!("≥ {}{pct}", self.number(b.low)),
        };
        match &objective.rule {
            Rule::Count(b) => bound(b, ""),
            Rule::Ratio(b) => bound(b, "%"),
            Rule::PerYear(b) => format!("{}{}", bound(b, ""), self.pick("/year", "/năm")),
            Rule::Ordinal { .. } => {
                let crate::target::TargetSpec::Level { strict, .. } = objective.target else {
                    unreachable!("an ordinal rule comes from a level target")
                };
                let Rule::Ordinal { rank } = objective.rule else {
                    unreachable!()
                };
                // `> kha` is stored as "at least the level above".
                let shown = if strict { rank - 1 } else { rank };
                format!(
                    "{} {}",
                    if strict { ">" } else { "≥" },
                    self.level(objective, shown)
                )
            }
            Rule::Text => self.pick("qualitative", "định tính").to_string(),
        }
    }

    /// The lower bound in words: "at least 15", "more than 60%".
    fn at_least(&self, objective: &Objective) -> String {
        let phrase = |b: &Bound, pct: &str| {
            let n = format!("{}{pct}", self.number(b.low));
            if b.strict {
                format!("{} {n}", self.pick("more than", "trên"))
            } else {
                format!("{} {n}", self.pick("at least", "tối thiểu"))
            }
        };
        match &objective.rule {
            Rule::Count(b) | Rule::PerYear(b) => phrase(b, ""),
            Rule::Ratio(b) => phrase(b, "%"),
            Rule::Ordinal { rank } => format!(
                "{} {}",
                self.pick("at least", "tối thiểu"),
                self.level(objective, *rank)
            ),
            Rule::Text => self.pick("an assessment", "một đánh giá").to_string(),
        }
    }

    pub fn figure(&self, objective: &Objective, figure: &Figure) -> String {
        match figure {
            Figure::Number(n) => self.number(*n),
            Figure::Percent(p) => self.percent(*p),
            Figure::Level(rank) => self.level(objective, *rank),
            Figure::Text(t) => t.clone(),
        }
    }

    /// A gap in the objective's terms: `6`, `10 pp`, `1 level`.
    pub fn gap(&self, objective: &Objective, gap: Decimal) -> String {
        match objective.rule {
            Rule::Ratio(_) if !gap.is_zero() => {
                format!("{} {}", self.number(gap), self.pick("pp", "điểm %"))
            }
            Rule::Ordinal { .. } if !gap.is_zero() => {
                let one = gap == Decimal::ONE;
                format!(
                    "{} {}",
                    self.number(gap),
                    self.pick(if one { "level" } else { "levels" }, "mức")
                )
            }
            _ => self.number(gap),
        }
    }

    /// A warning as a sentence, e.g. "tasks-provincial-2025: 9 of at least
    /// 15 by 2025-12-31; 6 short, missed".
    pub fn warning(&self, outcome: &Outcome, warning: &Warning) -> String {
        match *warning {
            Warning::Objective(id) => {
                let objective = self.plan.objective(id);
                let e = outcome
                    .evaluation(id)
                    .expect("every objective is evaluated");
                format!("{}: {}", objective.code, self.shortfall(objective, e))
            }
            Warning::Year {
                objective: id,
                year,
            } => {
                let objective = self.plan.objective(id);
                let e = outcome
                    .evaluation(id)
                    .expect("every objective is evaluated");
                let y = e
                    .years
                    .iter()
                    .find(|y| y.year == year)
                    .expect("the warned year is evaluated");
                format!("{}: {}", objective.code, self.year_shortfall(objective, y))
            }
        }
    }

    fn shortfall(&self, objective: &Objective, e: &Evaluation) -> String {
        // A per-year objective is judged on the current year; the others
        // on their deadline.
        let when = match (&objective.rule, e.years.last()) {
            (Rule::PerYear(_), Some(year)) => {
                format!("{} {}", self.pick("in", "trong năm"), year.year)
            }
            _ => format!(
                "{} {}",
                self.pick("by", "đến"),
                self.date(objective.window.end)
            ),
        };
        let status = self.status(e.status);
        let Some(actual) = &e.actual else {
            return format!(
                "{} {} {when}; {status}",
                self.pick(
                    "nothing reported yet towards",
                    "chưa có số liệu cho chỉ tiêu"
                ),
                self.at_least(objective)
            );
        };
        let mut text = self.against(&self.figure(objective, actual), objective);
        if let Some((num, den)) = e.ratio {
            text += &format!(" ({} / {})", self.number(num), self.number(den));
        }
        text += &format!(
            " {when}; {}, {status}",
            self.short(objective, e.gap.unwrap_or_default())
        );
        if matches!(e.status, Status::AtRisk | Status::OffTrack)
            && let Some(Figure::Number(expected)) = e.expected
        {
            text += &format!(
                "; {} {}",
                self.pick("expected by now", "cần đạt đến nay"),
                self.number(expected)
            );
        }
        if let Some(needed) = e.needed_per_half_year.filter(|n| !n.is_zero()) {
            text += &match self.lang {
                Lang::En => format!(
                    "; needs {} more per half year ({} left)",
                    self.number(needed),
                    e.halves_left
                ),
                Lang::Vi => format!(
                    "; cần thêm {} mỗi 6 tháng (còn {} kỳ 6 tháng)",
                    self.number(needed),
                    e.halves_left
                ),
            };
        }
        text
    }

    /// "9 of at least 15" / "đạt 9 so với chỉ tiêu tối thiểu 15".
    fn against(&self, actual: &str, objective: &Objective) -> String {
        match self.lang {
            Lang::En => format!("{actual} of {}", self.at_least(objective)),
            Lang::Vi => format!("đạt {actual} so với chỉ tiêu {}", self.at_least(objective)),
        }
    }

    /// "6 short" / "còn thiếu 6".
    fn short(&self, objective: &Objective, gap: Decimal) -> String {
        match self.lang {
            Lang::En => format!("{} short", self.gap(objective, gap)),
            Lang::Vi => format!("còn thiếu {}", self.gap(objective, gap)),
        }
    }

    fn year_shortfall(&self, objective: &Objective, y: &YearResult) -> String {
        let status = self.status(y.status);
        let year = format!("{} {}", self.pick("in", "năm"), y.year);
        match y.actual {
            None => format!(
                "{year}: {} {}; {status}",
                self.pick("nothing reported towards", "không có số liệu cho chỉ tiêu"),
                self.at_least(objective)
            ),
            Some(actual) => format!(
                "{year}: {}; {}, {status}",
                self.against(&self.number(actual), objective),
                self.short(objective, y.gap.unwrap_or_default())
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::plan;

    #[test]
    fn numbers_follow_the_language() {
        let plan = plan();
        let en = Words::new(&plan, Lang::En);
        let vi = Words::new(&plan, Lang::Vi);
        let n: Decimal = "1234567.505".parse().unwrap();
        assert_eq!(en.number(n), "1,234,567.51");
        assert_eq!(vi.number(n), "1.234.567,51");
        assert_eq!(en.number("-1000".parse().unwrap()), "-1,000");
        assert_eq!(vi.number("60.00".parse().unwrap()), "60");
        assert_eq!(vi.percent("62.5".parse().unwrap()), "62,5%");
        assert_eq!(vi.date(Date::constant(2025, 12, 31)), "31/12/2025");
    }

    #[test]
    fn counts_agree_with_their_number_in_english() {
        let objectives = |lang, n| count(lang, n, "objective", "objectives", "mục tiêu");
        assert_eq!(objectives(Lang::En, 1), "1 objective");
        assert_eq!(objectives(Lang::En, 0), "0 objectives");
        assert_eq!(objectives(Lang::En, 2), "2 objectives");
        assert_eq!(objectives(Lang::Vi, 1), "1 mục tiêu");
        assert_eq!(objectives(Lang::Vi, 2), "2 mục tiêu");
    }

    #[test]
    fn targets_read_like_the_plan() {
        let plan = plan();
        let en = Words::new(&plan, Lang::En);
        let vi = Words::new(&plan, Lang::Vi);
        let targets: Vec<String> = plan.objectives.iter().map(|o| en.target(o)).collect();
        assert_eq!(
            targets,
            [
                "15–20",
                "> 60%",
                "5–10/year",
                "≥ kha",
                "qualitative",
                "≥ 10"
            ]
        );
        assert_eq!(vi.target(&plan.objectives[3]), "≥ Khá");
        assert_eq!(vi.target(&plan.objectives[2]), "5–10/năm");
    }
}
