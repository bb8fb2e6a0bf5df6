//! Reporting periods (`2025`, `2025-H1`, `2025-Q3`, `2025-07`) and the dates
//! they span: the time axis shared by input, evaluation and output.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

use crate::lang::Message;
use crate::msg;

/// A calendar-aligned reporting period. A value counts at its period's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i16),
    Half(i16, u8),
    Quarter(i16, u8),
    Month(i16, u8),
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
    pub fn year(self) -> i16 {
        match self {
            Period::Year(y) | Period::Half(y, _) | Period::Quarter(y, _) | Period::Month(y, _) => y,
        }
    }

    /// First and last month (1-12) the period covers.
    pub fn months(self) -> (u8, u8) {
        match self {
            Period::Year(_) => (1, 12),
            Period::Half(_, h) => (h * 6 - 5, h * 6),
            Period::Quarter(_, q) => (q * 3 - 2, q * 3),
            Period::Month(_, m) => (m, m),
        }
    }

    /// The months covered as a 12-bit mask (bit 0 = January), so that two
    /// periods of the same year overlap exactly when their masks intersect.
    pub fn month_mask(self) -> u16 {
        let (first, last) = self.months();
        let width = u16::from(last - first + 1);
        ((1u16 << width) - 1) << (first - 1)
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
}

impl FromStr for Period {
    type Err = PeriodError;

    /// Accepts the forms of SPEC section 2, case-insensitive, surrounding
    /// whitespace ignored. Years outside 1900-2999 are refused as typos.
    fn from_str(s: &str) -> Result<Period, PeriodError> {
        let s = s.trim();
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
            return Ok(Period::Year(year));
        };
        let number = |digits: &str, max: u8| -> Result<u8, PeriodError> {
            if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
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
            Some(b'H' | b'h') => Ok(Period::Half(year, number(&rest[1..], 2)?)),
            Some(b'Q' | b'q') => Ok(Period::Quarter(year, number(&rest[1..], 4)?)),
            Some(b'0'..=b'9') if rest.len() == 2 => Ok(Period::Month(year, number(rest, 12)?)),
            _ => Err(PeriodError),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Half(y, h) => write!(f, "{y}-H{h}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
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
        assert_eq!(Period::Year(2025).months(), (1, 12));
        assert_eq!(Period::Half(2025, 1).months(), (1, 6));
        assert_eq!(Period::Half(2025, 2).months(), (7, 12));
        for q in 1..=4 {
            assert_eq!(Period::Quarter(2025, q).months(), (q * 3 - 2, q * 3));
        }
        for m in 1..=12 {
            assert_eq!(Period::Month(2025, m).months(), (m, m));
        }
        assert_eq!(Period::Quarter(2025, 3).month_mask(), 0b0001_1100_0000);
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
