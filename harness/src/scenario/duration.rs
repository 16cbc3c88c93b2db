//! Durations (`2s`, `1h30m`, `250ms`) and rates (`300/h`) as scenario files write them.

use chrono::TimeDelta;

/// Parses a duration: one or more `<number><unit>` parts, units `ms`, `s`, `m`, `h`, `d`.
pub fn parse_duration(text: &str) -> Result<TimeDelta, String> {
    let expected = "expected a number followed by ms, s, m, h or d (e.g. `2s`, `1h30m`)";
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("empty duration: {expected}"));
    }
    let mut total_ms: f64 = 0.0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("invalid duration `{text}`: {expected}"))?;
        let scale = match unit {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return Err(format!("invalid duration `{text}`: {expected}")),
        };
        total_ms += value * scale;
        rest = after.trim_start();
    }
    if !total_ms.is_finite() || total_ms > 3.65e12 {
        return Err(format!("duration `{text}` is too long"));
    }
    Ok(TimeDelta::microseconds((total_ms * 1_000.0).round() as i64))
}

/// Parses a rate `<count>/<unit>` (`300/h`, `2/s`) into events per second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let expected = "expected `<count>/<unit>` with unit s, m, h or d (e.g. `300/h`)";
    let (count, unit) = text
        .split_once('/')
        .ok_or_else(|| format!("invalid rate `{text}`: {expected}"))?;
    let count: f64 = count
        .trim()
        .parse()
        .map_err(|_| format!("invalid rate `{text}`: {expected}"))?;
    let seconds = match unit.trim() {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3_600.0,
        "d" => 86_400.0,
        _ => return Err(format!("invalid rate `{text}`: {expected}")),
    };
    if !(count > 0.0 && count.is_finite()) {
        return Err(format!("invalid rate `{text}`: the count must be positive"));
    }
    Ok(count / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases = [
            ("2s", Some(2_000)),
            ("250ms", Some(250)),
            ("1h30m", Some(5_400_000)),
            ("1d", Some(86_400_000)),
            ("0.5s", Some(500)),
            ("2 sec", None),
            ("", None),
            ("s", None),
            ("10", None),
            ("-1s", None),
        ];
        for (text, want) in cases {
            let got = parse_duration(text).ok().map(|d| d.num_milliseconds());
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("3600/h"), Ok(1.0));
        assert_eq!(parse_rate("2/s"), Ok(2.0));
        assert!(parse_rate("2").is_err());
        assert!(parse_rate("0/h").is_err());
        assert!(parse_rate("5/week").is_err());
    }
}
