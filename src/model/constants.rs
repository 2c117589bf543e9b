//! Every constant of the recovery model in one place, each with its unit and its source.
//!
//! Three kinds of source appear below: a published figure (author year), a figure from `shared/science.md` marked
//! "(check)" there (kept as "(check)" here), and a *calibration*: a constant chosen so that the engine reproduces a
//! published result that `tests/validation.rs` checks. A calibrated constant is not independent evidence for the
//! result it was tuned to; the comment names that result so nobody mistakes one for the other.

// ---------------------------------------------------------------------------------------------------------------
// Two-state model of motor learning (Smith, Ghazizadeh & Shadmehr 2006 PLoS Biol 4:e179), per trial.
// x = xf + xs, e = target - x; xf <- Af xf + Bf e; xs <- As xs + Bs e.

/// Fast-state retention per trial (dimensionless). Smith 2006, canonical value.
pub const SMITH_AF: f64 = 0.92;
/// Fast-state learning rate per trial (dimensionless). Smith 2006.
pub const SMITH_BF: f64 = 0.03;
/// Slow-state retention per trial (dimensionless). Smith 2006.
pub const SMITH_AS: f64 = 0.996;
/// Slow-state learning rate per trial (dimensionless). Smith 2006.
pub const SMITH_BS: f64 = 0.004;

// ---------------------------------------------------------------------------------------------------------------
// Rehabilitation skill: the same two-state form at the scale of repetitions of a functional task. Skill x is the
// fraction (0-1) of what training can add to this patient's function. Rates are far slower than in adaptation
// (thousands of repetitions, not hundreds): calibrated so that 8 weeks x 4 sessions/week of 100-300 repetitions in
// chronic stroke gives the ARAT slopes of Lang 2016 Ann Neurol 80:342 (0.3-0.7 points/week).

/// Fast-state retention per repetition within a session (dimensionless). Calibration (within-session warm-up gains
/// saturate in a few dozen repetitions).
pub const SKILL_AF: f64 = 0.97;
/// Fast-state learning rate per effective repetition (dimensionless). Calibration, see above.
pub const SKILL_BF: f64 = 0.0003;
/// Slow-state retention per repetition within a session (dimensionless): 1, forgetting is modelled per day.
pub const SKILL_AS: f64 = 1.0;
/// Slow-state learning rate per effective repetition (dimensionless). Calibration to Lang 2016 (see above).
pub const SKILL_BS: f64 = 0.0002;

/// Share of the fast state stabilised into the slow state over a gap spent awake (dimensionless). Walker 2002
/// Neuron 35:205: 12 h awake after sequence practice leaves performance unchanged (stabilisation, no gain).
pub const WAKE_STABILISATION: f64 = 0.92;
/// Offline gain after a night's sleep, as a share of what was learned since the previous night, young adults
/// (dimensionless). Walker 2002 Neuron 35:205: ~20% faster sequence tapping after a night, none after a day awake.
pub const SLEEP_GAIN_YOUNG: f64 = 0.20;
/// SD of that gain between people (dimensionless). Walker 2002 (spread of individual gains) (check).
pub const SLEEP_GAIN_SD: f64 = 0.04;
/// Offline gain after sleep in older adults (dimensionless). Spencer 2007 Neurobiol Aging 28:1283: little or no
/// post-sleep gain over ~60 years.
pub const SLEEP_GAIN_OLD: f64 = 0.02;
/// Ages (years) over which the sleep gain falls from young to old values (linear). Spencer 2007 (young ~20,
/// older ~60+).
pub const SLEEP_AGE_YOUNG: f64 = 30.0;
pub const SLEEP_AGE_OLD: f64 = 65.0;

/// Slow-state forgetting time constant without practice, healthy adult (days). Calibration: LSVT BIG gains are kept
/// at 16 weeks, 12 weeks after the last session (Ebersbach 2010 Mov Disord 25:1902).
pub const FORGET_DAYS_HEALTHY: f64 = 720.0;
/// Multiplier on the forgetting time constant per decade over 60 (dimensionless). Trewartha 2014 J Neurosci
/// 34:13411: older adults retain less in the slow state. The extra forgetting rate this adds over the rate at 60
/// (a share 1 - 0.8^decades of the total) is age-related loss that daily use of the limb does not hold off: above the
/// use threshold (Han 2008) only forgetting from disuse stops, so use-dependent gains do not mask age (issue 11.4).
pub const FORGET_AGE_FACTOR_PER_DECADE: f64 = 0.8;

