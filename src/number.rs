//! Reading numbers as offices write them (`4`, `12.5`, `12,5`) without ever
//! guessing: a number that could be read two ways is an error that says so.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::lang::Message;

/// Which mark a file uses for decimals. Files delimited by `;` or tab come
/// from locales (Vietnamese among them) that write `1,5`; comma-delimited
/// files write `1.5`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    fn char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }
}

/// Why a value is not a number we can trust.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("the value is empty; expected a number")]
    Empty,
    #[error("`{0}` is not a number; expected one such as `4` or `12.5`")]
    NotANumber(String),
    #[error(
        "`{text}` is ambiguous: it reads as {grouped} with `{mark}` as a thousands separator, or as {decimal}; write it without thousands separators"
    )]
    Ambiguous {
        text: String,
        mark: char,
        grouped: String,
        decimal: String,
    },
    #[error("`{0}` has thousands separators; write the number without them, like `{1}`")]
    Grouped(String, String),
    #[error("`{0}` is too large: track holds numbers up to about 7.9 × 10^28")]
    TooLarge(String),
}

impl NumberError {
    /// Why, in both languages (`Display` is the English).
    pub fn message(&self) -> Message {
        let en = self.to_string();
        let vi = match self {
            NumberError::Empty => "giá trị để trống; cần một số".to_string(),
            NumberError::NotANumber(text) => {
                format!("`{text}` không phải là số; cần một số như `4` hoặc `12.5`")
            }
            NumberError::Ambiguous {
                text,
                mark,
                grouped,
                decimal,
            } => format!(
                "`{text}` có thể hiểu theo hai cách: {grouped} nếu `{mark}` là dấu phân cách hàng nghìn, hoặc {decimal}; \
                 hãy viết số không có dấu phân cách hàng nghìn"
            ),
            NumberError::Grouped(text, plain) => format!(
                "`{text}` có dấu phân cách hàng nghìn; hãy viết số không có dấu này, như `{plain}`"
            ),
            NumberError::TooLarge(text) => {
                format!("`{text}` quá lớn: track chỉ lưu được số đến khoảng 7,9 × 10^28")
            }
        };
        Message::new(en, vi)
    }
}

/// Reads a number written with `mark` as the decimal mark. The other mark is
/// also taken as a decimal mark when it cannot be a thousands separator
/// (`2.5` in a `;` file); when it could (`1.234`), the value is refused.
#[inline]
pub fn parse_number(text: &str, mark: DecimalMark) -> Result<Decimal, NumberError> {
    let s = crate::text::trim(text);
    match whole_trimmed(s) {
        Some(n) => Ok(n),
        None => parse_general(s, mark),
    }
}

/// `parse_number`'s answer for the usual case, a whole number of 18 digits
/// or fewer (which cannot overflow a u64) in a trimmed text, read without
/// the general path's work; `None` for anything else.
#[inline]
pub fn whole_trimmed(s: &str) -> Option<Decimal> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    // Checked and added up in one pass.
    let mut n = 0u64;
    for b in s.bytes() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u64::from(digit);
    }
    Some(Decimal::from(n))
}

