//! What an event expects of a rule, and how an observed verdict is classified against it.

use detsim_generators::Format;
use detsim_generators::model::{Expectation, Language, Verdict};

use crate::rules::RuleInfo;

/// The outcome class of one (event, rule, format).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    TruePositive,
    FalsePositive,
    FalseNegative,
    TrueNegative,
}

impl Class {
    pub fn short(self) -> &'static str {
        match self {
            Class::TruePositive => "TP",
            Class::FalsePositive => "FP",
            Class::FalseNegative => "FN",
            Class::TrueNegative => "TN",
        }
    }
}

/// The most specific expectation of `expect` for a rule on a format: `language/format`, then
/// format, then language, then `all`; expectations naming the rule itself before those naming
/// a rule it restates. `None` when the event says nothing about the rule.
pub fn expected<'e>(
    expect: &'e [Expectation],
    rule: &RuleInfo,
    format: Format,
) -> Option<&'e Expectation> {
    let specificity = |e: &Expectation| -> Option<u8> {
        let language_ok = e.language.is_none_or(|l| l == rule.language);
        let format_ok = e.format.as_deref().is_none_or(|f| f == format.name());
        let direct = u8::from(rule.is_named(&e.rule)) * 4;
        (language_ok && format_ok)
            .then(|| direct + u8::from(e.format.is_some()) * 2 + u8::from(e.language.is_some()))
    };
    expect
        .iter()
        .filter(|e| rule.answers_to(&e.rule))
        .filter_map(|e| specificity(e).map(|s| (s, e)))
        .max_by_key(|(s, _)| *s)
        .map(|(_, e)| e)
}

/// Whether an event carries any expectation for the rule (on any format or language).
pub fn mentions(expect: &[Expectation], rule: &RuleInfo) -> bool {
    expect.iter().any(|e| rule.answers_to(&e.rule))
}

/// An observed verdict judged against the expectation (`None`: the event expects quiet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judgement {
    pub class: Class,
    /// Whether the observation is what the scenario expects.
    pub ok: bool,
}

pub fn judge(fired: bool, expected: Option<Verdict>) -> Judgement {
    let verdict = expected.unwrap_or(Verdict::Quiet);
    let class = match (verdict.is_positive(), fired) {
        (true, true) => Class::TruePositive,
        (true, false) => Class::FalseNegative,
        (false, true) => Class::FalsePositive,
        (false, false) => Class::TrueNegative,
    };
    Judgement {
        class,
        ok: fired == verdict.fires(),
    }
}

/// Why a judgement failed, in words.
pub fn explain_failure(fired: bool, expected: Option<Verdict>) -> String {
    match (expected.unwrap_or(Verdict::Quiet), fired) {
        (Verdict::Alert, false) => "expected an alert, the rule stayed quiet".into(),
        (Verdict::Quiet, true) if expected.is_none() => {
            "unexpected alert: the event expects no alert from this rule".into()
        }
        (Verdict::Quiet, true) => "expected quiet, the rule alerted".into(),
        (Verdict::Missed, true) => {
            "expected a known miss, the rule now alerts: update the expectation".into()
        }
        (Verdict::FalsePositive, false) => {
            "expected a known false positive, the rule no longer alerts: update the expectation"
                .into()
        }
        _ => "as expected".into(),
    }
}

/// Whether a count expectation's filters select a rule on a format.
pub fn count_selects(
    count: &crate::scenario::CountExpectation,
    rule: &RuleInfo,
    format: Format,
) -> bool {
    rule.answers_to(&count.rule)
        && count.format.as_deref().is_none_or(|f| f == format.name())
        && count.language.is_none_or(|l: Language| l == rule.language)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(language: Language) -> RuleInfo {
        RuleInfo {
            key: "r".into(),
            id: Some("ID-1".into()),
            title: "R".into(),
            language,
            source: String::new(),
            related: vec!["parent-rule".into()],
        }
    }

    fn exp(verdict: Verdict, format: Option<&str>, language: Option<Language>) -> Expectation {
        Expectation {
            rule: "r".into(),
            verdict,
            format: format.map(Into::into),
            language,
            reason: None,
        }
    }

    #[test]
    fn the_most_specific_expectation_wins() {
        let expect = vec![
            exp(Verdict::Alert, None, None),
            exp(Verdict::Quiet, Some("ecs"), None),
            exp(Verdict::Missed, None, Some(Language::Sigma)),
            exp(Verdict::FalsePositive, Some("ecs"), Some(Language::Sigma)),
        ];
        let eql = rule(Language::Eql);
        let sigma = rule(Language::Sigma);
        let verdict = |r: &RuleInfo, f: Format| expected(&expect, r, f).map(|e| e.verdict);
        assert_eq!(verdict(&eql, Format::Sysmon), Some(Verdict::Alert));
        assert_eq!(verdict(&eql, Format::Ecs), Some(Verdict::Quiet));
        assert_eq!(verdict(&sigma, Format::Sysmon), Some(Verdict::Missed));
        assert_eq!(verdict(&sigma, Format::Ecs), Some(Verdict::FalsePositive));
        let other = Expectation {
            rule: "other".into(),
            ..exp(Verdict::Alert, None, None)
        };
        assert_eq!(expected(&[other], &eql, Format::Ecs), None);
        let by_id = Expectation {
            rule: "id-1".into(),
            ..exp(Verdict::Alert, None, None)
        };
        assert!(
            expected(&[by_id], &eql, Format::Ecs).is_some(),
            "ids match in any case"
        );

        // A rule answers to the expectations of the rule it restates, unless named directly.
        let inherited = Expectation {
            rule: "parent-rule".into(),
            ..exp(Verdict::Alert, None, None)
        };
        assert_eq!(
            expected(std::slice::from_ref(&inherited), &eql, Format::Ecs).map(|e| e.verdict),
            Some(Verdict::Alert)
        );
        let own = exp(Verdict::Quiet, None, None);
        assert_eq!(
            expected(&[inherited, own], &eql, Format::Ecs).map(|e| e.verdict),
            Some(Verdict::Quiet)
        );
    }

    #[test]
    fn judgements() {
        use Class::*;
        let cases = [
            (true, Some(Verdict::Alert), TruePositive, true),
            (false, Some(Verdict::Alert), FalseNegative, false),
            (true, Some(Verdict::Quiet), FalsePositive, false),
            (false, Some(Verdict::Quiet), TrueNegative, true),
            (false, Some(Verdict::Missed), FalseNegative, true),
            (true, Some(Verdict::Missed), TruePositive, false),
            (true, Some(Verdict::FalsePositive), FalsePositive, true),
            (false, Some(Verdict::FalsePositive), TrueNegative, false),
            (true, None, FalsePositive, false),
            (false, None, TrueNegative, true),
        ];
        for (fired, expected, class, ok) in cases {
            assert_eq!(
                judge(fired, expected),
                Judgement { class, ok },
                "{fired} {expected:?}"
            );
        }
    }
}
