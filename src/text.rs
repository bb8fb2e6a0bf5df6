//! Text as people type it: NFC or NFD, with or without diacritics, any
//! case. Used wherever input is matched against names (headers, levels).

use std::borrow::Cow;

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark, is_nfc_quick};

/// `s.trim()`, without walking it when it starts and ends with a visible
/// character: a report's cells, millions of them, mostly do (ASCII looked
/// at here; other letters by `trim_letters`).
#[inline]
pub fn trim(s: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x7f);
    if s.is_empty() || visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        return s;
    }
    trim_letters(s)
}

/// `trim` of a text that starts or ends with something other than visible
/// ASCII, out of line so that the usual cell's `trim` stays inline. A
/// Vietnamese note's first and last letters are told from their first and
/// last bytes (see `STARTS_SHOWN`, `ENDS_SHOWN`), without decoding them.
#[inline(never)]
fn trim_letters(s: &str) -> &str {
    let b = s.as_bytes();
    let (first, last) = (b[0], b[b.len() - 1]);
    // `e1` leads U+1000 to U+1FFF, with U+1680 among them: from `e1 b8`
    // on (U+1E00, Vietnamese letters) there is no white space.
    let second = b.get(1).copied().unwrap_or(0);
    let starts = STARTS_SHOWN[usize::from(first)] | ((first == 0xe1) & (second >= 0xb8));
    if starts & ENDS_SHOWN[usize::from(last)] {
        s
    } else {
        s.trim()
    }
}

/// The first bytes of the characters that are not white space, as far as
/// the first byte tells: visible ASCII, and the lead bytes of U+00C0 to
/// U+0FFF and U+4000 up. (White space beyond ASCII is U+0085, U+00A0,
/// U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.)
static STARTS_SHOWN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8, 0x21..=0x7e | 0xc3..=0xe0 | 0xe4..=0xf4);
        b += 1;
    }
    table
};

/// The last bytes of the characters that are not white space, as far as
/// the last byte tells: visible ASCII, and the continuation bytes no
/// white space ends with (U+180E's too, once white space).
static ENDS_SHOWN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8, 0x21..=0x7e | 0x8b..=0x8d | 0x8f..=0x9e | 0xa1..=0xa7 | 0xaa..=0xae | 0xb0..=0xbf);
        b += 1;
    }
    table
};

/// The NFC form of `s`, borrowed when it already is NFC (the usual case).
pub fn nfc(s: &str) -> Cow<'_, str> {
    // Vietnamese typed in NFC is letters below U+0300 and the precomposed
    // ones of Latin Extended Additional: each of those is NFC and starts
    // a character (no combining class), so any text of them is NFC. That
    // is decided here a character at a time, without the tables.
    if plainly_nfc_text(s) {
        return Cow::Borrowed(s);
    }
    match is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
}

/// Whether `c` is NFC alone and has no combining class (see `nfc`): what
/// `plainly_nfc_text` decides for each character of a text.
#[cfg(test)]
fn plainly_nfc(c: char) -> bool {
    c < '\u{300}' || ('\u{1e00}'..='\u{1eff}').contains(&c)
}

/// `s.chars().all(plainly_nfc)`, on the UTF-8 bytes, eight at a time: no
/// byte from `0xcc` up (a lead of U+0300 on) but `e1` followed by `b8` to
/// `bb` (U+1E00 to U+1EFF). A text value, millions of them, mixes ASCII
/// and Vietnamese letters: a branch on each character's kind cost more
/// than the words' arithmetic.
fn plainly_nfc_text(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        if w & HIGH_BITS != 0 && !plain_word(bytes, at, w) {
            return false;
        }
        at += 8;
    }
    // The rest, padded with zeros (ASCII).
    let rest = words.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    plain_word(bytes, at, u64::from_le_bytes(last))
}

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
const LOW_BITS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// `plainly_nfc_text` of the word `w`, the bytes of `bytes` from `at`.
#[inline]
fn plain_word(bytes: &[u8], at: usize, w: u64) -> bool {
    // Bytes from `0xcc` up: the top bit set, and the low seven bits
    // `0x4c` or more (no carry crosses a byte: `0x7f + 0x34 < 0x100`).
    let leads = ((w & LOW_BITS) + 0x3434_3434_3434_3434) & w & HIGH_BITS;
    // Bytes that are `e1`: those of `y` that are zero.
    let y = w ^ 0xe1e1_e1e1_e1e1_e1e1;
    let e1 = !(((y & LOW_BITS) + LOW_BITS) | y) & HIGH_BITS;
    if leads & !e1 != 0 {
        return false;
    }
    let mut left = e1;
    while left != 0 {
        // `bytes` is UTF-8: an `e1` is followed by two more bytes.
        let i = at + (left.trailing_zeros() / 8) as usize;
        if bytes[i + 1] & 0xfc != 0xb8 {
            return false;
        }
        left &= left - 1;
    }
    true
}

