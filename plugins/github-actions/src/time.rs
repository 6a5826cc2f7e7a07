//! RFC 3339 timestamps as GitHub writes them (`2026-11-29T10:00:00Z`), without a date crate:
//! parsing to Unix milliseconds, formatting Unix seconds, and durations between two stamps.

/// Unix milliseconds of an RFC 3339 timestamp (`Z` or `±hh:mm`, optional fraction).
pub fn parse_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let ms: String = frac[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        millis = ms.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_secs = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let h: i64 = rest[1..3].parse().ok()?;
            let m: i64 = rest[4..6].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(secs * 1000 + millis)
}

/// `2026-11-29T10:00:00Z` for Unix seconds.
pub fn format_secs(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `17:03:12 UTC` for Unix seconds (the time of day, for messages).
pub fn time_of_day(secs: i64) -> String {
    let rem = secs.rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `4 min 10 s`, `35 s`, `2 h 5 min`.
pub fn human_secs(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 if secs % 60 == 0 => format!("{} min", secs / 60),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

/// Milliseconds from `start` to `end` (RFC 3339), if both parse and `end` is not earlier.
pub fn between_ms(start: Option<&str>, end: Option<&str>) -> Option<u64> {
    let (start, end) = (parse_ms(start?)?, parse_ms(end?)?);
    u64::try_from(end - start).ok()
}

/// The current Unix time in seconds (the guest's wall clock, from the host).
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// Howard Hinnant's algorithms (public domain), proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_github_timestamps() {
        assert_eq!(parse_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_ms("2020-01-22T19:33:08Z"), Some(1_579_721_588_000));
        assert_eq!(
            parse_ms("2020-01-22T20:33:08+01:00"),
            Some(1_579_721_588_000)
        );
        assert_eq!(parse_ms("2020-01-22T19:33:08.25Z"), Some(1_579_721_588_250));
        for bad in [
            "",
            "2020-01-22",
            "2020-13-01T00:00:00Z",
            "2020-01-22T19:33:08",
            "x020-01-22T19:33:08Z",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(format_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_secs(1_579_721_588), "2020-01-22T19:33:08Z");
        let t = parse_ms("2028-02-29T23:59:59Z").unwrap() / 1000;
        assert_eq!(format_secs(t), "2028-02-29T23:59:59Z");
        assert_eq!(time_of_day(1_579_721_588), "19:33:08 UTC");
    }

    #[test]
    fn durations_and_human_text() {
        assert_eq!(
            between_ms(Some("2020-01-22T19:33:08Z"), Some("2020-01-22T19:34:20Z")),
            Some(72_000)
        );
        assert_eq!(
            between_ms(Some("2020-01-22T19:34:20Z"), Some("2020-01-22T19:33:08Z")),
            None
        );
        assert_eq!(between_ms(None, Some("2020-01-22T19:33:08Z")), None);
        assert_eq!(human_secs(35), "35 s");
        assert_eq!(human_secs(240), "4 min");
        assert_eq!(human_secs(250), "4 min 10 s");
        assert_eq!(human_secs(7500), "2 h 5 min");
    }
}
