//! Gigaset: the template context of both generations and the file a base
//! is served.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::tz;

/// The models of the first generation (N510, N720): `<MAC>.xml` in upper
/// case and the `SYMB_ITEM` profile; every other model is of the Nx70
/// generation (`<mac>.xml`, `<provisioning>` document).
pub(super) fn first_generation(model: Option<&str>) -> bool {
    model.is_some_and(|m| m.starts_with("N510") || m.starts_with("N720"))
}

/// `XX_xivo_phonebook_url`: the Gigaset lookup of wazo-dird,
/// `{scheme}://{ip}:{port}/0.1/directories/lookup/{profile}/gigaset/{uuid}?`
/// (the base appends its search). Only with both `X_xivo_phonebook_ip` and
/// `X_xivo_user_uuid`.
pub(super) fn phonebook_url(raw: &Map) -> Option<String> {
    let text = |key| raw.get(key).and_then(helpers::non_empty_text);
    let ip = text("X_xivo_phonebook_ip")?;
    let user = text("X_xivo_user_uuid")?;
    let scheme = text("X_xivo_phonebook_scheme").unwrap_or(Cow::Borrowed("http"));
    let port = text("X_xivo_phonebook_port").unwrap_or(Cow::Borrowed("9498"));
    let profile = text("X_xivo_phonebook_profile").unwrap_or(Cow::Borrowed("default"));
    Some([&*scheme, "://", &ip, ":", &port, "/0.1/directories/lookup/", &profile, "/gigaset/", &user, "?"].concat())
}

/// A number as the first generation writes its integer settings: `0x` and
/// lower-case hex digits.
fn hex(n: u64) -> String {
    format!("0x{n:x}")
}