// Fatigue: useful repetitions saturate within a session: effective = R (1 - exp(-n / R)).
/// Fatigue capacity R of a 1-hour session (repetitions). Calibration to Lang 2016 Ann Neurol 80:342: 9,600 repetitions over 8 weeks
/// were not better than 3,200 (no dose-response); also Schneider 2016 J Physiother 62:182 (>= 240% more therapy
/// needed for a clear benefit).
pub const FATIGUE_CAPACITY_REPS_PER_HOUR: f64 = 80.0;
/// Shortest session length the capacity is scaled to (hours): a short session still holds some useful practice.
pub const FATIGUE_MIN_HOURS: f64 = 0.25;
/// Exponent of session length (hours) in the capacity: R = R_1h x hours^0.5. Modelling choice (check): long
/// sessions hold more useful practice than short ones, but less than in proportion (Lee & Genovese 1988: massed
/// practice depresses learning; Page 2016 Exp Brain Res 234:2841: 3 x 20 min beat 60 min).
pub const FATIGUE_LENGTH_EXPONENT: f64 = 0.5;
/// Recovery time constant of fatigue between sessions (hours). Massed practice depresses learning (Lee & Genovese
/// 1988 meta-analysis); sessions 20 min apart learn less than 24 h apart (Shea 2000 Hum Mov Sci 19:737). (check)
pub const FATIGUE_RECOVERY_HOURS: f64 = 1.0;

// Challenge point (Guadagnoli & Lee 2004 J Mot Behav 36:212): learning is greatest at intermediate success.
/// Success rate at which learning per repetition is greatest (0-1). Guadagnoli & Lee 2004 (intermediate); 0.7 is a
/// modelling choice inside the 0.5-0.85 range discussed in that literature. (check)
pub const CHALLENGE_OPTIMAL_SUCCESS: f64 = 0.7;
/// Width of the challenge-point curve (success-rate units).
pub const CHALLENGE_WIDTH: f64 = 0.3;
/// Learning multiplier far from the challenge point (dimensionless): practice that is far too easy or too hard
/// still teaches something.
pub const CHALLENGE_FLOOR: f64 = 0.45;
/// Skill margin at which a task at difficulty d is done successfully half the time: p = logistic((x + m - d) / s).
pub const SUCCESS_MARGIN: f64 = 0.15;
/// Spread s of the success curve for a healthy motor noise of 1 (skill units).
pub const SUCCESS_SPREAD: f64 = 0.08;
/// Blocks per session the engine updates in closed form (more = finer progression, slower forecasts).
pub const MAX_BLOCKS_PER_SESSION: u32 = 3;

// Practice structure (Wickens, Hutchins, Carolan & Cumming 2013 Hum Factors 55(2):461-470; meta-analysis of 37 studies).
/// Share of whole-task skill carried by integrating the components, when they run in sequence (dimensionless).
/// Wickens 2013: part training transfers well for sequential (segmented) tasks.
pub const INTEGRATION_SEQUENTIAL: f64 = 0.15;
/// Same, when the components run at the same time (dimensionless). Wickens 2013: poor, even negative, transfer of
/// part training for concurrent components (time-sharing skill is only learned in the whole task).
pub const INTEGRATION_CONCURRENT: f64 = 0.55;
/// Share of part-whole repetitions spent on the whole task (dimensionless): modelling choice (half and half).
pub const PART_WHOLE_WHOLE_SHARE: f64 = 0.5;
/// Share of progressive-part repetitions that also train integration (dimensionless): the growing chain includes
/// the joins between segments (Wickens 2013, segmentation).
pub const PROGRESSIVE_PART_INTEGRATION_SHARE: f64 = 0.7;

