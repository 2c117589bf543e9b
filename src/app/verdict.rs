//! What a comparison concludes, in plain words, the same on every screen: which protocol the model favours at the
//! common follow-up, by how much over the runner-up and over no treatment, whether that difference reaches the
//! instrument's MCID (or MDC), and the warnings that go with it. Conclusions come first on every screen; the
//! reasons (each forecast's notes) follow.

use crate::instruments::{self, Direction, Instrument};
use crate::model::fair::{Fair, FairRow};
use crate::model::forecast::{Comparison, ProtocolForecast};

/// The conclusion of a comparison read at common moments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conclusion {
    /// Headline sentences, most important first.
    pub lines: Vec<String>,
    /// Warnings that hold for the whole comparison (e.g. intensive CIMT in the first weeks after stroke), shown
    /// right under the headline. Other checks add theirs here.
    pub warnings: Vec<String>,
}

impl Conclusion {
    /// Headline then warnings, each warning marked "⚠" (never colour alone).
    pub fn all_lines(&self) -> Vec<String> {
        self.lines
            .iter()
            .cloned()
            .chain(self.warnings.iter().map(|w| format!("⚠ {w}")))
            .collect()
    }
}

/// The MCID (or MDC) as a phrase: "the MCID of 9 (subacute, Arya 2011)", "the MCID of 12 (subacute, Lang 2008)".
pub fn mcid_phrase(id: &str, mcid: f64) -> String {
    let word = instruments::get(id).map_or("MCID", |i| i.mcid_word_for(mcid));
    format!("the {word} of {}", mcid_label(id, mcid))
}

/// An MCID for people: up to two decimals without trailing zeros and, for an instrument with a different figure in
/// the first months after stroke, which phase it belongs to and its source, as `praxis instruments` gives them
/// ("9 (subacute, Arya 2011)", "5.25 (chronic, Page 2012)").
pub fn mcid_label(id: &str, mcid: f64) -> String {
    let text = instruments::Shown::Brief.of(mcid);
    let Ok(inst) = instruments::get(id) else {
        return text;
    };
    // A figure of another group of patients than the default row's: which, and whose ("3.5 (Parkinson's disease,
    // Huang 2011)" for a Timed Up and Go).
    if (mcid - inst.mcid).abs() > 1e-9
        && inst.mcid_subacute.is_none_or(|s| (s - mcid).abs() > 1e-9)
        && let Some(f) = inst.by_group.iter().find(|f| (f.mcid - mcid).abs() < 1e-9)
    {
        return format!("{text} ({}, {})", f.group.label(), author_year(f.source));
    }
    let Some(sub) = inst.mcid_subacute.filter(|s| (s - inst.mcid).abs() > 1e-9) else {
        return text;
    };
    let mut sources = inst.mcid_source.split(';');
    let chronic_src = sources.next().map(author_year).unwrap_or_default();
    let sub_src = sources.next().map(author_year).unwrap_or(chronic_src);
    if (mcid - sub).abs() < 1e-9 {
        format!("{text} (subacute, {sub_src})")
    } else if (mcid - inst.mcid).abs() < 1e-9 {
        format!("{text} (chronic, {chronic_src})")
    } else {
        text
    }
}

/// The author and year that open a source text ("van der Lee 2001 J Rehabil Med ..." -> "van der Lee 2001").
fn author_year(source: &str) -> &str {
    let b = source.as_bytes();
    (0..b.len().saturating_sub(3))
        .find(|&i| b[i..i + 4].iter().all(u8::is_ascii_digit))
        .map_or(source.trim(), |i| source[..i + 4].trim())
}

