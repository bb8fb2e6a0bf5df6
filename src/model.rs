//! The validated plan and observations: the one place where the plan file
//! and report rows are checked. Everything downstream (evaluation,
//! rendering) trusts these types.

use std::borrow::Cow;
use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::ops::Range;

use jiff::civil::Date;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, line_column};
use crate::input::plan_file::{Cadence, Deadline, IndicatorKindShape, PlanFile};
use crate::input::report_file::RawRow;
use crate::lang::{Lang, Message};
use crate::msg;
use crate::number::{DecimalMark, parse_number};
use crate::period::Period;
use crate::target::{Bound, TargetSpec};
use crate::text::{fold, nfc};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectiveId(pub u32);

/// A validated plan: units, indicators and objectives, with every code
/// checked and every target matched to its measure.
#[derive(Debug)]
pub struct Plan {
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub source: Option<String>,
    pub start: Date,
    /// Share of expected (0-1) from which a shortfall is at risk, not off track.
    pub tolerance: Decimal,
    pub due_days: u16,
    pub units: Vec<Unit>,
    pub indicators: Vec<Indicator>,
    pub objectives: Vec<Objective>,
    /// Codes as written and in lower case, for lookups per row.
    unit_keys: FxHashMap<String, UnitId>,
    indicator_keys: FxHashMap<String, IndicatorId>,
    /// The last deadline of any objective, the end of the plan's years.
    last: Date,
    /// The plan's years, from `start`'s to `last`'s: for `place`.
    years: usize,
    /// SHA-256 of the plan file's text: what a cache of values read under
    /// this plan is keyed on.
    fingerprint: [u8; 32],
}

#[derive(Debug)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
}

#[derive(Debug)]
pub struct Indicator {
    pub code: String,
    pub kind: IndicatorKind,
    pub title: String,
    pub title_en: String,
    pub counted_in: Option<String>,
    pub counted_in_en: Option<String>,
    pub section: Option<String>,
    /// The units expected to report it, in the plan's order.
    pub reporters: Vec<UnitId>,
    /// The same as a bit set by unit, for a constant-time check per row.
    reporter_set: Vec<u64>,
    pub cadence: Cadence,
}

impl Indicator {
    /// Whether `unit` is expected to report this indicator.
    pub fn reports(&self, unit: UnitId) -> bool {
        let i = unit.0 as usize;
        self.reporter_set
            .get(i / 64)
            .is_some_and(|word| word & (1 << (i % 64)) != 0)
    }
}

#[derive(Debug)]
pub enum IndicatorKind {
    /// New in the period; adds up over periods and units.
    Flow,
    /// A level at the period's end; each unit's latest value counts.
    Stock,
    /// Ranked levels, lowest first.
    Ordinal(Vec<Level>),
    /// A written assessment.
    Text,
}

impl IndicatorKind {
    pub fn name(&self) -> &'static str {
        match self {
            IndicatorKind::Flow => "flow",
            IndicatorKind::Stock => "stock",
            IndicatorKind::Ordinal(_) => "ordinal",
            IndicatorKind::Text => "text",
        }
    }

    /// Whether a unit's values add up over periods (flows), or only its
    /// latest counts (everything else).
    pub fn adds_up(&self) -> bool {
        matches!(self, IndicatorKind::Flow)
    }

    /// Whether its values are counts (flows and stocks), read as numbers.
    pub fn counts(&self) -> bool {
        matches!(self, IndicatorKind::Flow | IndicatorKind::Stock)
    }
}

#[derive(Debug)]
pub struct Level {
    pub code: String,
    pub title: String,
    pub title_en: Option<String>,
    /// `fold` of the code and of the title, matched against what units write.
    keys: [String; 2],
}

#[derive(Debug)]
pub struct Objective {
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub section: Option<String>,
    pub target: TargetSpec,
    pub measure: Measure,
    pub rule: Rule,
    pub window: Window,
}

/// The days whose values count: a period counts when it lies inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: Date,
    pub end: Date,
}

impl Window {
    pub fn contains(&self, period: Period) -> bool {
        period.start() >= self.start && period.end() <= self.end
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Single(IndicatorId),
    Ratio {
        numerator: IndicatorId,
        denominator: IndicatorId,
    },
}

impl Measure {
    pub fn indicators(&self) -> Vec<IndicatorId> {
        match *self {
            Measure::Single(i) => vec![i],
            Measure::Ratio {
                numerator,
                denominator,
            } => vec![numerator, denominator],
        }
    }
}

/// How an objective is judged (SPEC section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A count over the whole window, expected to grow linearly.
    Count(Bound),
    /// A count in each calendar year of the window.
    PerYear(Bound),
    /// A ratio in percent; the bound is in percent.
    Ratio(Bound),
    /// At least the level of this rank (0 = lowest).
    Ordinal { rank: usize },
    /// A written assessment, shown and not judged.
    Text,
}

/// A report row that passed validation.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation<'r> {
    pub unit: UnitId,
    pub indicator: IndicatorId,
    pub period: Period,
    pub value: Value<'r>,
    /// The note as written in its cell, spaces around it and all: see
    /// `note`, which most passes never need.
    pub note_written: &'r str,
    pub source: Source,
    /// Its unit's, indicator's and year's place in the tables kept by
    /// unit, year of the plan and indicator (`Plan::place`), worked out
    /// once for the clash ledger and the tracker; `NO_PLACE` for a year
    /// outside the plan's (or beyond `u32`'s places).
    pub place: u32,
}

/// `Observation::place` of a value of a year outside the plan's.
pub const NO_PLACE: u32 = u32::MAX;

/// `Plan::place` of `indicator`, from `first`, the place of the same unit
/// and year's first indicator: what a row's place costs when the unit and
/// year are the row before's.
#[inline(always)]
pub fn place_from(first: u32, indicator: IndicatorId) -> u32 {
    if first == NO_PLACE {
        NO_PLACE
    } else {
        first + indicator.0
    }
}

impl Observation<'_> {
    /// The note, trimmed: trimmed only when asked for (by the cache and
    /// `export`, not by a report, for each of millions of rows). Whoever
    /// outputs it normalises it too (`text::nfc`).
    pub fn note(&self) -> &str {
        crate::text::trim(self.note_written)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value<'r> {
    Number(Decimal),
    /// Rank of an ordinal level, 0 = lowest.
    Level(usize),
    Text(Cow<'r, str>),
}

impl Value<'_> {
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Number(n) => Value::Number(n),
            Value::Level(r) => Value::Level(r),
            Value::Text(t) => Value::Text(Cow::Owned(t.into_owned())),
        }
    }
}

/// Which file (an index into the run's list of files) and line a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source {
    pub file: u32,
    pub line: u32,
}

/// What `Plan::read_row_with` remembers from one row to the next. Texts
/// are kept in buffers used again, within the memo (short codes), or
/// borrowed from the plan (longer codes as declared): an allocation for
/// each file's indicators and periods showed in the time of ten million
/// rows.
#[derive(Debug, Default)]
pub struct RowMemo<'p> {
    unit: Option<UnitId>,
    unit_text: String,
    /// The period, and whether it is within the plan's years.
    period: Option<(Period, bool)>,
    period_text: String,
    /// Indicators in the order rows gave them, and where the next row is
    /// expected to be: a file repeats the same indicators period after
    /// period, so the guess is a string comparison instead of a hash.
    indicators: Vec<Seen<'p>>,
    next: usize,
    /// An indicator met when `indicators` is full.
    beyond: Option<Known>,
    /// `Plan::place` of the unit and period above for the first
    /// indicator: a row's place is this and its indicator's number
    /// (`place_from`); `NO_PLACE` while either is unknown.
    base: u32,
}

/// An indicator as rows give it, with what the usual row needs of it kept
/// beside its code: the row then reads one place in memory, not the code's
/// text, the indicator and its reporters, each elsewhere. (A national
/// report's month of rows met forty indicators; their scattered lines did
/// not stay in the L1 cache from one month to the next.)
#[derive(Debug)]
struct Seen<'p> {
    written: Written<'p>,
    known: Known,
}