/// A raw-config value as a non-negative integer (numbers or digit strings,
/// surrounding whitespace allowed).
fn integer(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The time zone codes of the first generation, by standard UTC offset in
/// minutes (the values the bases' web interface lists).
const FIRST_GENERATION_ZONES: [(i32, u64); 31] = [
    (-720, 0x00),
    (-660, 0x01),
    (-600, 0x02),
    (-540, 0x03),
    (-480, 0x04),
    (-420, 0x07),
    (-360, 0x09),
    (-300, 0x0D),
    (-240, 0x10),
    (-180, 0x12),
    (-120, 0x16),
    (-60, 0x18),
    (0, 0x1A),
    (60, 0x1B),
    (120, 0x20),
    (180, 0x28),
    (240, 0x2C),
    (270, 0x2D),
    (300, 0x2F),
    (330, 0x30),
    (345, 0x31),
    (360, 0x33),
    (390, 0x35),
    (420, 0x36),
    (480, 0x38),
    (540, 0x3D),
    (570, 0x40),
    (600, 0x43),
    (660, 0x47),
    (720, 0x48),
    (780, 0x50),
];

/// `ucCountryCodeTone` of the first generation, by locale: the tone set.
const FIRST_GENERATION_TONES: [(&str, u64); 8] =
    [("de_DE", 12), ("en_GB", 8), ("en_US", 1), ("es_ES", 6), ("fr_FR", 7), ("it_IT", 13), ("nl_NL", 9), ("pl_PL", 10)];

/// The first generation's values (N510, N720): the MAC as the profile
/// names it, the global SIP servers taken from line 1 (the profile has one
/// provider), and the integers its profile writes in hex.
pub(super) fn first_generation_context(raw: &mut Map, mac_upper: &str) {
    raw.insert("XX_mac_addr".into(), mac_upper.into());
    // Line 1's servers are the provider's, as wazo-provd sets them.
    let line1 = match raw.get("sip_lines") {
        Some(Value::Object(lines)) => lines.get("1").and_then(Value::as_object).cloned(),
        _ => None,
    };
    if let Some(line) = line1 {
        if let Some(ip) = line.get("proxy_ip").filter(|v| helpers::non_empty_text(v).is_some()) {
            raw.insert("sip_proxy_ip".into(), ip.clone());
        }
        raw.insert("sip_proxy_port".into(), line.get("proxy_port").cloned().unwrap_or(5060.into()));
        raw.insert("sip_registrar_ip".into(), line.get("registrar_ip").cloned().unwrap_or(Value::Null));
        raw.insert("sip_registrar_port".into(), line.get("registrar_port").cloned().unwrap_or(5060.into()));
    }
    for key in ["sip_proxy_port", "sip_registrar_port", "sip_outbound_proxy_port"] {
        let port = integer(raw.get(key)).unwrap_or(5060);
        raw.insert(format!("XX_{key}_hex"), hex(port).into());
    }
    if helpers::present(raw, "dns_enabled").is_some() {
        // Eight digits: wazo-provd drops each byte's leading zero, which
        // makes 10.0.0.53 and 160.0.3.5 the same value. The base takes an
        // IPv4 address only: anything else is no server (0).
        let ip = raw.get("dns_ip").and_then(Value::as_str).and_then(|s| s.trim().parse::<Ipv4Addr>().ok());
        raw.insert("XX_dns_ip_hex".into(), format!("0x{:08x}", ip.map_or(0, u32::from)).into());
    }
    if let Some(id) = integer(raw.get("vlan_id")) {
        raw.insert("XX_vlan_id_hex".into(), hex(id).into());
    }
    let zone = raw.get("timezone").and_then(Value::as_str).unwrap_or("Etc/UTC");
    let offset = tz::timezone_info(zone).map(|info| info.utc_offset / 60);
    if let Some((_, code)) = offset.ok().and_then(|o| FIRST_GENERATION_ZONES.iter().find(|(m, _)| *m == o)) {
        raw.insert("XX_timezone_code".into(), (*code).into());
        raw.insert("XX_timezone_hex".into(), hex(*code).into());
    }
    let locale = raw.get("locale").and_then(Value::as_str);
    let tone = FIRST_GENERATION_TONES.iter().find(|(l, _)| Some(*l) == locale).map_or(0, |(_, t)| *t);
    raw.insert("XX_country".into(), tone.into());
    let Some(Value::Object(lines)) = raw.get_mut("sip_lines") else {
        return;
    };
    for (no, line) in lines.iter_mut() {
        let (Value::Object(line), Some(n)) = (line, helpers::key_number(no).filter(|&n| n > 0)) else {
            continue;
        };
        line.retain(|_, v| !v.is_null());
        line.insert("XX_account_index".into(), (n - 1).into());
        // The N510 names line 1's settings bare, the others `_<n>`.
        line.insert("XX_suffix".into(), if n == 1 { String::new() } else { format!("_{n}") }.into());
        // The handsets an account sends and receives on: bit n-1.
        if let Some(mask) = 1u64.checked_shl((n - 1) as u32).filter(|_| n <= 64) {
            line.insert("XX_mask".into(), hex(mask).into());
        }
    }
}

/// The time zones an Nx70 base knows by name (its list; others are mapped
/// to one of them by standard offset).
const NX70_ZONES: [&str; 80] = [
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Caracas",
    "America/Sao_Paulo",
    "Europe/Belfast",
    "Europe/Dublin",
    "Europe/Guernsey",
    "Europe/Isle_of_Man",
    "Europe/Jersey",
    "Europe/Lisbon",
    "Europe/London",
    "Greenwich",
    "Europe/Amsterdam",
    "Europe/Andorra",
    "Europe/Belgrade",
    "Europe/Berlin",
    "Europe/Bratislava",
    "Europe/Brussels",
    "Europe/Budapest",
    "Europe/Busingen",
    "Europe/Copenhagen",
    "Europe/Gibraltar",
    "Europe/Ljubljana",
    "Europe/Luxembourg",
    "Europe/Madrid",
    "Europe/Malta",
    "Europe/Monaco",
    "Europe/Oslo",
    "Europe/Paris",
    "Europe/Podgorica",
    "Europe/Prague",
    "Europe/Rome",
    "Europe/San_Marino",
    "Europe/Sarajevo",
    "Europe/Skopje",
    "Europe/Stockholm",
    "Europe/Tirane",
    "Europe/Vaduz",
    "Europe/Vatican",
    "Europe/Vienna",
    "Europe/Warsaw",
    "Europe/Zagreb",
    "Europe/Zurich",
    "Africa/Cairo",
    "Europe/Athens",
    "Europe/Bucharest",
    "Europe/Chisinau",
    "Europe/Helsinki",
    "Europe/Kaliningrad",
    "Europe/Kiev",
    "Europe/Mariehamn",
    "Europe/Nicosia",
    "Europe/Riga",
    "Europe/Sofia",
    "Europe/Tallinn",
    "Europe/Tiraspol",
    "Europe/Uzhgorod",
    "Europe/Vilnius",
    "Europe/Zaporozhye",
    "Europe/Istanbul",
    "Europe/Kirov",
    "Europe/Minsk",
    "Europe/Moscow",
    "Europe/Simferopol",
    "Europe/Volgograd",
    "Asia/Dubai",
    "Europe/Astrakhan",
    "Europe/Samara",
    "Europe/Ulyanovsk",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Brisbane",
];

/// A zone of [`NX70_ZONES`] per standard offset in minutes, for the zones
/// the base does not know. Each has the offset it stands for (wazo-provd's
/// table is an hour off for most of them: New York for UTC-4).
const NX70_FALLBACK: [(i32, &str); 20] = [
    (-600, "Pacific/Honolulu"),
    (-540, "America/Anchorage"),
    (-480, "America/Los_Angeles"),
    (-420, "America/Denver"),
    (-360, "America/Chicago"),
    (-300, "America/New_York"),
    (-240, "America/Caracas"),
    (-180, "America/Sao_Paulo"),
    (0, "Europe/London"),
    (60, "Europe/Paris"),
    (120, "Europe/Athens"),
    (180, "Europe/Moscow"),
    (240, "Asia/Dubai"),
    (300, "Asia/Karachi"),
    (360, "Asia/Dhaka"),
    (480, "Asia/Hong_Kong"),
    (540, "Asia/Tokyo"),
    (570, "Australia/Adelaide"),
    (600, "Australia/Sydney"),
    (660, "Pacific/Noumea"),
];

/// `Telephony.0.ToneScheme` of the Nx70 generation, by locale (`Retail`
/// otherwise).
const NX70_TONES: [(&str, &str); 5] =
    [("de_DE", "Germany"), ("en_US", "Retail"), ("es_ES", "Spain"), ("fr_FR", "France"), ("fr_CA", "Retail")];

/// `SipProvider.N.DTMFTransmission`: 1 audio, 2 RFC 2833, 4 SIP INFO.
fn nx70_dtmf(mode: &str) -> Option<&'static str> {
    match mode {
        "RTP-in-band" => Some("1"),
        "RTP-out-of-band" => Some("2"),
        "SIP-INFO" => Some("4"),
        _ => None,
    }
}

