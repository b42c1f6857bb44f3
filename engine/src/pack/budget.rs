//! Token budgets written the way people write them: `400k`, `1m`, `1.5M`, `128000`.

use crate::{Error, Result};

/// The largest budget ctx accepts (100M tokens); anything above is a typo.
pub const MAX_BUDGET: u64 = 100_000_000;

/// Parses a token budget: a whole number, optionally with `k` (thousand) or `m` (million)
/// and a decimal fraction (`1.5m`). Underscores and commas group digits (`128_000`).
pub fn parse_budget(text: &str) -> Result<u64> {
    let trimmed = text.trim();
    let cleaned: String = trimmed.chars().filter(|c| *c != '_' && *c != ',').collect();
    let lower = cleaned.to_ascii_lowercase();
    let (number, scale) = match lower.strip_suffix('k') {
        Some(rest) => (rest, 1_000u64),
        None => match lower.strip_suffix('m') {
            Some(rest) => (rest, 1_000_000u64),
            None => (lower.as_str(), 1u64),
        },
    };
    let value = parse_scaled(number, scale).ok_or_else(|| {
        Error::Invalid(format!(
            "cannot read budget {trimmed:?}: write a token count like `128000`, `400k`, `1m` or `1.5M`"
        ))
    })?;
    if value == 0 {
        return Err(Error::Invalid(format!(
            "budget {trimmed:?} is zero: give a positive token count like `400k`"
        )));
    }
    if value > MAX_BUDGET {
        return Err(Error::Invalid(format!(
            "budget {trimmed:?} is {value} tokens, above the maximum of {MAX_BUDGET}: check the unit (`k` or `m`)"
        )));
    }
    Ok(value)
}

/// `number × scale` for a decimal `number` with at most as many fraction digits as `scale`
/// allows exactly; `None` if it is not a plain non-negative decimal.
fn parse_scaled(number: &str, scale: u64) -> Option<u64> {
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !all_digits(whole) || !all_digits(fraction) || (number.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut value = whole.checked_mul(scale)?;
    let mut unit = scale;
    for digit in fraction.bytes() {
        unit /= 10;
        let d = u64::from(digit - b'0');
        if unit == 0 {
            if d != 0 {
                return None; // a fraction of a token
            }
            continue;
        }
        value = value.checked_add(d * unit)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(parse_budget("400k").unwrap(), 400_000);
        assert_eq!(parse_budget("1m").unwrap(), 1_000_000);
        assert_eq!(parse_budget("1.5M").unwrap(), 1_500_000);
        assert_eq!(parse_budget("128000").unwrap(), 128_000);
        assert_eq!(parse_budget(" 128_000 ").unwrap(), 128_000);
        assert_eq!(parse_budget("8K").unwrap(), 8_000);
        assert_eq!(parse_budget("0.5k").unwrap(), 500);
        assert_eq!(parse_budget(".5m").unwrap(), 500_000);
    }

    #[test]
    fn rejects_bad_input_with_the_value_quoted() {
        for bad in [
            "", "k", "abc", "1.5", "-5k", "1e6", "4 00k", "12kb", "1.", "1.2.3k",
        ] {
            let err = parse_budget(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("{:?}", bad.trim())), "{bad}: {err}");
        }
        assert!(parse_budget("0").unwrap_err().to_string().contains("zero"));
        assert!(parse_budget("200m")
            .unwrap_err()
            .to_string()
            .contains("maximum"));
    }
}
