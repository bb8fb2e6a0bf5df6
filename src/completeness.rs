//! Reporting duty, pure: which reports each unit owes for each indicator
//! (one per period of the indicator's cadence, due the plan's `due_days`
//! after the period ends), and which of those came in, came late or are
//! missing at the as-of date. Observations stream in from `store::scan` as
//! they do for evaluation; memory holds four 12-bit masks per unit,
//! indicator and year, never the rows.
//!
//! The rules, as the README documents them:
//!
//! - owed: every period of the cadence that ends on or after the plan's
//!   start and on or before its last deadline, and whose due date (period
//!   end + `due_days`) is on or before the as-of date;
//! - reported: the unit's values for that indicator cover every month of
//!   the period: a value for the period itself, for a longer period holding
//!   it (the year covers its halves), or shorter ones that together fill it
//!   (both quarters of a half year, or its six months). A stock, level or
//!   assessment is a figure at a date, so a value dated at the period's end
//!   (`2025-Q2` or `2025-06` for `2025-H1`) also reports it;
//! - late: reported, but only with values received after the due date;
//!   a value whose received date is unknown is never called late.

use std::cmp::Reverse;
use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::input::plan_file::Cadence;
use crate::model::{IndicatorId, Observation, Plan, UnitId};
use crate::period::{Part, Period, day_number};

/// Where one owed report stands. Machine output uses `code()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mark {
    Reported,
    Late,
    Missing,
}

impl Mark {
    pub fn code(self) -> &'static str {
        match self {
            Mark::Reported => "reported",
            Mark::Late => "late",
            Mark::Missing => "missing",
        }
    }
}

/// How a cadence is written in the plan file and in machine output.
pub fn cadence_code(cadence: Cadence) -> &'static str {
    match cadence {
        Cadence::Year => "year",
        Cadence::HalfYear => "half-year",
        Cadence::Quarter => "quarter",
        Cadence::Month => "month",
    }
}

/// The periods of a cadence in one year, in order.
pub fn periods_of(cadence: Cadence, year: i16) -> Vec<Period> {
    match cadence {
        Cadence::Year => vec![Period::whole_year(year)],
        Cadence::HalfYear => (1..=2).map(|h| Period::half(year, h)).collect(),
        Cadence::Quarter => (1..=4).map(|q| Period::quarter(year, q)).collect(),
        Cadence::Month => (1..=12).map(|m| Period::month(year, m)).collect(),
    }
}

/// Whether `period` is one of the periods of `cadence`.
pub fn fits(cadence: Cadence, period: Period) -> bool {
    matches!(
        (cadence, period.part()),
        (Cadence::Year, Part::Year)
            | (Cadence::HalfYear, Part::Half(_))
            | (Cadence::Quarter, Part::Quarter(_))
            | (Cadence::Month, Part::Month(_))
    )
}

/// The indicators `unit` reports for `period`: those it is expected to
/// report whose cadence has such periods, in plan order. What its blank
/// template lists.
pub fn owed_in(plan: &Plan, unit: UnitId, period: Period) -> Vec<IndicatorId> {
    plan.indicators
        .iter()
        .enumerate()
        .filter(|(_, i)| i.reports(unit) && fits(i.cadence, period))
        .map(|(n, _)| IndicatorId(n as u32))
        .collect()
}

/// The day a report for `period` is due.
pub fn due_date(plan: &Plan, period: Period) -> Date {
    let end = period.end();
    end.checked_add(i64::from(plan.due_days).days())
        .unwrap_or(end)
}

/// Counts of owed reports and the reporting rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Reports owed by the as-of date.
    pub expected: u32,
    /// Reports in, late ones included.
    pub reported: u32,
    /// Of those, received after their due date.
    pub late: u32,
    pub missing: u32,
    /// `reported` over `expected`, in percent; `None` when nothing is owed.
    pub rate: Option<Decimal>,
}

impl Tally {
    fn count(&mut self, mark: Mark) {
        self.expected += 1;
        match mark {
            Mark::Reported => self.reported += 1,
            Mark::Late => {
                self.reported += 1;
                self.late += 1;
            }
            Mark::Missing => self.missing += 1,
        }
    }

    fn add(&mut self, other: &Tally) {
        self.expected += other.expected;
        self.reported += other.reported;
        self.late += other.late;
        self.missing += other.missing;
    }

    fn with_rate(mut self) -> Tally {
        self.rate = (self.expected > 0).then(|| {
            (Decimal::from(self.reported) * Decimal::ONE_HUNDRED / Decimal::from(self.expected))
                .round_dp(2)
        });
        self
    }
}

