//! Evaluation, pure: observations stream in, and each objective comes out
//! judged at the as-of date (actual, expected, gap, share, status) exactly
//! as SPEC section 4 says. Memory holds per-objective aggregates (a sum or
//! a latest value per unit and year), never the rows.

use std::borrow::Cow;

use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::lang::Message;
use crate::model::{
    IndicatorId, Measure, Objective, ObjectiveId, Observation, Plan, Rule, Source, UnitId, Value,
    Window,
};
use crate::msg;
use crate::period::{Period, day_number as day, days_inclusive};
use crate::target::Bound;

mod trace;
use trace::{Kept, Recorder};
pub use trace::{Trace, TraceEntry};

/// The verdict on one objective. Machine output uses `code()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Status {
    Met,
    OnTrack,
    AtRisk,
    OffTrack,
    Missed,
    NoData,
    Info,
}

/// How `track check` weighs a status (monitoring-plugin levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Ok,
    Warning,
    Critical,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Met,
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Missed,
        Status::NoData,
        Status::Info,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::OnTrack => "on-track",
            Status::AtRisk => "at-risk",
            Status::OffTrack => "off-track",
            Status::Missed => "missed",
            Status::NoData => "no-data",
            Status::Info => "info",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Status::Met | Status::OnTrack | Status::Info => Severity::Ok,
            Status::AtRisk | Status::NoData => Severity::Warning,
            Status::OffTrack | Status::Missed => Severity::Critical,
        }
    }
}

/// A figure in the objective's own terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Figure {
    /// A count, in the indicator's unit of measure.
    Number(Decimal),
    /// A ratio, in percent.
    Percent(Decimal),
    /// An ordinal level, by rank (0 = lowest).
    Level(usize),
    /// A written assessment.
    Text(String),
}

/// The judgement of one objective at the as-of date. Everything a renderer
/// shows is here; renderers never compute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub objective: ObjectiveId,
    pub status: Status,
    /// `None` when no value counts.
    pub actual: Option<Figure>,
    /// For a ratio, the sums it was computed from.
    pub ratio: Option<(Decimal, Decimal)>,
    /// What should have been reached by now (count: the lower bound times
    /// the elapsed share of the window; ratio: the target; ordinal: the
    /// lowest level that meets the target).
    pub expected: Option<Figure>,
    /// From what actual the objective is at risk rather than off track
    /// (count: tolerance × expected; ratio: tolerance × target).
    pub at_risk_from: Option<Decimal>,
    /// Counts: days of the window elapsed by the as-of date, and in all.
    pub days: Option<(i64, i64)>,
    /// How far below the lower bound (count: its unit; ratio: percentage
    /// points; ordinal: levels); 0 when met.
    pub gap: Option<Decimal>,
    /// The actual as a percentage of the lower bound.
    pub share: Option<Decimal>,
    /// Met and above a range's upper bound.
    pub above_range: bool,
    /// For a count not yet met before its deadline: the gap spread over the
    /// half years left.
    pub needed_per_half_year: Option<Decimal>,
    pub halves_left: u32,
    /// How many reported values counted.
    pub values: u32,
    /// Ordinal and text: which report gave the latest value.
    pub latest: Option<(UnitId, Period)>,
    /// Per-year objectives: every year of the window begun by the as-of date.
    pub years: Vec<YearResult>,
    /// Each reporting unit's part of the actual.
    pub by_unit: Vec<UnitResult>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearResult {
    pub year: i16,
    pub actual: Option<Decimal>,
    pub expected: Decimal,
    pub gap: Option<Decimal>,
    pub status: Status,
    /// The year ended before the as-of date.
    pub complete: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitResult {
    pub unit: UnitId,
    pub actual: Figure,
    pub ratio: Option<(Decimal, Decimal)>,
}

/// Something the analyst should act on, in the order of the objectives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The objective is at risk, off track, missed or has no data.
    Objective(ObjectiveId),
    /// A completed year of a per-year objective fell short.
    Year { objective: ObjectiveId, year: i16 },
}

/// Which series of an objective a value feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Value,
    Numerator,
    Denominator,
}

/// Why a value did or did not count, for `track explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Counted,
    /// A later value of the same unit (stock) or any unit (ordinal, text) counts instead.
    Superseded,
    BeforeWindow,
    AfterDeadline,
    AfterAsOf,
}

/// The evaluation of a whole plan at one date.
#[derive(Debug)]
pub struct Outcome {
    pub as_of: Date,
    pub evaluations: Vec<Evaluation>,
    pub warnings: Vec<Warning>,
    /// The values of the traced objective.
    pub trace: Trace,
}

impl Outcome {
    pub fn evaluation(&self, id: ObjectiveId) -> Option<&Evaluation> {
        self.evaluations.iter().find(|e| e.objective == id)
    }
}

/// One unit's count of values, and a flow's sum, in one series and year.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    sum: Decimal,
    count: u32,
}

/// One unit's aggregate in one series and year, as read: a flow's sum, or
/// the latest value.
#[derive(Clone, Copy, Debug)]
struct Acc<'a> {
    sum: Decimal,
    count: u32,
    latest: Option<&'a Latest>,
}

#[derive(Clone, Debug)]
struct Latest {
    /// The period's last day as a `day` number: ordered as the date is,
    /// compared in one instruction for each value kept.
    end: i32,
    source: Source,
    period: Period,
    value: Value<'static>,
}

impl Latest {
    fn is_after(&self, other: &Latest) -> bool {
        (self.end, self.source) > (other.end, other.source)
    }
}

/// The units' aggregates in one series and year, indexed by unit, as
/// judged: taken out of `Tallies` once every value is in.
#[derive(Clone, Debug, Default)]
struct Bucket {
    tallies: Vec<Tally>,
    /// Each unit's latest value, for series that do not add up.
    latest: Vec<Option<Box<Latest>>>,
}

/// Every unit's aggregates in every series and year while values come in,
/// a unit's side by side (`unit * width + slot`): the values of one unit's
/// file touch a few lines of memory, not one in each series' own array.
/// (With an array per series, a national report missed the L1 cache at
/// nearly every value: the lines of 50 series did not stay from one
/// month's rows to the next's.) Grown a unit at a time, with room made at
/// once for all of them.
struct Tallies {
    units: usize,
    /// Tally slots a unit has: one per series and year.
    width: usize,
    tallies: Vec<Tally>,
    /// Latest-value slots a unit has: one per series that does not add
    /// up, and year. Apart from the tallies: most series are flows, whose
    /// slots stay 20 bytes.
    latest_width: usize,
    latest: Vec<Option<Box<Latest>>>,
}

impl Tallies {
    #[inline(always)]
    fn tally(&mut self, unit: UnitId, slot: usize) -> &mut Tally {
        let i = unit.0 as usize * self.width + slot;
        // One test of the length where the room is there, as it mostly is.
        if i < self.tallies.len() {
            return &mut self.tallies[i];
        }
        self.make_room(unit);
        &mut self.tallies[i]
    }

    fn latest_mut(&mut self, unit: UnitId, slot: usize) -> &mut Option<Box<Latest>> {
        let i = unit.0 as usize * self.latest_width + slot;
        if i < self.latest.len() {
            return &mut self.latest[i];
        }
        self.make_room(unit);
        &mut self.latest[i]
    }

    /// Room for `unit`'s slots, the first time one of them is counted.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, unit: UnitId) {
        let reach = |width: usize| (unit.0 as usize + 1) * width;
        if self.tallies.len() < reach(self.width) {
            grow(
                &mut self.tallies,
                reach(self.width) - 1,
                self.units * self.width,
            );
        }
        if self.latest.len() < reach(self.latest_width) {
            grow(
                &mut self.latest,
                reach(self.latest_width) - 1,
                self.units * self.latest_width,
            );
        }
    }

    /// Takes in another thread's aggregates of the same plan. The slots
    /// whose sums would pass Decimal's range, if any would.
    fn merge(&mut self, other: Tallies) -> Vec<usize> {
        let mut too_large = Vec::new();
        let width = self.width.max(1);
        for (i, theirs) in other.tallies.iter().enumerate() {
            if theirs.count > 0 {
                let mine = self.tally(UnitId((i / width) as u32), i % width);
                if !add_to(&mut mine.sum, &theirs.sum) {
                    too_large.push(i % width);
                }
                mine.count += theirs.count;
            }
        }
        let width = self.latest_width.max(1);
        for (i, theirs) in other.latest.into_iter().enumerate() {
            if let Some(theirs) = theirs {
                let mine = self.latest_mut(UnitId((i / width) as u32), i % width);
                if mine.as_ref().is_none_or(|m| theirs.is_after(m)) {
                    *mine = Some(theirs);
                }
            }
        }
        too_large
    }

    /// Slot `slot`'s aggregates of every unit, as a bucket; latest values
    /// from slot `latest` when the series keeps them.
    fn take(&mut self, slot: usize, latest: Option<usize>) -> Bucket {
        let units = self.tallies.len() / self.width.max(1);
        let tallies = (0..units)
            .map(|u| self.tallies[u * self.width + slot])
            .collect();
        let latest = match latest {
            Some(slot) => {
                let units = self.latest.len() / self.latest_width.max(1);
                (0..units)
                    .map(|u| self.latest[u * self.latest_width + slot].take())
                    .collect()
            }
            None => Vec::new(),
        };
        Bucket { tallies, latest }
    }
}

/// Keeps `obs` as its unit's latest value (ending on `end`) in `slot` if
/// it is later than the one kept. Out of line: most values add up.
#[inline(never)]
fn keep_latest(slot: &mut Option<Box<Latest>>, obs: &Observation, end: i32) {
    if slot
        .as_ref()
        .is_none_or(|l| (end, obs.source) > (l.end, l.source))
    {
        // In place: a box per value read would leave the heap of each
        // thread full of holes.
        match slot {
            Some(kept) => {
                (kept.end, kept.source, kept.period) = (end, obs.source, obs.period);
                match (&mut kept.value, &obs.value) {
                    (Value::Number(room), Value::Number(n)) => *room = *n,
                    (Value::Level(room), Value::Level(rank)) => *room = *rank,
                    // A text in the room of the one it replaces: not an
                    // allocation for each text read.
                    (Value::Text(Cow::Owned(room)), Value::Text(text)) => {
                        room.clear();
                        room.push_str(text);
                    }
                    (value, new) => *value = new.clone().into_owned(),
                }
            }
            None => {
                *slot = Some(Box::new(Latest {
                    end,
                    source: obs.source,
                    period: obs.period,
                    value: obs.value.clone().into_owned(),
                }));
            }
        }
    }
}

