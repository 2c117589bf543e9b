//! Stored text shown to a person: every character that a terminal would act on instead of print, made visible.
//!
//! A name, note, goal, assessor or file name is data typed (or pasted, or imported) by someone else. Printed raw, an
//! escape sequence in it drives the viewer's terminal: `ESC [2J` clears the screen, `ESC ]0;...BEL` sets the window
//! title, `ESC ]52;c;...BEL` writes the viewer's clipboard; a bidirectional override (U+202E) makes the rest of a
//! line read backwards, so `P-0012` can be made to look like another code ("Trojan Source", CVE-2021-42574).
//!
//! [`visible`] writes each such character as Rust's own escape (`\u{1b}`), so the reader sees that it is there and
//! what it is; everything else (letters of any script, emoji, punctuation, the backslash) is left alone. The stored
//! value is never changed: this is for display only, and JSON output stays exact (serde_json escapes control
//! characters itself).
//!
//! Escaped: the C0 controls (U+0000-U+001F), DEL (U+007F), the C1 controls (U+0080-U+009F), the line and paragraph
//! separators (U+2028, U+2029), and the bidirectional formatting characters (U+061C, U+200E, U+200F,
//! U+202A-U+202E, U+2066-U+2069). [`visible_lines`] keeps the newline and the tab, for text printed as a block of
//! lines (a patient's notes, an error message).
//!
//! [`width`] and [`cut`] count terminal columns of the escaped form (a CJK character or an emoji is two), and
//! [`cut`] never cuts inside an escape or a character.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation as _;
use unicode_width::UnicodeWidthStr as _;

/// A calendar date written YYYY-MM-DD, with a message that says what is wrong: a day the month does not have
/// ("2026-02-30": February 2026 has 28 days), a month that does not exist, or another form.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    let t = s.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    let parts: Vec<&str> = t.split('-').collect();
    if let [y, m, d] = parts[..]
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>())
    {
        let month = u8::try_from(m)
            .ok()
            .and_then(|m| chrono::Month::try_from(m).ok());
        let Some(month) = month else {
            return Err(format!(
                "{t:?} is not a date: there is no month {m} (YYYY-MM-DD)"
            ));
        };
        let first = chrono::NaiveDate::from_ymd_opt(y, m, 1);
        let next = if m == 12 {
            chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)
        };
        if let (Some(a), Some(b)) = (first, next) {
            let days = (b - a).num_days();
            return Err(format!(
                "{t:?} is not a date: {} {y} has {days} days, not {d}",
                month.name()
            ));
        }
    }
    Err(format!("{t:?} is not a date; write it as YYYY-MM-DD"))
}