// Practice order (contextual interference; Shea & Morgan 1979 J Exp Psychol Hum Learn 5:179): blocked practice
// is better during acquisition, random practice at retention. Performance during practice is not learning (Schmidt
// & Bjork 1992 Psychol Sci 3:207; Kantak & Winstein 2012 Behav Brain Res 228:219): the engine models blocked
// practice's acquisition edge as fast-state performance that is not consolidated, and random practice's retention
// benefit as an offline gain, so the edge is temporary and the benefit shows at retention.
/// Offline retention benefit of random over blocked order, young adults (share of the skill learned since the
/// previous night added overnight, dimensionless). Czyz 2024 Sci Rep 14:15974 (meta-analysis of 54 studies): pooled
/// effect on retention negligible and not significant in young adults.
pub const RANDOM_ORDER_BENEFIT_YOUNG: f64 = 0.02;
/// Same in older adults. Czyz 2024 Sci Rep 14:15974: large effect on retention in older adults, medium in adults;
/// the size is a modelling choice.
pub const RANDOM_ORDER_BENEFIT_OLD: f64 = 0.15;
/// Acquisition cost of random order (multiplier on fast learning - 1, negative). Shea & Morgan 1979: blocked is
/// better during acquisition.
pub const RANDOM_ORDER_ACQUISITION_COST: f64 = -0.3;
/// Share of the fast state built by blocked practice of several tasks that is performance, not learning: lost when
/// the session ends instead of being stabilised or consolidated (dimensionless). Schmidt & Bjork 1992; Kantak &
/// Winstein 2012. Calibration: equal to the acquisition cost of random order, so that without the age-dependent
/// offline benefit both orders retain the same (Czyz 2024: negligible difference in young adults).
pub const BLOCKED_TRANSIENT_SHARE: f64 = -RANDOM_ORDER_ACQUISITION_COST;

// Feedback.
/// Extra reinforcement learning with augmented feedback on every repetition, Parkinson's (multiplier - 1 at
/// augmented fraction 1). Cristini 2023 J Parkinsons Dis: augmented feedback removes the retention deficit.
pub const AUGMENTED_FEEDBACK_PD_BENEFIT: f64 = 0.3;

// ---------------------------------------------------------------------------------------------------------------
// Global plasticity by age (Voelcker-Rehage 2008 Eur Rev Aging Phys Act 5:5: capacity preserved, smaller gains).
/// Reduction of the learning rate per decade over 60 (fraction).
pub const PLASTICITY_LOSS_PER_DECADE: f64 = 0.08;
/// Between-person SD of plasticity (log units). Modelling choice; wide on purpose.
pub const PLASTICITY_LOG_SD: f64 = 0.25;

// ---------------------------------------------------------------------------------------------------------------
// Stroke: spontaneous recovery (proportional recovery rule).
/// Share of the potential (66 - initial FMA-UE) recovered by fitters (dimensionless). Prabhakaran 2008 NNR 22:64;
/// Winters 2015 NNR 29:614 (0.7 x (66 - initial) + 0.4).
pub const PROPORTIONAL_SHARE: f64 = 0.70;
/// SD of that share among fitters (dimensionless). Winters 2015 (spread around the rule) (check).
pub const PROPORTIONAL_SHARE_SD: f64 = 0.08;
/// Intercept of the rule (FMA-UE points). Prabhakaran 2008.
pub const PROPORTIONAL_INTERCEPT_FMA: f64 = 0.4;
/// Share of the potential recovered by non-fitters (dimensionless). Kundert 2019 NNR 33:876 / Winters 2015: far
/// less than proportional (check).
pub const NONFITTER_SHARE: f64 = 0.10;
pub const NONFITTER_SHARE_SD: f64 = 0.06;
/// Share of leg potential (FMA-LE) recovered by fitters. Veerbeek 2018 PLoS One 13:e0189279 (~64%).
pub const PROPORTIONAL_SHARE_LEG: f64 = 0.64;
/// Probability of fitting the rule, MEP present (0-1). Byblow 2015 Ann Neurol 78:848 (check): MEP+ patients recover
/// proportionally.
pub const P_FIT_MEP_PRESENT: f64 = 0.95;
/// Probability of fitting, MEP absent (0-1). Byblow 2015 (check): most MEP- patients do not fit.
pub const P_FIT_MEP_ABSENT: f64 = 0.15;
/// Probability of fitting when the MEP is unknown and the paresis is not severe (0-1). Winters 2015: ~70% of all
/// patients fit, and the non-fitters all had severe initial paresis.
pub const P_FIT_NOT_SEVERE_UNKNOWN: f64 = 0.93;
/// Probability of fitting, leg (0-1). Veerbeek 2018: 87% fit.
pub const P_FIT_LEG: f64 = 0.87;
/// Initial FMA-UE at or below which the MEP-unknown patient is treated as severe (points). Kundert 2019: non-fitters
/// have severe initial paresis; Winters 2015 (check).
pub const SEVERE_FMA_UE: f64 = 10.0;
/// Probability of fitting for a severe patient of unknown MEP (0-1). Winters 2015 (check).
pub const P_FIT_SEVERE_UNKNOWN: f64 = 0.35;
/// NIHSS at or above which a stroke is severe (PREP2 cut-off; Stinear 2017 Ann Clin Transl Neurol 4:811).
pub const NIHSS_SEVERE: u8 = 7;
/// Time constant of spontaneous recovery (days), range of the draw. science.md: saturating exponential, 3-5 weeks
/// (check); most recovery within 10-12 weeks.
pub const SPONT_TAU_MIN_DAYS: f64 = 21.0;
pub const SPONT_TAU_MAX_DAYS: f64 = 35.0;
/// Day after onset at which the proportional rule's baseline is measured (days). Prabhakaran 2008: within 72 h.
pub const PROPORTIONAL_BASELINE_DAY: f64 = 3.0;
/// Days after onset under which the stroke is subacute for MCIDs (days): < 3 months.
pub const SUBACUTE_DAYS: u32 = 90;
/// Latest enrolment in VECTORS (days after stroke): intensive CIMT within 28 days was no better than usual care
/// (Dromerick 2009 Neurology 73:195); the comparison's note cites it only for patients this early.
pub const VECTORS_ENROLMENT_DAYS: u32 = 28;
/// Days after onset from which the stroke is chronic (days): 6 months; proportional spontaneous recovery is over
/// by then (Prabhakaran 2008; Winters 2015).
pub const CHRONIC_DAYS: u32 = 180;