/// `SipProvider.N.TransportProtocol`: 1 UDP, 2 TCP, 3 TLS.
fn nx70_transport(transport: Option<&str>) -> &'static str {
    match transport {
        Some("tcp") => "2",
        Some("tls") => "3",
        _ => "1",
    }
}

/// The zone an Nx70 base is given: `zone` when it knows it, else the zone
/// of its list with the same standard offset; `None` when there is none.
pub(super) fn nx70_zone(zone: &str) -> Option<&'static str> {
    if let Some(known) = NX70_ZONES.iter().find(|z| **z == zone) {
        return Some(known);
    }
    let offset = tz::timezone_info(zone).ok()?.utc_offset / 60;
    NX70_FALLBACK.iter().find(|(o, _)| *o == offset).map(|(_, z)| *z)
}

/// The Nx70 generation's values: the tone scheme, the time zone the base
/// knows, the SIP providers (one per distinct proxy of the lines), each
/// line's provider, handset number and registration code, and the start of
/// the handsets' registration window.
pub(super) fn nx70_context(raw: &mut Map, now_epoch: u64) {
    let locale = raw.get("locale").and_then(Value::as_str);
    let tone = NX70_TONES.iter().find(|(l, _)| Some(*l) == locale).map_or("Retail", |(_, t)| t);
    raw.insert("XX_country".into(), tone.into());
    let zone = raw.get("timezone").and_then(Value::as_str).unwrap_or("Greenwich");
    match nx70_zone(zone) {
        Some(z) => raw.insert("timezone".into(), z.into()),
        None => raw.remove("timezone"),
    };
    raw.insert("XX_epoch".into(), now_epoch.into());
    let global_dtmf = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let transport = nx70_transport(raw.get("sip_transport").and_then(Value::as_str));
    let mut providers: Vec<(Option<String>, String, Map)> = Vec::new();
    if let Some(Value::Object(lines)) = raw.get_mut("sip_lines") {
        let mut numbered: Vec<(u64, &mut Map)> =
            lines.iter_mut().filter_map(|(no, line)| Some((helpers::key_number(no)?, line.as_object_mut()?))).collect();
        numbered.sort_by_key(|(n, _)| *n);
        for (n, line) in numbered {
            line.retain(|_, v| !v.is_null());
            let ip = line.get("proxy_ip").and_then(helpers::non_empty_text).map(Cow::into_owned);
            let port = line.get("proxy_port").and_then(helpers::non_empty_text).map_or("5060".into(), Cow::into_owned);
            let id = match providers.iter().position(|(i, p, _)| *i == ip && *p == port) {
                Some(id) => id,
                None => {
                    let mode = line.get("dtmf_mode").and_then(Value::as_str).or(global_dtmf.as_deref());
                    let mut provider = Map::new();
                    provider.insert("id".into(), providers.len().into());
                    if let Some(ip) = &ip {
                        provider.insert("sip_proxy_ip".into(), ip.as_str().into());
                    }
                    provider.insert("sip_proxy_port".into(), port.as_str().into());
                    if let Some(dtmf) = mode.and_then(nx70_dtmf) {
                        provider.insert("dtmf_mode".into(), dtmf.into());
                    }
                    provider.insert("sip_transport".into(), transport.into());
                    providers.push((ip, port, provider));
                    providers.len() - 1
                }
            };
            line.insert("provider_id".into(), id.into());
            line.insert("XX_handset_no".into(), format!("{n:05}").into());
            // The code a handset registers with: 0000 for the autoprov
            // line, else the last four digits of the number.
            let number = line.get("number").and_then(helpers::scalar_text).unwrap_or_default();
            let code = if number.starts_with("auto") {
                "0000".to_owned()
            } else {
                let tail: String = number.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
                format!("{tail:0>4}")
            };
            line.insert("XX_hs_code".into(), code.into());
        }
    }
    let providers: Vec<Value> = providers.into_iter().map(|(_, _, p)| Value::Object(p)).collect();
    raw.insert("XX_voip_providers".into(), providers.into());
}