/// One unit's duty to report one indicator, and how it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duty {
    pub unit: UnitId,
    pub indicator: IndicatorId,
    pub cadence: Cadence,
    /// The mark of every owed period of the cadence, in time order
    /// (`Completeness::reports` pairs them with their periods): a byte
    /// each, so the matrix of thousands of units stays small.
    pub marks: Vec<Mark>,
    pub tally: Tally,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owed {
    pub period: Period,
    pub due: Date,
    pub mark: Mark,
}

/// Reports one unit has not sent for one period, grouped for a warning:
/// "SKHCN has not sent 2025-H1 for a, b (due 2025-07-15)".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overdue {
    pub unit: UnitId,
    pub period: Period,
    pub due: Date,
    /// Shared: where most units send nothing, thousands of (unit, period)
    /// owe the same list.
    pub indicators: Arc<[IndicatorId]>,
}

/// The reporting duty of a plan at one date: what the matrix, the rates
/// and the missing-report warnings show. Renderers only format this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completeness {
    pub as_of: Date,
    pub due_days: u16,
    /// Every period owed by some duty, ordered by end date, shorter first:
    /// the matrix's columns.
    pub periods: Vec<Period>,
    /// One per unit and indicator it must report, by unit then indicator
    /// in plan order.
    pub duties: Vec<Duty>,
    /// Per unit with a duty, in plan order.
    pub by_unit: Vec<(UnitId, Tally)>,
    /// Per indicator with a duty, in plan order.
    pub by_indicator: Vec<(IndicatorId, Tally)>,
    pub total: Tally,
    /// Missing reports, by unit and then period.
    pub overdue: Vec<Overdue>,
    /// The periods owed by the as-of date, with their due dates, for
    /// each cadence: the same for every duty of that cadence.
    owed: [Vec<(Period, Date)>; 4],
}

impl Completeness {
    /// A duty's owed reports, in time order (none after `finish_summary`).
    pub fn reports<'a>(&'a self, duty: &'a Duty) -> impl Iterator<Item = Owed> + 'a {
        let owed = &self.owed[cadence_index(duty.cadence)];
        owed.iter()
            .zip(&duty.marks)
            .map(|(&(period, due), &mark)| Owed { period, due, mark })
    }

    /// The tally of a unit that has a duty.
    pub fn unit_tally(&self, unit: UnitId) -> Option<&Tally> {
        let at = self.by_unit.binary_search_by_key(&unit, |(u, _)| *u).ok()?;
        Some(&self.by_unit[at].1)
    }

    /// The tally of an indicator that some unit must report.
    pub fn indicator_tally(&self, indicator: IndicatorId) -> Option<&Tally> {
        let at = self
            .by_indicator
            .binary_search_by_key(&indicator, |(i, _)| *i)
            .ok()?;
        Some(&self.by_indicator[at].1)
    }

    /// Whether no report at all is owed yet.
    pub fn nothing_due(&self) -> bool {
        self.total.expected == 0
    }
    /// Only the missing reports of these units and indicators (all when a
    /// list is empty): what `track report` warns about under its filters.
    pub fn overdue_for<'a>(
        &'a self,
        units: &'a [UnitId],
        indicators: Option<&'a [IndicatorId]>,
    ) -> impl Iterator<Item = Overdue> + 'a {
        self.overdue.iter().filter_map(move |o| {
            if !units.is_empty() && !units.contains(&o.unit) {
                return None;
            }
            let wanted = |i: &IndicatorId| indicators.is_none_or(|list| list.contains(i));
            let kept = if o.indicators.iter().all(wanted) {
                Arc::clone(&o.indicators)
            } else {
                o.indicators.iter().copied().filter(wanted).collect()
            };
            (!kept.is_empty()).then_some(Overdue {
                indicators: kept,
                ..*o
            })
        })
    }
}

/// Months of one year a unit's values cover (bit 0 = January).
#[derive(Clone, Copy, Debug, Default)]
struct Cover {
    /// Every month inside a reported period.
    months: u16,
    /// The month each reported period ends in.
    ends: u16,
    /// The same, counting only values received by the due date of the
    /// owed period the month belongs to.
    timely_months: u16,
    timely_ends: u16,
}

impl Cover {
    /// What one value of `period` covers, with the months and end of it
    /// reported in time.
    fn of(period: Period, (timely_months, timely_ends): (u16, u16)) -> Cover {
        Cover {
            months: period.month_mask(),
            ends: period.end_month_bit(),
            timely_months,
            timely_ends,
        }
    }

