//! Timestamp text forms the products write: ISO 8601 at a given precision, Sysmon's `UtcTime`,
//! epoch milliseconds and Windows FILETIME.

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::push_u64;

/// Seconds between 1601-01-01 (the FILETIME epoch) and 1970-01-01.
const FILETIME_EPOCH_OFFSET: i64 = 11_644_473_600;

/// Appends `YYYY-MM-DDTHH:MM:SS.fffffffZ` with exactly `digits` fractional digits (0 to 9),
/// truncating the time rather than rounding it, as Windows truncates to its 100 ns tick.
pub fn push_iso(out: &mut String, time: &DateTime<Utc>, digits: u32) {
    push_date_time(out, time, 'T');
    push_fraction(out, nanos(time), digits, false);
    out.push('Z');
}

/// Appends ISO 8601 with up to `digits` fractional digits and trailing zeros dropped (no
/// fraction at all on a whole second), the form Kusto gives a `datetime` in JSON.
pub fn push_iso_trimmed(out: &mut String, time: &DateTime<Utc>, digits: u32) {
    push_date_time(out, time, 'T');
    push_fraction(out, nanos(time), digits, true);
    out.push('Z');
}

/// Appends Sysmon's `UtcTime`: `YYYY-MM-DD HH:MM:SS.mmm`, no zone designator.
pub fn push_sysmon_utc(out: &mut String, time: &DateTime<Utc>) {
    push_date_time(out, time, ' ');
    push_fraction(out, nanos(time), 3, false);
}

/// Milliseconds since the Unix epoch.
pub fn epoch_millis(time: &DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

/// Windows FILETIME: 100-nanosecond ticks since 1601-01-01 UTC (saturating at 0).
pub fn filetime(time: &DateTime<Utc>) -> u64 {
    let seconds = time.timestamp() + FILETIME_EPOCH_OFFSET;
    let ticks = i128::from(seconds) * 10_000_000 + i128::from(nanos(time) / 100);
    u64::try_from(ticks.max(0)).unwrap_or(u64::MAX)
}

/// Sub-second nanoseconds, folding a leap second's extra second back into range.
fn nanos(time: &DateTime<Utc>) -> u32 {
    time.timestamp_subsec_nanos().min(999_999_999)
}

fn push_date_time(out: &mut String, time: &DateTime<Utc>, separator: char) {
    // One conversion to the naive UTC value; each accessor on `DateTime` would redo it.
    let time = time.naive_utc();
    let year = time.year();
    let mut text = [0u8; 19];
    if !(0..=9999).contains(&year) {
        // Outside ISO's four-digit years: keep the sign and all digits rather than wrap.
        out.push_str(&format!("{year:+05}"));
    } else {
        put_digits(&mut text[0..4], year as u32);
    }
    text[4] = b'-';
    put_digits(&mut text[5..7], time.month());
    text[7] = b'-';
    put_digits(&mut text[8..10], time.day());
    text[10] = separator as u8;
    put_digits(&mut text[11..13], time.hour());
    text[13] = b':';
    put_digits(&mut text[14..16], time.minute());
    text[16] = b':';
    put_digits(&mut text[17..19], time.second());
    let start = if (0..=9999).contains(&year) { 0 } else { 4 };
    super::push_ascii(out, &text[start..]);
}

/// Writes `value` as exactly `slot.len()` decimal digits.
fn put_digits(slot: &mut [u8], mut value: u32) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn push_fraction(out: &mut String, nanos: u32, digits: u32, trim: bool) {
    let digits = digits.min(9);
    if digits == 0 {
        return;
    }
    let mut value = u64::from(nanos) / 10u64.pow(9 - digits);
    let mut width = digits as usize;
    if trim {
        while width > 0 && value.is_multiple_of(10) {
            value /= 10;
            width -= 1;
        }
        if width == 0 {
            return;
        }
    }
    out.push('.');
    push_padded(out, value, width);
}

/// Appends `value` in decimal, left-padded with zeros to `width` digits.
pub fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut length = 1;
    let mut rest = value / 10;
    while rest > 0 {
        length += 1;
        rest /= 10;
    }
    for _ in length..width {
        out.push('0');
    }
    push_u64(out, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(nanos: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 4).unwrap()
            + chrono::Duration::nanoseconds(nanos.into())
    }

    fn text(f: impl Fn(&mut String)) -> String {
        let mut out = String::new();
        f(&mut out);
        out
    }

    #[test]
    fn iso_precisions_truncate() {
        let time = at(80_723_299);
        assert_eq!(
            text(|o| push_iso(o, &time, 7)),
            "2026-01-05T08:00:04.0807232Z"
        );
        assert_eq!(
            text(|o| push_iso(o, &time, 6)),
            "2026-01-05T08:00:04.080723Z"
        );
        assert_eq!(
            text(|o| push_iso(o, &time, 9)),
            "2026-01-05T08:00:04.080723299Z"
        );
        assert_eq!(text(|o| push_iso(o, &time, 0)), "2026-01-05T08:00:04Z");
        assert_eq!(
            text(|o| push_sysmon_utc(o, &time)),
            "2026-01-05 08:00:04.080"
        );
    }

    #[test]
    fn trimmed_iso_drops_trailing_zeros() {
        assert_eq!(
            text(|o| push_iso_trimmed(o, &at(528_333_000), 7)),
            "2026-01-05T08:00:04.528333Z"
        );
        assert_eq!(
            text(|o| push_iso_trimmed(o, &at(0), 7)),
            "2026-01-05T08:00:04Z"
        );
        assert_eq!(
            text(|o| push_iso_trimmed(o, &at(904_022_650), 7)),
            "2026-01-05T08:00:04.9040226Z"
        );
    }

    #[test]
    fn filetime_counts_ticks_from_1601() {
        let epoch = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(filetime(&epoch), 116_444_736_000_000_000);
        assert_eq!(
            filetime(&(epoch + chrono::Duration::nanoseconds(250))),
            116_444_736_000_000_002
        );
        assert_eq!(epoch_millis(&at(80_723_299)) % 1000, 80);
    }
}