/// `parse_number` of a trimmed text that is not a short whole number.
#[inline(never)]
fn parse_general(s: &str, mark: DecimalMark) -> Result<Decimal, NumberError> {
    if s.is_empty() {
        return Err(NumberError::Empty);
    }
    let not_a_number = || NumberError::NotANumber(s.to_string());
    let (sign, digits) = match s.as_bytes()[0] {
        b'-' => ("-", &s[1..]),
        b'+' => ("", &s[1..]),
        _ => ("", s),
    };
    let separators: Vec<(usize, char)> = digits
        .char_indices()
        .filter(|&(_, c)| c == '.' || c == ',')
        .collect();
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(not_a_number());
    }
    let canonical = match separators.as_slice() {
        [] => digits.to_string(),
        [(at, sep)] => {
            let (whole, fraction) = (&digits[..*at], &digits[at + 1..]);
            if whole.is_empty() || fraction.is_empty() {
                return Err(not_a_number());
            }
            let could_group = fraction.len() == 3 && whole.len() <= 3 && whole != "0";
            if *sep != mark.char() && could_group {
                return Err(NumberError::Ambiguous {
                    text: s.to_string(),
                    mark: *sep,
                    grouped: format!("{sign}{whole}{fraction}"),
                    decimal: format!("{sign}{whole}.{fraction}"),
                });
            }
            format!("{whole}.{fraction}")
        }
        [.., (last_at, last)] => {
            // `1.234.567,5` in a `;` file: grouped thousands, then the
            // decimal mark; the suggestion keeps the decimals.
            let grouped_then_decimal = *last == mark.char()
                && separators[..separators.len() - 1]
                    .iter()
                    .all(|&(_, c)| c != mark.char());
            let whole: String = digits[..*last_at]
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let plain = if grouped_then_decimal {
                format!("{sign}{whole}{}{}", mark.char(), &digits[last_at + 1..])
            } else {
                let all: String = digits.chars().filter(char::is_ascii_digit).collect();
                format!("{sign}{all}")
            };
            return Err(NumberError::Grouped(s.to_string(), plain));
        }
    };
    // Digits with at most one decimal mark: only its size can fail.
    Decimal::from_str(&format!("{sign}{canonical}"))
        .map_err(|_| NumberError::TooLarge(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn past_the_largest_decimal_is_too_large_not_unreadable() {
        let largest = "79228162514264337593543950335";
        assert_eq!(parse_number(largest, DecimalMark::Point), Ok(dec(largest)));
        for text in [
            "79228162514264337593543950336",
            "-1234567890123456789012345678901.5",
        ] {
            let err = parse_number(text, DecimalMark::Point).unwrap_err();
            assert_eq!(err, NumberError::TooLarge(text.to_string()));
            assert_eq!(
                err.to_string(),
                format!("`{text}` is too large: track holds numbers up to about 7.9 × 10^28")
            );
        }
    }

    #[test]
    fn reads_plain_and_decimal_numbers() {
        assert_eq!(parse_number("4", DecimalMark::Point), Ok(dec("4")));
        assert_eq!(parse_number(" 12.5 ", DecimalMark::Point), Ok(dec("12.5")));
        assert_eq!(parse_number("12,5", DecimalMark::Comma), Ok(dec("12.5")));
        assert_eq!(parse_number("+3", DecimalMark::Point), Ok(dec("3")));
        assert_eq!(parse_number("-3", DecimalMark::Point), Ok(dec("-3")));
        assert_eq!(parse_number("0,125", DecimalMark::Point), Ok(dec("0.125")));
    }

    #[test]
    fn the_other_mark_is_a_decimal_only_when_it_cannot_group() {
        assert_eq!(parse_number("2.5", DecimalMark::Comma), Ok(dec("2.5")));
        assert_eq!(parse_number("1,5", DecimalMark::Point), Ok(dec("1.5")));
        assert_eq!(
            parse_number("1234.5", DecimalMark::Comma),
            Ok(dec("1234.5"))
        );
        assert_eq!(parse_number("1,234", DecimalMark::Comma), Ok(dec("1.234")));
        assert_eq!(parse_number("1.234", DecimalMark::Point), Ok(dec("1.234")));
        let err = parse_number("1.234", DecimalMark::Comma).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`1.234` is ambiguous: it reads as 1234 with `.` as a thousands separator, or as 1.234; write it without thousands separators"
        );
        assert!(matches!(
            parse_number("1,234", DecimalMark::Point),
            Err(NumberError::Ambiguous { .. })
        ));
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for bad in [
            "", "  ", "abc", "12a", "1 234", "60%", "1e3", ".5", "5.", "--1", "½",
        ] {
            assert!(parse_number(bad, DecimalMark::Point).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_number("1.234.567", DecimalMark::Comma),
            Err(NumberError::Grouped("1.234.567".into(), "1234567".into()))
        );
        assert!(matches!(
            parse_number("1.234,5", DecimalMark::Comma),
            Err(NumberError::Grouped(..))
        ));
        // The suggestion keeps a decimal part written with the file's mark.
        assert_eq!(
            parse_number("1.234.567,5", DecimalMark::Comma),
            Err(NumberError::Grouped(
                "1.234.567,5".into(),
                "1234567,5".into()
            ))
        );
        assert_eq!(
            parse_number("-1,234,567.25", DecimalMark::Point),
            Err(NumberError::Grouped(
                "-1,234,567.25".into(),
                "-1234567.25".into()
            ))
        );
    }

    proptest::proptest! {
        /// The shortcut reads what it takes as the general path does, and
        /// takes every whole number of up to 18 digits.
        #[test]
        fn whole_reads_as_the_general_path(s in "[0-9]{0,20}|[0-9 a./,:+-]{0,6}") {
            let general = parse_general(&s, DecimalMark::Point);
            match whole_trimmed(&s) {
                Some(n) => {
                    let g = general.expect("read by both");
                    proptest::prop_assert_eq!((n, n.scale()), (g, g.scale()));
                }
                None => proptest::prop_assert!(
                    s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit())
                ),
            }
        }
    }
}