    #[inline(always)]
    fn add(&mut self, other: Cover) {
        self.months |= other.months;
        self.ends |= other.ends;
        self.timely_months |= other.timely_months;
        self.timely_ends |= other.timely_ends;
    }
}

/// A period, a cadence and a received day in one number, told apart from
/// another in one comparison, not five.
#[inline(always)]
fn timely_key(period: Period, cadence: u8, received: Date) -> u128 {
    let day = day_number(received) as u32;
    (u128::from(period.code()) << 64) | (u128::from(cadence) << 32) | u128::from(day)
}

/// Accumulates observations into who reported what, for one plan at one date.
pub struct Tracker<'p> {
    plan: &'p Plan,
    as_of: Date,
    /// By unit, a bit for each indicator it owes reports of (`owes`), and
    /// by indicator, its cadence's index: what each value asks, in a few
    /// lines of memory rather than in each value's indicator.
    owed: Vec<u64>,
    cadences: Vec<u8>,
    /// By `Observation::place` (unit, year of the plan and indicator): 8
    /// bytes each, dense, so a value costs an index, not a hash; values
    /// outside the plan's years owe and fill nothing.
    cover: Vec<Cover>,
    first_year: i16,
    /// By cadence, year of the plan and month, the month mask and due date
    /// of the period of the cadence that holds the month (the periods of a
    /// cadence partition the year): what a value's received date is held
    /// against, without a date computed for each value.
    dues: [Vec<[(u16, Date); 12]>; 4],
    /// The as-of date's year × 12 + month: a period starting in a later
    /// month starts after it.
    as_of_month: i32,
    /// The last value's period, cadence and received day (`timely_key`),
    /// and what it covered: a file's values share the day, and mostly the
    /// period and cadence, with the one before.
    last_timely: Option<(u128, Cover)>,
}

