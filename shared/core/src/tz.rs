//! Time zones as phones want them: the standard UTC offset and the yearly
//! DST rule, read from the POSIX TZ string that ends every TZif file of the
//! system zoneinfo (the same source wazo-provd's `tzinform` reads).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, OnceLock, RwLock};

/// `tzinform.get_timezone_info` in Rust form. Offsets are seconds east of UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimezoneInfo {
    /// The zone's name (`Europe/Paris`).
    pub name: String,
    /// Standard time's offset, seconds east of UTC.
    pub utc_offset: i32,
    /// When daylight saving time applies; `None` for a zone without DST.
    pub dst: Option<DstRule>,
}

/// A zone's yearly daylight saving time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DstRule {
    /// When DST starts (in standard time).
    pub start: DstChange,
    /// When it ends (in daylight time).
    pub end: DstChange,
    /// Seconds added to standard time while DST is on (usually 3600).
    pub save: i32,
    /// The POSIX TZ string the rule came from.
    pub as_string: String,
}

/// A transition, in local time of the period it ends (POSIX semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DstChange {
    /// The month, 1..=12 (for the Julian forms, the month the day falls in).
    pub month: u8,
    /// The day of the change.
    pub day: DstDay,
    /// Seconds after local midnight; may be negative or exceed a day.
    pub time: i32,
}

/// The day of a DST change, in one of the three POSIX forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DstDay {
    /// `Mm.w.d`: a weekday of a week of the month.
    Weekday {
        /// Week 1..=5 of the month (5 = the last).
        week: u8,
        /// Day of the week, 0 = Sunday.
        weekday: u8,
    },
    /// `Jn`: day 1..=365 of the year, February 29 never counted.
    Julian(u16),
    /// `n`: day 0..=365 of the year, February 29 counted.
    ZeroJulian(u16),
}

impl DstDay {
    /// wazo-provd's `Ww.d` notation with Monday = 1 .. Sunday = 7, which is
    /// also what Yealink and Aastra call the day of week.
    pub fn weekday_monday_first(weekday: u8) -> u8 {
        (weekday + 6) % 7 + 1
    }
}

/// Why a zone's rules are not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TzError {
    /// No such zone in the system zoneinfo (or a name that is no zone name).
    #[error("unknown time zone {0:?}")]
    NotFound(String),
    /// The zone's file, or a POSIX TZ string, cannot be read.
    #[error("time zone {name:?}: {reason}")]
    Invalid {
        /// The zone.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

fn zoneinfo_dir() -> PathBuf {
    std::env::var_os("TZDIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/share/zoneinfo"))
}

type Cache = Mutex<HashMap<String, Result<Arc<TimezoneInfo>, TzError>>>;

/// Looks a zone up once per process; thousands of devices share a handful
/// of zones.
pub fn timezone_info(name: &str) -> Result<Arc<TimezoneInfo>, TzError> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap().get(name) {
        return hit.clone();
    }
    let result = load(name).map(Arc::new);
    cache.lock().unwrap().insert(name.to_owned(), result.clone());
    result
}

/// What a family derives from a zone alone (its time zone settings),
/// derived once per zone and process: devices share a handful of zones, and
/// formatting them for every device cost more than most of a family's other
/// values. `None` for a zone [`timezone_info`] does not know.
pub struct PerZone<T: 'static> {
    derive: fn(&TimezoneInfo) -> T,
    // Read-mostly: compile threads look zones up in parallel.
    values: LazyLock<RwLock<HashMap<String, Option<T>>>>,
}

impl<T: Clone + Send + Sync + 'static> PerZone<T> {
    /// A cache of `derive`'s value for each zone asked.
    pub const fn new(derive: fn(&TimezoneInfo) -> T) -> Self {
        PerZone { derive, values: LazyLock::new(|| RwLock::new(HashMap::new())) }
    }

    /// The value derived for `zone` (computed once); `None` for an unknown zone.
    pub fn get(&self, zone: &str) -> Option<T> {
        if let Some(hit) = self.values.read().unwrap().get(zone) {
            return hit.clone();
        }
        let value = timezone_info(zone).ok().map(|info| (self.derive)(&info));
        self.values.write().unwrap().insert(zone.to_owned(), value.clone());
        value
    }
}

