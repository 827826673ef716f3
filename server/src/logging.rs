//! The server's log on stderr: `provd-server: <message>` lines for people
//! (what the tests and the README show), or one JSON object per line for
//! log collectors (`--log-format json`): `{"ts", "level", "msg"}`.
//!
//! provd's libraries log through the `log` facade; [`init`] installs this
//! format as its logger, for provd's own crates (targets `provd_*`) at
//! info level and above.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static JSON: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_json(on: bool) {
    JSON.store(on, Ordering::Relaxed);
}

/// Installs the logger (once; later calls change the format only).
pub(crate) fn init(json: bool) {
    set_json(json);
    if log::set_logger(&Logger).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info && metadata.target().starts_with("provd")
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = match record.level() {
                log::Level::Error => Level::Error,
                log::Level::Warn => Level::Warn,
                _ => Level::Info,
            };
            write(level, *record.args());
        }
    }

    fn flush(&self) {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Writes one log line (use the `info!`, `warn!`, `error!` macros).
pub(crate) fn write(level: Level, args: fmt::Arguments<'_>) {
    let line = format_line(JSON.load(Ordering::Relaxed), level, args, chrono::Utc::now());
    // One write per line: lines from several threads never interleave.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

fn format_line(json: bool, level: Level, args: fmt::Arguments<'_>, now: chrono::DateTime<chrono::Utc>) -> String {
    if json {
        let doc = serde_json::json!({
            "ts": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "level": level.as_str(),
            "msg": args.to_string(),
        });
        format!("{doc}\n")
    } else {
        match level {
            Level::Info => format!("provd-server: {args}\n"),
            Level::Warn => format!("provd-server: warning: {args}\n"),
            Level::Error => format!("provd-server: error: {args}\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_lines() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T05:00:00.123Z").unwrap().to_utc();
        assert_eq!(format_line(false, Level::Info, format_args!("HTTP on {}", 1), now), "provd-server: HTTP on 1\n");
        assert_eq!(format_line(false, Level::Error, format_args!("x"), now), "provd-server: error: x\n");
        let line = format_line(true, Level::Warn, format_args!("a \"quoted\"\nthing"), now);
        assert_eq!(
            line,
            "{\"ts\":\"2026-11-26T05:00:00.123Z\",\"level\":\"warn\",\"msg\":\"a \\\"quoted\\\"\\nthing\"}\n"
        );
    }
}
