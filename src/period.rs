//! Reporting periods (`2025`, `2025-H1`, `2025-Q3`, `2025-07`) and the dates
//! they span: the time axis shared by input, evaluation and output.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

use crate::lang::Message;
use crate::msg;

/// A calendar-aligned reporting period. A value counts at its period's end.
///
/// Kept as its year and the months it covers (bit 0 = January): what the
/// stages of a report ask of each of millions of values (the months, the
/// last month, the year, whether two are the same) is then a bit operation
/// or two, not a decoding of the period's form. `part` gives the form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    year: i16,
    /// Contiguous and non-empty: one of the forms of `Part`.
    months: u16,
}

/// What a period is within its year: the forms of SPEC section 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Year,
    Half(u8),
    Quarter(u8),
    Month(u8),
}

/// Why a period could not be read; the message names the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a period such as `2025`, `2025-H1`, `2025-Q3` or `2025-07`")]
pub struct PeriodError;

impl PeriodError {
    /// "cannot read period `…`; expected a period such as …", in both
    /// languages, for the period as `written`.
    pub fn message(&self, written: &str) -> Message {
        let written = written.trim();
        msg!(
            "cannot read period `{written}`; expected a period such as `2025`, `2025-H1`, `2025-Q3` or `2025-07`",
            "không đọc được kỳ báo cáo `{written}`; cần một kỳ như `2025`, `2025-H1`, `2025-Q3` hoặc `2025-07`"
        )
    }
}

impl Period {
    /// `part` of `year`; `None` for a number the form has not (a third half).
    pub fn new(year: i16, part: Part) -> Option<Period> {
        let (number, count) = match part {
            Part::Year => (1, 1),
            Part::Half(h) => (h, 2),
            Part::Quarter(q) => (q, 4),
            Part::Month(m) => (m, 12),
        };
        if !(1..=count).contains(&number) {
            return None;
        }
        let width = 12 / u16::from(count);
        let months = ((1 << width) - 1) << (width * u16::from(number - 1));
        Some(Period { year, months })
    }

    /// The whole of `year`.
    pub fn whole_year(year: i16) -> Period {
        Period {
            year,
            months: 0x0fff,
        }
    }

    /// Half `h` (1 or 2) of `year`; panics on another number.
    pub fn half(year: i16, h: u8) -> Period {
        Period::new(year, Part::Half(h)).expect("a half is 1 or 2")
    }

    /// Quarter `q` (1 to 4) of `year`; panics on another number.
    pub fn quarter(year: i16, q: u8) -> Period {
        Period::new(year, Part::Quarter(q)).expect("a quarter is 1 to 4")
    }

    /// Month `m` (1 to 12) of `year`; panics on another number.
    pub fn month(year: i16, m: u8) -> Period {
        Period::new(year, Part::Month(m)).expect("a month is 1 to 12")
    }

    #[inline]
    pub fn year(self) -> i16 {
        self.year
    }

    /// The period in one word: equal exactly when the periods are.
    #[inline]
    pub fn code(self) -> u32 {
        (u32::from(self.year as u16) << 16) | u32::from(self.months)
    }

    /// Which part of its year the period is.
    pub fn part(self) -> Part {
        let first = self.months.trailing_zeros() as u8;
        match self.months.count_ones() {
            12 => Part::Year,
            6 => Part::Half(first / 6 + 1),
            3 => Part::Quarter(first / 3 + 1),
            _ => Part::Month(first + 1),
        }
    }

    /// First and last month (1-12) the period covers.
    #[inline]
    pub fn months(self) -> (u8, u8) {
        (
            self.months.trailing_zeros() as u8 + 1,
            16 - self.months.leading_zeros() as u8,
        )
    }

    /// The months covered as a 12-bit mask (bit 0 = January), so that two
    /// periods of the same year overlap exactly when their masks intersect.
    #[inline]
    pub fn month_mask(self) -> u16 {
        self.months
    }

