//! Deciding whether a sentence states a constraint, and with which polarity and severity.

use ctx_engine::anchor::{Polarity, Severity};
use regex::Regex;
use std::sync::OnceLock;

/// What the trigger words of a sentence say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger {
    /// Forbids, requires or allows.
    pub polarity: Polarity,
    /// Deny or warn.
    pub severity: Severity,
    /// False for imperative sentences without a constraint word ("Follow X", "Use X"): they
    /// become anchors only when something checkable compiles from them.
    pub strong: bool,
}

struct Patterns {
    never: Regex,
    always: Regex,
    allowed: Regex,
    soft: Regex,
    idiom: Regex,
    weak_imperative: Regex,
    use_not: Regex,
    directive_start: Regex,
    deontic: Regex,
    may_not: Regex,
    leading_clause: Regex,
}

fn patterns() -> &'static Patterns {
    static CELL: OnceLock<Patterns> = OnceLock::new();
    CELL.get_or_init(|| Patterns {
        never: Regex::new(r"(?i)\b(never|do not|don't|dont|must not|mustn't|shall not|should not|shouldn't|may not|forbidden|prohibited|not allowed|not permitted|banned|avoid|refrain from|under no circumstances)\b").unwrap(),
        always: Regex::new(r"(?i)\b(always|must|required|requires|only|ensure|make sure|mandatory|ask first|ask before)\b").unwrap(),
        allowed: Regex::new(r"(?i)\b(you may|you can|may be (edited|modified|changed|used)|is allowed|are allowed|is fine|are fine|is ok|is okay|feel free|it's fine|it is fine|are permitted|is permitted|may share|may use|may modify|may edit)\b").unwrap(),
        soft: Regex::new(r"(?i)\b(should|prefer|preferably|try to|ideally|recommended)\b").unwrap(),
        idiom: Regex::new(r"(?i)\b(never (know|mind|again|ever|before|seen|heard|been|had)|(always|never|must|only)-[a-z]+|not required|not necessary|is optional|are optional|not only|the only|only one|if only|only if|only when needed|as always|almost always|not always)\b").unwrap(),
        weak_imperative: Regex::new(r"(?i)^\W*(use|follow|run|keep|write|include|end|pin|document|put|add|prefer|mark|sign)\b").unwrap(),
        use_not: Regex::new(r"(?i)(\binstead of\b|\brather than\b|\(not |,\s*not |\bnot [a-z`*]+ directly)").unwrap(),
        directive_start: Regex::new(r"(?i)^\W*((please|note|important|warning|caution)\W+)?(never|do not|don't|dont|always|avoid|only|make sure|be sure|ensure|refrain|under no circumstances)\b").unwrap(),
        deontic: Regex::new(r"(?i)\b(must|mustn't|shall|shan't|should not|shouldn't|(is|are) not (allowed|permitted)|(is|are) (forbidden|prohibited)|make sure|be sure to|you should|you may|feel free)\b").unwrap(),
        may_not: Regex::new(r"(?i)\bmay not (\w+)(?: (\w+))?").unwrap(),
        leading_clause: Regex::new(r"(?i)^\W*(when|whenever|if|before|after|unless|while|once|in|for|to)\b[^,]{0,120},\s*").unwrap(),
    })
}

/// Classifies a (markdown-stripped) sentence; `None` when it states no constraint.
pub fn detect(text: &str) -> Option<Trigger> {
    let p = patterns();
    let without_idioms = p.idiom.replace_all(text, " ");
    let quoted = strip_quoted(&without_idioms);
    let t = quoted.as_str();
    let never = p.never.is_match(t);
    let always = p.always.is_match(t);
    let allowed = p.allowed.is_match(t);
    let use_not = p.use_not.is_match(t);
    let severity = if p.soft.is_match(t) && !never && !always {
        Severity::Warn
    } else {
        Severity::Block
    };
    let (polarity, strong) = if allowed && !never {
        (Polarity::Allowed, true)
    } else if never {
        (Polarity::Never, true)
    } else if always || use_not {
        (Polarity::Always, true)
    } else if p.weak_imperative.is_match(t) || p.soft.is_match(t) {
        (Polarity::Always, false)
    } else {
        return None;
    };
    Some(Trigger {
        polarity,
        severity,
        strong,
    })
}