/// The code as written: within the entry when short, as codes are.
#[derive(Debug)]
enum Written<'p> {
    Short([u8; 16], u8),
    Long(Cow<'p, str>),
}

impl Written<'_> {
    #[inline(always)]
    fn as_bytes(&self) -> &[u8] {
        match self {
            Written::Short(bytes, len) => &bytes[..usize::from(*len)],
            Written::Long(text) => text.as_bytes(),
        }
    }
}

/// What a row needs of its indicator.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Known {
    id: IndicatorId,
    /// A flow or a stock: a whole count is read without a look at the
    /// indicator.
    counts: bool,
    /// The last unit asked about, and whether it reports the indicator.
    reporter: Option<(UnitId, bool)>,
}

impl Known {
    fn new(plan: &Plan, id: IndicatorId) -> Known {
        Known {
            id,
            counts: plan.indicator(id).kind.counts(),
            reporter: None,
        }
    }

    /// Whether `unit` is expected to report the indicator.
    #[inline(always)]
    fn reports(&mut self, plan: &Plan, unit: UnitId) -> bool {
        match self.reporter {
            Some((asked, reports)) if asked == unit => reports,
            _ => {
                let reports = plan.indicator(self.id).reports(unit);
                self.reporter = Some((unit, reports));
                reports
            }
        }
    }
}

/// `a == b` for the short codes a row repeats (units, indicators,
/// periods): compared a word at a time, without a call to `memcmp` for
/// each cell of millions of rows.
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
    match n {
        // The first and last word overlap where the text is shorter than two.
        // Both words told apart in one test: one branch, not two.
        8..=16 => (word(a, 0) ^ word(b, 0)) | (word(a, n - 8) ^ word(b, n - 8)) == 0,
        4..8 => (half(a, 0) ^ half(b, 0)) | (half(a, n - 4) ^ half(b, n - 4)) == 0,
        _ => a == b,
    }
}

impl<'p> RowMemo<'p> {
    /// The unit of a row whose unit is not the last row's. Out of line,
    /// as the other misses: the usual row's code keeps its registers.
    #[cold]
    #[inline(never)]
    fn learn_unit(&mut self, plan: &Plan, text: &str) -> Option<UnitId> {
        self.unit = plan.unit_id(text);
        self.unit_text.clear();
        self.unit_text.push_str(text);
        self.learn_base(plan);
        self.unit
    }

    /// `base` for the unit and period now remembered.
    fn learn_base(&mut self, plan: &Plan) {
        self.base = match (self.unit, self.period) {
            (Some(unit), Some((period, _))) => plan.place(unit, IndicatorId(0), period.year()),
            _ => NO_PLACE,
        };
    }

    /// The period of a row whose period is not the last row's, and
    /// whether it is within the plan's years.
    #[cold]
    #[inline(never)]
    fn learn_period(
        &mut self,
        plan: &Plan,
        text: &str,
    ) -> Result<(Period, bool), crate::period::PeriodError> {
        text.parse::<Period>().map(|p| {
            let known = (p, plan.within_years(p));
            self.period = Some(known);
            self.period_text.clear();
            self.period_text.push_str(text);
            self.learn_base(plan);
            known
        })
    }

    /// The place after `at` in `indicators`, round to the start (not `%`:
    /// a division is slow, for each of millions of rows).
    #[inline]
    fn after(&self, at: usize) -> usize {
        if at + 1 >= self.indicators.len() {
            0
        } else {
            at + 1
        }
    }

    #[inline(always)]
    fn indicator(&mut self, plan: &'p Plan, text: &str) -> Option<&mut Known> {
        let at = self.next;
        if let Some(seen) = self.indicators.get(at)
            && same_bytes(seen.written.as_bytes(), text.as_bytes())
        {
            self.next = self.after(at);
            return Some(&mut self.indicators[at].known);
        }
        self.indicator_elsewhere(plan, text)
    }

    /// `indicator` of a row that is not the one expected next.
    #[inline(never)]
    fn indicator_elsewhere(&mut self, plan: &'p Plan, text: &str) -> Option<&mut Known> {
        if let Some(at) = self
            .indicators
            .iter()
            .position(|seen| same_bytes(seen.written.as_bytes(), text.as_bytes()))
        {
            self.next = self.after(at);
            return Some(&mut self.indicators[at].known);
        }
        let id = plan.indicator_id(text)?;
        // A few dozen at most: any more and the plan's map is as quick.
        if self.indicators.len() >= 64 {
            return Some(self.beyond.insert(Known::new(plan, id)));
        }
        let written = match text.len() {
            len @ 0..=16 => {
                let mut bytes = [0; 16];
                bytes[..len].copy_from_slice(text.as_bytes());
                Written::Short(bytes, len as u8)
            }
            _ => {
                let code = plan.indicator(id).code.as_str();
                Written::Long(if code == text {
                    Cow::Borrowed(code)
                } else {
                    Cow::Owned(text.to_string())
                })
            }
        };
        self.indicators.push(Seen {
            written,
            known: Known::new(plan, id),
        });
        self.next = 0;
        self.indicators.last_mut().map(|seen| &mut seen.known)
    }
}

/// One problem in one cell of a report row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellProblem {
    pub column: usize,
    pub message: Message,
    pub warning: bool,
}