impl Bucket {
    fn acc(&self, i: usize) -> Option<Acc<'_>> {
        let tally = self.tallies.get(i).filter(|t| t.count > 0)?;
        Some(Acc {
            sum: tally.sum,
            count: tally.count,
            latest: self.latest.get(i).and_then(|l| l.as_deref()),
        })
    }

    fn get(&self, unit: &UnitId) -> Option<Acc<'_>> {
        self.acc(unit.0 as usize)
    }

    /// The units with a value, in the plan's order.
    fn iter(&self) -> impl Iterator<Item = (UnitId, Acc<'_>)> {
        (0..self.tallies.len()).filter_map(|i| Some((UnitId(i as u32), self.acc(i)?)))
    }

    fn values(&self) -> impl Iterator<Item = Acc<'_>> {
        self.iter().map(|(_, a)| a)
    }

    fn keys(&self) -> impl Iterator<Item = UnitId> + '_ {
        self.iter().map(|(u, _)| u)
    }
}

/// Makes `items` reach index `i`, with room for `planned` at the first growth.
fn grow<T: Default>(items: &mut Vec<T>, i: usize, planned: usize) {
    if i >= items.len() {
        if i >= items.capacity() {
            items.reserve_exact(planned.max(i + 1) - items.len());
        }
        items.resize_with(i + 1, T::default);
    }
}

/// `*sum += *n`, with a shortcut for what most sums are: whole numbers,
/// not negative, added as integers (Decimal's addition aligns scales and
/// costs a hundred instructions). The same value and scale either way.
/// False, and `sum` unchanged, when the sum would pass Decimal's range
/// (about ±7.9 × 10^28): values a user typed can, and that must be an
/// error naming the objective, not a panic.
#[inline]
#[must_use]
fn add_to(sum: &mut Decimal, n: &Decimal) -> bool {
    if sum.scale() == 0 && n.scale() == 0 && !sum.is_sign_negative() && !n.is_sign_negative() {
        // Both below 2^96, so the i128 cannot overflow.
        let total = sum.mantissa() + n.mantissa();
        if total < 1 << 96 {
            *sum = Decimal::from_i128_with_scale(total, 0);
            return true;
        }
    }
    add_slowly(sum, n)
}

/// `add_to` of fractions, negative numbers and sums near 2^96: Decimal's
/// checked addition, out of the loop over values.
#[inline(never)]
fn add_slowly(sum: &mut Decimal, n: &Decimal) -> bool {
    match sum.checked_add(*n) {
        Some(total) => {
            *sum = total;
            true
        }
        None => false,
    }
}

/// Keeps a traced objective's value, with why it counted or not. Out of
/// line, as `keep_latest`: the loop of `Evaluator::add` over
/// millions of values keeps its registers.
#[cold]
#[inline(never)]
fn trace_value(
    trace: &mut Recorder,
    role: Role,
    obs: &Observation,
    placed: Result<usize, Verdict>,
) {
    trace.push(TraceEntry {
        role,
        unit: obs.unit,
        period: obs.period,
        value: obs.value.clone().into_owned(),
        source: obs.source,
        verdict: placed.map_or_else(|v| v, |_| Verdict::Counted),
    });
}

/// The values one objective draws from one indicator.
struct Series {
    objective: ObjectiveId,
    role: Role,
    indicator: IndicatorId,
    adds_up: bool,
    /// Its first slots in `Tallies` (see `Place`), and its years.
    slot: usize,
    latest: Option<usize>,
    years: usize,
    /// One bucket for the window, or one per calendar year of it: filled
    /// from `Tallies` by `Evaluator::finish`.
    buckets: Vec<Bucket>,
}

/// Where the values of one period go: for each indicator, a range of
/// `slots`, the tallies its value counts in (the places whose window and
/// as-of date it falls within, worked out once for the period, not for
/// each value).
struct PeriodPlaces {
    by_indicator: Vec<(u32, u32)>,
    slots: Vec<Counted>,
    /// By indicator: where a value of the period goes.
    routes: Vec<Route>,
}

/// Where a value goes (`Evaluator::add_within`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// Into each of its tallies, or, with an objective traced, through the
    /// loop that says why it counts or not.
    Tallies,
    /// A flow's, summed by its place (`PlaceSums`), in a year all of whose
    /// periods count in the same tallies (`Evaluator::whole_year`).
    Sum,
    /// Nowhere: no tally takes it, and none is traced.
    Nowhere,
    /// A flow's, summed by place in other years: into each of its tallies,
    /// after the sums by place if it is not whole (`Evaluator::one_by_one`).
    Flow,
}

/// Flows' whole values summed by place (`Observation::place`: a unit, a
/// year of the plan and an indicator), for the years in which every
/// period of an indicator counts in the same tallies: one addition for
/// each value instead of one for each tally it counts in. A unit's year
/// at a time: a file's rows are mostly one unit's year, so the sums stay
/// in a few lines of memory, and go to the tallies when a value of another
/// unit's year comes, and once every value is in (`Evaluator::settle`).
/// Exact: whole numbers that are not negative add up to the same totals,
/// and pass Decimal's range in the same tallies, in any order, as long as
/// the tallies hold whole numbers only; the first value of an indicator
/// that is not whole turns its sums by place off (`Evaluator::one_by_one`).
struct PlaceSums {
    /// The place of the unit's year's first indicator (a value's place
    /// less its indicator); `u64::MAX` before any.
    first: u64,
    unit: UnitId,
    /// The year's index among the plan's.
    year: usize,
    /// By indicator, the sum and the count.
    sums: Vec<(u64, u32)>,
    /// The indicators summed, the first `touched` of them: what `settle`
    /// visits (not every indicator of the plan when a file's rows go from
    /// unit to unit).
    summed: Box<[u32]>,
    touched: usize,
}

impl PlaceSums {
    fn new(indicators: usize) -> PlaceSums {
        PlaceSums {
            first: u64::MAX,
            unit: UnitId(0),
            year: 0,
            sums: vec![(0, 0); indicators],
            summed: vec![0; indicators].into_boxed_slice(),
            touched: 0,
        }
    }

    /// Adds `n` to `indicator`'s sum; false (nothing added) if the sum
    /// would pass 64 bits.
    #[inline(always)]
    fn add(&mut self, indicator: IndicatorId, n: u64) -> bool {
        let Some(at) = self.sums.get_mut(indicator.0 as usize) else {
            return false;
        };
        let Some(sum) = at.0.checked_add(n) else {
            return false;
        };
        if at.1 == 0 {
            // Within bounds: an indicator is listed once.
            self.summed[self.touched] = indicator.0;
            self.touched += 1;
        }
        // A count of 2^32 values of one place would take 2^32 rows, as a
        // tally's count would.
        *at = (sum, at.1 + 1);
        true
    }
}

/// `n` as a whole number that is not negative and fits 64 bits.
#[inline(always)]
fn whole(n: &Decimal) -> Option<u64> {
    if n.scale() == 0 && !n.is_sign_negative() {
        u64::try_from(n.mantissa()).ok()
    } else {
        None
    }
}

/// A tally a value counts in: its slot, and for a series that does not
/// add up, its slot among the latest values (`NOT_LATEST` for a flow).
#[derive(Clone, Copy)]
struct Counted {
    slot: u32,
    latest: u32,
}

const NOT_LATEST: u32 = u32::MAX;

/// Counts `obs` in the tally `counted` says (its period ending on day
/// `end`): a flow's sum, or its unit's latest value. The one body of the
/// usual loop (`Evaluator::add_within`) and the traced one (`add_places`).
#[inline(always)]
fn count_in(
    tallies: &mut Tallies,
    too_large: &mut Option<TooLarge>,
    series: &[Series],
    obs: &Observation,
    counted: Counted,
    end: i32,
) {
    let tally = tallies.tally(obs.unit, counted.slot as usize);
    tally.count += 1;
    if counted.latest == NOT_LATEST {
        // A flow's values are numbers (`Plan::read_value`).
        if let Value::Number(n) = &obs.value
            && !add_to(&mut tally.sum, n)
        {
            note_too_large(too_large, series, counted.slot as usize);
        }
    } else {
        let slot = tallies.latest_mut(obs.unit, counted.latest as usize);
        keep_latest(slot, obs, end);
    }
}

/// What `Evaluator::add` needs of a series, kept together by indicator.
#[derive(Clone, Copy)]
struct Place {
    objective: ObjectiveId,
    role: Role,
    adds_up: bool,
    per_year: bool,
    first_year: i16,
    /// The window's first and last days as `day` numbers.
    days: (i32, i32),
    /// The series' first slot in `Tallies` (its window's, or its first
    /// year's), its years' count, and its first slot in the latest values
    /// (for a series that does not add up; 0 and unused for one that does).
    slot: u32,
    years: u32,
    latest: u32,
}

impl Place {
    /// The tally of year `year` (0 for a window) of the place's series.
    fn counted(&self, year: usize) -> Counted {
        debug_assert!(year < self.years as usize, "{year} of {}", self.years);
        let year = year as u32;
        Counted {
            slot: self.slot + year,
            latest: if self.adds_up {
                NOT_LATEST
            } else {
                self.latest + year
            },
        }
    }

    /// Which of the series' years (0 for a window) a value of `period`
    /// (from `start` to `end`, as `day` numbers) goes to, or why it does
    /// not count.
    #[inline]
    fn place(
        &self,
        period: Period,
        (start, end): (i32, i32),
        as_of: i32,
    ) -> Result<usize, Verdict> {
        if start < self.days.0 {
            Err(Verdict::BeforeWindow)
        } else if end > self.days.1 {
            Err(Verdict::AfterDeadline)
        } else if end > as_of {
            Err(Verdict::AfterAsOf)
        } else if self.per_year {
            Ok((period.year() - self.first_year) as usize)
        } else {
            Ok(0)
        }
    }
}

/// Accumulates observations for every objective of a plan at one date.
pub struct Evaluator<'p> {
    plan: &'p Plan,
    as_of: Date,
    series: Vec<Series>,
    /// The series of each indicator, as a range of `places`.
    by_indicator: Vec<(u32, u32)>,
    places: Vec<Place>,
    tallies: Tallies,
    traced: Option<ObjectiveId>,
    /// Whether evaluations keep each unit's part (`--by unit`): at
    /// thousands of units, megabytes nobody reads otherwise.
    by_unit: bool,
    trace: Recorder,
    /// The last period's first and last day (`day` numbers), and its places in
    /// `periods`: rows come grouped by period.
    last_span: Option<(Period, (i32, i32), usize)>,
    /// Each period's places, made the first time a value of it came.
    periods: Vec<PeriodPlaces>,
    period_index: rustc_hash::FxHashMap<Period, usize>,
    as_of_day: i32,
    /// The lowest objective whose sum would have passed Decimal's range.
    too_large: Option<TooLarge>,
    place_sums: PlaceSums,
    /// By indicator: whether its whole values may be summed by place: a
    /// flow's, until one of its values that is not whole comes (see
    /// `add_flow`).
    summable: Vec<bool>,
    /// By year of the plan and indicator, `whole_year`'s tallies: what a
    /// period's routes and the sums by place both go by.
    whole_years: Vec<Option<Vec<Counted>>>,
}