/// Share of a stroke patient's headroom that training can add, chronic, by corticospinal capacity 1 (dimensionless).
/// Calibration to Lang 2016 (chronic ARAT slopes 0.3-0.7 points/week over 8 weeks).
pub const TRAINABLE_SHARE_STROKE: f64 = 0.36;
/// Corticospinal output capacity (0-1) by status: intact/MEP+, partial, severe/MEP-. Stinear 2017 PREP2 (MEP status
/// predicts the ceiling of arm recovery). Modelling choice of the values.
pub const CST_CAPACITY_INTACT: f64 = 0.9;
pub const CST_CAPACITY_PARTIAL: f64 = 0.6;
pub const CST_CAPACITY_SEVERE: f64 = 0.3;
pub const CST_CAPACITY_SD: f64 = 0.1;
/// Extra therapy counts less in the first 3 months than later (Lohse 2014 Stroke 45:2053): multiplier on training
/// effects in the subacute phase (dimensionless) (check).
pub const SUBACUTE_TRAINING_FACTOR: f64 = 0.6;

// Use-dependent recovery after therapy (Han, Arbib & Schweighofer 2008 PLoS Comput Biol 4:e1000133; Schweighofer
// 2009 Phys Ther 89:1327; Hidaka 2012 PLoS Comput Biol 8:e1002343).
/// Arm function (fraction of the instrument's range) at which spontaneous use becomes likely. science.md: patients
/// rarely use the arm until its function is about half of normal (check).
pub const USE_THRESHOLD_FUNCTION: f64 = 0.5;
/// Steepness of spontaneous use around the threshold (function units).
pub const USE_SPREAD: f64 = 0.06;
/// Time constant of spontaneous use following function (days). Modelling choice (weeks), Hidaka 2012 (check).
pub const USE_TAU_DAYS: f64 = 14.0;
/// Rate at which use above (below) one half improves (degrades) arm function (function units per year per unit of
/// use). Modelling choice giving a few FMA points a year; Han 2008 / Schweighofer 2009 show the sign, not the size.
pub const USE_FUNCTION_RATE_PER_YEAR: f64 = 0.15;
/// Increase of spontaneous use (0-1) per hour of daily constraint of the less-affected arm (CIMT). Modelling
/// choice; Taub / EXCITE (Wolf 2006 JAMA 296:2095) report transfer of use to daily life.
pub const CONSTRAINT_USE_PER_HOUR: f64 = 0.08;
/// Task repetitions per hour of constraint of the less-affected arm outside the therapy session (repetitions per
/// hour): the constrained hours are practice, the affected arm doing the day's activities (forced use). Page 2004
/// Arch Phys Med Rehabil 85:14-18 (mCIMT: 30 min 3 times a week plus a restraint 5 hours each weekday, chronic stroke
/// with learned non-use; FMA +18.4 and ARAT +11.4 against +6.0 and +7.1 with regular therapy of similar contact
/// time, n = 7 and 4; abstract checked, PubMed 14970962) concluded that repeated task-specific practice is what restores function; Taub's forced use.
/// They lengthen the day's practice, so its fatigue capacity grows with them (`prepare::with_constraint`), and
/// fatigue caps what a day holds. Calibration: about one functional task a minute, at which modified CIMT
/// (`mcimt`) in chronic stroke beats time-matched regular therapy on FMA-UE at 10 weeks inside the pooled 95% CI of
/// mCIMT against traditional rehabilitation, MD 7.8 (4.21 to 11.38; 6 RCTs; Shi, Tian, Yang & Zhao 2011 Arch Phys
/// Med Rehabil 92:972; figures from its CRD/DARE summary, authors and pages not checked) (`tests/trials.rs`). The
/// result saturates above ~50 because fatigue caps a day's useful repetitions (20 gives a difference of 3.7, 50
/// gives 4.5, 100 gives 4.9). The constraint days are the protocol's session days (Page's restraint ran on 5
/// weekdays, the sessions on 3). On ARAT the same forecast gives a difference of 4.4, Page 2004's own ARAT difference
/// (11.4 - 7.1 = 4.3), not the pooled MD 14.15 (10.71 to 17.59): the pooled ARAT moves nearly twice as much as the
/// pooled FMA, Page 2004's ARAT a third as much as its FMA; `tests/trials.rs` gives the figures.
pub const CONSTRAINT_PRACTICE_REPS_PER_HOUR: f64 = 60.0;
/// Learned non-use (Taub; see `recovery::UseState`): the largest share of the use the arm's function carries that a
/// patient may leave untaken (dimensionless). Modelling choice: some use remains in everyone measured.
pub const NONUSE_MAX: f64 = 0.95;
/// Learned non-use unlearned per day of use beyond the habit (per unit of excess use, 0-1, per day). Calibration to
/// EXCITE (Wolf 2006 JAMA 296:2095): 2 weeks of CIMT raised the Motor Activity Log amount of use from 1.21 to 2.13
/// at 12 months against 1.15 to 1.65 with usual and customary care (between-group difference 0.43, 95% CI
/// 0.05-0.80; quality of movement 0.48, lower limit 0.13), and the gain was kept at 24 months (Wolf 2008 Lancet
/// Neurol 7:33). The between-group differences and CIs are checked (the trial's critically appraised abstract,
/// Journal of Physiotherapy; the JAMA abstract, PubMed 17077374, gives WMFT time 19.3 to 9.3 s with CIMT against
/// 24.0 s at baseline with usual care); the arm means of the MAL (1.21 to 2.13, 1.15 to 1.65) are as recorded from
/// the JAMA abstract, whose stored copy ends before them (check). `tests/non_use.rs` and `tests/trials.rs` check
/// them.
pub const NONUSE_UNLEARN_PER_USE_DAY: f64 = 0.03;
/// Learned non-use fading by itself (per year, as a rate). Calibration to EXCITE's usual-care arm: Motor Activity Log
/// amount of use 1.15 to 1.65 over 12 months, 3-9 months after stroke (Wolf 2006).
pub const NONUSE_FADE_PER_YEAR: f64 = 0.2;
/// CIMT's evidence (`model::evidence`): VECTORS (Dromerick 2009 Neurology 73:195) randomised patients in the first
/// 28 days after stroke (days); its high-intensity arm (3 hours of shaping a day and a mitt for 90% of waking hours)
/// did worse on ARAT at day 90 than usual care and than standard-dose CIMT (2 hours a day).
pub const VECTORS_EARLY_DAYS: u32 = 28;
/// Practice a day (minutes) from which CIMT counts as high-intensity in VECTORS' sense: its high-intensity arm's
/// 3 hours of shaping a day.
pub const CIMT_HIGH_INTENSITY_MINUTES_PER_DAY: f64 = 180.0;