impl Plan {
    /// Validates a parsed plan file. `file` names it in diagnostics and
    /// `text` is its source, to turn spans into lines and columns.
    pub fn from_input(input: PlanFile, file: &str, text: &str) -> Result<Plan, Diagnostics> {
        let mut problems = Diagnostics::default();
        let mut error = |span: Range<usize>, message: Message| {
            let (line, column) = line_column(text, span.start);
            problems.push(Diagnostic::error(file, message).at(line, column));
        };

        let header = input.plan;
        let start = date_of(header.start.get_ref()).unwrap_or_else(|| {
            error(
                header.start.span(),
                msg!(
                    "`start` must be a date such as 2024-01-01",
                    "`start` phải là một ngày, ví dụ 2024-01-01"
                ),
            );
            Date::constant(2000, 1, 1)
        });
        let tolerance = match &header.tolerance {
            None => Decimal::new(8, 1),
            Some(t) => match parse_percent(t.get_ref()) {
                Some(p) if p > Decimal::ZERO && p <= Decimal::ONE_HUNDRED => {
                    p / Decimal::ONE_HUNDRED
                }
                _ => {
                    error(
                        t.span(),
                        msg!(
                            "cannot read tolerance `{}`; expected a percentage such as `80%`",
                            "không đọc được `tolerance` `{}`; cần một tỷ lệ phần trăm như `80%`",
                            t.get_ref()
                        ),
                    );
                    Decimal::new(8, 1)
                }
            },
        };
        let default_cadence = header.cadence.unwrap_or(Cadence::HalfYear);

        let mut units = Vec::new();
        let mut unit_keys = FxHashMap::default();
        for (code, shape) in input.units {
            if !is_code(code.get_ref()) {
                error(
                    code.span(),
                    msg!(
                        "unit code `{}` may hold only letters, digits, `-` and `_`",
                        "mã đơn vị `{}` chỉ được gồm chữ, số, `-` và `_`",
                        code.get_ref()
                    ),
                );
            }
            let id = UnitId(units.len() as u32);
            if unit_keys
                .insert(code.get_ref().to_lowercase(), id)
                .is_some()
            {
                error(
                    code.span(),
                    msg!(
                        "unit `{}` is declared twice (codes ignore case)",
                        "đơn vị `{}` được khai báo hai lần (mã không phân biệt chữ hoa, chữ thường)",
                        code.get_ref()
                    ),
                );
            }
            units.push(Unit {
                code: code.into_inner(),
                name: nfc_owned(shape.name),
                name_en: shape.name_en.map(nfc_owned),
            });
        }
        let unit_codes: Vec<&str> = units.iter().map(|u| u.code.as_str()).collect();

        let mut indicators = Vec::new();
        let mut indicator_keys = FxHashMap::default();
        for (code, shape) in input.indicators {
            if !is_code(code.get_ref()) {
                error(
                    code.span(),
                    msg!(
                        "indicator code `{}` may hold only letters, digits, `-` and `_`",
                        "mã chỉ tiêu `{}` chỉ được gồm chữ, số, `-` và `_`",
                        code.get_ref()
                    ),
                );
            }
            let id = IndicatorId(indicators.len() as u32);
            if indicator_keys
                .insert(code.get_ref().to_lowercase(), id)
                .is_some()
            {
                error(
                    code.span(),
                    msg!(
                        "indicator `{}` is declared twice (codes ignore case)",
                        "chỉ tiêu `{}` được khai báo hai lần (mã không phân biệt chữ hoa, chữ thường)",
                        code.get_ref()
                    ),
                );
            }
            let mut reporters = Vec::new();
            let mut listed = vec![false; units.len()];
            for reporter in &shape.reporters {
                // `*`: every unit of the plan, as when all communes report.
                if reporter.get_ref() == "*" {
                    if shape.reporters.len() > 1 {
                        error(
                            reporter.span(),
                            msg!(
                                "`*` (every unit) stands alone in the reporters of `{}`",
                                "`*` (mọi đơn vị) phải đứng một mình trong `reporters` của `{}`",
                                code.get_ref()
                            ),
                        );
                    }
                    reporters = (0..units.len() as u32).map(UnitId).collect();
                    continue;
                }
                match unit_keys.get(&reporter.get_ref().to_lowercase()) {
                    Some(&unit) if listed[unit.0 as usize] => {
                        error(
                            reporter.span(),
                            msg!(
                                "unit `{}` is listed twice in reporters",
                                "đơn vị `{}` có hai lần trong `reporters`",
                                reporter.get_ref()
                            ),
                        );
                    }
                    Some(&unit) => {
                        listed[unit.0 as usize] = true;
                        reporters.push(unit);
                    }
                    None => error(
                        reporter.span(),
                        msg!(
                            "unknown unit `{}` in reporters of `{}`",
                            "đơn vị `{}` trong `reporters` của `{}` không có trong kế hoạch",
                            reporter.get_ref(),
                            code.get_ref()
                        )
                        .then(&did_you_mean(
                            reporter.get_ref(),
                            unit_codes.iter().copied(),
                        )),
                    ),
                }
            }
            let kind = match (shape.kind, shape.levels) {
                (IndicatorKindShape::Ordinal, Some(levels)) => {
                    let span = levels.span();
                    let levels = levels.into_inner();
                    if levels.len() < 2 {
                        error(
                            span,
                            msg!(
                                "ordinal indicator `{}` needs at least two levels",
                                "chỉ tiêu xếp mức `{}` cần ít nhất hai mức",
                                code.get_ref()
                            ),
                        );
                    }
                    let mut seen = Vec::new();
                    for level in &levels {
                        let key = fold(level.code.get_ref());
                        if seen.contains(&key) {
                            error(
                                level.code.span(),
                                msg!(
                                    "level `{}` is listed twice",
                                    "mức `{}` có hai lần",
                                    level.code.get_ref()
                                ),
                            );
                        }
                        seen.push(key);
                    }
                    IndicatorKind::Ordinal(
                        levels
                            .into_iter()
                            .map(|l| Level {
                                keys: [fold(l.code.get_ref()), fold(&l.title)],
                                code: l.code.into_inner(),
                                title: nfc_owned(l.title),
                                title_en: l.title_en.map(nfc_owned),
                            })
                            .collect(),
                    )
                }
                (IndicatorKindShape::Ordinal, None) => {
                    error(
                        code.span(),
                        msg!(
                            "ordinal indicator `{}` needs `levels`, lowest first",
                            "chỉ tiêu xếp mức `{}` cần `levels`, từ mức thấp nhất",
                            code.get_ref()
                        ),
                    );
                    IndicatorKind::Ordinal(Vec::new())
                }
                (kind, Some(levels)) => {
                    error(
                        levels.span(),
                        msg!(
                            "`levels` is only for ordinal indicators; `{}` is a {kind:?} indicator",
                            "`levels` chỉ dành cho chỉ tiêu xếp mức (ordinal); `{}` là chỉ tiêu loại {kind:?}",
                            code.get_ref()
                        ),
                    );
                    IndicatorKind::Text
                }
                (IndicatorKindShape::Flow, None) => IndicatorKind::Flow,
                (IndicatorKindShape::Stock, None) => IndicatorKind::Stock,
                (IndicatorKindShape::Text, None) => IndicatorKind::Text,
            };
            indicators.push(Indicator {
                code: code.into_inner(),
                kind,
                title: nfc_owned(shape.title),
                title_en: nfc_owned(shape.title_en),
                counted_in: shape.counted_in.map(nfc_owned),
                counted_in_en: shape.counted_in_en.map(nfc_owned),
                section: shape.section,
                reporter_set: reporters.iter().fold(
                    vec![0; units.len().div_ceil(64)],
                    |mut set, u| {
                        set[u.0 as usize / 64] |= 1 << (u.0 % 64);
                        set
                    },
                ),
                reporters,
                cadence: shape.cadence.unwrap_or(default_cadence),
            });
        }
        let indicator_codes: Vec<&str> = indicators.iter().map(|i| i.code.as_str()).collect();

        let mut objectives = Vec::new();
        let mut objective_keys = HashMap::new();
        for (code, shape) in input.objectives {
            if objective_keys
                .insert(code.get_ref().to_lowercase(), ())
                .is_some()
            {
                error(
                    code.span(),
                    msg!(
                        "objective `{}` is declared twice (codes ignore case)",
                        "mục tiêu `{}` được khai báo hai lần (mã không phân biệt chữ hoa, chữ thường)",
                        code.get_ref()
                    ),
                );
            }
            let lookup = |name: &str| indicator_keys.get(&name.trim().to_lowercase()).copied();
            let measure_text = shape.measure.get_ref();
            let mut unknown = Vec::new();
            let measure = match measure_text.split_once('/') {
                Some((num, den)) => match (lookup(num), lookup(den)) {
                    (Some(numerator), Some(denominator)) => Some(Measure::Ratio {
                        numerator,
                        denominator,
                    }),
                    (n, d) => {
                        unknown.extend(n.is_none().then_some(num.trim()));
                        unknown.extend(d.is_none().then_some(den.trim()));
                        None
                    }
                },
                None => match lookup(measure_text) {
                    Some(i) => Some(Measure::Single(i)),
                    None => {
                        unknown.push(measure_text.trim());
                        None
                    }
                },
            };
            for name in unknown {
                error(
                    shape.measure.span(),
                    msg!(
                        "unknown indicator `{name}` in the measure of `{}`",
                        "chỉ tiêu `{name}` trong `measure` của `{}` không có trong kế hoạch",
                        code.get_ref()
                    )
                    .then(&did_you_mean(name, indicator_codes.iter().copied())),
                );
            }
            let target = match TargetSpec::parse(shape.target.get_ref()) {
                Ok(t) => Some(t),
                Err(e) => {
                    error(shape.target.span(), e.message());
                    None
                }
            };
            let window_start = match &shape.from {
                None => Some(start),
                Some(from) => date_of(from.get_ref()).or_else(|| {
                    error(
                        from.span(),
                        msg!(
                            "`from` must be a date such as 2024-07-01",
                            "`from` phải là một ngày, ví dụ 2024-07-01"
                        ),
                    );
                    None
                }),
            };
            let deadline = match shape.by.get_ref() {
                Deadline::Year(y) if (1900..=2999).contains(y) => Date::new(*y as i16, 12, 31).ok(),
                Deadline::Date(d) => date_of(d),
                Deadline::Year(_) => None,
            };
            let deadline = deadline.or_else(|| {
                error(
                    shape.by.span(),
                    msg!(
                        "`by` must be a year such as 2025 or a date such as 2025-06-30",
                        "`by` phải là một năm như 2025 hoặc một ngày như 2025-06-30"
                    ),
                );
                None
            });
            if let (Some(s), Some(d)) = (window_start, deadline)
                && d < s
            {
                error(shape.by.span(), {
                    let (name, de, dv) = (code.get_ref(), d, Lang::Vi.date(d));
                    let (se, sv) = (s, Lang::Vi.date(s));
                    msg!(
                        "the deadline {de} of `{name}` is before its window starts on {se}",
                        "thời hạn {dv} của `{name}` sớm hơn ngày bắt đầu tính {sv}"
                    )
                });
            }
            let (Some(measure), Some(target), Some(window_start), Some(deadline)) =
                (measure, target, window_start, deadline)
            else {
                continue;
            };
            match rule_for(&measure, &target, shape.target.get_ref(), &indicators) {
                Ok(rule) => objectives.push(Objective {
                    code: code.into_inner(),
                    title: nfc_owned(shape.title),
                    title_en: nfc_owned(shape.title_en),
                    section: shape.section,
                    target,
                    measure,
                    rule,
                    window: Window {
                        start: window_start,
                        end: deadline,
                    },
                }),
                Err(message) => error(
                    shape.target.span(),
                    msg!("objective `{}`: ", "mục tiêu `{}`: ", code.get_ref()).then(&message),
                ),
            }
        }

        if problems.has_errors() {
            return Err(problems);
        }
        let unit_keys = with_exact_case(unit_keys, &units, |u| &u.code);
        let indicator_keys = with_exact_case(indicator_keys, &indicators, |i| &i.code);
        let last = objectives
            .iter()
            .map(|o| o.window.end)
            .max()
            .unwrap_or(start);
        Ok(Plan {
            code: header.code,
            title: nfc_owned(header.title),
            title_en: nfc_owned(header.title_en),
            source: header.source.map(nfc_owned),
            start,
            tolerance,
            due_days: header.due_days.unwrap_or(15),
            units,
            indicators,
            objectives,
            unit_keys,
            indicator_keys,
            last,
            years: (last.year() - start.year() + 1).max(1) as usize,
            fingerprint: Sha256::digest(text.as_bytes()).into(),
        })
    }