fn load(name: &str) -> Result<TimezoneInfo, TzError> {
    let not_found = || TzError::NotFound(name.to_owned());
    let safe = !name.is_empty()
        && !name.starts_with('/')
        && name.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b));
    if !safe {
        return Err(not_found());
    }
    let bytes = std::fs::read(zoneinfo_dir().join(name)).map_err(|_| not_found())?;
    if !bytes.starts_with(b"TZif") {
        return Err(not_found());
    }
    let invalid = |reason: &str| TzError::Invalid { name: name.to_owned(), reason: reason.to_owned() };
    // The footer is the last line: "\n<TZ string>\n" (TZif version 2 and later).
    let body = bytes.strip_suffix(b"\n").ok_or_else(|| invalid("no POSIX TZ footer (TZif v1 file)"))?;
    let start = body.iter().rposition(|&b| b == b'\n').ok_or_else(|| invalid("no POSIX TZ footer"))?;
    let footer = std::str::from_utf8(&body[start + 1..]).map_err(|_| invalid("footer is not ASCII"))?;
    parse_posix_tz(name, footer)
}

/// Parses a POSIX TZ string such as `EST5EDT,M3.2.0,M11.1.0`, the time zone
/// `name` describes.
pub fn parse_posix_tz(name: &str, s: &str) -> Result<TimezoneInfo, TzError> {
    parse_posix(name, s)
        .map_err(|reason| TzError::Invalid { name: name.to_owned(), reason: format!("{reason} in {s:?}") })
}

fn parse_posix(name: &str, s: &str) -> Result<TimezoneInfo, String> {
    let mut p = Parser { s: s.as_bytes(), i: 0 };
    p.zone_name()?;
    let std_offset = -p.offset()?;
    if p.done() {
        return Ok(TimezoneInfo { name: name.to_owned(), utc_offset: std_offset, dst: None });
    }
    p.zone_name()?;
    let dst_offset = if p.peek().is_some_and(|c| c != b',') { -p.offset()? } else { std_offset + 3600 };
    let (start, end) = if p.done() {
        // POSIX leaves the default rule to the implementation; glibc uses the US one.
        (
            DstChange { month: 3, day: DstDay::Weekday { week: 2, weekday: 0 }, time: 7200 },
            DstChange { month: 11, day: DstDay::Weekday { week: 1, weekday: 0 }, time: 7200 },
        )
    } else {
        p.expect(b',')?;
        let start = p.change()?;
        p.expect(b',')?;
        let end = p.change()?;
        (start, end)
    };
    if !p.done() {
        return Err(format!("trailing characters at byte {}", p.i));
    }
    Ok(TimezoneInfo {
        name: name.to_owned(),
        utc_offset: std_offset,
        dst: Some(DstRule { start, end, save: dst_offset - std_offset, as_string: s.to_owned() }),
    })
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at byte {}", c as char, self.i))
        }
    }
    fn zone_name(&mut self) -> Result<(), String> {
        let start = self.i;
        if self.peek() == Some(b'<') {
            while self.peek().is_some_and(|c| c != b'>') {
                self.i += 1;
            }
            self.expect(b'>')?;
        } else {
            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                self.i += 1;
            }
        }
        if self.i - start < 3 {
            return Err(format!("zone abbreviation expected at byte {start}"));
        }
        Ok(())
    }
    fn number(&mut self) -> Result<i32, String> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .unwrap()
            .parse()
            .map_err(|_| format!("number expected at byte {start}"))
    }
    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn offset(&mut self) -> Result<i32, String> {
        let sign = match self.peek() {
            Some(b'-') => {
                self.i += 1;
                -1
            }
            Some(b'+') => {
                self.i += 1;
                1
            }
            _ => 1,
        };
        let mut secs = self.number()? * 3600;
        if self.peek() == Some(b':') {
            self.i += 1;
            secs += self.number()? * 60;
            if self.peek() == Some(b':') {
                self.i += 1;
                secs += self.number()?;
            }
        }
        Ok(sign * secs)
    }
    fn change(&mut self) -> Result<DstChange, String> {
        let (month, day) = match self.peek() {
            Some(b'M') => {
                self.i += 1;
                let m = self.number()?;
                self.expect(b'.')?;
                let w = self.number()?;
                self.expect(b'.')?;
                let d = self.number()?;
                if !(1..=12).contains(&m) || !(1..=5).contains(&w) || !(0..=6).contains(&d) {
                    return Err(format!("bad Mm.w.d rule before byte {}", self.i));
                }
                (m as u8, DstDay::Weekday { week: w as u8, weekday: d as u8 })
            }
            Some(b'J') => {
                self.i += 1;
                let n = self.number()?;
                if !(1..=365).contains(&n) {
                    return Err(format!("bad Jn rule before byte {}", self.i));
                }
                (julian_month(n as u16 - 1), DstDay::Julian(n as u16))
            }
            _ => {
                let n = self.number()?;
                if !(0..=365).contains(&n) {
                    return Err(format!("bad day rule before byte {}", self.i));
                }
                (julian_month(n as u16), DstDay::ZeroJulian(n as u16))
            }
        };
        let time = if self.peek() == Some(b'/') {
            self.i += 1;
            self.offset()?
        } else {
            7200
        };
        Ok(DstChange { month, day, time })
    }
}