// ---------------------------------------------------------------------------------------------------------------
// Attainable best scores. Training moves a score by a share of its headroom; for timed tests the end of the
// instrument's range (a 0-s Timed Up and Go, a 3 m/s comfortable walk) is not a score anyone attains, so the
// headroom is measured to the healthy norm instead.
/// Best attainable Timed Up and Go (seconds): the healthy mean of the fastest age group in Bohannon 2006 J Geriatr
/// Phys Ther 29:64-68 (meta-analysis of 21 studies: 8.1 s at 60-69, 9.2 s at 70-79, 11.3 s at 80-99 years).
pub const ATTAINABLE_TUG_S: f64 = 8.1;
/// Best attainable comfortable walking speed (m/s): the fastest healthy stratum mean in Bohannon & Andrews 2011
/// Physiotherapy 97:182-189 (41 studies, 23,111 adults: 1.434 m/s, men 40-49; 0.943 m/s, women 80-99).
pub const ATTAINABLE_WALK_MS: f64 = 1.43;
/// Best attainable Box and Block Test score (blocks per 60 s). Healthy adult norms: Mathiowetz, Volland, Kashman &
/// Weber 1985 Am J Occup Ther 39:386-391 (628 adults aged 20-94, means falling with age); Niama Natta 2015 J Rehabil
/// Med 47 (692 healthy adults aged 20-85: dominant hand 79-81, non-dominant 72-73 blocks; 89 under 25 years, 55 over
/// 74 years). 75 lies between the dominant- and non-dominant-hand adult means (the affected arm may be either).
pub const ATTAINABLE_BBT: f64 = 75.0;
/// Best attainable Nine-Hole Peg Test time (seconds, lower is better). Mathiowetz, Weber, Kashman & Volland 1985
/// Occup Ther J Res 5:24-38 (628 healthy adults aged 20-94: men 19.0 s, SD 3.2, right hand; 20.6 s left; women
/// slightly faster); Oxford Grice 2003 Am J Occup Ther 57:570-573 (703 adults, same norms with the commercial board).
pub const ATTAINABLE_NHPT_S: f64 = 19.0;