    /// SHA-256 of the plan file's text.
    pub fn fingerprint(&self) -> &[u8; 32] {
        &self.fingerprint
    }

    pub fn unit(&self, id: UnitId) -> &Unit {
        &self.units[id.0 as usize]
    }

    pub fn indicator(&self, id: IndicatorId) -> &Indicator {
        &self.indicators[id.0 as usize]
    }

    pub fn objective(&self, id: ObjectiveId) -> &Objective {
        &self.objectives[id.0 as usize]
    }

    pub fn objective_ids(&self) -> impl Iterator<Item = ObjectiveId> + '_ {
        (0..self.objectives.len() as u32).map(ObjectiveId)
    }

    /// A value as a report would write it: a plain number with `.`
    /// decimals, a level's code, or the text.
    pub fn show_value(&self, indicator: IndicatorId, value: &Value) -> String {
        match value {
            Value::Number(n) => n.normalize().to_string(),
            Value::Level(rank) => match &self.indicator(indicator).kind {
                IndicatorKind::Ordinal(levels) => levels
                    .get(*rank)
                    .map_or_else(|| (rank + 1).to_string(), |l| l.code.clone()),
                _ => (rank + 1).to_string(),
            },
            Value::Text(t) => t.to_string(),
        }
    }

    /// Where the tables kept by unit, year of the plan and indicator (the
    /// clash ledger's, the tracker's) keep `unit`'s `indicator` in `year`:
    /// a unit's years side by side, each its indicators in order, as a
    /// unit's file gives them. `NO_PLACE` for a year outside the plan's.
    #[inline]
    pub fn place(&self, unit: UnitId, indicator: IndicatorId, year: i16) -> u32 {
        let (years, indicators) = (self.years, self.indicators.len());
        match usize::try_from(i32::from(year) - i32::from(self.start.year())) {
            Ok(y) if y < years => {
                let first = (unit.0 as usize * years + y) * indicators;
                // A unit's year whose last place would not fit below
                // `NO_PLACE` has none (a plan of billions of places): its
                // every indicator alike, so that `place_from` agrees.
                if first + indicators > NO_PLACE as usize {
                    return NO_PLACE;
                }
                (first + indicator.0 as usize) as u32
            }
            _ => NO_PLACE,
        }
    }

    /// The plan's years, from the start's to the last deadline's.
    pub fn years(&self) -> usize {
        self.years
    }

    /// How many places `place` gives: one for each unit, year of the plan
    /// and indicator.
    pub fn places(&self) -> usize {
        self.units.len() * self.years * self.indicators.len()
    }

    /// Case-insensitive lookup of a unit code.
    pub fn unit_id(&self, code: &str) -> Option<UnitId> {
        lookup(&self.unit_keys, code)
    }

    pub fn indicator_id(&self, code: &str) -> Option<IndicatorId> {
        lookup(&self.indicator_keys, code)
    }

    pub fn objective_id(&self, code: &str) -> Option<ObjectiveId> {
        let code = code.trim();
        self.objectives
            .iter()
            .position(|o| o.code.eq_ignore_ascii_case(code))
            .map(|i| ObjectiveId(i as u32))
    }

    /// The last deadline of any objective: the end of the plan's years.
    pub fn last_deadline(&self) -> Date {
        self.last
    }

    /// Checks one report row against the plan. Problems are returned with
    /// their column; a row with an error yields no observation.
    pub fn read_row<'r>(
        &self,
        row: &RawRow<'r>,
        mark: DecimalMark,
        source: Source,
        problems: &mut Vec<CellProblem>,
    ) -> Option<Observation<'r>> {
        self.read_row_with(row, mark, source, problems, &mut RowMemo::default())
    }

    /// `read_row` for the rows of one file in turn: `memo` remembers the
    /// previous row's unit and period, which the next row usually repeats.
    #[inline(always)]
    pub fn read_row_with<'r, 'p>(
        &'p self,
        row: &RawRow<'r>,
        mark: DecimalMark,
        source: Source,
        problems: &mut Vec<CellProblem>,
        memo: &mut RowMemo<'p>,
    ) -> Option<Observation<'r>> {
        let unit = match memo.unit {
            Some(id) if same_text(&memo.unit_text, row.unit.text) => Some(id),
            _ => memo.learn_unit(self, row.unit.text),
        };
        let parsed = match memo.period {
            Some(known) if same_text(&memo.period_text, row.period.text) => Ok(known),
            _ => memo.learn_period(self, row.period.text),
        };
        let base = memo.base;
        let known = memo.indicator(self, row.indicator.text);
        let indicator = known.as_ref().map(|k| k.id);
        // The usual row, with nothing to say about it, without building
        // the messages of the others.
        if let (Some(u), Some(known), Ok((p, true))) = (unit, known, &parsed)
            && known.reports(self, u)
            && let Ok(value) = self.read_value(known.id, known.counts, row.value.text, mark)
        {
            return Some(Observation {
                unit: u,
                indicator: known.id,
                period: *p,
                value,
                note_written: row.note.text,
                source,
                place: place_from(base, known.id),
            });
        }
        let parsed = parsed.map(|(p, _)| p);
        self.check_row(*row, mark, source, problems, (unit, indicator, parsed))
    }

    /// Whether a period falls within the plan's years.
    fn within_years(&self, p: Period) -> bool {
        let last = self.last_deadline();
        // Dates only for a period in the first or last year.
        (self.start.year() < p.year() && p.year() < last.year())
            || (p.end() >= self.start && p.start() <= last)
    }

    /// `read_row_with` for a row with something to say: its problems.
    #[cold]
    #[inline(never)]
    fn check_row<'r>(
        &self,
        row: RawRow<'r>,
        mark: DecimalMark,
        source: Source,
        problems: &mut Vec<CellProblem>,
        (unit, indicator, parsed): (
            Option<UnitId>,
            Option<IndicatorId>,
            Result<Period, crate::period::PeriodError>,
        ),
    ) -> Option<Observation<'r>> {
        let mut failed = false;
        let mut problem = |column: usize, message: Message, warning: bool| {
            failed |= !warning;
            problems.push(CellProblem {
                column,
                message,
                warning,
            });
        };

        if unit.is_none() {
            let found = row.unit.text.trim();
            let message = if found.is_empty() {
                msg!(
                    "the unit is empty; expected a unit code declared in the plan",
                    "ô đơn vị để trống; cần mã của một đơn vị có trong kế hoạch"
                )
            } else {
                msg!(
                    "unknown unit `{found}`",
                    "đơn vị `{found}` không có trong kế hoạch"
                )
                .then(&nearest_or_expected(
                    found,
                    self.units.iter().map(|u| u.code.as_str()),
                    msg!("unit", "đơn vị"),
                ))
            };
            problem(row.unit.column, message, false);
        }
        if indicator.is_none() {
            let found = row.indicator.text.trim();
            let message = if found.is_empty() {
                msg!(
                    "the indicator is empty; expected an indicator code declared in the plan",
                    "ô chỉ tiêu để trống; cần mã của một chỉ tiêu có trong kế hoạch"
                )
            } else {
                msg!(
                    "unknown indicator `{found}`",
                    "chỉ tiêu `{found}` không có trong kế hoạch"
                )
                .then(&nearest_or_expected(
                    found,
                    self.indicators.iter().map(|i| i.code.as_str()),
                    msg!("indicator", "chỉ tiêu"),
                ))
            };
            problem(row.indicator.column, message, false);
        }
        let period = match parsed {
            Ok(p) => Some(p),
            Err(e) => {
                problem(row.period.column, e.message(row.period.text), false);
                None
            }
        };
        // A blank value is a report not (yet) given, as in a template sent
        // back half filled: the row is left out, with a warning.
        let blank = crate::text::trim(row.value.text).is_empty();
        if blank {
            problem(
                row.value.column,
                msg!(
                    "no value; the row is left out (fill it in, or delete the row)",
                    "chưa có giá trị; dòng này được bỏ qua (hãy điền giá trị, hoặc xóa dòng)"
                ),
                true,
            );
        }
        let value = indicator.filter(|_| !blank).and_then(|id| {
            let counts = self.indicator(id).kind.counts();
            self.read_value(id, counts, row.value.text, mark)
                .map_err(|message| problem(row.value.column, message, false))
                .ok()
        });
        if let (Some(u), Some(i)) = (unit, indicator) {
            let indicator = self.indicator(i);
            if !indicator.reports(u) {
                problem(
                    row.unit.column,
                    msg!(
                        "unit `{}` is not expected to report `{}`; the value is kept",
                        "đơn vị `{}` không thuộc diện báo cáo `{}`; giá trị vẫn được giữ lại",
                        self.unit(u).code,
                        indicator.code
                    ),
                    true,
                );
            }
        }
        if let Some(p) = period
            && !self.within_years(p)
        {
            let last = self.last_deadline();
            problem(
                row.period.column,
                msg!(
                    "period `{p}` is outside the plan's years ({} to {}); the value is kept, but no objective counts it",
                    "kỳ `{p}` nằm ngoài thời gian của kế hoạch ({} đến {}); giá trị vẫn được giữ lại nhưng không được tính cho mục tiêu nào",
                    self.start.year(),
                    last.year()
                ),
                true,
            );
        }
        if failed || blank {
            return None;
        }
        let (unit, indicator, period) = (unit?, indicator?, period?);
        Some(Observation {
            unit,
            indicator,
            period,
            value: value?,
            note_written: row.note.text,
            source,
            place: self.place(unit, indicator, period.year()),
        })
    }

    /// A row's value, as indicator `id`'s kind reads it, from its `text`
    /// as written; `counts` is the kind's (`IndicatorKind::counts`), which
    /// the usual row has at hand without a look at the indicator. A whole
    /// count, most values, is read inline (digits only: nothing to trim);
    /// the rest trimmed and out of line. A blank value is an error here;
    /// `check_row` says why it is left out instead.
    #[inline]
    fn read_value<'r>(
        &self,
        id: IndicatorId,
        counts: bool,
        text: &'r str,
        mark: DecimalMark,
    ) -> Result<Value<'r>, Message> {
        if counts && let Some(n) = crate::number::whole_trimmed(text) {
            // Not negative: digits only.
            return Ok(Value::Number(n));
        }
        self.read_any_value(self.indicator(id), text, mark)
    }

    /// `read_value` of what is not a whole count, from `written`.
    #[inline(never)]
    fn read_any_value<'r>(
        &self,
        indicator: &Indicator,
        written: &'r str,
        mark: DecimalMark,
    ) -> Result<Value<'r>, Message> {
        let t = crate::text::trim(written);
        if t.is_empty() {
            return Err(msg!("no value", "chưa có giá trị"));
        }
        match &indicator.kind {
            IndicatorKind::Flow | IndicatorKind::Stock => {
                let n = parse_number(t, mark).map_err(|e| e.message())?;
                if n.is_sign_negative() && !n.is_zero() {
                    return Err(msg!(
                        "`{}` is negative; `{}` counts from 0 up",
                        "`{}` là số âm; `{}` được đếm từ 0 trở lên",
                        t,
                        indicator.code
                    ));
                }
                Ok(Value::Number(n))
            }
            IndicatorKind::Ordinal(levels) => {
                if let Ok(rank) = t.parse::<usize>() {
                    return if (1..=levels.len()).contains(&rank) {
                        Ok(Value::Level(rank - 1))
                    } else {
                        Err(msg!(
                            "level rank `{t}` is out of range; expected 1 to {}",
                            "thứ hạng mức `{t}` nằm ngoài khoảng; cần từ 1 đến {}",
                            levels.len()
                        ))
                    };
                }
                if let Some(rank) = levels.iter().position(|l| l.code == t) {
                    return Ok(Value::Level(rank));
                }
                let key = fold(t);
                levels
                    .iter()
                    .position(|l| l.keys.contains(&key))
                    .map(Value::Level)
                    .ok_or_else(|| {
                        let names: Vec<&str> = levels.iter().map(|l| l.code.as_str()).collect();
                        msg!(
                            "`{t}` is not a level of `{}`; expected one of {} (or its rank 1 to {})",
                            "`{t}` không phải là một mức của `{}`; cần một trong các mức {} (hoặc thứ hạng từ 1 đến {})",
                            indicator.code,
                            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                            levels.len()
                        )
                        .then(&did_you_mean(t, names.iter().copied()))
                    })
            }
            IndicatorKind::Text => {
                if t.is_empty() {
                    return Err(msg!(
                        "the assessment is empty; `{}` expects text",
                        "nội dung đánh giá để trống; `{}` cần một đánh giá bằng lời",
                        indicator.code
                    ));
                }
                Ok(Value::Text(nfc(t)))
            }
        }
    }
}