/// A matching key: diacritics removed (`đ` becomes `d`), lower case, and
/// runs of spaces, `_` and `-` made one `-`. `Đơn vị` and `don_vi` give the
/// same key, `don-vi`.
pub fn fold(s: &str) -> String {
    let s = s.trim();
    // ASCII is its own NFD: headers, read in every file, mostly are.
    if s.is_ascii() {
        fold_chars(s.chars(), s.len())
    } else {
        fold_chars(s.nfd(), s.len())
    }
}

fn fold_chars(chars: impl Iterator<Item = char>, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut gap = false;
    for c in chars {
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
            "Sở",
            "đ\u{a0}",
            "\u{3000}Khá",
            "ã",
            "\u{85}",
        ] {
            assert_eq!(trim(cell), cell.trim(), "{cell:?}");
        }
        let decomposed = "So\u{31b}\u{309}";
        assert_eq!(nfc(decomposed), "Sở");
    }

    /// `nfc`'s shortcut takes a text as NFC only where the tables agree:
    /// every character it passes is NFC alone and starts a character.
    #[test]
    fn characters_taken_as_nfc_without_the_tables_are() {
        use unicode_normalization::char::canonical_combining_class;
        let passed: Vec<char> = (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|&c| plainly_nfc(c))
            .collect();
        assert_eq!(passed.len(), 0x300 + 0x100);
        for c in passed {
            assert_eq!(
                is_nfc_quick(std::iter::once(c)),
                unicode_normalization::IsNormalized::Yes,
                "{c:?}"
            );
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
        }
        // A Vietnamese sentence takes the shortcut.
        assert!(
            "Tiến độ đạt yêu cầu, cần đẩy mạnh truyền thông"
                .chars()
                .all(plainly_nfc)
        );
    }

    #[test]
    fn the_bytes_tell_what_the_characters_tell() {
        // Every character alone, after ASCII (the word-at-a-time part),
        // and between two Vietnamese letters.
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            for s in [
                c.to_string(),
                format!("abcdefgh{c}"),
                format!("ệ{c}ồ"),
                format!("Tiến độ {c} đạt yêu cầu"),
            ] {
                assert_eq!(plainly_nfc_text(&s), s.chars().all(plainly_nfc), "{s:?}");
            }
        }
        // Every character before U+2000 at each place in a word, its
        // following bytes in the same word or the next.
        for c in (0..0x2000).filter_map(char::from_u32) {
            for before in 0..=9 {
                let s = format!("{}{c}x", "a".repeat(before));
                assert_eq!(plainly_nfc_text(&s), s.chars().all(plainly_nfc), "{s:?}");
            }
        }
        assert!(plainly_nfc_text(
            "Tiến độ đạt yêu cầu, cần đẩy mạnh truyền thông"
        ));
        assert!(!plainly_nfc_text("Tie\u{301}n"));
    }

    /// Every character first, last, and both, beside ASCII and a
    /// Vietnamese letter.
    #[test]
    fn trim_is_str_trim_at_every_character() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            for s in [
                c.to_string(),
                format!("{c}a"),
                format!("a{c}"),
                format!("{c}ệ"),
                format!("ệ{c}"),
                format!("{c}x{c}"),
            ] {
                assert_eq!(trim(&s), s.trim(), "{s:?}");
            }
        }
    }

    #[test]
    fn trim_is_str_trim() {
        let ends = [
            "", " ", "\t", "\r\n", "\u{a0}", "\u{85}", "\u{1680}", "\u{2003}", "\u{3000}", "a",
            ".", "Đ", "ệ", "\u{1e00}", "\u{301}", "\u{7f}", "\u{0}",
        ];
        for first in ends {
            for last in ends {
                for middle in ["", "x", " ", "Đã kiểm tra"] {
                    let s = format!("{first}{middle}{last}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn ascii_folds_as_any_text_does() {
        for s in [
            "Unit",
            " Ma_Don  Vi ",
            "GHI-CHU",
            "-a--b-",
            "\tvalue\r",
            "ky_bao_cao",
            "",
        ] {
            let slow = fold_chars(s.trim().nfd(), s.len());
            assert_eq!(fold(s), slow, "{s:?}");
        }
    }
}
