//! HTTP-date (RFC 9110 §5.6.7): IMF-fixdate out, all three forms in.

/// Latest second an IMF-fixdate can show (9999-12-31T23:59:59Z).
const MAX_SECS: u64 = 253_402_300_799;

const WEEKDAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
const WEEKDAYS_LONG: [&[u8]; 7] = [b"Sunday", b"Monday", b"Tuesday", b"Wednesday", b"Thursday", b"Friday", b"Saturday"];
const MONTHS: [&[u8; 3]; 12] =
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];

/// An IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`, formatted on the
/// stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HttpDate([u8; 29]);

impl HttpDate {
    /// Formats `secs` since the Unix epoch (clamped to year 9999).
    pub fn from_unix(secs: u64) -> HttpDate {
        let secs = secs.min(MAX_SECS);
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let (year, month, day) = civil_from_days(days);
        let mut b = *b"Thu, 01 Jan 1970 00:00:00 GMT";
        b[..3].copy_from_slice(WEEKDAYS[((days + 4) % 7) as usize]);
        two(&mut b[5..7], day);
        b[8..11].copy_from_slice(MONTHS[month as usize - 1]);
        let y = year as u32;
        two(&mut b[12..14], y / 100);
        two(&mut b[14..16], y % 100);
        two(&mut b[17..19], (rem / 3600) as u32);
        two(&mut b[20..22], (rem / 60 % 60) as u32);
        two(&mut b[23..25], (rem % 60) as u32);
        HttpDate(b)
    }

    /// The 29 ASCII bytes of the date, as the `Date` field carries them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for HttpDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Always ASCII by construction.
        f.write_str(std::str::from_utf8(&self.0).unwrap_or("?"))
    }
}

/// The `Date` value of the current second, reformatted only when the second
/// changes (as nginx caches its time strings).
#[derive(Clone, Copy, Debug)]
pub struct DateCache {
    secs: u64,
    date: HttpDate,
}

impl DateCache {
    /// A cache holding the date of `now_unix_secs` (seconds since the Unix
    /// epoch).
    pub fn new(now_unix_secs: u64) -> DateCache {
        DateCache { secs: now_unix_secs, date: HttpDate::from_unix(now_unix_secs) }
    }

    /// The date for `now_unix_secs`.
    pub fn at(&mut self, now_unix_secs: u64) -> &HttpDate {
        if now_unix_secs != self.secs {
            *self = DateCache::new(now_unix_secs);
        }
        &self.date
    }
}

fn two(out: &mut [u8], v: u32) {
    out[0] = b'0' + (v / 10 % 10) as u8;
    out[1] = b'0' + (v % 10) as u8;
}

/// Parses an HTTP-date in any of the three forms a recipient must accept
/// (IMF-fixdate, RFC 850, asctime), into seconds since the Unix epoch.
/// Anything after a `;` is ignored, as Twisted does for old browsers'
/// `If-Modified-Since: <date>; length=N`. Dates before 1970 give `None`.
pub fn parse_http_date(value: &[u8]) -> Option<u64> {
    let value = value.split(|&b| b == b';').next().unwrap_or(value).trim_ascii();
    let (year, month, day, time) = if value.len() == 29 && value.get(3) == Some(&b',') {
        // Sun, 06 Nov 1994 08:49:37 GMT
        weekday_short(&value[..3])?;
        expect(value, 3, b", ")?;
        let day = digits(&value[5..7])?;
        expect(value, 7, b" ")?;
        let month = month(&value[8..11])?;
        expect(value, 11, b" ")?;
        let year = digits(&value[12..16])?;
        expect(value, 16, b" ")?;
        let time = hms(&value[17..25])?;
        expect(value, 25, b" GMT")?;
        (year, month, day, time)
    } else if let Some(comma) = value.iter().position(|&b| b == b',') {
        // Sunday, 06-Nov-94 08:49:37 GMT
        if !WEEKDAYS_LONG.contains(&&value[..comma]) {
            return None;
        }
        let rest = &value[comma..];
        if rest.len() != 24 {
            return None;
        }
        expect(rest, 0, b", ")?;
        let day = digits(&rest[2..4])?;
        expect(rest, 4, b"-")?;
        let month = month(&rest[5..8])?;
        expect(rest, 8, b"-")?;
        let yy = digits(&rest[9..11])?;
        expect(rest, 11, b" ")?;
        let time = hms(&rest[12..20])?;
        expect(rest, 20, b" GMT")?;
        // RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is in the past.
        let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
        (year, month, day, time)
    } else if value.len() == 24 {
        // Sun Nov  6 08:49:37 1994
        weekday_short(&value[..3])?;
        expect(value, 3, b" ")?;
        let month = month(&value[4..7])?;
        expect(value, 7, b" ")?;
        let day = match value[8] {
            b' ' => digits(&value[9..10])?,
            _ => digits(&value[8..10])?,
        };
        expect(value, 10, b" ")?;
        let time = hms(&value[11..19])?;
        expect(value, 19, b" ")?;
        let year = digits(&value[20..24])?;
        (year, month, day, time)
    } else {
        return None;
    };
    if year < 1970 || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    Some(days as u64 * 86_400 + time)
}