/// Whether `c` is shown escaped (see the module doc).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every hidden character written as its escape (`\u{1b}`), newlines and tabs included: for one line or
/// one table cell. Borrowed, without copying, when there is nothing to escape (the usual case).
pub fn visible(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Like [`visible`] but keeping newlines and tabs: for text printed as a block of lines.
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\t')
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let hidden = |c: char| is_hidden(c) && !keep(c);
    if !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Serialized JSON made safe to print on a terminal without changing what it says: serde_json escapes the C0
/// controls but writes DEL, the C1 controls and the bidirectional controls as they are; here each becomes its
/// `\uXXXX` escape. Such characters can only stand inside JSON strings (the rest of JSON is ASCII), so a parser
/// reads exactly the same values.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    // Newlines and tabs are JSON's own whitespace here: serde_json escapes every C0 control inside a string.
    let hidden = |c: char| is_hidden(c) && !matches!(c, '\n' | '\r' | '\t');
    if !json.chars().any(hidden) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if hidden(c) {
            // All are in the Basic Multilingual Plane: one \uXXXX each.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// How many terminal columns [`visible`] takes for `s`: a CJK character or an emoji takes two, a combining mark
/// none (Unicode's East Asian Width, as terminals and the table renderer measure it).
pub fn width(s: &str) -> usize {
    visible(s).width()
}

/// [`visible`] shortened to at most `max` terminal columns, ending in "…" when shortened. The cut falls between two
/// user-perceived characters (grapheme clusters) of `s`, so an escape is shown whole or not at all, a wide
/// character is never split in half and an emoji keeps its modifiers.
pub fn cut(s: &str, max: usize) -> String {
    if width(s) <= max {
        return visible(s).into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let shown = visible(g);
        let n = shown.width();
        // Leave room for the "…".
        if used + n + 1 > max {
            break;
        }
        out.push_str(&shown);
        used += n;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `s` as search compares it: accents dropped and lower case, so `zoe` finds "Zoë" and `MULLER` finds "Müller"
/// (transliterated by `deunicode`, so "ß" is "ss" and "Łódź" is "lodz").
pub fn fold(s: &str) -> String {
    deunicode::deunicode(s).to_lowercase()
}

/// A number as a clinician types it, with a decimal point or a decimal comma ("12.5", "12,5"); `None` if it is
/// not one. A comma is read as the decimal mark only when there is one comma and no point: "1,234.5" is refused
/// rather than guessed at.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let s = s.trim();
    let s: Cow<'_, str> = if s.matches(',').count() == 1 && !s.contains('.') {
        Cow::Owned(s.replace(',', "."))
    } else {
        Cow::Borrowed(s)
    };
    s.parse().ok()
}

/// A count with its noun: "1 patient", "3 patients", "0 patients".
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decimal_comma_is_read_as_a_point() {
        assert_eq!(parse_decimal("12,5"), Some(12.5));
        assert_eq!(parse_decimal(" 12.5 "), Some(12.5));
        assert_eq!(parse_decimal("-0,25"), Some(-0.25));
        assert_eq!(parse_decimal("1,234.5"), None);
        assert_eq!(parse_decimal("1,2,3"), None);
        assert_eq!(parse_decimal("twelve"), None);
    }

    #[test]
    fn search_folds_case_and_accents_and_counts_agree_with_their_noun() {
        assert_eq!(fold("Zoë Müller"), "zoe muller");
        assert!(fold("Zoë").contains(&fold("ZOE")));
        assert_eq!(count(1, "patient"), "1 patient");
        assert_eq!(count(0, "patient"), "0 patients");
        assert_eq!(count(2_i64, "audit row"), "2 audit rows");
    }

    #[test]
    fn escape_sequences_and_bidi_overrides_are_shown_not_obeyed() {
        let osc52 = "Ada\u{1b}]52;c;aGk=\u{7}";
        assert_eq!(visible(osc52), "Ada\\u{1b}]52;c;aGk=\\u{7}");
        assert_eq!(visible("\u{1b}[2J"), "\\u{1b}[2J");
        assert_eq!(visible("P-\u{202e}2100"), "P-\\u{202e}2100");
        for c in [
            '\u{0}', '\u{7f}', '\u{85}', '\u{9b}', '\u{61c}', '\u{200e}', '\u{200f}', '\u{2028}',
            '\u{202a}', '\u{202d}', '\u{2066}', '\u{2069}', '\r',
        ] {
            let shown = visible_lines(&c.to_string()).into_owned();
            assert!(
                shown.starts_with("\\u{") && !shown.chars().any(is_hidden),
                "{c:?} -> {shown}"
            );
        }
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_parses_back_the_same() {
        let value = serde_json::json!({ "name": "a\u{1b}[2J\u{9b}1m\u{7f}\u{202e}b\u{2066}" });
        let raw = serde_json::to_string_pretty(&value).unwrap();
        assert!(
            raw.contains('\u{202e}'),
            "serde_json writes bidi controls raw: {raw}"
        );
        let safe = json_safe(&raw);
        assert!(!safe.chars().any(|c| is_hidden(c) && c != '\n'), "{safe}");
        assert!(
            safe.contains("\\u202e") && safe.contains("\\u009b"),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in [
            "Zoë Ødegård",
            "Müller-Lüdenscheidt",
            "王小明",
            "עברית",
            "a\\b",
            "🙂👍🏽",
        ] {
            assert!(matches!(visible(s), Cow::Borrowed(t) if t == s), "{s}");
        }
    }

    #[test]
    fn lines_keep_newlines_and_tabs_single_lines_do_not() {
        assert_eq!(visible_lines("a\n\tb\r"), "a\n\tb\\u{d}");
        assert_eq!(visible("a\n\tb"), "a\\u{a}\\u{9}b");
    }

    #[test]
    fn cutting_never_splits_an_escape() {
        let s = "ab\u{1b}[2Jcd";
        assert_eq!(width(s), 2 + 6 + 5);
        assert_eq!(cut(s, 100), "ab\\u{1b}[2Jcd");
        // Room for "ab", not for the whole escape: the escape is left out, not cut.
        for max in 3..=8 {
            assert_eq!(cut(s, max), "ab…", "max {max}");
        }
        assert_eq!(cut(s, 9), "ab\\u{1b}…");
        assert_eq!(cut(s, 0), "");
        for max in 0..20 {
            let c = cut(s, max);
            assert!(c.chars().count() <= max, "{max}: {c}");
            assert!(!c.contains('\u{1b}'));
            let body = c.trim_end_matches('…');
            assert!(
                !body.contains("\\u{") || body.contains("\\u{1b}"),
                "{max}: {c}"
            );
        }
    }

    /// Issue 10.6: a column is measured in terminal columns, not characters: a CJK name takes twice its length.
    #[test]
    fn wide_characters_count_two_columns_and_are_cut_whole() {
        use unicode_width::UnicodeWidthStr as _;
        assert_eq!(width("王小明"), 6);
        assert_eq!(width("Zoë"), 3);
        assert_eq!(width("e\u{301}"), 1, "a combining mark takes no column");
        assert_eq!(width("🙂"), 2);
        let name = "王小明の患者さん";
        assert_eq!(cut(name, 16), name);
        // Room for 7 columns: three wide characters (6) and the "…" (1), never half of the fourth.
        assert_eq!(cut(name, 8), "王小明…");
        assert_eq!(cut(name, 7), "王小明…");
        assert_eq!(cut(name, 6), "王小…");
        for max in 0..20 {
            assert!(cut(name, max).width() <= max, "{max}: {}", cut(name, max));
        }
        // An emoji keeps its skin-tone modifier, or goes whole.
        let thumbs = "ok👍🏽👍🏽";
        assert_eq!(cut(thumbs, 5), "ok👍🏽…");
        assert_eq!(cut(thumbs, 4), "ok…");
        assert!(!cut(thumbs, 4).contains('\u{1f3fd}'));
    }
}