/// Text from the plan in NFC: a title typed with decomposed diacritics
/// (NFD, as some Mac and legacy tools save it) would otherwise be cut
/// between a letter and its marks when a table wraps it, and would not
/// compare equal to the same title typed in NFC.
fn nfc_owned(text: String) -> String {
    match nfc(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(normalised) => normalised,
    }
}

/// "; did you mean `X`?" when a code is close to what was found, else the
/// codes that were expected (all of them when they are few).
fn nearest_or_expected<'a>(
    found: &str,
    codes: impl Iterator<Item = &'a str> + Clone,
    what: Message,
) -> Message {
    let near = did_you_mean(found, codes.clone());
    if !near.en().is_empty() {
        return near;
    }
    let codes: Vec<String> = codes.map(|c| format!("`{c}`")).collect();
    if codes.len() <= 12 {
        msg!(
            "; expected one of {}",
            "; cần một trong các mã {}",
            codes.join(", ")
        )
    } else {
        let (n, en, vi) = (codes.len(), what.en(), what.vi());
        msg!(
            "; expected one of the {n} {en} codes declared in the plan",
            "; cần một trong {n} mã {vi} có trong kế hoạch"
        )
    }
}

/// Adds each code as written to the lower-case keys, so that the usual
/// lookup (a code written as declared) needs no lower-casing.
fn with_exact_case<T, Id: Copy>(
    mut keys: FxHashMap<String, Id>,
    items: &[T],
    code: impl Fn(&T) -> &String,
) -> FxHashMap<String, Id> {
    for item in items {
        if let Some(&id) = keys.get(&code(item).to_lowercase()) {
            keys.entry(code(item).clone()).or_insert(id);
        }
    }
    keys
}