    /// The last month's bit of `month_mask`.
    #[inline]
    pub fn end_month_bit(self) -> u16 {
        1 << (15 - self.months.leading_zeros())
    }

    pub fn start(self) -> Date {
        let (first, _) = self.months();
        Date::new(self.year(), first as i8, 1).expect("period months are valid")
    }

    pub fn end(self) -> Date {
        let (_, last) = self.months();
        Date::new(self.year(), last as i8, 1)
            .expect("period months are valid")
            .last_of_month()
    }

    pub fn overlaps(self, other: Period) -> bool {
        self.year() == other.year() && self.month_mask() & other.month_mask() != 0
    }

    /// The order periods always had: by form (years, halves, quarters,
    /// months), then by year, then within the year.
    fn order(self) -> (u32, i16, u32) {
        (
            12 - self.months.count_ones(),
            self.year,
            self.months.trailing_zeros(),
        )
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Period) -> std::cmp::Ordering {
        self.order().cmp(&other.order())
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Period) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// As the form's name and numbers: `Month(2025, 7)`.
impl fmt::Debug for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let y = self.year;
        match self.part() {
            Part::Year => write!(f, "Year({y})"),
            Part::Half(h) => write!(f, "Half({y}, {h})"),
            Part::Quarter(q) => write!(f, "Quarter({y}, {q})"),
            Part::Month(m) => write!(f, "Month({y}, {m})"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    /// Accepts the forms of SPEC section 2, case-insensitive, surrounding
    /// whitespace ignored. Years outside 1900-2999 are refused as typos.
    fn from_str(s: &str) -> Result<Period, PeriodError> {
        let s = s.trim();
        month_of(s).map_or_else(|| parse_general(s), Ok)
    }
}

/// The usual form, `2025-07`, read without the general path's splitting
/// and parsing (a report's period changes every few dozen rows, over
/// millions); `None` for anything else, valid or not.
#[inline]
fn month_of(s: &str) -> Option<Period> {
    let &[y0, y1, y2, y3, b'-', m0, m1] = s.as_bytes() else {
        return None;
    };
    let mut year = 0i16;
    for b in [y0, y1, y2, y3] {
        year = year * 10 + i16::from(digit(b)?);
    }
    let month = digit(m0)? * 10 + digit(m1)?;
    ((1900..=2999).contains(&year) && (1..=12).contains(&month)).then(|| Period::month(year, month))
}

fn digit(b: u8) -> Option<u8> {
    b.is_ascii_digit().then(|| b - b'0')
}

/// `Period::from_str` of a trimmed text, in every form.
fn parse_general(s: &str) -> Result<Period, PeriodError> {
    let (year, rest) = match s.split_once('-') {
        Some((y, r)) => (y, Some(r)),
        None => (s, None),
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PeriodError);
    }
    let year: i16 = year.parse().map_err(|_| PeriodError)?;
    if !(1900..=2999).contains(&year) {
        return Err(PeriodError);
    }
    let Some(rest) = rest else {
        return Ok(Period::whole_year(year));
    };
    let number = |digits: &str, max: u8| -> Result<u8, PeriodError> {
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PeriodError);
        }
        let n: u8 = digits.parse().map_err(|_| PeriodError)?;
        if (1..=max).contains(&n) {
            Ok(n)
        } else {
            Err(PeriodError)
        }
    };
    match rest.as_bytes().first() {
        Some(b'H' | b'h') => Ok(Period::half(year, number(&rest[1..], 2)?)),
        Some(b'Q' | b'q') => Ok(Period::quarter(year, number(&rest[1..], 4)?)),
        Some(b'0'..=b'9') if rest.len() == 2 => Ok(Period::month(year, number(rest, 12)?)),
        _ => Err(PeriodError),
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let y = self.year;
        match self.part() {
            Part::Year => write!(f, "{y}"),
            Part::Half(h) => write!(f, "{y}-H{h}"),
            Part::Quarter(q) => write!(f, "{y}-Q{q}"),
            Part::Month(m) => write!(f, "{y}-{m:02}"),
        }
    }
}

