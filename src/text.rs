//! Text as people type it: NFC or NFD, with or without diacritics, any
//! case. Used wherever input is matched against names (headers, levels).

use std::borrow::Cow;

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark, is_nfc_quick};

/// `s.trim()`, without walking it when it starts and ends with a visible
/// ASCII character: a report's cells, millions of them, mostly do.
pub fn trim(s: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x7f);
    if visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// The NFC form of `s`, borrowed when it already is NFC (the usual case).
pub fn nfc(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
}

/// A matching key: diacritics removed (`đ` becomes `d`), lower case, and
/// runs of spaces, `_` and `-` made one `-`. `Đơn vị` and `don_vi` give the
/// same key, `don-vi`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.trim().nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() || c == '_' || c == '-' {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push('-');
        }
        gap = false;
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_names_to_one_key() {
        assert_eq!(fold("Đơn vị"), "don-vi");
        assert_eq!(fold("don_vi"), "don-vi");
        assert_eq!(fold("  GHI  CHÚ "), "ghi-chu");
        assert_eq!(fold("Trung bình"), "trung-binh");
        assert_eq!(fold("Khá"), "kha");
        // NFD input (decomposed diacritics) folds the same way.
        assert_eq!(fold("Gia\u{301} tri\u{323}"), "gia-tri");
    }

    /// Tables measure cells with unicode-width (comfy-table does): the
    /// marks of NFD text must count for nothing, or columns would drift.
    #[test]
    fn decomposed_marks_have_no_width() {
        use unicode_width::UnicodeWidthStr;
        let composed = "Sở Khoa học và Công nghệ Đà Lạt";
        let decomposed: String = composed.nfd().collect();
        assert!(decomposed.chars().count() > composed.chars().count());
        assert_eq!(decomposed.width(), composed.width());
        assert_eq!(composed.width(), composed.chars().count());
    }

    #[test]
    fn normalises_to_nfc_only_when_needed() {
        assert!(matches!(nfc("Sở"), Cow::Borrowed(_)));
        for cell in [
            "12",
            " 12 ",
            "\u{a0}12\u{3000}",
            "\t",
            "",
            "Sở ",
            "x\u{85}",
            "\u{7f}",
        ] {
            assert_eq!(trim(cell), cell.trim(), "{cell:?}");
        }
        let decomposed = "So\u{31b}\u{309}";
        assert_eq!(nfc(decomposed), "Sở");
    }
}