fn lookup<T: Copy>(keys: &FxHashMap<String, T>, code: &str) -> Option<T> {
    let code = code.trim();
    keys.get(code)
        .or_else(|| keys.get(&code.to_lowercase()))
        .copied()
}

/// Matches a target with its measure: what kind of judgement the pair asks
/// for. `written` is the target as the plan writes it, for messages.
fn rule_for(
    measure: &Measure,
    target: &TargetSpec,
    written: &str,
    indicators: &[Indicator],
) -> Result<Rule, Message> {
    let kind = |id: IndicatorId| &indicators[id.0 as usize].kind;
    let numeric = |id: IndicatorId| kind(id).counts();
    let name = |id: IndicatorId| &indicators[id.0 as usize].code;
    match (measure, target) {
        (
            Measure::Ratio {
                numerator,
                denominator,
            },
            TargetSpec::Number {
                bound,
                percent: true,
                per_year: false,
            },
        ) => {
            for id in [*numerator, *denominator] {
                if !numeric(id) {
                    return Err(msg!(
                        "a ratio needs flow or stock indicators; `{}` is {}",
                        "một tỷ lệ cần các chỉ tiêu loại flow hoặc stock; `{}` là loại {}",
                        name(id),
                        kind(id).name()
                    ));
                }
            }
            Ok(Rule::Ratio(*bound))
        }
        (Measure::Ratio { .. }, _) => Err(msg!(
            "a ratio measure needs a percent target such as `>= 60%`",
            "thước đo tỷ lệ cần mức cần đạt theo phần trăm như `>= 60%`"
        )),
        (Measure::Single(_), TargetSpec::Number { percent: true, .. }) => Err(msg!(
            "a percent target needs a ratio measure such as `tasks-applied / tasks-accepted`",
            "mức cần đạt theo phần trăm cần thước đo tỷ lệ như `tasks-applied / tasks-accepted`"
        )),
        (
            Measure::Single(id),
            TargetSpec::Number {
                bound, per_year, ..
            },
        ) => {
            if !numeric(*id) {
                return Err(msg!(
                    "a numeric target needs a flow or stock indicator; `{}` is {}",
                    "mức cần đạt dạng số cần chỉ tiêu loại flow hoặc stock; `{}` là loại {}",
                    name(*id),
                    kind(*id).name()
                ));
            }
            Ok(if *per_year {
                Rule::PerYear(*bound)
            } else {
                Rule::Count(*bound)
            })
        }
        (Measure::Single(id), TargetSpec::Level { code, strict }) => {
            // A word where a number was expected (`ten`) reads as a level;
            // without levels to match it, it is a target that cannot be read.
            let IndicatorKind::Ordinal(levels) = kind(*id) else {
                let expected = if numeric(*id) {
                    msg!(
                        "a number or range such as `15-20`, `>= 5` or `5-10 per year`",
                        "một số hoặc một khoảng như `15-20`, `>= 5` hoặc `5-10 per year`"
                    )
                } else {
                    msg!("`qualitative`", "`qualitative`")
                };
                let (en, vi) = (expected.en(), expected.vi());
                return Err(msg!(
                    "cannot read target `{}`; `{}` is a {} indicator, so its target is {en}",
                    "không đọc được mức cần đạt `{}`; `{}` là chỉ tiêu loại {} nên mức cần đạt phải là {vi}",
                    written.trim(),
                    name(*id),
                    kind(*id).name()
                ));
            };
            let key = fold(code);
            let Some(rank) = levels.iter().position(|l| fold(&l.code) == key) else {
                let names = levels.iter().map(|l| l.code.as_str());
                return Err(msg!(
                    "`{code}` is not a level of `{}`",
                    "`{code}` không phải là một mức của `{}`",
                    name(*id)
                )
                .then(&did_you_mean(code, names)));
            };
            let rank = rank + usize::from(*strict);
            if rank >= levels.len() {
                return Err(msg!(
                    "no level is above `{code}`, so `> {code}` can never be met",
                    "không có mức nào cao hơn `{code}`, nên `> {code}` không bao giờ đạt được"
                ));
            }
            Ok(Rule::Ordinal { rank })
        }
        (Measure::Single(id), TargetSpec::Qualitative) => match kind(*id) {
            IndicatorKind::Text => Ok(Rule::Text),
            other => Err(msg!(
                "a qualitative target needs a text indicator; `{}` is {}",
                "mức cần đạt định tính (`qualitative`) cần chỉ tiêu loại text; `{}` là loại {}",
                name(*id),
                other.name()
            )),
        },
    }
}

fn date_of(value: &toml::value::Datetime) -> Option<Date> {
    match (value.date, value.time) {
        (Some(d), None) => Date::new(d.year as i16, d.month as i8, d.day as i8).ok(),
        _ => None,
    }
}