// ---------------------------------------------------------------------------------------------------------------
// Parkinson's disease.
/// Untreated progression of MDS-UPDRS III (points per year). Holden 2018 Mov Disord Clin Pract 5:47-53 (362 de novo
/// patients of the PPMI cohort, linear over 5 years: Part III +2.4 points/year).
pub const PD_PROGRESSION_UPDRS_PER_YEAR: f64 = 2.4;
/// SD of the progression rate between people (points per year). Holden 2018 (check).
pub const PD_PROGRESSION_SD: f64 = 0.4;
/// Trainable share of headroom on whole-body amplitude (dimensionless). Calibration to LSVT BIG, Ebersbach 2010 Mov
/// Disord 25:1902 (UPDRS-III -5.05, SD 3.91, n = 20, at 16 weeks): the library's `lsvt-big` file (two tasks in
/// blocked order, 16 sessions) on H&Y 2.5, UPDRS-III 30, on medication, gives a mean change inside the trial's 95% CI
/// (-6.76 to -3.34; `tests/trials.rs`). The former 0.55 was tuned to a one-task stand-in protocol and gave -3.6 with
/// the library file, outside that CI.
pub const TRAINABLE_SHARE_PD: f64 = 0.74;
/// Transfer of whole-body amplitude training to gait and balance (Timed Up and Go, 10 m walk) in Parkinson's disease
/// (share of skill; other conditions: `outcome::transfer`, 0.6). Parkinsonian gait is hypokinetic, short steps with
/// preserved cadence (Morris, Iansek, Matyas & Summers 1994 Brain 117:1169-1181), so amplitude training is gait
/// training: full transfer. Modelling choice from that mechanism (1, not tuned); `tests/trials.rs` checks its result
/// against McDonnell 2018 Clin Rehabil 32:607 (LSVT BIG vs general exercise: TUG -0.47 s, 95% CI -0.99 to 0.06; 10 m
/// walk -0.53 s, -1.07 to 0.01). The former 0.6 put both at about 40% of those point estimates.
pub const PD_AMPLITUDE_TRANSFER: f64 = 1.0;
/// Reinforcement (basal-ganglia) gain in Parkinson's, on / off medication (dimensionless, healthy 1). Frank 2004
/// Science 306:1940 (off: weak learning from positive outcomes; levodopa restores it); implicit sequence learning
/// reduced, effect size 0.53 (Clark, Lum & Ullman 2014 Neuropsychology 28:945-958, 27 studies). The values are
/// modelling choices.
pub const PD_RL_GAIN_ON: f64 = 0.85;
pub const PD_RL_GAIN_OFF: f64 = 0.6;
/// Automatisation (chunking) gain in Parkinson's (dimensionless). Clark, Lum & Ullman 2014 Neuropsychology 28:945-958:
/// implicit sequence learning worse than in controls, effect size 0.53 (27 studies, 505 patients); 0.6 is a
/// modelling choice in that direction.
pub const PD_AUTO_GAIN: f64 = 0.6;
/// Levodopa response: the share of the OFF-medication MDS-UPDRS III score that the ON state removes (dimensionless;
/// ON = OFF x (1 - response)). A levodopa challenge counts an improvement of more than 30% as a response. The MDS
/// clinical diagnostic criteria (Postuma 2015 Mov Disord 30:1591, supportive criterion 1a, wording checked) document
/// a clear and dramatic response to dopaminergic therapy "objectively (>30% in UPDRS III with change in treatment)":
/// marked improvement with dose increases or marked worsening with dose decreases. A blinded challenge of 37
/// patients used > 30% as a good response and found a mean of 27.3% (Parkinson's Disease 2024:2649578, Hindawi);
/// Pieterman 2018 Front Neurol 9:260 on computing it as a percent; science.md: typically 30-50% (check).
/// Calibration: 0.35, inside the usual 30-50% and above the response threshold, so that a score converted between
/// the states shows the response a treated patient typically has. Converting scores is used only when a forecast's
/// state differs from the state an assessment was taken in.
pub const LEVODOPA_RESPONSE: f64 = 0.35;
/// An ON and an OFF score of one instrument at most this many days apart measure the patient's own levodopa
/// response (days). Modelling choice: untreated progression moves MDS-UPDRS III about 2.4 points a year (Holden
/// 2018), under 0.1 point in two weeks, far less than the measurement error (SEM); a levodopa challenge scores both
/// states on one day.
pub const LEVODOPA_PAIR_DAYS: i32 = 14;
/// Largest levodopa response a pair of scores may measure (dimensionless). Modelling choice: responses above 80%
/// are not reported in challenge series (science.md: typically 30-50%); a larger measured ratio is taken as error.
pub const LEVODOPA_RESPONSE_MAX: f64 = 0.8;
/// Calibration that keeps fewer effective draws than this (Kish's effective sample size) is said in the forecast's
/// notes, first: an 80% band read from so few distinct draws is narrower than the evidence allows. Modelling choice
/// (a 10th and a 90th percentile need a few dozen distinct draws to be stable).
pub const CALIBRATION_MIN_EFFECTIVE_DRAWS: f64 = 30.0;
/// Calibration tempers the likelihood when even the best draw's chi-square is beyond this upper-tail probability of a
/// chi-square with one degree of freedom per assessment (`fit::temper`): the assessments scatter more than the model
/// and the SEM explain. Modelling choice (a conventional 1% test; a model that fits is tempered 1 time in 100 at most,
/// fewer since the best of many draws fits better than the truth).
pub const CALIBRATION_MISFIT_P: f64 = 0.01;

