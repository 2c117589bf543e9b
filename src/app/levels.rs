//! The next difficulty level (issue 14.5): once the protocol's progression rule is met by the sessions logged, the
//! session form (and `praxis log`) suggests the next level and says why. The rule is the protocol's `[progression]`
//! read at the scale of sessions (see `protocols/README.md`): `adaptive` suggests a level up after
//! `advance_after_sessions` sessions in a row at the current level at or above `advance_above` success (and a level
//! down after as many below `regress_below`); `fixed` a level up after `step_every_sessions` sessions at the level;
//! `none` never suggests.

use serde::Serialize;

use crate::domain::SessionLog;
use crate::model::protocol::{Progression, ProgressionRule};

/// A suggested level and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelAdvice {
    /// The level the last sessions were at.
    pub from: u32,
    /// The level suggested.
    pub level: u32,
    /// "3 sessions at level 3 with 80% success or more: try level 4".
    pub why: String,
}

/// What the progression rule `pr` of `protocol` suggests after the patient's sessions (`sessions`, newest first;
/// other protocols' are skipped): `None` when the rule is not met, the sessions have no level, or the level is
/// already at the end of the ladder.
pub fn advice(pr: &Progression, protocol: &str, sessions: &[SessionLog]) -> Option<LevelAdvice> {
    let mine: Vec<&SessionLog> = sessions
        .iter()
        .filter(|s| s.protocol_id == protocol)
        .collect();
    let from = mine.first()?.level?;
    // The latest sessions at the current level, newest first.
    let at_level: Vec<&SessionLog> = mine
        .iter()
        .take_while(|s| s.level == Some(from))
        .copied()
        .collect();
    // How many of those in a row, newest first, pass `test` on their success rate.
    let run = |test: &dyn Fn(f64) -> bool| {
        at_level
            .iter()
            .take_while(|s| s.success_rate.is_some_and(test))
            .count()
    };
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    match pr.rule {
        ProgressionRule::None => None,
        ProgressionRule::Fixed => {
            let every = pr.step_every_sessions?;
            let n = at_level.len();
            (n >= every as usize && from < pr.max_level).then(|| LevelAdvice {
                from,
                level: from + 1,
                why: format!(
                    "{n} sessions at level {from} (the protocol steps up every {every}): try level {}",
                    from + 1
                ),
            })
        }
        ProgressionRule::Adaptive => {
            let need = pr.advance_after_sessions.max(1) as usize;
            let up = run(&|x| x >= pr.advance_above);
            if up >= need && from < pr.max_level {
                return Some(LevelAdvice {
                    from,
                    level: from + 1,
                    why: format!(
                        "{up} sessions at level {from} with {} success or more: try level {}",
                        pct(pr.advance_above),
                        from + 1
                    ),
                });
            }
            let down = run(&|x| x < pr.regress_below);
            (down >= need && from > 1).then(|| LevelAdvice {
                from,
                level: from - 1,
                why: format!(
                    "{down} sessions at level {from} below {} success: consider level {}",
                    pct(pr.regress_below),
                    from - 1
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(level: u32, success: Option<f64>) -> SessionLog {
        SessionLog {
            id: 0,
            patient_code: "P-0001".into(),
            started_at: chrono::NaiveDateTime::default(),
            protocol_id: "tsk".into(),
            minutes: 45,
            repetitions: 300,
            level: Some(level),
            success_rate: success,
            rpe: None,
            notes: String::new(),
            clinician: None,
        }
    }

    fn adaptive() -> Progression {
        toml::from_str("rule = \"adaptive\"\nmax_level = 5").unwrap()
    }

    #[test]
    fn adaptive_suggests_a_level_up_after_enough_sessions_above_the_threshold() {
        let pr = adaptive();
        assert_eq!(pr.advance_after_sessions, 3);
        // Newest first: three at level 3 at 80% or more.
        let three = [
            s(3, Some(0.85)),
            s(3, Some(0.8)),
            s(3, Some(0.9)),
            s(2, Some(0.9)),
        ];
        let a = advice(&pr, "tsk", &three).expect("advice");
        assert_eq!((a.from, a.level), (3, 4));
        assert_eq!(
            a.why,
            "3 sessions at level 3 with 80% success or more: try level 4"
        );
        // Two are not enough; one below breaks the run; another protocol's sessions do not count.
        assert_eq!(advice(&pr, "tsk", &three[..2]), None);
        let broken = [
            s(3, Some(0.85)),
            s(3, Some(0.7)),
            s(3, Some(0.9)),
            s(3, Some(0.9)),
        ];
        assert_eq!(advice(&pr, "tsk", &broken), None);
        assert_eq!(advice(&pr, "other", &three), None);
        // At the top of the ladder there is nothing to suggest.
        let top = [s(5, Some(0.9)), s(5, Some(0.9)), s(5, Some(0.9))];
        assert_eq!(advice(&pr, "tsk", &top), None);
        // Below the regress threshold: a level down.
        let low = [s(3, Some(0.4)), s(3, Some(0.3)), s(3, Some(0.45))];
        let a = advice(&pr, "tsk", &low).expect("advice");
        assert_eq!(a.level, 2);
        assert!(a.why.contains("below 50% success"), "{}", a.why);
        // A session without a success rate says nothing either way.
        assert_eq!(
            advice(&pr, "tsk", &[s(3, None), s(3, Some(0.9)), s(3, Some(0.9))]),
            None
        );
    }

    #[test]
    fn fixed_steps_up_after_its_sessions_and_none_never_suggests() {
        let pr: Progression =
            toml::from_str("rule = \"fixed\"\nstep_every_sessions = 2\nmax_level = 8").unwrap();
        let a = advice(&pr, "tsk", &[s(2, None), s(2, None), s(1, None)]).expect("advice");
        assert_eq!(a.level, 3);
        assert!(a.why.contains("steps up every 2"), "{}", a.why);
        assert_eq!(advice(&pr, "tsk", &[s(2, None), s(1, None)]), None);
        let none: Progression = toml::from_str("rule = \"none\"").unwrap();
        let six: Vec<SessionLog> = (0..6).map(|_| s(2, Some(0.9))).collect();
        assert_eq!(advice(&none, "tsk", &six), None);
    }
}
