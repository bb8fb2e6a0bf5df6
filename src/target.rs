//! Targets as plans write them (`"15-20"`, `"> 60%"`, `"5-10 per year"`,
//! `">= kha"`, `"qualitative"`): the text of the plan file, parsed before the
//! model checks that a target fits its measure.

use std::fmt;

use rust_decimal::Decimal;

use crate::lang::Message;
use crate::msg;

/// A numeric goal: at least `low` (strictly more with `strict`), and for a
/// range an upper bound that, when exceeded, is still met but flagged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    pub low: Decimal,
    pub high: Option<Decimal>,
    pub strict: bool,
}

impl Bound {
    pub fn holds(&self, actual: Decimal) -> bool {
        if self.strict {
            actual > self.low
        } else {
            actual >= self.low
        }
    }

    pub fn exceeded(&self, actual: Decimal) -> bool {
        self.high.is_some_and(|high| actual > high)
    }
}

/// A target as written, before it is matched with its measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// A number or range; `percent` when written with `%`, `per_year` when
    /// it applies to every calendar year of the window.
    Number {
        bound: Bound,
        percent: bool,
        per_year: bool,
    },
    /// An ordinal level, by code.
    Level {
        code: String,
        strict: bool,
    },
    Qualitative,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot read target `{0}`; expected a number or range such as `15-20`, `>= 5`, `> 60%`, `2-3%`, `5-10 per year`, a level such as `>= kha`, or `qualitative`"
)]
pub struct TargetError(pub String);

impl TargetError {
    pub fn message(&self) -> Message {
        msg!(
            "cannot read target `{}`; expected a number or range such as `15-20`, `>= 5`, `> 60%`, `2-3%`, `5-10 per year`, a level such as `>= kha`, or `qualitative`",
            "không đọc được mức cần đạt `{}`; cần một số hoặc một khoảng như `15-20`, `>= 5`, `> 60%`, `2-3%`, `5-10 per year`, một mức như `>= kha`, hoặc `qualitative`",
            self.0
        )
    }
}

impl TargetSpec {
    pub fn parse(text: &str) -> Result<TargetSpec, TargetError> {
        let fail = || TargetError(text.to_string());
        let s = text.trim();
        if s.eq_ignore_ascii_case("qualitative") {
            return Ok(TargetSpec::Qualitative);
        }
        let (s, per_year) = strip_per_year(s);
        let (strict, s) = if let Some(rest) = s.strip_prefix(">=").or_else(|| s.strip_prefix('≥'))
        {
            (false, rest)
        } else if let Some(rest) = s.strip_prefix('>') {
            (true, rest)
        } else {
            (false, s)
        };
        let s = s.trim();
        if s.is_empty() {
            return Err(fail());
        }
        let (s, percent) = match s.strip_suffix('%') {
            Some(rest) => (rest.trim_end(), true),
            None => (s, false),
        };
        let number = |t: &str| -> Option<Decimal> {
            let t = t.trim().trim_end_matches('%').trim_end();
            let ok = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.');
            ok.then(|| t.parse().ok()).flatten()
        };
        let range = s.split_once(['-', '–']).filter(|_| !strict && s != "-");
        let bound = match range {
            Some((low, high)) => {
                let (low, high) = (
                    number(low).ok_or_else(fail)?,
                    number(high).ok_or_else(fail)?,
                );
                if high < low {
                    return Err(fail());
                }
                Bound {
                    low,
                    high: Some(high),
                    strict,
                }
            }
            None => match number(s) {
                Some(low) => Bound {
                    low,
                    high: None,
                    strict,
                },
                None if !percent && !per_year && is_code(s) => {
                    return Ok(TargetSpec::Level {
                        code: s.to_string(),
                        strict,
                    });
                }
                None => return Err(fail()),
            },
        };
        Ok(TargetSpec::Number {
            bound,
            percent,
            per_year,
        })
    }
}

fn strip_per_year(s: &str) -> (&str, bool) {
    for suffix in ["per year", "/year", "/ year", "a year"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            return (rest.trim_end(), true);
        }
    }
    (s, false)
}