/// A protocol's own reasons: its notes without the comparison's warnings (shown with the conclusion).
pub fn own_notes(cmp: &Comparison, id: &str) -> Vec<String> {
    let shared = &cmp.warnings;
    find(cmp, id)
        .map(|p| {
            p.summary
                .notes
                .iter()
                .filter(|n| !shared.contains(n))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn find<'a>(cmp: &'a Comparison, id: &str) -> Option<&'a ProtocolForecast> {
    cmp.protocols.iter().find(|p| p.id == id)
}

/// Do the 80% bands at follow-up of `a` (better) and `b` overlap?
fn bands_overlap(inst: &Instrument, a: &FairRow, b: &FairRow) -> bool {
    match inst.direction {
        Direction::HigherIsBetter => a.band_follow_up[0] < b.band_follow_up[1],
        Direction::LowerIsBetter => a.band_follow_up[1] > b.band_follow_up[0],
    }
}

/// The conclusion of `cmp` read as `fair` says; `names`: the favoured protocol's name after its id (where there
/// is room for it: the command line).
pub fn conclusion(cmp: &Comparison, fair: &Fair, names: bool) -> Conclusion {
    let mut out = Conclusion {
        warnings: cmp.warnings.clone(),
        ..Conclusion::default()
    };
    let id = fair.instrument.as_str();
    let Ok(inst) = instruments::get(id) else {
        return out;
    };
    let Some(best) = fair.rows.first() else {
        return out;
    };
    let when = crate::model::fair::follow_up_when(fair.follow_up_day);
    let name = find(cmp, &best.protocol)
        .filter(|_| names)
        .map_or(String::new(), |p| format!(" ({})", p.summary.protocol_name));
    let mut head = format!(
        "The model favours {}{name}: {} on {} at {when}",
        best.protocol,
        inst.improvement_text(best.at_follow_up),
        inst.short,
    );
    if let Some(over) = best.over_no_treatment {
        let (x, word) = if over >= 0.0 {
            (over, "more")
        } else {
            (-over, "less")
        };
        head.push_str(&format!(
            ", {} {word} than without treatment",
            amount(inst, x)
        ));
    }
    head.push('.');
    out.lines.push(head);
    if let Some(second) = fair.rows.get(1) {
        let diff = best.at_follow_up - second.at_follow_up;
        let verdict = if diff < fair.mcid {
            format!(
                "less than {}: a difference a patient may not notice.",
                mcid_phrase(id, fair.mcid)
            )
        } else {
            format!("more than {}.", mcid_phrase(id, fair.mcid))
        };
        out.lines.push(format!(
            "That is {} more than the runner-up, {}: {verdict}",
            amount(inst, diff),
            second.protocol
        ));
        if bands_overlap(inst, best, second) {
            out.lines.push(
                "The 80% bands overlap, so the ranking is uncertain for an individual patient."
                    .into(),
            );
        }
        let reps = |p: &str| find(cmp, p).map(|f| f.summary.total_repetitions);
        if reps(&best.protocol) != reps(&second.protocol) {
            out.lines.push(format!(
                "Dose: {} repetitions in {} sessions versus {} in {}.",
                reps(&best.protocol).unwrap_or(0),
                best.sessions,
                reps(&second.protocol).unwrap_or(0),
                second.sessions
            ));
        }
    }
    out.lines.push(format!(
        "Every protocol is read on the same days: day {} (the end of the longest) and {when}.",
        fair.end_of_longest_day
    ));
    out
}

/// "5.1 points", "0.30 s": a non-negative amount on the instrument's scale.
pub fn amount(inst: &Instrument, x: f64) -> String {
    format!(
        "{} {}",
        inst.show(x.max(0.0), instruments::Shown::Estimate),
        inst.unit
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcids_show_two_decimals_their_phase_and_their_kind() {
        assert_eq!(mcid_label("fma_ue", 5.25), "5.25 (chronic, Page 2012)");
        assert_eq!(mcid_label("fma_ue", 9.0), "9 (subacute, Arya 2011)");
        assert_eq!(mcid_label("arat", 12.0), "12 (subacute, Lang 2008)");
        assert_eq!(mcid_label("arat", 5.7), "5.7 (chronic, van der Lee 2001)");
        assert_eq!(mcid_label("walk10m_ms", 0.16), "0.16");
        assert_eq!(mcid_label("bbs", 6.0), "6");
        // QA 18: another group's figure says whose it is.
        assert_eq!(
            mcid_label("tug_s", 3.5),
            "3.5 (Parkinson's disease, Huang 2011)"
        );
        assert_eq!(
            mcid_label("tug_s", 2.08),
            "2.08 (older adults, Donoghue 2019)"
        );
        assert_eq!(mcid_label("bbs", 2.7), "2.7 (stroke, Alghadir 2018)");
        assert_eq!(mcid_label("tug_s", 3.2), "3.2");
        // ARAT's chronic figure is a smallest real change (an MDC), its subacute one Lang 2008's anchor-based MCID.
        assert_eq!(
            mcid_phrase("arat", 12.0),
            "the MCID of 12 (subacute, Lang 2008)"
        );
        assert_eq!(
            mcid_phrase("arat", 5.7),
            "the MDC of 5.7 (chronic, van der Lee 2001)"
        );
        assert_eq!(
            mcid_phrase("fma_ue", 9.0),
            "the MCID of 9 (subacute, Arya 2011)"
        );
    }
}