/// An objective with a figure past the largest number `track` holds
/// (Decimal's range, about ±7.9 × 10^28): it cannot be judged, and the
/// run says so instead of panicking or printing a wrong figure.
/// `indicator` is the one whose values added up past it; none when a
/// figure worked out in judging (a total of units, a percent, a share)
/// did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TooLarge {
    pub objective: ObjectiveId,
    pub indicator: Option<IndicatorId>,
}

impl TooLarge {
    /// Why the run stops, in both languages.
    pub fn message(&self, plan: &Plan) -> Message {
        let objective = &plan.objective(self.objective).code;
        match self.indicator {
            Some(indicator) => msg!(
                "objective `{objective}` cannot be judged: the values of `{0}` it counts add up past \
                 7.9 × 10^28, the largest number track holds; check them (`track export` lists each \
                 with its file and line)",
                "không đánh giá được mục tiêu `{objective}`: tổng các giá trị của `{0}` vượt quá \
                 7,9 × 10^28, số lớn nhất mà track lưu được; hãy kiểm tra các giá trị này \
                 (`track export` liệt kê từng giá trị cùng tệp và dòng)",
                plan.indicator(indicator).code
            ),
            None => msg!(
                "objective `{objective}` cannot be judged: a figure worked out from its target and \
                 values passes 7.9 × 10^28, the largest number track holds; check its target in the \
                 plan and the values it counts (`track export` lists each with its file and line)",
                "không đánh giá được mục tiêu `{objective}`: một số liệu tính từ chỉ tiêu và các giá trị \
                 của mục tiêu vượt quá 7,9 × 10^28, số lớn nhất mà track lưu được; hãy kiểm tra chỉ tiêu \
                 trong kế hoạch và các giá trị này (`track export` liệt kê từng giá trị cùng tệp và dòng)"
            ),
        }
    }
}

impl TooLarge {
    /// The sum of tally slot `slot`, whose series says the objective and
    /// the indicator.
    fn of_slot(series: &[Series], slot: usize) -> TooLarge {
        let series = series
            .iter()
            .find(|s| (s.slot..s.slot + s.years).contains(&slot))
            .expect("every slot belongs to a series");
        TooLarge {
            objective: series.objective,
            indicator: Some(series.indicator),
        }
    }
}

/// Notes a sum past range in tally slot `slot`; the run reports the
/// lowest objective's, as two threads' merge does. Out of line: it never
/// happens in a sound store.
#[cold]
#[inline(never)]
fn note_too_large(first: &mut Option<TooLarge>, series: &[Series], slot: usize) {
    let found = TooLarge::of_slot(series, slot);
    *first = Some(first.map_or(found, |first| first.min(found)));
}