fn is_code(s: &str) -> bool {
    s.starts_with(char::is_alphabetic)
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

impl fmt::Display for TargetSpec {
    /// The canonical written form, which `parse` reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSpec::Number {
                bound,
                percent,
                per_year,
            } => {
                let pct = if *percent { "%" } else { "" };
                match bound.high {
                    Some(high) => write!(f, "{}-{}{pct}", bound.low.normalize(), high.normalize())?,
                    None if bound.strict => write!(f, "> {}{pct}", bound.low.normalize())?,
                    None => write!(f, ">= {}{pct}", bound.low.normalize())?,
                }
                if *per_year {
                    write!(f, " per year")?;
                }
                Ok(())
            }
            TargetSpec::Level { code, strict } => {
                write!(f, "{} {code}", if *strict { ">" } else { ">=" })
            }
            TargetSpec::Qualitative => write!(f, "qualitative"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn number(
        low: &str,
        high: Option<&str>,
        strict: bool,
        percent: bool,
        per_year: bool,
    ) -> TargetSpec {
        TargetSpec::Number {
            bound: Bound {
                low: d(low),
                high: high.map(d),
                strict,
            },
            percent,
            per_year,
        }
    }

    #[test]
    fn reads_the_shapes_of_the_seed_plan() {
        let cases = [
            ("15-20", number("15", Some("20"), false, false, false)),
            ("15 – 20", number("15", Some("20"), false, false, false)),
            (">= 5", number("5", None, false, false, false)),
            ("≥ 5", number("5", None, false, false, false)),
            ("5", number("5", None, false, false, false)),
            ("100%", number("100", None, false, true, false)),
            (">= 60%", number("60", None, false, true, false)),
            ("> 60%", number("60", None, true, true, false)),
            ("2-3%", number("2", Some("3"), false, true, false)),
            ("2 - 3 %", number("2", Some("3"), false, true, false)),
            ("5-10 per year", number("5", Some("10"), false, false, true)),
            ("3/year", number("3", None, false, false, true)),
            ("2.5", number("2.5", None, false, false, false)),
        ];
        for (text, expected) in cases {
            assert_eq!(TargetSpec::parse(text), Ok(expected), "{text}");
        }
        assert_eq!(
            TargetSpec::parse(">= kha"),
            Ok(TargetSpec::Level {
                code: "kha".into(),
                strict: false
            })
        );
        assert_eq!(
            TargetSpec::parse("> muc-2"),
            Ok(TargetSpec::Level {
                code: "muc-2".into(),
                strict: true
            })
        );
        assert_eq!(
            TargetSpec::parse("Qualitative"),
            Ok(TargetSpec::Qualitative)
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in [
            "",
            ">",
            "20-15",
            "15-",
            "about 15",
            "<= 5",
            "5 per week",
            "-5",
            "60%%x",
            "> 5-10",
        ] {
            assert!(TargetSpec::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn displays_a_form_it_reads_back() {
        for text in [
            "15-20",
            ">= 5",
            "> 60%",
            "2-3%",
            "5-10 per year",
            ">= kha",
            "qualitative",
            ">= 2.5",
        ] {
            let spec = TargetSpec::parse(text).unwrap();
            assert_eq!(spec.to_string(), text);
            assert_eq!(TargetSpec::parse(&spec.to_string()).unwrap(), spec);
        }
    }

    #[test]
    fn a_bound_holds_strictly_or_not() {
        let at_least = Bound {
            low: d("60"),
            high: None,
            strict: false,
        };
        let above = Bound {
            strict: true,
            ..at_least
        };
        assert!(at_least.holds(d("60")));
        assert!(!above.holds(d("60")));
        assert!(above.holds(d("60.01")));
        let range = Bound {
            low: d("15"),
            high: Some(d("20")),
            strict: false,
        };
        assert!(range.exceeded(d("21")) && !range.exceeded(d("20")));
    }
}