fn parse_percent(text: &str) -> Option<Decimal> {
    text.trim().strip_suffix('%')?.trim().parse().ok()
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// Keeps, per unit, indicator and year, which months a unit's values
/// already cover, so that a flow reported for overlapping periods (it would
/// count twice) or any value reported twice for the same date is caught.
/// Holds two bytes per unit, indicator and year of the plan, never per row.
/// Each thread of a scan keeps its own; `merge` finds clashes between them.
#[derive(Clone, Debug)]
pub struct Ledger {
    /// By `Observation::place`.
    covered: Vec<u16>,
    /// By indicator, whether its values add up (`mask`): kept here, one
    /// line of memory, rather than read from each value's indicator.
    adds_up: Vec<bool>,
    /// Years outside the plan's (values no objective counts), rare.
    elsewhere: FxHashMap<(UnitId, IndicatorId, i16), u16>,
}

impl Ledger {
    pub fn new(plan: &Plan) -> Ledger {
        Ledger {
            covered: vec![0; plan.places()],
            adds_up: plan.indicators.iter().map(|i| i.kind.adds_up()).collect(),
            elsewhere: FxHashMap::default(),
        }
    }

    /// Records an observation; `false` when it clashes with one recorded before.
    #[inline]
    pub fn admit(&mut self, obs: &Observation) -> bool {
        let mask = self.mask_of(obs.indicator, obs.period);
        let covered = match self.covered.get_mut(obs.place as usize) {
            Some(covered) => covered,
            None => return self.admit_elsewhere(obs, mask),
        };
        Self::cover(covered, mask)
    }

    /// Marks `mask`'s months in `covered`; `false` when one already was.
    #[inline]
    fn cover(covered: &mut u16, mask: u16) -> bool {
        let free = *covered & mask == 0;
        *covered |= mask;
        free
    }

    /// `admit` for a year outside the plan's. Out of line: the usual
    /// value's `admit` then saves no registers.
    #[cold]
    #[inline(never)]
    fn admit_elsewhere(&mut self, obs: &Observation, mask: u16) -> bool {
        let covered = self
            .elsewhere
            .entry((obs.unit, obs.indicator, obs.period.year()))
            .or_insert(0);
        Self::cover(covered, mask)
    }

    /// Whether an observation would clash with one recorded, without
    /// recording it.
    pub fn meets(&self, obs: &Observation) -> bool {
        let mask = self.mask_of(obs.indicator, obs.period);
        let covered = match self.covered.get(obs.place as usize) {
            Some(&covered) => covered,
            None => self
                .elsewhere
                .get(&(obs.unit, obs.indicator, obs.period.year()))
                .copied()
                .unwrap_or(0),
        };
        covered & mask != 0
    }

    /// Takes in another ledger of the same plan; `false` when some month
    /// is covered in both (values read by different threads clash).
    pub fn merge(&mut self, other: Ledger) -> bool {
        let mut free = true;
        for (mine, theirs) in self.covered.iter_mut().zip(other.covered) {
            free &= *mine & theirs == 0;
            *mine |= theirs;
        }
        for (key, theirs) in other.elsewhere {
            let mine = self.elsewhere.entry(key).or_insert(0);
            free &= *mine & theirs == 0;
            *mine |= theirs;
        }
        free
    }

    /// The months a value occupies: a flow its whole period, anything else
    /// the month its period ends in (a level at that date).
    pub fn mask(plan: &Plan, indicator: IndicatorId, period: Period) -> u16 {
        Self::mask_if(plan.indicator(indicator).kind.adds_up(), period)
    }

    fn mask_of(&self, indicator: IndicatorId, period: Period) -> u16 {
        Self::mask_if(self.adds_up[indicator.0 as usize], period)
    }

    fn mask_if(adds_up: bool, period: Period) -> u16 {
        if adds_up {
            period.month_mask()
        } else {
            period.end_month_bit()
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn same_text_is_string_equality_at_every_length() {
        let texts = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "SKHCN",
            "2025-H1",
            "2025-07",
            "XA-00001",
            "XA-00002",
            "flow-01",
            "flow-011",
            "tasks-provincial",
            "tasks-provincia1",
            "tasks-provincial-2025",
            "Sở",
            "Sở KH",
            "đơn vị 1",
            "đơn vị 2",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same_text(a, b), a == b, "{a:?} {b:?}");
            }
            // Each byte changed in turn.
            for at in 0..a.len() {
                let mut bytes = a.as_bytes().to_vec();
                bytes[at] ^= 1;
                if let Ok(other) = std::str::from_utf8(&bytes) {
                    assert!(!same_text(a, other), "{a:?} {other:?}");
                }
            }
        }
    }

    /// A small plan covering every rule, for tests across the crate.
    pub const PLAN: &str = r#"
[plan]
code = "test"
title = "Kế hoạch thử"
title_en = "Test plan"
start = 2024-01-01

[units]
A = { name = "Đơn vị A" }
B = { name = "Đơn vị B" }

[indicators.done]
kind = "flow"
title = "Việc xong"
title_en = "Things done"
reporters = ["A", "B"]

[indicators.total]
kind = "stock"
title = "Tổng"
title_en = "Total"
reporters = ["A", "B"]

[indicators.grade]
kind = "ordinal"
title = "Xếp loại"
title_en = "Grade"
reporters = ["A"]
levels = [
  { code = "yeu", title = "Yếu" },
  { code = "trung-binh", title = "Trung bình" },
  { code = "kha", title = "Khá" },
  { code = "tot", title = "Tốt" },
]

[indicators.remark]
kind = "text"
title = "Nhận xét"
title_en = "Remark"
reporters = ["A"]

[objectives.done-2025]
title = "15-20 việc"
title_en = "15-20 things"
measure = "done"
target = "15-20"
by = 2025

[objectives.share-2025]
title = "Trên 60%"
title_en = "Over 60%"
measure = "done / total"
target = "> 60%"
by = 2025

[objectives.yearly-2027]
title = "5-10 mỗi năm"
title_en = "5-10 a year"
measure = "done"
target = "5-10 per year"
by = 2027

[objectives.grade-2030]
title = "Khá"
title_en = "Fair"
measure = "grade"
target = ">= kha"
by = 2030

[objectives.remark-2025]
title = "Nhận xét"
title_en = "Remark"
measure = "remark"
target = "qualitative"
by = 2025

[objectives.total-2025]
title = "Ít nhất 10"
title_en = "At least 10"
measure = "total"
target = ">= 10"
by = 2025
"#;

    pub fn plan() -> Plan {
        plan_from(PLAN).expect("test plan is valid")
    }

    pub fn plan_from(text: &str) -> Result<Plan, Vec<String>> {
        let input = PlanFile::parse(text).map_err(|(_, m)| vec![m])?;
        Plan::from_input(input, "plan.toml", text)
            .map_err(|d| d.iter().map(|d| d.to_string()).collect())
    }

    /// A memo kept from row to row answers as a fresh one: for codes kept
    /// within the memo and longer ones, codes written in another case, more
    /// indicators than the memo holds, a unit that reports some of them
    /// between rows of one that reports all, and periods that change at
    /// other rows than the units (the value's place is worked out from
    /// both).
    #[test]
    fn a_memo_kept_across_rows_answers_as_a_fresh_one() {
        use crate::input::report_file::Cell;
        let code = |i: usize| {
            if i.is_multiple_of(3) {
                format!("an-indicator-with-a-long-code-{i:02}")
            } else {
                format!("i{i:02}")
            }
        };
        let mut text = String::from(
            "[plan]\ncode = \"memo\"\ntitle = \"t\"\ntitle_en = \"t\"\nstart = 2024-01-01\n\n\
             [units]\nA = { name = \"A\" }\nB = { name = \"B\" }\n",
        );
        for i in 0..70usize {
            let reporters = if i.is_multiple_of(2) {
                r#"["A", "B"]"#
            } else {
                r#"["A"]"#
            };
            text += &format!(
                "\n[indicators.{}]\nkind = \"flow\"\ntitle = \"t\"\ntitle_en = \"t\"\nreporters = {reporters}\n",
                code(i)
            );
        }
        text += "\n[objectives.o]\ntitle = \"t\"\ntitle_en = \"t\"\nmeasure = \"i01\"\ntarget = \">= 1\"\nby = 2025\n";
        let plan = plan_from(&text).expect("a valid plan");
        let mut memo = RowMemo::default();
        let (mut rows, mut warned) = (0, 0);
        for i in 0..3000usize {
            // Runs of rows in file order, a jump now and then, a few codes
            // in capitals, and unit B, which reports every other indicator,
            // for a stretch now and then.
            let which = if i.is_multiple_of(11) {
                i * 7 % 73
            } else {
                i % 73
            };
            let written = match which {
                70.. => "nope".to_string(),
                w if i.is_multiple_of(17) => code(w).to_uppercase(),
                w => code(w),
            };
            let unit = if i / 50 % 3 == 1 { "B" } else { "A" };
            let period = ["2025-03", "2024-12", "2025-Q2"][i / 37 % 3];
            let cell = |text, column| Cell { text, column };
            let row = RawRow {
                line: i as u64 + 2,
                unit: cell(unit, 1),
                indicator: cell(&written, 2),
                period: cell(period, 3),
                value: cell("5", 4),
                note: cell("", 0),
            };
            let source = Source {
                file: 0,
                line: i as u32 + 2,
            };
            let (mut kept, mut fresh) = (Vec::new(), Vec::new());
            let read = plan.read_row_with(&row, DecimalMark::Point, source, &mut kept, &mut memo);
            let anew = plan.read_row(&row, DecimalMark::Point, source, &mut fresh);
            assert_eq!(read, anew, "{row:?}");
            assert_eq!(kept, fresh, "{row:?}");
            if let Some(obs) = &read {
                let year = obs.period.year();
                assert_eq!(obs.place, plan.place(obs.unit, obs.indicator, year));
                assert_ne!(obs.place, NO_PLACE);
            }
            rows += usize::from(read.is_some());
            warned += usize::from(!kept.is_empty());
        }
        // Both kinds of row were met: read, and warned about or refused.
        assert!(rows > 2000 && warned > 300, "{rows} {warned}");
    }

    /// The usual row's shortcut in `read_row_with` gives what the full
    /// checks give, for rows with every kind of problem and none: the
    /// same observation, and no problem it leaves unsaid.
    #[test]
    fn the_usual_rows_shortcut_answers_as_the_full_checks() {
        use crate::input::report_file::Cell;
        let plan = plan();
        let units = ["A", "B", " A ", "C", ""];
        let indicators = ["done", "total", "grade", "remark", "nope", ""];
        let periods = ["2025-03", "2025-Q1", "2019", "2040-01", "2025-13", ""];
        let values = [
            "7",
            " 7 ",
            "-2",
            "1,5",
            "kha",
            "Khá",
            "9",
            "x",
            "",
            "Tốt lắm",
            "  ",
            " Khá ",
            "\t-2 ",
        ];
        let mut rows = 0;
        for unit in units {
            for indicator in indicators {
                for period in periods {
                    for value in values {
                        let cell = |text, column| Cell { text, column };
                        let row = RawRow {
                            line: 2,
                            unit: cell(unit, 1),
                            indicator: cell(indicator, 2),
                            period: cell(period, 3),
                            value: cell(value, 4),
                            note: cell(" ghi chú ", 5),
                        };
                        let source = Source { file: 0, line: 2 };
                        let (mut fast, mut full) = (Vec::new(), Vec::new());
                        let mut memo = RowMemo::default();
                        let read = plan.read_row_with(
                            &row,
                            DecimalMark::Point,
                            source,
                            &mut fast,
                            &mut memo,
                        );
                        let lookups = (
                            plan.unit_id(unit),
                            plan.indicator_id(indicator),
                            period.parse::<Period>(),
                        );
                        let checked =
                            plan.check_row(row, DecimalMark::Point, source, &mut full, lookups);
                        assert_eq!(read, checked, "{row:?}");
                        assert_eq!(fast, full, "{row:?}");
                        rows += usize::from(read.is_some() && full.is_empty());
                    }
                }
            }
        }
        // Some rows took the shortcut.
        assert!(rows > 20, "{rows}");
    }

    #[test]
    fn builds_rules_from_measure_and_target() {
        let plan = plan();
        let rules: Vec<Rule> = plan.objectives.iter().map(|o| o.rule).collect();
        assert!(matches!(rules[0], Rule::Count(_)));
        assert!(matches!(rules[1], Rule::Ratio(Bound { strict: true, .. })));
        assert!(matches!(rules[2], Rule::PerYear(_)));
        assert_eq!(rules[3], Rule::Ordinal { rank: 2 });
        assert_eq!(rules[4], Rule::Text);
        assert_eq!(plan.objectives[0].window.end, Date::constant(2025, 12, 31));
        assert_eq!(plan.tolerance, Decimal::new(8, 1));
    }

    #[test]
    fn reports_every_plan_error_with_its_place() {
        let broken = PLAN
            .replace(
                "reporters = [\"A\", \"B\"]\n\n[indicators.total]",
                "reporters = [\"A\", \"C\"]\n\n[indicators.total]",
            )
            .replace("measure = \"done / total\"", "measure = \"done / totl\"")
            .replace("target = \"15-20\"", "target = \"about 15\"")
            .replace("by = 2027", "by = 2023");
        let errors = plan_from(&broken).unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(
            errors[0]
                .starts_with("plan.toml:16:19: error: unknown unit `C` in reporters of `done`"),
            "{}",
            errors[0]
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("cannot read target `about 15`"))
        );
        assert!(errors.iter().any(|e| e.contains(
            "unknown indicator `totl` in the measure of `share-2025`; did you mean `total`?"
        )));
        assert!(errors.iter().any(|e| e.contains(
            "the deadline 2023-12-31 of `yearly-2027` is before its window starts on 2024-01-01"
        )));
    }

    #[test]
    fn refuses_targets_that_do_not_fit_their_measure() {
        let cases = [
            (
                "target = \"15-20\"",
                "target = \"15-20%\"",
                "a percent target needs a ratio measure",
            ),
            (
                "target = \"> 60%\"",
                "target = \"> 60\"",
                "a ratio measure needs a percent target",
            ),
            (
                "target = \">= kha\"",
                "target = \">= khaa\"",
                "`khaa` is not a level of `grade`; did you mean `kha`?",
            ),
            (
                "target = \">= kha\"",
                "target = \"> tot\"",
                "can never be met",
            ),
            (
                "target = \"qualitative\"",
                "target = \"5\"",
                "a numeric target needs a flow or stock indicator; `remark` is text",
            ),
            // Regression: a word where a number was expected was taken for
            // a level, and the error asked for an ordinal indicator.
            (
                "target = \"15-20\"",
                "target = \"ten\"",
                "objective `done-2025`: cannot read target `ten`; `done` is a flow indicator, so its target is a number or range such as `15-20`, `>= 5` or `5-10 per year`",
            ),
            (
                "target = \"qualitative\"",
                "target = \"good\"",
                "cannot read target `good`; `remark` is a text indicator, so its target is `qualitative`",
            ),
        ];
        for (from, to, message) in cases {
            let errors = plan_from(&PLAN.replace(from, to)).unwrap_err();
            assert!(
                errors.iter().any(|e| e.contains(message)),
                "{to}: {errors:#?}"
            );
        }
    }

    #[test]
    fn a_star_names_every_unit_as_reporter_and_stands_alone() {
        let plan =
            plan_from(&PLAN.replace("reporters = [\"A\"]\nlevels", "reporters = [\"*\"]\nlevels"))
                .unwrap();
        let grade = plan.indicator(plan.indicator_id("grade").unwrap());
        assert_eq!(grade.reporters, [UnitId(0), UnitId(1)]);
        assert!(grade.reports(UnitId(1)));
        let errors = plan_from(&PLAN.replace(
            "reporters = [\"A\"]\nlevels",
            "reporters = [\"*\", \"A\"]\nlevels",
        ))
        .unwrap_err();
        assert!(
            errors[0].contains("`*` (every unit) stands alone in the reporters of `grade`"),
            "{errors:?}"
        );
    }

    #[test]
    fn refuses_unknown_keys() {
        let errors = plan_from(&PLAN.replace(
            "by = 2025\n\n[objectives.share",
            "by = 2025\ndeadline = 2025\n\n[objectives.share",
        ))
        .unwrap_err();
        assert!(errors[0].contains("unknown field `deadline`"), "{errors:?}");
    }

    /// Every unit, year of the plan and indicator has a place of its own,
    /// all of `0..places()`; a year outside the plan's has none.
    #[test]
    fn each_unit_year_and_indicator_has_a_place_of_its_own() {
        let plan = plan();
        let first = plan.start.year();
        let mut seen = vec![false; plan.places()];
        for unit in 0..plan.units.len() as u32 {
            for year in first..first + plan.years() as i16 {
                for indicator in 0..plan.indicators.len() as u32 {
                    let place = plan.place(UnitId(unit), IndicatorId(indicator), year);
                    assert!(!std::mem::replace(&mut seen[place as usize], true));
                    let from_first = plan.place(UnitId(unit), IndicatorId(0), year);
                    assert_eq!(place_from(from_first, IndicatorId(indicator)), place);
                }
            }
            let outside = [first - 1, first + plan.years() as i16, i16::MIN, i16::MAX];
            for year in outside {
                assert_eq!(plan.place(UnitId(unit), IndicatorId(0), year), NO_PLACE);
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn ledger_catches_overlapping_flows_and_same_date_stocks() {
        let plan = plan();
        let mut ledger = Ledger::new(&plan);
        let obs = |indicator: &str, period: &str| {
            let (indicator, period) = (
                plan.indicator_id(indicator).unwrap(),
                period.parse::<Period>().unwrap(),
            );
            Observation {
                unit: UnitId(0),
                indicator,
                period,
                value: Value::Number(Decimal::ONE),
                note_written: "",
                source: Source { file: 0, line: 2 },
                place: plan.place(UnitId(0), indicator, period.year()),
            }
        };
        assert!(ledger.admit(&obs("done", "2025-Q1")));
        assert!(ledger.admit(&obs("done", "2025-Q2")));
        assert!(!ledger.admit(&obs("done", "2025-H1")));
        assert!(!ledger.admit(&obs("done", "2025-02")));
        assert!(ledger.admit(&obs("done", "2025-H2")));
        // A stock is a level at a date: H1 and Q2 both give the level at 30 June.
        assert!(ledger.admit(&obs("total", "2025-H1")));
        assert!(ledger.admit(&obs("total", "2025-Q1")));
        assert!(!ledger.admit(&obs("total", "2025-Q2")));
        // Another thread's ledger: a clash shows when the two are merged.
        let mut other = Ledger::new(&plan);
        assert!(other.admit(&obs("done", "2025-Q3")));
        assert!(!ledger.merge(other));
        let mut apart = Ledger::new(&plan);
        assert!(apart.admit(&obs("done", "2026-Q1")));
        assert!(ledger.merge(apart));
        assert!(!ledger.admit(&obs("done", "2026-01")));
        // `meets` asks without recording, in the plan's years and outside.
        assert!(ledger.meets(&obs("done", "2026-02")));
        assert!(!ledger.meets(&obs("done", "2026-Q4")));
        assert!(!ledger.meets(&obs("done", "2026-Q4")));
        assert!(ledger.admit(&obs("done", "2040-Q4")));
        assert!(ledger.meets(&obs("done", "2040-12")));
        assert!(!ledger.meets(&obs("done", "2040-Q3")));
    }
}