/// Month (1..=12) of a zero-based day of a non-leap year.
fn julian_month(day0: u16) -> u8 {
    const ENDS: [u16; 12] = [31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
    ENDS.iter().position(|&e| day0 < e).unwrap_or(11) as u8 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn north_american_rule() {
        let tz = parse_posix_tz("America/Montreal", "EST5EDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(tz.utc_offset, -5 * 3600);
        let dst = tz.dst.unwrap();
        assert_eq!(dst.start, DstChange { month: 3, day: DstDay::Weekday { week: 2, weekday: 0 }, time: 7200 });
        assert_eq!(dst.end, DstChange { month: 11, day: DstDay::Weekday { week: 1, weekday: 0 }, time: 7200 });
        assert_eq!(dst.save, 3600);
    }

    #[test]
    fn european_rule_with_times() {
        let tz = parse_posix_tz("Europe/Bucharest", "EET-2EEST,M3.5.0/3,M10.5.0/4").unwrap();
        assert_eq!(tz.utc_offset, 2 * 3600);
        let dst = tz.dst.unwrap();
        assert_eq!(dst.start.time, 3 * 3600);
        assert_eq!(dst.end, DstChange { month: 10, day: DstDay::Weekday { week: 5, weekday: 0 }, time: 4 * 3600 });
    }

    #[test]
    fn no_dst_and_odd_forms() {
        assert_eq!(parse_posix_tz("x", "CST6").unwrap().dst, None);
        assert_eq!(parse_posix_tz("x", "<+0530>-5:30").unwrap().utc_offset, 5 * 3600 + 1800);
        let lord_howe = parse_posix_tz("x", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0").unwrap();
        assert_eq!(lord_howe.dst.unwrap().save, 1800);
        let greenland = parse_posix_tz("x", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0").unwrap();
        assert_eq!(greenland.dst.unwrap().start.time, -3600);
        let jul = parse_posix_tz("x", "AAA3BBB,J60/2,300").unwrap().dst.unwrap();
        assert_eq!((jul.start.month, jul.start.day), (3, DstDay::Julian(60)));
        assert_eq!(jul.end.month, 10);
        assert!(parse_posix_tz("x", "E5X").is_err());
        assert!(parse_posix_tz("x", "EST5EDT,M13.1.0,M11.1.0").is_err());
    }

    #[test]
    fn weekday_numbering() {
        assert_eq!(DstDay::weekday_monday_first(0), 7);
        assert_eq!(DstDay::weekday_monday_first(1), 1);
        assert_eq!(DstDay::weekday_monday_first(6), 6);
    }

    #[test]
    fn system_zoneinfo() {
        let tz = timezone_info("America/Montreal").unwrap();
        assert_eq!(tz.utc_offset, -18000);
        assert!(tz.dst.is_some());
        assert!(timezone_info("America/Regina").unwrap().dst.is_none());
        assert_eq!(timezone_info("Mars/Olympus").unwrap_err(), TzError::NotFound("Mars/Olympus".into()));
        assert!(matches!(timezone_info("../../etc/passwd"), Err(TzError::NotFound(_))));
    }
}