impl<'p> Tracker<'p> {
    pub fn new(plan: &'p Plan, as_of: Date) -> Tracker<'p> {
        // The years of `Plan::place`, which the values' places count in.
        let (first_year, years) = (plan.start.year(), plan.years());
        let dues = CADENCES.map(|cadence| {
            (0..years)
                .map(|y| {
                    let mut by_month = [(0, plan.start); 12];
                    for period in periods_of(cadence, first_year + y as i16) {
                        let (mask, due) = (period.month_mask(), due_date(plan, period));
                        for (month, owner) in by_month.iter_mut().enumerate() {
                            if mask & (1 << month) != 0 {
                                *owner = (mask, due);
                            }
                        }
                    }
                    by_month
                })
                .collect()
        });
        Tracker {
            plan,
            as_of,
            owed: owed(plan, &[], &[]),
            cadences: plan
                .indicators
                .iter()
                .map(|i| cadence_index(i.cadence) as u8)
                .collect(),
            cover: vec![Cover::default(); plan.places()],
            first_year,
            dues,
            as_of_month: i32::from(as_of.year()) * 12 + i32::from(as_of.month()),
            last_timely: None,
        }
    }

    /// Takes in what another tracker of the same plan and date (another
    /// thread's share of the files) recorded.
    pub fn merge(&mut self, other: Tracker) {
        for (mine, theirs) in self.cover.iter_mut().zip(other.cover) {
            mine.months |= theirs.months;
            mine.ends |= theirs.ends;
            mine.timely_months |= theirs.timely_months;
            mine.timely_ends |= theirs.timely_ends;
        }
    }

    /// Only these units' and indicators' duties (all when a list is empty).
    pub fn only(mut self, units: &[UnitId], indicators: &[IndicatorId]) -> Self {
        self.owed = owed(self.plan, units, indicators);
        self
    }

    /// Whether `unit` owes reports of `indicator`: it is expected to report
    /// it, and both are among those asked about.
    #[inline]
    fn owes(&self, unit: UnitId, indicator: IndicatorId) -> bool {
        let (word, bit) = owed_bit(self.plan, unit, indicator);
        self.owed.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Records a value and the day its file was received, if known. A
    /// value from a unit not expected to report the indicator (validation
    /// warned about it) is recorded too, where nothing reads it: `finish`
    /// looks only at what is owed. One test less for each value.
    #[inline]
    pub fn add(&mut self, obs: &Observation, received: Option<Date>) {
        // A period that starts after the as-of date covers no month of a
        // period owed by then (each ends by its due date, itself by the
        // as-of date): nothing to record. Most values of a store that runs
        // ahead of the as-of date, so this much is inline.
        let (year, (first, _)) = (obs.period.year(), obs.period.months());
        if i32::from(year) * 12 + i32::from(first) > self.as_of_month {
            return;
        }
        match received {
            // With no received date nothing is late: every month counts
            // as timely (the owed periods of a cadence partition the
            // year). Inline: no call for each value.
            None => {
                if let Some(cover) = self.cover.get_mut(obs.place as usize) {
                    let period = obs.period;
                    let timely = (period.month_mask(), period.end_month_bit());
                    cover.add(Cover::of(period, timely));
                }
            }
            Some(received) => self.add_received(obs, received),
        }
    }

    /// `add` of a value whose file's received date decides which of its
    /// months were reported in time.
    #[inline(never)]
    fn add_received(&mut self, obs: &Observation, received: Date) {
        let slot = obs.place as usize;
        if slot >= self.cover.len() {
            return;
        }
        let cadence = self.cadences[obs.indicator.0 as usize];
        let key = timely_key(obs.period, cadence, received);
        let cover = match self.last_timely {
            Some((k, cover)) if k == key => cover,
            _ => self.learn_timely(obs.period, cadence, received),
        };
        self.cover[slot].add(cover);
    }

    /// What a value of `period` covers, with the months reported by the
    /// due date of the owed period of `cadence` they belong to.
    #[cold]
    #[inline(never)]
    fn learn_timely(&mut self, period: Period, cadence: u8, received: Date) -> Cover {
        let months = period.month_mask();
        let end = period.end_month_bit();
        let mut timely = (0, 0);
        let year = (period.year() - self.first_year) as usize;
        let by_month = &self.dues[usize::from(cadence)][year];
        // Each owed period the value's months touch, once.
        let mut left = months;
        while left != 0 {
            let (mask, due) = by_month[left.trailing_zeros() as usize];
            if received <= due {
                timely.0 |= months & mask;
                timely.1 |= end & mask;
            }
            left &= !mask;
        }
        let cover = Cover::of(period, timely);
        self.last_timely = Some((timely_key(period, cadence, received), cover));
        cover
    }

    /// Marks every owed report and counts them.
    pub fn finish(self) -> Completeness {
        self.finish_with(true)
    }

    /// Like `finish`, without each duty's list of owed reports (the
    /// matrix): what `track report` and `track check` need, in memory that
    /// does not grow with the number of periods.
    pub fn finish_summary(self) -> Completeness {
        self.finish_with(false)
    }

    fn finish_with(self, matrix: bool) -> Completeness {
        let plan = self.plan;
        let mut overdue: Vec<Overdue> = Vec::new();
        // The periods owed by the as-of date, by cadence and year, with
        // their due date and masks: the same for every unit and indicator.
        let last = plan.last_deadline();
        let owed_in = |cadence: Cadence| -> Vec<OwedYear> {
            (plan.start.year()..=last.year())
                .map(|year| {
                    let owed = periods_of(cadence, year)
                        .into_iter()
                        .filter_map(|period| {
                            let due = due_date(plan, period);
                            let inside = period.end() >= plan.start && period.end() <= last;
                            (inside && due <= self.as_of)
                                .then(|| (period, due, period.month_mask(), period.end_month_bit()))
                        })
                        .collect::<Vec<_>>();
                    let every = owed.iter().fold(0, |all, &(_, _, mask, _)| all | mask);
                    (year, every, owed)
                })
                .collect()
        };
        let owed_by_cadence = CADENCES.map(owed_in);
        let owed_count = owed_by_cadence
            .each_ref()
            .map(|years| years.iter().map(|(_, _, owed)| owed.len()).sum::<usize>());
        // A duty for each owed unit and indicator: a bit each in `owed`.
        let mut duties =
            Vec::with_capacity(self.owed.iter().map(|w| w.count_ones() as usize).sum());
        // Most duties have the same counts (every report in): their rate
        // is worked out once, not with a division for each.
        let mut last_rate: Option<Tally> = None;
        let mut with_rate = |tally: Tally| match last_rate {
            Some(known) if (known.expected, known.reported) == (tally.expected, tally.reported) => {
                Tally {
                    rate: known.rate,
                    ..tally
                }
            }
            _ => *last_rate.insert(tally.with_rate()),
        };
        // The cadences some duty has: their periods are the matrix's columns.
        let mut used = [false; 4];
        // A unit's missing reports, by cadence and owed period: a unit's
        // duties are all judged in turn, so they are gathered here and
        // emptied per unit (keeping their room) rather than hashed by unit
        // and period.
        let mut missing: [Vec<Vec<IndicatorId>>; 4] = owed_count.map(|n| vec![Vec::new(); n]);
        // The list owed last: the next (unit, period) often owes the same.
        let mut last_owed: Option<Arc<[IndicatorId]>> = None;
        for (u, _) in plan.units.iter().enumerate() {
            let unit = UnitId(u as u32);
            for (i, indicator) in plan.indicators.iter().enumerate() {
                let id = IndicatorId(i as u32);
                if !self.owes(unit, id) {
                    continue;
                }
                let levels = !indicator.kind.adds_up();
                let cadence = cadence_index(indicator.cadence);
                used[cadence] = true;
                let mut duty = Duty {
                    unit,
                    indicator: id,
                    cadence: indicator.cadence,
                    marks: Vec::with_capacity(if matrix { owed_count[cadence] } else { 0 }),
                    tally: Tally::default(),
                };
                let mut nth = 0;
                for (year, every, owed) in &owed_by_cadence[cadence] {
                    let place = plan.place(unit, id, *year);
                    let cover = self.cover.get(place as usize).copied().unwrap_or_default();
                    // Every month owed in the year reported in time (the
                    // usual year of a complete store): each owed period is
                    // `Reported`, as the loop below would find one by one.
                    if cover.timely_months & every == *every {
                        let n = owed.len();
                        duty.tally.expected += n as u32;
                        duty.tally.reported += n as u32;
                        if matrix {
                            duty.marks.extend(std::iter::repeat_n(Mark::Reported, n));
                        }
                        nth += n;
                        continue;
                    }
                    for &(_, _, mask, end) in owed {
                        let covered = |months: u16, ends: u16| {
                            months & mask == mask || (levels && ends & end != 0)
                        };
                        let mark = if covered(cover.timely_months, cover.timely_ends) {
                            Mark::Reported
                        } else if covered(cover.months, cover.ends) {
                            Mark::Late
                        } else {
                            Mark::Missing
                        };
                        duty.tally.count(mark);
                        if matrix {
                            duty.marks.push(mark);
                        }
                        if mark == Mark::Missing {
                            missing[cadence][nth].push(id);
                        }
                        nth += 1;
                    }
                }
                duty.tally = with_rate(duty.tally);
                duties.push(duty);
            }
            // One warning names every indicator a unit owes for a period,
            // in plan order.
            for (cadence, periods) in missing.iter_mut().enumerate() {
                let owed = owed_by_cadence[cadence]
                    .iter()
                    .flat_map(|(_, _, owed)| owed);
                for (indicators, &(period, due, ..)) in periods.iter_mut().zip(owed) {
                    if !indicators.is_empty() {
                        let indicators_owed = match &last_owed {
                            Some(last) if **last == **indicators => Arc::clone(last),
                            _ => Arc::from(indicators.as_slice()),
                        };
                        last_owed = Some(Arc::clone(&indicators_owed));
                        overdue.push(Overdue {
                            unit,
                            period,
                            due,
                            indicators: indicators_owed,
                        });
                        indicators.clear();
                    }
                }
            }
        }
        let mut periods: Vec<Period> = (0..CADENCES.len())
            .filter(|&c| used[c])
            .flat_map(|c| owed_by_cadence[c].iter().flat_map(|(_, _, owed)| owed))
            .map(|&(period, ..)| period)
            .collect();
        periods.sort_by_key(|p| (p.end(), Reverse(p.start())));

        let mut by_unit: Vec<(UnitId, Tally)> = Vec::new();
        let mut of_indicator: Vec<Option<Tally>> = vec![None; plan.indicators.len()];
        let mut total = Tally::default();
        for duty in &duties {
            match by_unit.last_mut() {
                Some((u, t)) if *u == duty.unit => t.add(&duty.tally),
                _ => by_unit.push((duty.unit, duty.tally)),
            }
            match &mut of_indicator[duty.indicator.0 as usize] {
                Some(t) => t.add(&duty.tally),
                none => *none = Some(duty.tally),
            }
            total.add(&duty.tally);
        }
        let mut by_indicator: Vec<(IndicatorId, Tally)> = of_indicator
            .into_iter()
            .enumerate()
            .filter_map(|(i, t)| Some((IndicatorId(i as u32), t?)))
            .collect();
        let tallies = by_unit.iter_mut().map(|(_, t)| t);
        for t in tallies.chain(by_indicator.iter_mut().map(|(_, t)| t)) {
            *t = t.with_rate();
        }

        overdue.sort_by_key(|o| (o.unit, o.period.end(), Reverse(o.period.start())));

        Completeness {
            as_of: self.as_of,
            due_days: plan.due_days,
            periods,
            duties,
            by_unit,
            by_indicator,
            total: total.with_rate(),
            overdue,
            owed: owed_by_cadence.map(|years| {
                years
                    .into_iter()
                    .flat_map(|(_, _, owed)| owed)
                    .map(|(period, due, _, _)| (period, due))
                    .collect()
            }),
        }
    }
}

const CADENCES: [Cadence; 4] = [
    Cadence::Year,
    Cadence::HalfYear,
    Cadence::Quarter,
    Cadence::Month,
];

/// `Tracker::owed`: by unit, a bit for each indicator whose reports it
/// owes, among `units` and `indicators` (all when a list is empty).
fn owed(plan: &Plan, units: &[UnitId], indicators: &[IndicatorId]) -> Vec<u64> {
    let mut owed = vec![0; plan.units.len() * plan.indicators.len().div_ceil(64)];
    for (i, indicator) in plan.indicators.iter().enumerate() {
        let id = IndicatorId(i as u32);
        if !indicators.is_empty() && !indicators.contains(&id) {
            continue;
        }
        for &unit in &indicator.reporters {
            if units.is_empty() || units.contains(&unit) {
                let (word, bit) = owed_bit(plan, unit, id);
                owed[word] |= bit;
            }
        }
    }
    owed
}

/// Where `Tracker::owed` keeps whether `unit` owes `indicator`: the word
/// (a unit's words side by side) and the bit in it.
#[inline]
fn owed_bit(plan: &Plan, unit: UnitId, indicator: IndicatorId) -> (usize, u64) {
    let (words, i) = (plan.indicators.len().div_ceil(64), indicator.0 as usize);
    (unit.0 as usize * words + i / 64, 1 << (i % 64))
}

fn cadence_index(cadence: Cadence) -> usize {
    match cadence {
        Cadence::Year => 0,
        Cadence::HalfYear => 1,
        Cadence::Quarter => 2,
        Cadence::Month => 3,
    }
}

/// One year's owed periods: the months they cover together, and each with
/// its due date, month mask and end bit.
type OwedYear = (i16, u16, Vec<(Period, Date, u16, u16)>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{PLAN, plan_from};
    use crate::model::{Source, Value};

    /// The test plan with a quarterly `done` and a due time of 10 days.
    fn plan() -> Plan {
        let text = PLAN
            .replace(
                "start = 2024-01-01",
                "start = 2024-01-01\ndue_days = 10\ncadence = \"half-year\"",
            )
            .replace(
                "title_en = \"Things done\"",
                "title_en = \"Things done\"\ncadence = \"quarter\"",
            );
        plan_from(&text).unwrap()
    }

    /// Feeds `(unit, indicator, period, received)` and judges at `as_of`.
    fn run(plan: &Plan, as_of: &str, rows: &[(&str, &str, &str, Option<&str>)]) -> Completeness {
        let mut tracker = Tracker::new(plan, as_of.parse().unwrap());
        for (line, (unit, indicator, period, received)) in rows.iter().enumerate() {
            let (unit, indicator) = (
                plan.unit_id(unit).unwrap(),
                plan.indicator_id(indicator).unwrap(),
            );
            let period: Period = period.parse().unwrap();
            let obs = Observation {
                unit,
                indicator,
                period,
                value: Value::Number(Decimal::ONE),
                note_written: "",
                source: Source {
                    file: 0,
                    line: line as u32 + 2,
                },
                place: plan.place(unit, indicator, period.year()),
            };
            tracker.add(&obs, received.map(|r| r.parse().unwrap()));
        }
        tracker.finish()
    }

    fn marks(plan: &Plan, c: &Completeness, unit: &str, indicator: &str) -> Vec<(String, Mark)> {
        let (u, i) = (
            plan.unit_id(unit).unwrap(),
            plan.indicator_id(indicator).unwrap(),
        );
        let duty = c
            .duties
            .iter()
            .find(|d| d.unit == u && d.indicator == i)
            .unwrap();
        c.reports(duty)
            .map(|o| (o.period.to_string(), o.mark))
            .collect()
    }

    #[test]
    fn owes_the_periods_of_the_cadence_due_by_the_as_of_date() {
        let plan = plan();
        // 2024-Q3 is due 2024-10-10: owed on that day, not the day before.
        let c = run(&plan, "2024-10-10", &[]);
        let done: Vec<String> = marks(&plan, &c, "A", "done")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(done, ["2024-Q1", "2024-Q2", "2024-Q3"]);
        let total: Vec<String> = marks(&plan, &c, "B", "total")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(total, ["2024-H1"]);
        let c = run(&plan, "2024-10-09", &[]);
        assert_eq!(marks(&plan, &c, "A", "done").len(), 2);
        // Nothing is owed after the plan's last deadline (2030).
        let c = run(&plan, "2040-01-01", &[]);
        assert_eq!(marks(&plan, &c, "A", "grade").len(), 2 * 7);
        assert_eq!(
            c.periods.first().map(|p| p.to_string()),
            Some("2024-Q1".into())
        );
    }

    #[test]
    fn a_period_is_reported_by_itself_a_longer_period_or_shorter_ones_filling_it() {
        let plan = plan();
        let rows = [
            ("A", "total", "2024", None),    // the year covers both halves
            ("B", "total", "2024-Q1", None), // Q1 alone does not give H1's level
            ("B", "total", "2024-Q4", None), // but Q4 gives H2's (a level at its end)
            ("A", "done", "2024-H1", None),  // a flow's H1 covers Q1 and Q2
            ("A", "done", "2024-07", None),  // July alone is not Q3
            ("A", "done", "2024-08", None),
            ("A", "done", "2024-09", None), // now it is
            ("B", "done", "2024-12", None), // Q4 of a flow needs all three months
        ];
        let c = run(&plan, "2025-06-30", &rows);
        use Mark::*;
        let m = |unit, indicator| {
            marks(&plan, &c, unit, indicator)
                .into_iter()
                .filter(|(p, _)| p.starts_with("2024"))
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
        };
        assert_eq!(m("A", "total"), [Reported, Reported]);
        assert_eq!(m("B", "total"), [Missing, Reported]);
        assert_eq!(m("A", "done"), [Reported, Reported, Reported, Missing]);
        assert_eq!(m("B", "done"), [Missing, Missing, Missing, Missing]);
    }

    #[test]
    fn values_of_periods_that_start_after_the_as_of_date_change_nothing() {
        let plan = plan();
        // At 2024-10-10, 2024-Q3 is owed (due that day) and reported.
        let until = [
            ("A", "done", "2024-Q1", None),
            ("A", "done", "2024-Q3", Some("2024-10-10")),
            ("A", "done", "2024-10", None),
        ];
        let after = [
            ("A", "done", "2024-11", None),
            ("A", "done", "2024-Q4", Some("2024-10-11")),
            ("A", "done", "2025", None),
            ("B", "done", "2025-Q1", None),
        ];
        let all: Vec<_> = until.iter().chain(&after).copied().collect();
        let c = run(&plan, "2024-10-10", &all);
        assert_eq!(c, run(&plan, "2024-10-10", &until));
        use Mark::*;
        let done: Vec<Mark> = marks(&plan, &c, "A", "done")
            .into_iter()
            .map(|(_, m)| m)
            .collect();
        assert_eq!(done, [Reported, Missing, Reported]);
        // Due on its last day, the as-of date's own month is owed, and
        // its value (starting that month) recorded.
        let text = PLAN.replace(
            "start = 2024-01-01",
            "start = 2024-01-01\ndue_days = 0\ncadence = \"month\"",
        );
        let plan = plan_from(&text).unwrap();
        let c = run(&plan, "2024-10-31", &[("A", "done", "2024-10", None)]);
        let last = marks(&plan, &c, "A", "done").pop();
        assert_eq!(last, Some(("2024-10".to_string(), Reported)));
    }

    #[test]
    fn late_is_received_after_the_due_date_and_unknown_is_never_late() {
        let plan = plan();
        // 2024-H1 is due 2024-07-10, 2024-H2 2025-01-10.
        let rows = [
            ("A", "total", "2024-H1", Some("2024-07-10")),
            ("A", "total", "2024-H2", Some("2025-01-11")),
            ("B", "total", "2024-H1", None),
            // A year value sent in January covers H2 on time, H1 late.
            ("A", "grade", "2024", Some("2025-01-05")),
        ];
        let c = run(&plan, "2025-06-30", &rows);
        use Mark::*;
        let only_2024 = |v: Vec<(String, Mark)>| {
            v.into_iter()
                .filter(|(p, _)| p.starts_with("2024"))
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
        };
        assert_eq!(only_2024(marks(&plan, &c, "A", "total")), [Reported, Late]);
        assert_eq!(
            only_2024(marks(&plan, &c, "B", "total")),
            [Reported, Missing]
        );
        assert_eq!(only_2024(marks(&plan, &c, "A", "grade")), [Late, Reported]);
        // Late when an on-time quarter is completed by a late one.
        let c = run(
            &plan,
            "2024-12-31",
            &[
                ("A", "done", "2024-07", Some("2024-08-01")),
                ("A", "done", "2024-08", Some("2024-09-01")),
                ("A", "done", "2024-09", Some("2024-10-11")),
            ],
        );
        assert_eq!(marks(&plan, &c, "A", "done")[2], ("2024-Q3".into(), Late));
    }

    /// One row after another with the same period, as a file's rows come:
    /// what was on time for one is worked out anew when the cadence or the
    /// received day changes.
    #[test]
    fn lateness_follows_each_rows_cadence_and_received_day() {
        let plan = plan();
        // `total` is owed by half year (H1 due 2024-07-10), `done` by
        // quarter (Q1 due 2024-04-10, Q2 2024-07-10).
        let rows = [
            ("A", "total", "2024-H1", Some("2024-07-05")),
            ("A", "done", "2024-H1", Some("2024-07-05")),
            ("B", "done", "2024-H1", Some("2024-04-10")),
            ("B", "total", "2024-H1", Some("2024-07-11")),
        ];
        let c = run(&plan, "2025-06-30", &rows);
        use Mark::*;
        let first = |unit, indicator, n| {
            marks(&plan, &c, unit, indicator)
                .into_iter()
                .take(n)
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
        };
        assert_eq!(first("A", "total", 1), [Reported]);
        assert_eq!(first("A", "done", 2), [Late, Reported]);
        assert_eq!(first("B", "done", 2), [Reported, Reported]);
        assert_eq!(first("B", "total", 1), [Late]);
    }

    #[test]
    fn rates_are_reports_in_over_reports_owed() {
        let plan = plan();
        let rows = [
            ("A", "total", "2024-H1", Some("2024-08-01")), // late, still in
            ("A", "grade", "2024", None),
            ("A", "remark", "2024-H1", None),
        ];
        let c = run(&plan, "2025-01-10", &rows);
        let a = plan.unit_id("A").unwrap();
        let tally = c.by_unit.iter().find(|(u, _)| *u == a).unwrap().1;
        // A owes done ×4, total ×2, grade ×2, remark ×2 = 10; 4 are in
        // (the grade's year value reports both halves).
        assert_eq!(
            (tally.expected, tally.reported, tally.late, tally.missing),
            (10, 4, 1, 6)
        );
        assert_eq!(tally.rate, Some(Decimal::from(40)));
        let total = plan.indicator_id("total").unwrap();
        let t = c.by_indicator.iter().find(|(i, _)| *i == total).unwrap().1;
        assert_eq!((t.expected, t.reported), (4, 1));
        assert_eq!(t.rate, Some(Decimal::from(25)));
        assert_eq!(c.total.expected, 10 + 4 + 2);
        // Missing reports grouped by unit and period, for warnings.
        let first = &c.overdue[0];
        assert_eq!(
            (first.unit, first.period.to_string()),
            (a, "2024-Q1".into())
        );
        let h2: Vec<&str> = c
            .overdue
            .iter()
            .find(|o| o.unit == a && o.period.to_string() == "2024-H2")
            .unwrap()
            .indicators
            .iter()
            .map(|&i| plan.indicator(i).code.as_str())
            .collect();
        assert_eq!(h2, ["total", "remark"]);
    }

    #[test]
    fn values_of_units_not_expected_or_filtered_out_owe_nothing() {
        let plan = plan();
        let c = run(&plan, "2024-07-10", &[("B", "grade", "2024-H1", None)]);
        let b = plan.unit_id("B").unwrap();
        assert!(
            c.duties
                .iter()
                .all(|d| d.unit != b || plan.indicator(d.indicator).code != "grade")
        );
        let only_b = Tracker::new(&plan, "2024-07-10".parse().unwrap())
            .only(&[b], &[])
            .finish();
        assert!(only_b.duties.iter().all(|d| d.unit == b));
        assert_eq!(only_b.by_unit.len(), 1);
    }
}