impl<'p> Evaluator<'p> {
    pub fn new(plan: &'p Plan, as_of: Date) -> Evaluator<'p> {
        let mut series = Vec::new();
        let mut places_of = vec![Vec::new(); plan.indicators.len()];
        let (mut width, mut latest_width) = (0, 0);
        for (index, objective) in plan.objectives.iter().enumerate() {
            let id = ObjectiveId(index as u32);
            let per_year = matches!(objective.rule, Rule::PerYear(_));
            let years = if per_year {
                (objective.window.end.year() - objective.window.start.year() + 1) as usize
            } else {
                1
            };
            let roles: Vec<(Role, IndicatorId)> = match objective.measure {
                Measure::Single(i) => vec![(Role::Value, i)],
                Measure::Ratio {
                    numerator,
                    denominator,
                } => {
                    vec![
                        (Role::Numerator, numerator),
                        (Role::Denominator, denominator),
                    ]
                }
            };
            for (role, indicator) in roles {
                let adds_up = plan.indicator(indicator).kind.adds_up();
                let latest = (!adds_up).then_some(latest_width);
                places_of[indicator.0 as usize].push(Place {
                    objective: id,
                    role,
                    adds_up,
                    per_year,
                    first_year: objective.window.start.year(),
                    days: (day(objective.window.start), day(objective.window.end)),
                    slot: width as u32,
                    years: years as u32,
                    latest: latest.unwrap_or(0) as u32,
                });
                series.push(Series {
                    objective: id,
                    role,
                    indicator,
                    adds_up,
                    slot: width,
                    latest,
                    years,
                    buckets: Vec::new(),
                });
                width += years;
                if !adds_up {
                    latest_width += years;
                }
            }
        }
        let mut places = Vec::new();
        let by_indicator = places_of
            .into_iter()
            .map(|of| {
                let from = places.len() as u32;
                places.extend(of);
                (from, places.len() as u32)
            })
            .collect();
        Evaluator {
            plan,
            as_of,
            series,
            by_indicator,
            places,
            tallies: Tallies {
                units: plan.units.len(),
                width,
                tallies: Vec::new(),
                latest_width,
                latest: Vec::new(),
            },
            traced: None,
            by_unit: false,
            trace: Recorder::new(),
            last_span: None,
            periods: Vec::new(),
            period_index: rustc_hash::FxHashMap::default(),
            as_of_day: day(as_of),
            too_large: None,
            place_sums: PlaceSums::new(plan.indicators.len()),
            summable: plan.indicators.iter().map(|i| i.kind.adds_up()).collect(),
            whole_years: Vec::new(),
        }
    }

    /// Keeps every value that touches `objective`, with why it counted or
    /// not, for `track explain`.
    pub fn trace(mut self, objective: ObjectiveId) -> Self {
        self.traced = Some(objective);
        self
    }

    /// Keeps each unit's part of every actual (`Evaluation::by_unit`).
    pub fn by_unit(mut self) -> Self {
        self.by_unit = true;
        self
    }

    /// Takes in one value. Inline up to the test most values of a store
    /// that runs ahead of the as-of date stop at, so that those cost no
    /// call; the rest out of line.
    #[inline]
    pub fn add(&mut self, obs: &Observation) {
        let (days, at) = match self.last_span {
            Some((period, days, at)) if period == obs.period => (days, at),
            _ => self.learn_span(obs.period),
        };
        // A period that ends after the as-of date counts for no objective
        // (`Place::place`): only a trace has anything to keep of it.
        if days.1 > self.as_of_day && self.traced.is_none() {
            return;
        }
        self.add_within(obs, days.1, at);
    }

    /// A period's first and last day, and its places, for a period other
    /// than the last one seen (rows come grouped by period).
    #[cold]
    #[inline(never)]
    fn learn_span(&mut self, period: Period) -> ((i32, i32), usize) {
        let days = (day(period.start()), day(period.end()));
        let at = match self.period_index.get(&period) {
            Some(&at) => at,
            None => {
                if self.whole_years.is_empty() {
                    self.whole_years = self.whole_years();
                }
                let places = self.places_of(period, days);
                self.periods.push(places);
                self.period_index.insert(period, self.periods.len() - 1);
                self.periods.len() - 1
            }
        };
        self.last_span = Some((period, days, at));
        (days, at)
    }

    /// The tallies each indicator's value of `period` counts in.
    fn places_of(&self, period: Period, days: (i32, i32)) -> PeriodPlaces {
        let mut slots = Vec::new();
        let mut routes = Vec::with_capacity(self.by_indicator.len());
        let by_indicator = self
            .by_indicator
            .iter()
            .enumerate()
            .map(|(indicator, &(from, to))| {
                let start = slots.len() as u32;
                for place in &self.places[from as usize..to as usize] {
                    if let Ok(year) = place.place(period, days, self.as_of_day) {
                        slots.push(place.counted(year));
                    }
                }
                let whole = self.whole_year_of(period.year(), indicator);
                debug_assert!(whole.is_none_or(|whole| {
                    let here = &slots[start as usize..];
                    whole.len() == here.len()
                        && whole.iter().zip(here).all(|(a, b)| a.slot == b.slot)
                }));
                routes.push(if self.traced.is_some() {
                    Route::Tallies
                } else if start as usize == slots.len() {
                    Route::Nowhere
                } else if self.summable[indicator] && whole.is_some() {
                    Route::Sum
                } else if self.summable[indicator] {
                    Route::Flow
                } else {
                    Route::Tallies
                });
                (start, slots.len() as u32)
            })
            .collect();
        PeriodPlaces {
            by_indicator,
            slots,
            routes,
        }
    }

    /// `whole_year` of every year of the plan and indicator, by year and
    /// then indicator: made once, when the first period is learnt.
    fn whole_years(&self) -> Vec<Option<Vec<Counted>>> {
        let (first_year, indicators) = (i32::from(self.plan.start.year()), self.by_indicator.len());
        (0..self.plan.years() * indicators)
            .map(|k| {
                let year = first_year + (k / indicators) as i32;
                self.whole_year(IndicatorId((k % indicators) as u32), year as i16)
            })
            .collect()
    }

    /// `whole_years`' tallies of `year` (a calendar year) and indicator
    /// number `indicator`; none for a year outside the plan's, whose values
    /// have no place to be summed by.
    fn whole_year_of(&self, year: i16, indicator: usize) -> Option<&[Counted]> {
        let year = usize::try_from(i32::from(year) - i32::from(self.plan.start.year())).ok()?;
        let indicators = self.by_indicator.len();
        if year >= self.plan.years() {
            return None;
        }
        self.whole_years
            .get(year * indicators + indicator)?
            .as_deref()
    }

    /// The tallies every value of `indicator` in `year` counts in, when
    /// they are the same for every period of the year: each of its places'
    /// window and the as-of date hold the whole year, or no period of it.
    /// None otherwise (a window or the as-of date within the year).
    fn whole_year(&self, indicator: IndicatorId, year: i16) -> Option<Vec<Counted>> {
        let date = |month, day_of_month| jiff::civil::Date::new(year, month, day_of_month).ok();
        // A period's first day is from January 1 to December 1, its last
        // from January 31 to December 31.
        let (first_start, last_start) = (day(date(1, 1)?), day(date(12, 1)?));
        let (first_end, last_end) = (day(date(1, 31)?), day(date(12, 31)?));
        let (from, to) = self.by_indicator[indicator.0 as usize];
        let mut counted = Vec::new();
        for place in &self.places[from as usize..to as usize] {
            let (start, end) = place.days;
            let end = end.min(self.as_of_day);
            if start <= first_start && last_end <= end {
                let year = if place.per_year {
                    (year - place.first_year) as usize
                } else {
                    0
                };
                counted.push(place.counted(year));
            } else if !(start > last_start || end < first_end) {
                return None;
            }
        }
        Some(counted)
    }

    /// `add` of a value that may count: summed by its place when its
    /// period's year lets it (`Route`), else into the tallies. Out of line
    /// from those: this much keeps to a few registers.
    #[inline(never)]
    fn add_within(&mut self, obs: &Observation, end: i32, at: usize) {
        match self.periods[at].routes[obs.indicator.0 as usize] {
            Route::Nowhere => {}
            Route::Sum => {
                if let Value::Number(n) = &obs.value
                    && let Some(n) = whole(n)
                    && u64::from(obs.place.wrapping_sub(obs.indicator.0)) == self.place_sums.first
                    && self.place_sums.add(obs.indicator, n)
                {
                    return;
                }
                self.add_other_sum(obs, end, at);
            }
            Route::Flow => self.add_flow(obs, end, at),
            Route::Tallies => self.add_slots(obs, end, at),
        }
    }

    /// `add_within` of a flow's value into its tallies, the sums by place
    /// turned off first if it is the flow's first value that is not whole.
    #[inline(never)]
    fn add_flow(&mut self, obs: &Observation, end: i32, at: usize) {
        if !matches!(&obs.value, Value::Number(n) if whole(n).is_some())
            && self.summable[obs.indicator.0 as usize]
        {
            self.one_by_one(obs.indicator);
        }
        self.add_slots(obs, end, at);
    }

    /// `add_within` into the tallies its period's places say, or, when an
    /// objective is traced, by a loop over the places that says why each
    /// value did or did not count.
    #[inline(never)]
    fn add_slots(&mut self, obs: &Observation, end: i32, at: usize) {
        if self.traced.is_some() {
            self.add_places(obs, end);
            return;
        }
        let places = &self.periods[at];
        let (from, to) = places.by_indicator[obs.indicator.0 as usize];
        for &counted in &places.slots[from as usize..to as usize] {
            count_in(
                &mut self.tallies,
                &mut self.too_large,
                &self.series,
                obs,
                counted,
                end,
            );
        }
    }

    /// `add_within` of a flow's value not added to the sums of the unit's
    /// year at hand: of another unit's year, whose sums start; or not a
    /// whole number (`add_flow`), or past the sum's 64 bits, into the
    /// tallies.
    #[inline(never)]
    fn add_other_sum(&mut self, obs: &Observation, end: i32, at: usize) {
        let Value::Number(n) = &obs.value else {
            return self.add_flow(obs, end, at);
        };
        let Some(n) = whole(n) else {
            return self.add_flow(obs, end, at);
        };
        if u64::from(obs.place.wrapping_sub(obs.indicator.0)) != self.place_sums.first
            && self.start_sums(obs)
            && self.place_sums.add(obs.indicator, n)
        {
            return;
        }
        // Whole, but of no place or past the sum's 64 bits: whole numbers
        // add up alike in any order.
        self.add_slots(obs, end, at);
    }

    /// Counts every value of `indicator` from now on in its tallies as it
    /// comes, the sums kept by place counted first: a value that is not
    /// whole (a fraction) is about to go into its tallies. Whole numbers
    /// add up exactly in any order, but a sum of fractions past Decimal's
    /// 28 digits is rounded, and then the order of the additions counts:
    /// from here on it is the order the values came in, as it would have
    /// been without sums by place.
    #[cold]
    #[inline(never)]
    fn one_by_one(&mut self, indicator: IndicatorId) {
        self.settle();
        let i = indicator.0 as usize;
        self.summable[i] = false;
        for period in &mut self.periods {
            if matches!(period.routes[i], Route::Sum | Route::Flow) {
                period.routes[i] = Route::Tallies;
            }
        }
    }

    /// Sums by place `obs`'s unit's year from now on, the sums of the one
    /// before counted in the tallies; false for a value of no place.
    fn start_sums(&mut self, obs: &Observation) -> bool {
        let year = i32::from(obs.period.year()) - i32::from(self.plan.start.year());
        let Ok(year) = usize::try_from(year) else {
            return false;
        };
        if obs.place == crate::model::NO_PLACE || year >= self.plan.years() {
            return false;
        }
        self.settle();
        let sums = &mut self.place_sums;
        sums.first = u64::from(obs.place - obs.indicator.0);
        (sums.unit, sums.year) = (obs.unit, year);
        true
    }

    /// Counts the sums kept by place in the tallies of their year
    /// (`whole_year`), and empties them.
    fn settle(&mut self) {
        if self.place_sums.touched == 0 {
            return;
        }
        let indicators = self.by_indicator.len();
        let PlaceSums {
            unit,
            year,
            sums,
            summed,
            touched,
            ..
        } = &mut self.place_sums;
        for &indicator in &summed[..std::mem::take(touched)] {
            let indicator = indicator as usize;
            let (sum, count) = std::mem::take(&mut sums[indicator]);
            let sum = Decimal::from(sum);
            let counted = self.whole_years[*year * indicators + indicator]
                .as_deref()
                .expect("a place's values are of a whole year");
            for c in counted {
                let tally = self.tallies.tally(*unit, c.slot as usize);
                tally.count += count;
                if !add_to(&mut tally.sum, &sum) {
                    note_too_large(&mut self.too_large, &self.series, c.slot as usize);
                }
            }
        }
    }

    /// `add_within` with an objective traced: every place, and why the
    /// value did or did not count in each.
    #[cold]
    fn add_places(&mut self, obs: &Observation, end: i32) {
        let days = (day(obs.period.start()), end);
        let (from, to) = self.by_indicator[obs.indicator.0 as usize];
        for place in &self.places[from as usize..to as usize] {
            let placed = place.place(obs.period, days, self.as_of_day);
            if let Ok(year) = placed {
                count_in(
                    &mut self.tallies,
                    &mut self.too_large,
                    &self.series,
                    obs,
                    place.counted(year),
                    end,
                );
            }
            if self.traced == Some(place.objective) {
                trace_value(&mut self.trace, place.role, obs, placed);
            }
        }
    }

    /// Takes in what another evaluator of the same plan and date (another
    /// thread's share of the files) accumulated. Sums are exact and the
    /// latest value is chosen by date and then source, so the result does
    /// not depend on how files were shared out; but for a sum of fractions
    /// past Decimal's 28 digits, which is rounded, and whose last digit
    /// then depends on the order of the additions.
    pub fn merge(&mut self, mut other: Evaluator) {
        self.settle();
        other.settle();
        let summed = self
            .tallies
            .merge(other.tallies)
            .into_iter()
            .map(|slot| TooLarge::of_slot(&self.series, slot));
        // The lowest of all, as one thread names: flows are not negative,
        // so which sums pass the range does not depend on the threads.
        self.too_large = [self.too_large, other.too_large]
            .into_iter()
            .flatten()
            .chain(summed)
            .min();
        self.trace.merge(other.trace);
    }

    /// Judges every objective; fails with the first one a figure of which
    /// passes the largest number `track` holds.
    pub fn finish(mut self) -> Result<Outcome, TooLarge> {
        self.settle();
        if let Some(too_large) = self.too_large {
            return Err(too_large);
        }
        for series in &mut self.series {
            series.buckets = (0..series.years)
                .map(|year| {
                    let latest = series.latest.map(|slot| slot + year);
                    self.tallies.take(series.slot + year, latest)
                })
                .collect();
        }
        // Every value is in its bucket now: the flat arrays go before judging.
        self.tallies.tallies = Vec::new();
        self.tallies.latest = Vec::new();
        let mut evaluations = Vec::with_capacity(self.plan.objectives.len());
        let mut warnings = Vec::new();
        for (index, objective) in self.plan.objectives.iter().enumerate() {
            let id = ObjectiveId(index as u32);
            let series: Vec<&Series> = self.series.iter().filter(|s| s.objective == id).collect();
            let evaluation = judge(
                objective,
                id,
                &series,
                (self.as_of, self.plan.tolerance),
                self.by_unit,
            )
            .map_err(|Overflow| TooLarge {
                objective: id,
                indicator: None,
            })?;
            if evaluation.status.severity() > Severity::Ok {
                warnings.push(Warning::Objective(id));
            }
            for year in &evaluation.years {
                if year.complete && year.status != Status::Met {
                    warnings.push(Warning::Year {
                        objective: id,
                        year: year.year,
                    });
                }
            }
            evaluations.push(evaluation);
        }
        let kept = self.kept();
        Ok(Outcome {
            as_of: self.as_of,
            evaluations,
            warnings,
            trace: self.trace.finish(kept),
        })
    }

    /// Which values of the traced objective still count once every file
    /// is read: a stock's latest of each unit (and year), an ordinal's or
    /// a text's latest of all. The others counted only until a later one
    /// replaced them.
    fn kept(&self) -> Kept {
        let Some(traced) = self.traced else {
            return Kept::default();
        };
        let objective = self.plan.objective(traced);
        let parts = self
            .series
            .iter()
            .filter(|s| s.objective == traced && !s.adds_up)
            .map(|series| {
                let latest = series
                    .buckets
                    .iter()
                    .flat_map(|b| b.values())
                    .filter_map(|a| a.latest);
                let kept = match objective.rule {
                    Rule::Ordinal { .. } | Rule::Text => latest
                        .max_by(|a, b| (a.end, a.source).cmp(&(b.end, b.source)))
                        .map(|l| l.source)
                        .into_iter()
                        .collect(),
                    _ => latest.map(|l| l.source).collect(),
                };
                (series.role, kept)
            })
            .collect();
        Kept { parts }
    }
}

/// A figure worked out in judging passed Decimal's range.
struct Overflow;

/// Decimal's arithmetic, checked: figures from values a user typed can
/// pass its range, and its operators panic then.
fn add(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_add(b).ok_or(Overflow)
}

fn sub(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_sub(b).ok_or(Overflow)
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_mul(b).ok_or(Overflow)
}

/// `a / b` for a `b` known not to be zero.
fn div(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_div(b).ok_or(Overflow)
}

/// A series' total in one bucket: flows add up, the others sum each unit's
/// latest value. `None` when no value counted.
fn total(series: &Series, bucket: usize) -> Result<Option<Decimal>, Overflow> {
    let Some(units) = series.buckets.get(bucket) else {
        return Ok(None);
    };
    let mut total = None;
    for value in units.values().filter_map(|acc| unit_total(series, acc)) {
        total = Some(add(total.unwrap_or(Decimal::ZERO), value)?);
    }
    Ok(total)
}

fn unit_total(series: &Series, acc: Acc) -> Option<Decimal> {
    if acc.count == 0 {
        return None;
    }
    if series.adds_up {
        return Some(acc.sum);
    }
    match acc.latest?.value {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

fn values_in(series: &Series) -> u32 {
    series
        .buckets
        .iter()
        .flat_map(|b| b.values())
        .map(|a| a.count)
        .sum()
}

/// Judges one objective from its series; each unit's figures only when
/// `units` asks for them (for a national plan, thousands of them a
/// series, which a report without `--by unit` used to build and drop).
fn judge(
    objective: &Objective,
    id: ObjectiveId,
    series: &[&Series],
    (as_of, tolerance): (Date, Decimal),
    units: bool,
) -> Result<Evaluation, Overflow> {
    let mut e = Evaluation {
        objective: id,
        status: Status::NoData,
        actual: None,
        ratio: None,
        expected: None,
        at_risk_from: None,
        days: None,
        gap: None,
        share: None,
        above_range: false,
        needed_per_half_year: None,
        halves_left: 0,
        values: series.iter().map(|s| values_in(s)).sum(),
        latest: None,
        years: Vec::new(),
        by_unit: Vec::new(),
    };
    let window = objective.window;
    match objective.rule {
        Rule::Count(bound) => {
            let s = series[0];
            let count = judge_count(total(s, 0)?, bound, window, as_of, tolerance)?;
            count.apply(&mut e);
            if units {
                e.by_unit = by_unit(s, 0);
            }
        }
        Rule::PerYear(bound) => {
            judge_per_year(&mut e, series[0], bound, window, as_of, tolerance)?;
            if units && let Some(index) = e.years.len().checked_sub(1) {
                e.by_unit = by_unit(series[0], index);
            }
        }
        Rule::Ratio(bound) => {
            judge_ratio(
                &mut e, series[0], series[1], bound, window, as_of, tolerance,
            )?;
            if units {
                e.by_unit = ratio_by_unit(series[0], series[1])?;
            }
        }
        Rule::Ordinal { rank: required } => {
            let s = series[0];
            let latest = latest_overall(s);
            e.expected = Some(Figure::Level(required));
            if let Some(latest) = latest {
                let Value::Level(rank) = latest.value else {
                    unreachable!("ordinal values are levels")
                };
                let gap = required.saturating_sub(rank);
                e.actual = Some(Figure::Level(rank));
                e.latest = Some((latest_unit(s, latest), latest.period));
                e.gap = Some(Decimal::from(gap));
                e.status = if gap == 0 {
                    Status::Met
                } else if as_of > window.end {
                    Status::Missed
                } else if gap == 1 {
                    Status::AtRisk
                } else {
                    Status::OffTrack
                };
            }
            if units {
                e.by_unit = by_unit(s, 0);
            }
        }
        Rule::Text => {
            let s = series[0];
            if let Some(latest) = latest_overall(s) {
                let Value::Text(text) = &latest.value else {
                    unreachable!("text values are text")
                };
                e.actual = Some(Figure::Text(text.to_string()));
                e.latest = Some((latest_unit(s, latest), latest.period));
                e.status = Status::Info;
            }
            if units {
                e.by_unit = by_unit(s, 0);
            }
        }
    }
    Ok(e)
}

/// The judgement of a count over a window (also one year of a per-year
/// objective).
struct CountJudgement {
    status: Status,
    actual: Option<Decimal>,
    expected: Decimal,
    at_risk_from: Decimal,
    days: (i64, i64),
    gap: Option<Decimal>,
    share: Option<Decimal>,
    above_range: bool,
    needed_per_half_year: Option<Decimal>,
    halves_left: u32,
}

impl CountJudgement {
    fn apply(&self, e: &mut Evaluation) {
        e.status = self.status;
        e.actual = self.actual.map(Figure::Number);
        e.expected = Some(Figure::Number(self.expected));
        e.at_risk_from = Some(self.at_risk_from);
        e.days = Some(self.days);
        e.gap = self.gap;
        e.share = self.share;
        e.above_range = self.above_range;
        e.needed_per_half_year = self.needed_per_half_year;
        e.halves_left = self.halves_left;
    }
}

fn judge_count(
    actual: Option<Decimal>,
    bound: Bound,
    window: Window,
    as_of: Date,
    tolerance: Decimal,
) -> Result<CountJudgement, Overflow> {
    let days = (
        days_inclusive(window.start, as_of.min(window.end)),
        days_inclusive(window.start, window.end),
    );
    let (elapsed_days, total_days) = (Decimal::from(days.0), Decimal::from(days.1));
    let expected = div(mul(bound.low, elapsed_days)?, total_days)?;
    let halves_left = halves_left(window, as_of);
    let mut j = CountJudgement {
        status: Status::NoData,
        actual,
        expected,
        at_risk_from: mul(tolerance, expected)?,
        days,
        gap: None,
        share: None,
        above_range: false,
        needed_per_half_year: None,
        halves_left,
    };
    let Some(actual) = actual else { return Ok(j) };
    let met = bound.holds(actual);
    let gap = if met {
        Decimal::ZERO
    } else {
        sub(bound.low, actual)?.max(Decimal::ZERO)
    };
    j.gap = Some(gap);
    if !bound.low.is_zero() {
        j.share = Some(mul(div(actual, bound.low)?, Decimal::ONE_HUNDRED)?);
    }
    j.above_range = met && bound.exceeded(actual);
    // Compared without dividing, so that exactly on the line is exact.
    j.status = if met {
        Status::Met
    } else if as_of > window.end {
        Status::Missed
    } else if mul(actual, total_days)? >= mul(bound.low, elapsed_days)? {
        Status::OnTrack
    } else if mul(actual, total_days)? >= mul(mul(tolerance, bound.low)?, elapsed_days)? {
        Status::AtRisk
    } else {
        Status::OffTrack
    };
    if !met && halves_left > 0 {
        // A strict bound at exactly its value still needs a little more;
        // the gap is 0 then, and so is what is needed per half year.
        j.needed_per_half_year = Some(div(gap, Decimal::from(halves_left))?);
    }
    Ok(j)
}

/// Half years (January-June, July-December) still to come between the
/// as-of date and the window's end, the current one included.
fn halves_left(window: Window, as_of: Date) -> u32 {
    let from = if as_of < window.start {
        window.start
    } else {
        as_of.checked_add(1.day()).unwrap_or(as_of)
    };
    if from > window.end {
        return 0;
    }
    let half = |d: Date| i32::from(d.year()) * 2 + i32::from(d.month() > 6);
    (half(window.end) - half(from) + 1) as u32
}

fn judge_per_year(
    e: &mut Evaluation,
    s: &Series,
    bound: Bound,
    window: Window,
    as_of: Date,
    tolerance: Decimal,
) -> Result<(), Overflow> {
    let first = window.start.year();
    let mut current = None;
    for (index, _) in s.buckets.iter().enumerate() {
        let year = first + index as i16;
        let year_window = Window {
            start: window
                .start
                .max(Date::new(year, 1, 1).expect("a valid year")),
            end: window
                .end
                .min(Date::new(year, 12, 31).expect("a valid year")),
        };
        if year_window.start > as_of {
            break;
        }
        let judged = judge_count(total(s, index)?, bound, year_window, as_of, tolerance)?;
        e.years.push(YearResult {
            year,
            actual: judged.actual,
            expected: judged.expected,
            gap: judged.gap,
            status: judged.status,
            complete: as_of > year_window.end,
        });
        current = Some(judged);
    }
    let Some(judged) = current else {
        return Ok(());
    };
    judged.apply(e);
    if as_of > window.end {
        let any_data = e.years.iter().any(|y| y.actual.is_some());
        let all_met = e.years.iter().all(|y| y.status == Status::Met);
        e.status = match (any_data, all_met) {
            (false, _) => Status::NoData,
            (true, true) => Status::Met,
            (true, false) => Status::Missed,
        };
    }
    Ok(())
}

fn judge_ratio(
    e: &mut Evaluation,
    numerator: &Series,
    denominator: &Series,
    bound: Bound,
    window: Window,
    as_of: Date,
    tolerance: Decimal,
) -> Result<(), Overflow> {
    let at_risk_from = mul(tolerance, bound.low)?;
    e.expected = Some(Figure::Percent(bound.low));
    e.at_risk_from = Some(at_risk_from);
    e.halves_left = halves_left(window, as_of);
    let (num, den) = (
        total(numerator, 0)?.unwrap_or_default(),
        total(denominator, 0)?,
    );
    let Some(den) = den.filter(|d| !d.is_zero()) else {
        return Ok(());
    };
    let hundred_num = mul(num, Decimal::ONE_HUNDRED)?;
    let percent = div(hundred_num, den)?;
    let low_den = mul(bound.low, den)?;
    let met = if bound.strict {
        hundred_num > low_den
    } else {
        hundred_num >= low_den
    };
    e.actual = Some(Figure::Percent(percent));
    e.ratio = Some((num, den));
    e.gap = Some(if met {
        Decimal::ZERO
    } else {
        sub(bound.low, percent)?.max(Decimal::ZERO)
    });
    if !bound.low.is_zero() {
        e.share = Some(mul(div(percent, bound.low)?, Decimal::ONE_HUNDRED)?);
    }
    e.above_range = met
        && match bound.high {
            Some(high) => hundred_num > mul(high, den)?,
            None => false,
        };
    e.status = if met {
        Status::Met
    } else if as_of > window.end {
        Status::Missed
    } else if hundred_num >= low_den {
        Status::OnTrack
    } else if hundred_num >= mul(at_risk_from, den)? {
        Status::AtRisk
    } else {
        Status::OffTrack
    };
    Ok(())
}

fn by_unit(s: &Series, bucket: usize) -> Vec<UnitResult> {
    let Some(units) = s.buckets.get(bucket) else {
        return Vec::new();
    };
    let results: Vec<UnitResult> = units
        .iter()
        .filter_map(|(unit, acc)| {
            let actual = match (acc.latest, s.adds_up) {
                (_, true) => Figure::Number(acc.sum),
                (Some(l), false) => match &l.value {
                    Value::Number(n) => Figure::Number(*n),
                    Value::Level(r) => Figure::Level(*r),
                    Value::Text(t) => Figure::Text(t.to_string()),
                },
                (None, false) => return None,
            };
            Some(UnitResult {
                unit,
                actual,
                ratio: None,
            })
        })
        .collect();
    results
}

fn ratio_by_unit(numerator: &Series, denominator: &Series) -> Result<Vec<UnitResult>, Overflow> {
    let mut units: Vec<UnitId> = numerator.buckets[0]
        .keys()
        .chain(denominator.buckets[0].keys())
        .collect();
    units.sort_unstable();
    units.dedup();
    let mut results = Vec::new();
    for unit in units {
        let num = numerator.buckets[0]
            .get(&unit)
            .and_then(|a| unit_total(numerator, a))
            .unwrap_or_default();
        let den = denominator.buckets[0]
            .get(&unit)
            .and_then(|a| unit_total(denominator, a));
        let Some(den) = den.filter(|d| !d.is_zero()) else {
            continue;
        };
        results.push(UnitResult {
            unit,
            actual: Figure::Percent(div(mul(num, Decimal::ONE_HUNDRED)?, den)?),
            ratio: Some((num, den)),
        });
    }
    Ok(results)
}

fn latest_overall(s: &Series) -> Option<&Latest> {
    s.buckets
        .iter()
        .flat_map(|b| b.values())
        .filter_map(|a| a.latest)
        .reduce(|best, l| if l.is_after(best) { l } else { best })
}

fn latest_unit(s: &Series, latest: &Latest) -> UnitId {
    s.buckets
        .iter()
        .flat_map(|b| b.iter())
        .find(|(_, a)| a.latest.is_some_and(|l| l.source == latest.source))
        .map(|(u, _)| u)
        .expect("the latest value belongs to a unit")
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::model::tests::{PLAN, plan, plan_from};

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// `add_to` is Decimal's addition: the same value, scale and
        /// text, for whole and fractional numbers of either sign, near
        /// the largest mantissa too; where Decimal's would panic, it
        /// says no.
        #[test]
        fn add_to_adds_as_decimal_does(
            a in proptest::prelude::any::<i128>(),
            b in proptest::prelude::any::<i128>(),
            scale_a in 0u32..3,
            scale_b in 0u32..3,
            shift in 32u32..127,
        ) {
            let mantissa = |m: i128| m >> shift;
            let a = Decimal::from_i128_with_scale(mantissa(a), scale_a);
            let b = Decimal::from_i128_with_scale(mantissa(b), scale_b);
            let (mut fast, mut slow) = (a, a);
            let sum = std::panic::catch_unwind(move || {
                slow += b;
                slow
            });
            match sum {
                Ok(slow) => {
                    proptest::prop_assert!(add_to(&mut fast, &b));
                    proptest::prop_assert_eq!(fast, slow);
                    proptest::prop_assert_eq!(fast.scale(), slow.scale());
                    proptest::prop_assert_eq!(fast.to_string(), slow.to_string());
                }
                // Past Decimal's range: refused, the sum left as it was.
                Err(_) => {
                    proptest::prop_assert!(!add_to(&mut fast, &b));
                    proptest::prop_assert_eq!(fast, a);
                }
            }
        }
    }

    /// Objectives whose windows or as-of date fall within a year, beside
    /// those of whole years: a flow's value is summed by place only in a
    /// year all of whose periods count alike.
    fn windows_within_years() -> Plan {
        let text = PLAN.replace(
            "by = 2025\n\n[objectives.share-2025]",
            "by = 2025\nfrom = 2024-07-01\n\n[objectives.share-2025]",
        ) + r#"
[objectives.mid-2026]
title = "Giữa năm"
title_en = "Mid-year"
measure = "done"
target = "10-20"
by = 2026-06-30

[objectives.yearly-mid]
title = "Mỗi năm"
title_en = "Each year"
measure = "done"
target = "5-10 per year"
from = 2024-03-01
by = 2027-09-30
"#;
        plan_from(&text).unwrap()
    }

    const PERIODS: [&str; 16] = [
        "2023", "2024", "2024-H1", "2024-Q1", "2024-Q3", "2024-07", "2025-02", "2025", "2025-H2",
        "2026-Q1", "2026-06", "2026-07", "2027", "2027-Q4", "2030-12", "2031",
    ];
    const VALUES: [&str; 6] = [
        "0",
        "1",
        "250",
        "2.5",
        "10000000000000000000",
        "18446744073709551615",
    ];
    const AS_OF: [&str; 8] = [
        "2024-06-30",
        "2024-12-31",
        "2025-01-15",
        "2025-12-31",
        "2026-06-30",
        "2026-09-30",
        "2027-12-31",
        "2030-12-31",
    ];

    /// Rows as indices: unit, indicator, period and value (into the lists
    /// a test draws from).
    type Rows = [(usize, usize, usize, usize)];

    /// An evaluator given `rows` (a value index past `values` is its last),
    /// the first of them row `first` of the file; with an objective
    /// traced, every value goes through the loop over its places, one by
    /// one.
    fn given<'p>(
        (plan, as_of): (&'p Plan, &str),
        (periods, values): (&[&str], &[&'static str]),
        (rows, first): (&Rows, usize),
        traced: bool,
    ) -> Evaluator<'p> {
        let mut evaluator = Evaluator::new(plan, as_of.parse().unwrap()).by_unit();
        if traced {
            evaluator = evaluator.trace(ObjectiveId(0));
        }
        for (line, &(unit, indicator, period, value)) in rows.iter().enumerate() {
            let (unit, indicator) = (UnitId(unit as u32), IndicatorId(indicator as u32));
            let written = values[value.min(values.len() - 1)];
            let value = match &plan.indicator(indicator).kind {
                crate::model::IndicatorKind::Ordinal(levels) => Value::Level(value % levels.len()),
                crate::model::IndicatorKind::Text => Value::Text(Cow::Borrowed(written)),
                _ => Value::Number(d(written)),
            };
            let period = periods[period];
            evaluator.add(&observation(
                plan,
                unit,
                indicator,
                period,
                value,
                first + line,
            ));
        }
        evaluator
    }

    /// An outcome as text: `Debug` shows a number's scale and a zero's
    /// sign, which `==` does not compare.
    fn as_text(outcome: &Result<Outcome, TooLarge>) -> String {
        match outcome {
            Ok(o) => format!("{:?} {:?}", o.evaluations, o.warnings),
            Err(too_large) => format!("{too_large:?}"),
        }
    }

    /// Whether `rows` judge alike summed by place and counted one by one
    /// (traced), to the digit: on one thread, and split at `split` over
    /// two merged as two threads counting one by one would be.
    fn judged_alike(
        judging: (&Plan, &str),
        lists: (&[&str], &[&'static str]),
        rows: &Rows,
        split: usize,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let one_by_one = given(judging, lists, (rows, 0), true).finish();
        let by_place = given(judging, lists, (rows, 0), false).finish();
        proptest::prop_assert_eq!(as_text(&by_place), as_text(&one_by_one));
        let split = split.min(rows.len());
        let (head, tail) = ((&rows[..split], 0), (&rows[split..], split));
        let mut first = given(judging, lists, head, false);
        first.merge(given(judging, lists, tail, false));
        let mut first_one_by_one = given(judging, lists, head, true);
        first_one_by_one.merge(given(judging, lists, tail, true));
        proptest::prop_assert_eq!(
            as_text(&first.finish()),
            as_text(&first_one_by_one.finish())
        );
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 600,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct(
                    "tests/proptest-regressions/evaluate.txt",
                ),
            )),
            ..proptest::prelude::ProptestConfig::default()
        })]
        /// A flow's whole values of a whole year are summed by place and
        /// counted in the tallies at the end (`PlaceSums`); with an
        /// objective traced, every value is counted in each tally as it
        /// comes. Both judge every objective alike, on one thread or on
        /// two, for windows and as-of dates within a year or at its ends,
        /// fractions, texts, and sums past 64 bits.
        #[test]
        fn values_summed_by_place_judge_as_values_counted_one_by_one(
            rows in proptest::collection::vec((0usize..2, 0usize..4, 0..PERIODS.len(), 0..VALUES.len()), 0..40),
            as_of in 0..AS_OF.len(),
            split in 0usize..40,
        ) {
            let plan = windows_within_years();
            judged_alike((&plan, AS_OF[as_of]), (&PERIODS, &VALUES), &rows, split)?;
        }
    }

