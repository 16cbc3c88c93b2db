//! The derivations an ECS mapping can apply to a vendor value.

use detsim_generators::args::split_command_line;
use serde_json::Value;

/// How a vendor value becomes an ECS value.
#[derive(Clone, Debug, PartialEq)]
pub enum Transform {
    /// The value as it is.
    Copy,
    /// The value as text (`1` → `"1"`).
    Text,
    /// The value as an integer (`"1234"` → `1234`).
    Long,
    /// Lower-cased text.
    Lower,
    /// The part after the last backslash; absent when there is none (as Elastic's scripts do).
    Basename,
    /// Windows command-line splitting into an array.
    SplitArgs,
    /// The number of arguments of a command line.
    CountArgs,
    /// The domain of `DOMAIN\user`; absent unless there are exactly two parts.
    Domain,
    /// The user of `DOMAIN\user`; absent unless there are exactly two parts.
    Account,
    /// One digest of Sysmon's `Hashes` (`MD5=..,SHA256=..`), lower-cased.
    Hash(String),
    /// Epoch milliseconds to an RFC 3339 time.
    EpochMillis,
    /// Sysmon's `UtcTime` (`2026-01-05 08:03:40.193`) to an RFC 3339 time.
    UtcTime,
    /// A one-element array of the value.
    Array,
    /// Strips one leading and one trailing `"` when the text has both.
    TrimQuotes,
}

impl Transform {
    pub fn parse(text: &str) -> Result<Transform, String> {
        Ok(match text {
            "copy" => Transform::Copy,
            "text" => Transform::Text,
            "long" => Transform::Long,
            "lower" => Transform::Lower,
            "basename" => Transform::Basename,
            "split_args" => Transform::SplitArgs,
            "count_args" => Transform::CountArgs,
            "domain" => Transform::Domain,
            "account" => Transform::Account,
            "epoch_millis" => Transform::EpochMillis,
            "utc_time" => Transform::UtcTime,
            "array" => Transform::Array,
            "trim_quotes" => Transform::TrimQuotes,
            _ => match text.strip_prefix("hash:") {
                Some(algorithm) if !algorithm.is_empty() => Transform::Hash(algorithm.to_string()),
                _ => {
                    return Err(format!(
                        "unknown transform `{text}`, expected one of: copy, text, long, lower, \
                         basename, split_args, count_args, domain, account, hash:<ALGORITHM>, \
                         epoch_millis, utc_time, array, trim_quotes"
                    ));
                }
            },
        })
    }

    /// Applies the transform; `None` means the ECS field stays absent.
    pub fn apply(&self, value: &Value) -> Option<Value> {
        let text = || text_of(value);
        Some(match self {
            Transform::Copy => value.clone(),
            Transform::Text => Value::String(text()?),
            Transform::Long => match value {
                Value::Number(n) if n.is_i64() || n.is_u64() => value.clone(),
                _ => Value::from(text()?.trim().parse::<i64>().ok()?),
            },
            Transform::Lower => Value::String(text()?.to_lowercase()),
            Transform::Basename => {
                let path = text()?;
                let (_, name) = path.rsplit_once('\\')?;
                if name.is_empty() {
                    return None;
                }
                Value::String(name.to_string())
            }
            Transform::SplitArgs => Value::Array(
                split_command_line(&text()?)
                    .into_iter()
                    .map(Value::String)
                    .collect(),
            ),
            Transform::CountArgs => Value::from(split_command_line(&text()?).len()),
            Transform::Domain => Value::String(user_parts(&text()?)?.0),
            Transform::Account => Value::String(user_parts(&text()?)?.1),
            Transform::Hash(algorithm) => {
                let hashes = text()?;
                let digest = hashes.split(',').find_map(|pair| {
                    let (name, digest) = pair.split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case(algorithm)
                        .then(|| digest.trim().to_lowercase())
                })?;
                Value::String(digest)
            }
            Transform::EpochMillis => {
                let millis = match value {
                    Value::Number(n) => n.as_i64()?,
                    _ => text()?.trim().parse().ok()?,
                };
                let time = chrono::DateTime::from_timestamp_millis(millis)?;
                Value::String(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            }
            Transform::UtcTime => {
                let text = text()?;
                let time =
                    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f")
                        .ok()?
                        .and_utc();
                Value::String(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            }
            Transform::TrimQuotes => {
                let text = text()?;
                let trimmed = text
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .unwrap_or(&text);
                Value::String(trimmed.to_string())
            }
            Transform::Array => match value {
                Value::Array(_) => value.clone(),
                other => Value::Array(vec![other.clone()]),
            },
        })
    }
}

/// A scalar as text; `None` for null, arrays and objects.
pub fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn user_parts(user: &str) -> Option<(String, String)> {
    let mut parts = user.split('\\');
    let (domain, name) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || domain.is_empty() || name.is_empty() {
        return None;
    }
    Some((domain.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn transforms() {
        let cases: Vec<(&str, Value, Option<Value>)> = vec![
            (
                "basename",
                json!(r"C:\Windows\System32\cmd.exe"),
                Some(json!("cmd.exe")),
            ),
            ("basename", json!("cmd.exe"), None),
            ("basename", json!(r"C:\dir\"), None),
            (
                "split_args",
                json!(r#"cmd.exe /c "a b""#),
                Some(json!(["cmd.exe", "/c", "a b"])),
            ),
            ("count_args", json!(r#"cmd.exe /c "a b""#), Some(json!(3))),
            (
                "domain",
                json!(r"NT AUTHORITY\SYSTEM"),
                Some(json!("NT AUTHORITY")),
            ),
            (
                "account",
                json!(r"NT AUTHORITY\SYSTEM"),
                Some(json!("SYSTEM")),
            ),
            ("account", json!("SYSTEM"), None),
            (
                "hash:SHA256",
                json!("MD5=AB,SHA256=CD12"),
                Some(json!("cd12")),
            ),
            ("hash:SHA1", json!("MD5=AB"), None),
            ("long", json!("1234"), Some(json!(1234))),
            ("long", json!(4), Some(json!(4))),
            ("long", json!("x"), None),
            ("text", json!(1), Some(json!("1"))),
            ("lower", json!("WS-1.Corp"), Some(json!("ws-1.corp"))),
            (
                "epoch_millis",
                json!(1664811149470_i64),
                Some(json!("2022-10-03T15:32:29.470Z")),
            ),
            ("array", json!("start"), Some(json!(["start"]))),
            (
                "utc_time",
                json!("2026-01-05 08:03:40.193"),
                Some(json!("2026-01-05T08:03:40.193Z")),
            ),
            ("utc_time", json!("yesterday"), None),
            ("trim_quotes", json!("\"a b\""), Some(json!("a b"))),
            ("trim_quotes", json!("\"a\" b"), Some(json!("\"a\" b"))),
        ];
        for (transform, input, want) in cases {
            let got = Transform::parse(transform).unwrap().apply(&input);
            assert_eq!(got, want, "{transform} {input}");
        }
        assert!(Transform::parse("upper").is_err());
    }
}