fn expect(v: &[u8], at: usize, lit: &[u8]) -> Option<()> {
    (v.get(at..at + lit.len())? == lit).then_some(())
}

fn digits(v: &[u8]) -> Option<u32> {
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0')))
}

fn weekday_short(v: &[u8]) -> Option<()> {
    WEEKDAYS.iter().any(|w| &w[..] == v).then_some(())
}

fn month(v: &[u8]) -> Option<u32> {
    MONTHS.iter().position(|m| &m[..] == v).map(|i| i as u32 + 1)
}

fn hms(v: &[u8]) -> Option<u64> {
    if v.len() != 8 || v[2] != b':' || v[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&v[0..2])?, digits(&v[3..5])?, digits(&v[6..8])?);
    // A leap second (60) is read as the last second of the minute.
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(u64::from(h) * 3600 + u64::from(m) * 60 + u64::from(s.min(59)))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil calendar algorithms (public domain), proleptic
// Gregorian, day 0 = 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe as i64 + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400) as u64;
    let mp = u64::from(if month > 2 { month - 3 } else { month + 9 });
    let doy = (153 * mp + 2) / 5 + u64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i64 - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(secs: u64) -> String {
        String::from_utf8(HttpDate::from_unix(secs).as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn formats_known_timestamps() {
        assert_eq!(fmt(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(fmt(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(fmt(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(fmt(1_234_567_890), "Fri, 13 Feb 2009 23:31:30 GMT");
        assert_eq!(fmt(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(fmt(2_147_483_647), "Tue, 19 Jan 2038 03:14:07 GMT");
        assert_eq!(fmt(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
        assert_eq!(fmt(MAX_SECS), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(fmt(u64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
    }

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date(b"Sun Nov  6 08:49:37 1994"), Some(784_111_777));
        assert_eq!(parse_http_date(b"Sun Nov 16 08:49:37 1994"), Some(784_111_777 + 10 * 86_400));
        assert_eq!(parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT; length=1234"), Some(784_111_777));
        assert_eq!(parse_http_date(b"Thursday, 01-Jan-70 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date(b"Monday, 01-Jan-29 00:00:00 GMT"), Some(1_861_920_000));
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            &b""[..],
            b"yesterday",
            b"Sun, 06 Nov 1994 08:49:37 UTC",
            b"Sun, 06 Nov 1994 24:00:00 GMT",
            b"Sun, 31 Nov 1994 08:49:37 GMT",
            b"Sun, 29 Feb 1900 08:49:37 GMT",
            b"Sun, 06 Foo 1994 08:49:37 GMT",
            b"Xyz, 06 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1969 08:49:37 GMT",
            b"Sun,  6 Nov 1994 08:49:37 GMT",
            b"Sun, +6 Nov 1994 08:49:37 GMT",
            b"Funday, 06-Nov-94 08:49:37 GMT",
            b"Sun Nov  6 08:49:37 19x4",
        ] {
            assert_eq!(parse_http_date(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn round_trips() {
        let mut t = 0u64;
        while t < 4_000_000_000 {
            assert_eq!(parse_http_date(HttpDate::from_unix(t).as_bytes()), Some(t));
            t += 86_399 * 37 + 17;
        }
    }

    #[test]
    fn cache_reformats_on_new_second() {
        let mut c = DateCache::new(0);
        assert_eq!(c.at(0).as_bytes(), b"Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(c.at(784_111_777).as_bytes(), b"Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