/// Reads an as-of argument: a date (`2025-12-31`) or a period, meaning its
/// last day (`2025-Q4`, `2025`).
pub fn parse_as_of(s: &str) -> Result<Date, Message> {
    let s = s.trim();
    if let Ok(date) = s.parse::<Date>() {
        return Ok(date);
    }
    s.parse::<Period>().map(Period::end).map_err(|_| {
        msg!(
            "`{s}` is not a date or a period; expected `2025-12-31`, `2025-Q4`, `2025-H2`, `2025-07` or `2025`",
            "`{s}` không phải là một ngày hay một kỳ báo cáo; cần `2025-12-31`, `2025-Q4`, `2025-H2`, `2025-07` hoặc `2025`"
        )
    })
}

/// A date as a number that orders as dates do (year × 512 + month × 32 +
/// day), compared without jiff's field by field comparison, for each value
/// of millions.
#[inline]
pub fn day_number(date: Date) -> i32 {
    i32::from(date.year()) * 512 + i32::from(date.month()) * 32 + i32::from(date.day())
}

/// Whole days from `from` to `to`, both included (0 when `to` is before `from`).
pub fn days_inclusive(from: Date, to: Date) -> i64 {
    if to < from {
        return 0;
    }
    let span = from.until(to).expect("dates in range");
    i64::from(span.get_days()) + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn day_numbers_order_as_dates_do() {
        let mut dates = Vec::new();
        let mut date = Date::constant(-3, 11, 20);
        while date < Date::constant(3, 2, 10) {
            dates.push(date);
            date = date.tomorrow().expect("a day after");
        }
        for year in [1999, 2000, 2024, 2025, 2030, 9999] {
            for (month, d) in [(1, 1), (2, 28), (2, 29), (12, 31)] {
                dates.extend(Date::new(year, month, d).ok());
            }
        }
        for a in &dates {
            for b in dates.iter().step_by(7) {
                assert_eq!(day_number(*a).cmp(&day_number(*b)), a.cmp(b), "{a} {b}");
            }
        }
    }

    /// The fast path for `2025-07` reads what the general path reads, and
    /// leaves to it everything else of that shape.
    #[test]
    fn the_usual_month_reads_as_the_general_path_does() {
        let mut texts = Vec::new();
        for year in ["1899", "1900", "2025", "2999", "3000", "0000", "20x5"] {
            for month in ["00", "01", "07", "09", "10", "12", "13", "99", "1a", "-1"] {
                texts.push(format!("{year}-{month}"));
            }
        }
        for text in &texts {
            assert_eq!(
                month_of(text).ok_or(PeriodError),
                parse_general(text),
                "{text}"
            );
        }
        assert_eq!(month_of("2025-Q3"), None);
        assert_eq!("2025-07".parse(), Ok(Period::month(2025, 7)));
        assert_eq!(" 2025-07 ".parse(), Ok(Period::month(2025, 7)));
    }

    #[test]
    fn parses_every_form_and_spans_its_dates() {
        let cases = [
            ("2025", date(2025, 1, 1), date(2025, 12, 31)),
            ("2025-H1", date(2025, 1, 1), date(2025, 6, 30)),
            ("2024-h2", date(2024, 7, 1), date(2024, 12, 31)),
            ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
            ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30)),
            ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
            (" 2025-12 ", date(2025, 12, 1), date(2025, 12, 31)),
        ];
        for (text, start, end) in cases {
            let p: Period = text.parse().unwrap();
            assert_eq!((p.start(), p.end()), (start, end), "{text}");
        }
    }

    /// Every period of a year covers the months the calendar gives it.
    #[test]
    fn every_period_covers_its_months() {
        assert_eq!(Period::whole_year(2025).months(), (1, 12));
        assert_eq!(Period::half(2025, 1).months(), (1, 6));
        assert_eq!(Period::half(2025, 2).months(), (7, 12));
        for q in 1..=4 {
            assert_eq!(Period::quarter(2025, q).months(), (q * 3 - 2, q * 3));
        }
        for m in 1..=12 {
            assert_eq!(Period::month(2025, m).months(), (m, m));
        }
        assert_eq!(Period::quarter(2025, 3).month_mask(), 0b0001_1100_0000);
    }

    /// Every form made from its part gives that part back; periods order
    /// by form, then year, then place in the year (as they always did);
    /// the last month's bit is the mask's highest; a number the form has
    /// not makes no period.
    #[test]
    fn a_period_is_its_part_and_orders_by_form_year_and_place() {
        let parts = |count: u8, form: fn(u8) -> Part| (1..=count).map(form);
        let mut made = Vec::new();
        for (count, form) in [
            (1, (|_| Part::Year) as fn(u8) -> Part),
            (2, Part::Half),
            (4, Part::Quarter),
            (12, Part::Month),
        ] {
            for year in [2024, 2025] {
                for part in parts(count, form) {
                    let period = Period::new(year, part).unwrap();
                    assert_eq!(period.part(), part);
                    assert_eq!(period.year(), year);
                    let (_, last) = period.months();
                    assert_eq!(period.end_month_bit(), 1 << (last - 1), "{period}");
                    assert_eq!(period.to_string().parse::<Period>(), Ok(period));
                    made.push(period);
                }
            }
        }
        let mut sorted = made.clone();
        sorted.sort();
        assert_eq!(sorted, made);
        assert_eq!(format!("{:?}", Period::month(2025, 7)), "Month(2025, 7)");
        for part in [
            Part::Half(0),
            Part::Half(3),
            Part::Quarter(5),
            Part::Month(13),
        ] {
            assert_eq!(Period::new(2025, part), None, "{part:?}");
        }
    }

    #[test]
    fn refuses_malformed_periods() {
        for bad in [
            "", "25", "2025-H3", "2025-Q0", "2025-13", "2025-7", "2025/07", "Q1-2025", "2025-Q1x",
            "0999",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn displays_canonically() {
        for text in ["2025", "2025-H2", "2025-Q4", "2025-07"] {
            assert_eq!(text.parse::<Period>().unwrap().to_string(), text);
        }
        assert_eq!("2025-q1".parse::<Period>().unwrap().to_string(), "2025-Q1");
    }

    #[test]
    fn overlap_is_by_months_within_a_year() {
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert!(p("2025").overlaps(p("2025-Q1")));
        assert!(p("2025-H1").overlaps(p("2025-06")));
        assert!(!p("2025-H1").overlaps(p("2025-Q3")));
        assert!(!p("2025").overlaps(p("2024-Q4")));
        assert_eq!(p("2025").month_mask(), 0x0fff);
        assert_eq!(p("2025-Q2").month_mask(), 0b111000);
    }

    #[test]
    fn as_of_takes_a_date_or_a_period_end() {
        assert_eq!(parse_as_of("2025-12-31").unwrap(), date(2025, 12, 31));
        assert_eq!(parse_as_of("2025-Q2").unwrap(), date(2025, 6, 30));
        assert_eq!(parse_as_of("2024").unwrap(), date(2024, 12, 31));
        assert!(
            parse_as_of("yesterday")
                .unwrap_err()
                .en()
                .contains("`yesterday`")
        );
    }

    #[test]
    fn counts_days_inclusively() {
        assert_eq!(days_inclusive(date(2024, 1, 1), date(2024, 12, 31)), 366);
        assert_eq!(days_inclusive(date(2024, 1, 1), date(2025, 12, 31)), 731);
        assert_eq!(days_inclusive(date(2024, 1, 1), date(2024, 1, 1)), 1);
        assert_eq!(days_inclusive(date(2024, 1, 2), date(2024, 1, 1)), 0);
    }
}