/// Reference MDS-UPDRS III baseline when none is given (points).
pub const PD_REFERENCE_UPDRS: f64 = 30.0;

// Cerebellar ataxia (Therrien, Wolpert & Bastian 2016 Brain 139:101).
/// Error-based learning gain (dimensionless, healthy 1). Therrien 2016: adaptation impaired.
pub const CEREBELLAR_ERR_GAIN: f64 = 0.35;
/// Error-based retention: slow-state retention per trial in cerebellar damage. Therrien 2016: barely retained.
pub const CEREBELLAR_ERR_RETENTION_AS: f64 = 0.95;
/// The same as a multiplier of the healthy slow-state retention time ((1 - 0.996) / (1 - 0.95) = 0.08).
pub const CEREBELLAR_ERR_RETENTION: f64 = (1.0 - SMITH_AS) / (1.0 - CEREBELLAR_ERR_RETENTION_AS);
/// Motor noise multiplier (dimensionless, healthy 1). Therrien 2016: higher motor noise.
pub const CEREBELLAR_NOISE: f64 = 1.8;
/// SARA progression (points per year). Schmitz-Hubsch 2006 Neurology 66:1717 / later cohorts: SARA rose linearly, one
/// point per 0.95 years, in 1,210 patients of the EUROSCA, RISCA, CRC-SCA and SPATAX cohorts (Mov Disord 2023,
/// PMC9851985).
pub const SARA_PROGRESSION_PER_YEAR: f64 = 1.0;
pub const SARA_PROGRESSION_SD: f64 = 0.3;
/// Reference SARA baseline when none is given (points).
pub const SARA_REFERENCE: f64 = 15.0;
/// Trainable share of headroom, ataxia (dimensionless). Calibration: 4 weeks of intensive coordinative training (the
/// library's `cerebellar-coordination`, 12 one-hour sessions) improved SARA by about 2 points in degenerative
/// cerebellar disease (Ilg 2009 Neurology 73:1823-1830), sustained 8 weeks later, and part of it was kept at 1 year
/// while the disease progressed (Ilg 2010 Mov Disord 25:2239-2246); `tests/trials.rs` checks all three. The former
/// 0.3 (an uncited modelling choice) gave -0.6. Most of the training reaches SARA through its gait and stance items
/// from balance practice, which transfers to the whole-body domain only in part (`outcome::transfer`, 0.3), so the
/// share of headroom training can reach is close to that of older adults without a lesion (0.8, below): the
/// cerebellar deficit slows and weakens error-based learning (Therrien 2016), it does not remove the headroom.
pub const TRAINABLE_SHARE_ATAXIA: f64 = 0.85;
/// Trainable share of headroom, healthy older adult (dimensionless). Calibration: `balance-gait-older` (36 one-hour
/// sessions over 12 weeks) on an 81-year-old with Berg 42 gives a mean Berg gain at the end of the programme inside
/// the 95% CI of gait, balance and functional training in Howe 2011 Cochrane CD004963 (Berg MD +3.48, 2.01 to 4.95;
/// 4 trials, n = 145). The skill learned per repetition is calibrated on chronic stroke (Lang 2016, above), so the
/// former value 0.45 (an uncited modelling choice) capped the gain at 0.45 x 14 = 6.3 points and gave only ~+1.9:
/// with no lesion, most of an older adult's balance deficit is trainable, more than after stroke (0.36 x CST) or
/// in Parkinson's (0.74). Lesinski 2015 Sports Med 45:1721 (meta-analysis, healthy adults >= 65) supports
/// 11-12 weeks x 3 sessions/week as the most effective dose.
pub const TRAINABLE_SHARE_OLDER: f64 = 0.8;
/// Reinforcement learning step per trial in the reinforcement task of Therrien 2016, as a share of the
/// error-based step of a healthy learner (dimensionless). Modelling choice: slower but kept.
pub const REINFORCEMENT_RATE: f64 = 0.01;