    /// Two flows and a stock, ratios of flows and of a flow and a stock,
    /// per-year objectives, windows from before the plan's start (which is
    /// mid-year) and deadlines within years: what `PlaceSums` must sum
    /// exactly as the tallies would, value by value.
    const FLOWS_PLAN: &str = r#"
[plan]
code = "flows"
title = "Dòng"
title_en = "Flows"
start = 2024-07-01

[units]
A = { name = "A" }
B = { name = "B" }

[indicators.total]
kind = "stock"
title = "Tổng"
title_en = "Total"
reporters = ["A", "B"]

[indicators.done]
kind = "flow"
title = "Xong"
title_en = "Done"
reporters = ["A", "B"]

[indicators.paid]
kind = "flow"
title = "Chi"
title_en = "Paid"
reporters = ["A", "B"]

[objectives.early]
title = "Sớm"
title_en = "Early"
measure = "done"
target = "15-20"
from = 2023-01-01
by = 2025

[objectives.ratio]
title = "Tỉ lệ"
title_en = "Ratio"
measure = "done / paid"
target = "> 60%"
by = 2026

[objectives.ratio-early]
title = "Tỉ lệ sớm"
title_en = "Early ratio"
measure = "paid / done"
target = "> 50%"
from = 2023-03-01
by = 2027-09-30

[objectives.yearly]
title = "Mỗi năm"
title_en = "Each year"
measure = "done"
target = "5-10 per year"
from = 2023-01-01
by = 2027

[objectives.yearly-paid]
title = "Chi mỗi năm"
title_en = "Paid each year"
measure = "paid"
target = "5-10 per year"
by = 2026-06-30

[objectives.paid-2028]
title = "Chi"
title_en = "Paid"
measure = "paid"
target = "1-2"
by = 2028

[objectives.share]
title = "Phần"
title_en = "Share"
measure = "paid / total"
target = "> 50%"
by = 2026
"#;
    const FLOW_PERIODS: [&str; 16] = [
        "2022", "2023", "2023-H2", "2023-02", "2024", "2024-H1", "2024-Q3", "2024-07", "2025",
        "2025-02", "2026-Q2", "2026", "2027", "2027-Q4", "2028", "2029",
    ];
    /// Whole numbers mostly (the common case, drawn more often), and those
    /// that are not: `-0`, fractions, one of 28 digits (its sums are
    /// rounded), past 64 bits, and near Decimal's range.
    const FLOW_VALUES: [&str; 11] = [
        "0",
        "-0",
        "1",
        "250",
        "2.5",
        "0.3333333333333333333333333333",
        "10000000000000000000",
        "18446744073709551615",
        "30000000000000000000000000000",
        "50000000000000000000000000000",
        "3",
    ];
    const FLOW_AS_OF: [&str; 9] = [
        "2023-06-30",
        "2024-01-15",
        "2024-06-30",
        "2024-12-31",
        "2025-01-31",
        "2025-12-31",
        "2026-06-30",
        "2027-09-30",
        "2029-12-31",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 1500,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct(
                    "tests/proptest-regressions/evaluate-flows.txt",
                ),
            )),
            ..proptest::prelude::ProptestConfig::default()
        })]
        /// Flows summed by place judge as flows counted value by value, to
        /// the digit (a sum of fractions is rounded in the order the
        /// values came) and to the objective named when a sum passes the
        /// largest number: on one thread, and on two merged as two threads
        /// counting value by value would be.
        #[test]
        fn flows_summed_by_place_are_exact(
            rows in proptest::collection::vec((0usize..2, 0usize..3, 0..FLOW_PERIODS.len(), 0usize..20), 0..40),
            as_of in 0..FLOW_AS_OF.len(),
            split in 0usize..40,
        ) {
            let plan = plan_from(FLOWS_PLAN).unwrap();
            let lists = (&FLOW_PERIODS[..], &FLOW_VALUES[..]);
            judged_alike((&plan, FLOW_AS_OF[as_of]), lists, &rows, split)?;
        }
    }

    /// A fraction of 28 digits after a whole value: the sum is rounded,
    /// so the order of the additions shows in its last digit. The whole
    /// value summed by place is counted before the fraction, as it came;
    /// and once a fraction came, so is every value after it, in a period
    /// seen before too (B's January, after A's).
    #[test]
    fn a_sum_rounded_keeps_the_order_the_values_came_in() {
        let plan = plan();
        let third = "0.3333333333333333333333333333";
        let rows = [
            ("A", "done", "2025-01", "10"),
            ("A", "done", "2025-02", third),
            ("A", "done", "2025-03", third),
            ("A", "done", "2025-04", "1"),
            ("B", "done", "2025-01", "10"),
            ("B", "done", "2025-02", third),
            ("B", "done", "2025-03", third),
        ];
        let outcome = run(&plan, "2025-12-31", &rows);
        // A: (10 + 1/3) rounded to 28 digits, + 1/3 rounded again, + 1.
        // B: the same but for the 1.
        let e = eval(&plan, &outcome, "done-2025");
        let of = |unit: u32| {
            let part = e.by_unit.iter().find(|u| u.unit == UnitId(unit)).unwrap();
            format!("{:?}", part.actual)
        };
        assert_eq!(of(0), "Number(11.666666666666666666666666666)");
        assert_eq!(of(1), "Number(10.666666666666666666666666666)");
    }

    use jiff::civil::date;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// Feeds rows `(unit, indicator, period, value)` and judges at `as_of`,
    /// with each unit's figures.
    fn run(plan: &Plan, as_of: &str, rows: &[(&str, &str, &str, &str)]) -> Outcome {
        run_by(plan, as_of, rows, true)
    }

    fn run_by(
        plan: &Plan,
        as_of: &str,
        rows: &[(&str, &str, &str, &str)],
        by_unit: bool,
    ) -> Outcome {
        feed(plan, as_of, rows, by_unit).finish().unwrap()
    }

    /// An evaluator given rows `(unit, indicator, period, value)`.
    fn feed<'p>(
        plan: &'p Plan,
        as_of: &str,
        rows: &[(&str, &str, &str, &str)],
        by_unit: bool,
    ) -> Evaluator<'p> {
        let evaluator = Evaluator::new(plan, as_of.parse().unwrap());
        let mut evaluator = if by_unit {
            evaluator.by_unit()
        } else {
            evaluator
        };
        for (line, (unit, indicator, period, value)) in rows.iter().enumerate() {
            let indicator = plan.indicator_id(indicator).unwrap();
            let value = match &plan.indicator(indicator).kind {
                crate::model::IndicatorKind::Ordinal(levels) => {
                    Value::Level(levels.iter().position(|l| l.code == *value).unwrap())
                }
                crate::model::IndicatorKind::Text => Value::Text(Cow::Owned(value.to_string())),
                _ => Value::Number(d(value)),
            };
            evaluator.add(&observation(
                plan,
                plan.unit_id(unit).unwrap(),
                indicator,
                period,
                value,
                line,
            ));
        }
        evaluator
    }

    /// The value of a report's row `index` (its line: `index + 2`, after
    /// the header), without a note.
    fn observation(
        plan: &Plan,
        unit: UnitId,
        indicator: IndicatorId,
        period: &str,
        value: Value<'static>,
        index: usize,
    ) -> Observation<'static> {
        let period: Period = period.parse().unwrap();
        Observation {
            unit,
            indicator,
            period,
            value,
            note_written: "",
            source: Source {
                file: 0,
                line: index as u32 + 2,
            },
            // Where a flow's value of a whole year is summed (`PlaceSums`).
            place: plan.place(unit, indicator, period.year()),
        }
    }

    fn eval<'o>(plan: &Plan, outcome: &'o Outcome, code: &str) -> &'o Evaluation {
        outcome
            .evaluation(plan.objective_id(code).unwrap())
            .unwrap()
    }

    #[test]
    fn a_count_sums_flows_inside_the_window_up_to_the_as_of_date() {
        let plan = plan();
        let rows = [
            ("A", "done", "2023-H2", "50"), // before the window
            ("A", "done", "2024-H1", "4"),  // first day of the window
            ("B", "done", "2024-Q3", "3"),
            ("A", "done", "2025-H2", "2"), // ends on the deadline
            ("A", "done", "2026-Q1", "9"), // after the deadline
        ];
        let at_end = run(&plan, "2025-12-31", &rows);
        let e = eval(&plan, &at_end, "done-2025");
        assert_eq!(e.actual, Some(Figure::Number(d("9"))));
        assert_eq!(e.values, 3);
        assert_eq!(e.gap, Some(d("6")));
        assert_eq!(e.share, Some(d("60")));
        assert_eq!(e.expected, Some(Figure::Number(d("15"))));
        // On the deadline itself the window is not yet over: 9 is 60% of 15.
        assert_eq!(e.status, Status::OffTrack);
        let after = run(&plan, "2026-01-01", &rows);
        assert_eq!(eval(&plan, &after, "done-2025").status, Status::Missed);
        // A value whose period ends after the as-of date does not count yet.
        let mid = run(&plan, "2025-12-30", &rows);
        assert_eq!(
            eval(&plan, &mid, "done-2025").actual,
            Some(Figure::Number(d("7")))
        );
    }

    #[test]
    fn expected_grows_linearly_by_days_and_sets_on_track_and_at_risk() {
        let plan = plan();
        // 2024-12-31: 366 of 731 days, expected 15 × 366 / 731 = 7.51…
        let judge = |value: &str| {
            let outcome = run(&plan, "2024-12-31", &[("A", "done", "2024", value)]);
            eval(&plan, &outcome, "done-2025").clone()
        };
        let Figure::Number(expected) = judge("1").expected.unwrap() else {
            panic!()
        };
        assert_eq!(expected.round_dp(4), d("7.5103"));
        assert_eq!(judge("7.6").status, Status::OnTrack);
        assert_eq!(judge("7.51").status, Status::AtRisk);
        // 80% of 7.5103 is 6.008: just above and below.
        assert_eq!(judge("6.01").status, Status::AtRisk);
        assert_eq!(judge("6").status, Status::OffTrack);
        let off = judge("6");
        assert_eq!(off.halves_left, 2);
        assert_eq!(off.needed_per_half_year, Some(d("4.5")));
    }

    #[test]
    fn above_a_range_is_met_and_flagged() {
        let plan = plan();
        let within = run(&plan, "2025-06-30", &[("A", "done", "2024", "20")]);
        let e = eval(&plan, &within, "done-2025");
        assert_eq!(
            (e.status, e.above_range, e.gap),
            (Status::Met, false, Some(Decimal::ZERO))
        );
        let above = run(&plan, "2025-06-30", &[("A", "done", "2024", "21")]);
        let e = eval(&plan, &above, "done-2025");
        assert_eq!((e.status, e.above_range), (Status::Met, true));
        assert_eq!(e.share, Some(d("140")));
        assert_eq!(e.needed_per_half_year, None);
    }

    #[test]
    fn a_ratio_divides_sums_not_means_and_is_strict_at_60_percent() {
        let plan = plan();
        // A: 1/1 = 100%, B: 5/9 = 55.6%; mean 77.8%, but 6 of 10 = 60%.
        let rows = [
            ("A", "done", "2024", "1"),
            ("A", "total", "2024", "1"),
            ("B", "done", "2024", "5"),
            ("B", "total", "2024", "9"),
        ];
        let outcome = run(&plan, "2025-06-30", &rows);
        let e = eval(&plan, &outcome, "share-2025");
        assert_eq!(e.actual, Some(Figure::Percent(d("60"))));
        assert_eq!(e.ratio, Some((d("6"), d("10"))));
        // "> 60%": exactly 60 is not met; it equals expected, so on track.
        assert_eq!(e.status, Status::OnTrack);
        assert_eq!(e.gap, Some(Decimal::ZERO));
        let after = run(&plan, "2026-01-01", &rows);
        assert_eq!(eval(&plan, &after, "share-2025").status, Status::Missed);
        let more = run(
            &plan,
            "2025-06-30",
            &[("A", "done", "2024", "61"), ("A", "total", "2024", "100")],
        );
        assert_eq!(eval(&plan, &more, "share-2025").status, Status::Met);
    }

    #[test]
    fn a_ratio_below_target_is_at_risk_from_80_percent_of_it() {
        let plan = plan();
        let judge = |num: &str| {
            let outcome = run(
                &plan,
                "2025-06-30",
                &[("A", "done", "2024", num), ("A", "total", "2024", "100")],
            );
            eval(&plan, &outcome, "share-2025").status
        };
        assert_eq!(judge("48"), Status::AtRisk);
        assert_eq!(judge("47"), Status::OffTrack);
    }

    #[test]
    fn a_zero_or_missing_denominator_is_no_data() {
        let plan = plan();
        let zero = run(
            &plan,
            "2025-06-30",
            &[("A", "done", "2024", "3"), ("A", "total", "2024", "0")],
        );
        let e = eval(&plan, &zero, "share-2025");
        assert_eq!((e.status, &e.actual), (Status::NoData, &None));
        let missing = run(&plan, "2025-06-30", &[("A", "done", "2024", "3")]);
        assert_eq!(eval(&plan, &missing, "share-2025").status, Status::NoData);
    }

    #[test]
    fn a_stock_counts_each_units_latest_value() {
        let plan = plan();
        let rows = [
            ("A", "total", "2024-H1", "4"),
            ("A", "total", "2025-H1", "6"),
            ("A", "total", "2024-H2", "5"),
            ("B", "total", "2024-Q4", "3"),
            ("A", "total", "2025-H2", "99"), // after the as-of date
        ];
        let outcome = run(&plan, "2025-06-30", &rows);
        let e = eval(&plan, &outcome, "total-2025");
        assert_eq!(e.actual, Some(Figure::Number(d("9"))));
        assert_eq!(
            e.by_unit
                .iter()
                .map(|u| u.actual.clone())
                .collect::<Vec<_>>(),
            [Figure::Number(d("6")), Figure::Number(d("3"))]
        );
    }

    #[test]
    fn per_year_takes_the_current_year_and_warns_of_short_past_years() {
        let plan = plan();
        let rows = [
            ("A", "done", "2024-H1", "2"),
            ("B", "done", "2024-H2", "1"), // 2024: 3, short of 5
            ("A", "done", "2025-H1", "6"), // 2025: met by mid-year
            ("A", "done", "2026-Q1", "1"),
        ];
        let in_2025 = run(&plan, "2025-06-30", &rows);
        let e = eval(&plan, &in_2025, "yearly-2027");
        assert_eq!(e.status, Status::Met);
        assert_eq!(e.actual, Some(Figure::Number(d("6"))));
        assert_eq!(e.years.len(), 2);
        assert_eq!(
            (e.years[0].year, e.years[0].status, e.years[0].complete),
            (2024, Status::Missed, true)
        );
        let id = plan.objective_id("yearly-2027").unwrap();
        assert!(in_2025.warnings.contains(&Warning::Year {
            objective: id,
            year: 2024
        }));
        // 2026-03-31: 1 of an expected 5 × 90/365 = 1.23: at risk.
        let in_2026 = run(&plan, "2026-03-31", &rows);
        let e = eval(&plan, &in_2026, "yearly-2027");
        assert_eq!((e.status, e.gap), (Status::AtRisk, Some(d("4"))));
        // Each unit's figure is the current year's too.
        let a = plan.unit_id("A").unwrap();
        assert_eq!(
            e.by_unit,
            [UnitResult {
                unit: a,
                actual: Figure::Number(d("1")),
                ratio: None
            }]
        );
        // Without `by_unit`, no unit's figures are worked out, for any
        // kind of objective; the rest is the same.
        let every = [
            ("A", "done", "2025-Q1", "2"),
            ("A", "total", "2025-Q1", "4"),
            ("A", "grade", "2025-Q1", "kha"),
            ("A", "remark", "2025-Q1", "on track"),
            ("A", "done", "2026-Q1", "1"),
        ];
        let (with, without) = (
            run(&plan, "2026-03-31", &every),
            run_by(&plan, "2026-03-31", &every, false),
        );
        assert!(with.evaluations.iter().all(|e| !e.by_unit.is_empty()));
        assert!(without.evaluations.iter().all(|e| e.by_unit.is_empty()));
        let units_left_out: Vec<Evaluation> = with
            .evaluations
            .into_iter()
            .map(|e| Evaluation {
                by_unit: Vec::new(),
                ..e
            })
            .collect();
        assert_eq!(units_left_out, without.evaluations);
        assert_eq!(e.halves_left, 2);
        assert_eq!(e.needed_per_half_year, Some(d("2")));
        // After the deadline: met only if every year was.
        let after = run(&plan, "2028-01-01", &rows);
        assert_eq!(eval(&plan, &after, "yearly-2027").status, Status::Missed);
        let all = [
            ("A", "done", "2024", "5"),
            ("A", "done", "2025", "7"),
            ("A", "done", "2026", "5"),
            ("A", "done", "2027", "10"),
        ];
        let after = run(&plan, "2028-01-01", &all);
        assert_eq!(eval(&plan, &after, "yearly-2027").status, Status::Met);
    }

    #[test]
    fn an_ordinal_one_level_below_is_at_risk_and_two_off_track() {
        let plan = plan();
        let judge = |level: &str, as_of: &str| {
            let outcome = run(
                &plan,
                as_of,
                &[("A", "grade", "2024", "tot"), ("A", "grade", "2025", level)],
            );
            let e = eval(&plan, &outcome, "grade-2030");
            (e.status, e.gap)
        };
        assert_eq!(
            judge("kha", "2026-01-01"),
            (Status::Met, Some(Decimal::ZERO))
        );
        assert_eq!(
            judge("trung-binh", "2026-01-01"),
            (Status::AtRisk, Some(d("1")))
        );
        assert_eq!(judge("yeu", "2026-01-01"), (Status::OffTrack, Some(d("2"))));
        assert_eq!(judge("yeu", "2031-01-01"), (Status::Missed, Some(d("2"))));
    }

    #[test]
    fn text_shows_the_latest_assessment() {
        let plan = plan();
        let outcome = run(
            &plan,
            "2025-12-31",
            &[
                ("A", "remark", "2025-H1", "mới"),
                ("A", "remark", "2024", "cũ"),
            ],
        );
        let e = eval(&plan, &outcome, "remark-2025");
        assert_eq!(
            (e.status, e.actual.clone()),
            (Status::Info, Some(Figure::Text("mới".into())))
        );
        assert_eq!(e.latest, Some((UnitId(0), "2025-H1".parse().unwrap())));
        // A later text replaces a longer one kept before it, whole.
        let outcome = run(
            &plan,
            "2025-12-31",
            &[
                ("A", "remark", "2024", "một đánh giá dài hơn"),
                ("A", "remark", "2025-H1", "ngắn"),
            ],
        );
        let e = eval(&plan, &outcome, "remark-2025");
        assert_eq!(e.actual, Some(Figure::Text("ngắn".into())));
    }

    /// A flow's values are numbers, but the evaluator takes whatever it is
    /// given: a flow given another value counts it and touches no other
    /// series (its place among the latest values is another series').
    #[test]
    fn a_flow_given_a_value_that_is_no_number_touches_no_other_series() {
        let plan = plan();
        let mut evaluator = Evaluator::new(&plan, "2025-12-31".parse().unwrap()).by_unit();
        let rows: [(&str, &str, Value); 3] = [
            ("total", "2025-H1", Value::Number(d("5"))),
            ("done", "2025-03", Value::Number(d("3"))),
            ("done", "2025-09", Value::Text(Cow::Borrowed("x"))),
        ];
        for (line, (indicator, period, value)) in rows.into_iter().enumerate() {
            let indicator = plan.indicator_id(indicator).unwrap();
            evaluator.add(&observation(
                &plan,
                UnitId(0),
                indicator,
                period,
                value,
                line,
            ));
        }
        let outcome = evaluator.finish().unwrap();
        let share = eval(&plan, &outcome, "share-2025");
        assert_eq!(share.ratio, Some((d("3"), d("5"))));
        assert_eq!(share.values, 3);
        let total = eval(&plan, &outcome, "total-2025");
        assert_eq!(total.actual, Some(Figure::Number(d("5"))));
        assert_eq!(total.by_unit[0].actual, Figure::Number(d("5")));
    }

    #[test]
    fn before_any_data_everything_is_no_data() {
        let plan = plan();
        let outcome = run(&plan, "2023-06-30", &[("A", "done", "2024", "5")]);
        assert!(
            outcome
                .evaluations
                .iter()
                .all(|e| e.status == Status::NoData)
        );
        assert_eq!(outcome.warnings.len(), plan.objectives.len());
        let e = eval(&plan, &outcome, "done-2025");
        assert_eq!(e.expected, Some(Figure::Number(Decimal::ZERO)));
        assert_eq!(e.halves_left, 4);
    }

    #[test]
    fn a_passed_deadline_turns_a_shortfall_into_missed() {
        let plan = plan();
        let outcome = run(
            &plan,
            "2027-06-30",
            &[("A", "done", "2024", "14"), ("A", "total", "2025", "9")],
        );
        assert_eq!(eval(&plan, &outcome, "done-2025").status, Status::Missed);
        assert_eq!(eval(&plan, &outcome, "total-2025").status, Status::Missed);
        assert_eq!(eval(&plan, &outcome, "done-2025").halves_left, 0);
        assert_eq!(
            eval(&plan, &outcome, "done-2025").needed_per_half_year,
            None
        );
    }

    #[test]
    fn the_window_start_can_move_per_objective() {
        let text = PLAN.replace(
            "by = 2025\n\n[objectives.share-2025]",
            "by = 2025\nfrom = 2024-07-01\n\n[objectives.share-2025]",
        );
        let plan = plan_from(&text).unwrap();
        let outcome = run(
            &plan,
            "2025-12-31",
            &[
                ("A", "done", "2024-H1", "10"),
                ("A", "done", "2024-Q3", "3"),
            ],
        );
        assert_eq!(
            eval(&plan, &outcome, "done-2025").actual,
            Some(Figure::Number(d("3")))
        );
        assert_eq!(halves_left(plan.objectives[0].window, date(2024, 3, 1)), 3);
    }

    #[test]
    fn explain_traces_every_value_with_its_verdict() {
        let plan = plan();
        let id = plan.objective_id("total-2025").unwrap();
        let mut evaluator = Evaluator::new(&plan, "2025-06-30".parse().unwrap()).trace(id);
        let total = plan.indicator_id("total").unwrap();
        for (line, period) in ["2023", "2024-H1", "2025-H1", "2025-H2"].iter().enumerate() {
            let value = Value::Number(Decimal::ONE);
            evaluator.add(&observation(&plan, UnitId(0), total, period, value, line));
        }
        let verdicts: Vec<Verdict> = evaluator
            .finish()
            .unwrap()
            .trace
            .values()
            .map(|t| t.unwrap().verdict)
            .collect();
        assert_eq!(
            verdicts,
            [
                Verdict::BeforeWindow,
                Verdict::Superseded,
                Verdict::Counted,
                Verdict::AfterAsOf
            ]
        );
    }

    /// Values a user typed can pass the largest number Decimal holds
    /// (~7.9 × 10^28): the run must name the objective, not panic.
    #[test]
    fn a_sum_past_the_largest_number_is_an_error_naming_the_objective() {
        let plan = plan();
        let huge = "50000000000000000000000000000";
        let rows = [
            ("A", "done", "2024-H1", huge),
            ("A", "done", "2024-H2", huge),
        ];
        let done = plan.indicator_id("done").unwrap();
        assert_eq!(
            feed(&plan, "2025-12-31", &rows, false).finish().err(),
            Some(TooLarge {
                objective: plan.objective_id("done-2025").unwrap(),
                indicator: Some(done),
            })
        );
        // Split between two threads, each sum fits; their sum does not.
        let mut first = feed(&plan, "2025-12-31", &rows[..1], false);
        let second = feed(&plan, "2025-12-31", &rows[1..], false);
        first.merge(second);
        assert_eq!(
            first.finish().err().map(|t| (t.objective, t.indicator)),
            Some((plan.objective_id("done-2025").unwrap(), Some(done)))
        );
        // One of the two alone adds up, but its share of the target
        // (× 100 / 15) is past the largest number: an error of judging.
        let one = feed(&plan, "2025-12-31", &rows[..1], false).finish();
        assert_eq!(one.err().map(|t| t.indicator), Some(None));
    }

    /// Two threads name the objective one thread names, the lowest of those
    /// whose sums pass the range, however their units fall in the tallies.
    #[test]
    fn threads_name_the_objective_one_thread_names() {
        let plan = plan();
        let huge = "50000000000000000000000000000";
        // A's 2026 counts only for `yearly-2027` (objective 2); B's 2024
        // for `done-2025` (0) too. A's slots come first in the tallies.
        let rows = [
            ("A", "done", "2026-H1", huge),
            ("B", "done", "2024-H1", huge),
            ("A", "done", "2026-H2", huge),
            ("B", "done", "2024-H2", huge),
        ];
        let one = feed(&plan, "2027-12-31", &rows, false).finish().err();
        assert_eq!(one.map(|t| t.objective), plan.objective_id("done-2025"));
        let mut first = feed(&plan, "2027-12-31", &rows[..2], false);
        first.merge(feed(&plan, "2027-12-31", &rows[2..], false));
        assert_eq!(first.finish().err(), one);
    }

    #[test]
    fn a_percent_past_the_largest_number_is_an_error_naming_the_objective() {
        // 8 × 10^26 fits, and `done-2025` is judged; as a percent of 1,
        // 8 × 10^28 does not.
        let plan = plan();
        let rows = [
            ("A", "done", "2024", "800000000000000000000000000"),
            ("A", "total", "2024", "1"),
        ];
        let err = feed(&plan, "2025-12-31", &rows, false).finish().err();
        assert_eq!(
            err,
            Some(TooLarge {
                objective: plan.objective_id("share-2025").unwrap(),
                indicator: None,
            })
        );
        let message = err.unwrap().message(&plan);
        assert!(
            message.get(crate::lang::Lang::En).starts_with(
                "objective `share-2025` cannot be judged: a figure worked out from its target and values passes 7.9 × 10^28"
            ),
            "{message:?}"
        );
    }
}