/// True when a sentence of general documentation (not an agent-instruction file) is
/// addressed to whoever works on the project: it opens with a directive ("Never …",
/// "Please avoid …", "Before you push, always …") or says what someone must, shall or may
/// (not) do. Descriptions that merely contain a trigger word ("Mmap objects were never
/// released", "`RangeQuery` requires a fast field", "the pipeline only runs on tags") are not.
pub fn is_directive(text: &str) -> bool {
    let p = patterns();
    let without_idioms = p.idiom.replace_all(text, " ");
    let t = strip_quoted(&without_idioms);
    let main_clause = p.leading_clause.replace(&t, "");
    p.directive_start.is_match(&t)
        || p.directive_start.is_match(&main_clause)
        || p.deontic.is_match(&t)
        || forbids_with_may_not(&t)
}

/// "may not" as a prohibition ("may not commit", "may not be edited"), not as a possibility
/// ("may not be needed").
fn forbids_with_may_not(text: &str) -> bool {
    const ACTIONS: &[&str] = &[
        "edited",
        "modified",
        "changed",
        "deleted",
        "removed",
        "committed",
        "pushed",
        "published",
        "merged",
        "used",
    ];
    patterns().may_not.captures_iter(text).any(|c| {
        let first = c[1].to_ascii_lowercase();
        let second = c.get(2).map(|m| m.as_str().to_ascii_lowercase());
        first != "be" || second.is_some_and(|w| ACTIONS.contains(&w.as_str()))
    })
}

/// Removes text in double quotes and code spans, so `"never"` quoted as an example or a
/// command containing `--only` does not trigger.
fn strip_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let mut in_quote = false;
    for c in text.chars() {
        match c {
            '`' => in_code = !in_code,
            '"' | '“' | '”' if !in_code => in_quote = !in_quote,
            _ if in_code || in_quote => {}
            _ => out.push(c),
        }
    }
    out
}

/// True when the clause itself carries a negative trigger.
pub fn is_negative(clause: &str) -> bool {
    patterns()
        .never
        .is_match(&strip_quoted(&patterns().idiom.replace_all(clause, " ")))
}

/// True when the clause itself carries a positive trigger.
pub fn is_positive(clause: &str) -> bool {
    let t = strip_quoted(&patterns().idiom.replace_all(clause, " "));
    patterns().always.is_match(&t) || patterns().weak_imperative.is_match(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_and_ordinary_sentences() {
        assert_eq!(detect("NEVER use pip").unwrap().polarity, Polarity::Never);
        assert_eq!(
            detect("Always pass `--frozen`").unwrap().polarity,
            Polarity::Always
        );
        assert_eq!(
            detect("You may modify files under wp-content/")
                .unwrap()
                .polarity,
            Polarity::Allowed
        );
        assert_eq!(
            detect("Async testing: use anyio, not asyncio")
                .unwrap()
                .polarity,
            Polarity::Always
        );
        assert!(!detect("Follow Conventional Commits").unwrap().strong);
        assert!(detect("You never know what happens.").is_none());
        assert!(detect("The phone has an always-on display.").is_none());
        assert!(detect("This is the only way in.").is_none());
        assert!(detect("The parser reads tokens.").is_none());
        assert!(detect("Run `grep \"never\" x`").is_some_and(|t| !t.strong));
    }

    #[test]
    fn directives_and_descriptions_in_general_docs() {
        for rule in [
            "Never commit to main.",
            "- **Do not** edit `generated/`.",
            "Please avoid `console.log` in production code.",
            "Before pushing, always run the tests.",
            "Contributors must not modify the files in `vendor/`.",
            "Tests should not touch the network.",
            "You may edit files under `docs/`.",
            "Generated files may not be edited by hand.",
        ] {
            assert!(is_directive(rule), "{rule}");
        }
        for description in [
            "Mmap objects were never released.",
            "This means they will never be garbage collected.",
            "`RangeQuery` requires a fast field.",
            "The release pipeline only runs on tags.",
            "Arrays do not work like nested objects.",
            "Many crates enable features by default that may not be needed.",
            "If there is an ambiguity, we decide to only search in the text field.",
        ] {
            assert!(!is_directive(description), "{description}");
        }
    }
}