// ---------------------------------------------------------------------------------------------------------------
// Savings and earlier practice (`draw.rs`: `reactivate`, `forget`).
/// Effective repetitions that restore 63% (1 - 1/e) of the forgotten-but-kept trace of a skill (repetitions).
/// Modelling choice: relearning is faster than first learning (Smith, Ghazizadeh & Shadmehr 2006 PLoS Biol 4:e179:
/// ~8 vs ~21 trials to the same level, about 2.6 times faster; Ebbinghaus 1885); about one session of practice
/// (the fatigue capacity of an hour, 80) brings most of what was forgotten back. Not tuned to a test.
pub const SAVINGS_REACTIVATION_REPS: f64 = 80.0;
/// Time constant of the savings trace itself (days). Modelling choice: motor skills show savings after months to
/// years without practice (check); five years.
pub const SAVINGS_TRACE_DAYS: f64 = 1825.0;

// ---------------------------------------------------------------------------------------------------------------
// Cost bounds of one forecast (engine limits, not model parameters; issue 11.6). One "step" (one slot or task state
// for one draw and day, or one task state for one draw and practice block) costs about 25 ns on one core of the
// clinic's server class, so the largest accepted forecast takes about 5 s on one core.
/// Most steps (draws x (days x (slots + task states) + sessions x task states x blocks)) one forecast may take.
pub const MAX_FORECAST_STEPS: u64 = 200_000_000;
/// Protocol bounds that keep every accepted protocol within the forecast's cost with the default 500 draws over the
/// longest horizon: tasks per protocol, components per task, task states (tasks + components; each is a skill state
/// updated every day) and task states x sessions (each session updates every state in up to 3 blocks). Worst case:
/// 500 draws x (3,651 days x (14 slots + 60 states) + 40,000 x 3) = 1.95e8 steps, under `MAX_FORECAST_STEPS`.
/// Earlier practice (`[[history]]`, at most `scenario::MAX_HISTORY_SESSIONS` sessions) is counted by the forecast's
/// own cost check.
pub const MAX_TASKS: usize = 20;
pub const MAX_COMPONENTS: usize = 12;
pub const MAX_TASK_STATES: u64 = 60;
pub const MAX_STATE_SESSIONS: u64 = 40_000;
/// Most observations (logged assessments) a scenario may hold for calibration.
pub const MAX_OBSERVATIONS: usize = 2000;
