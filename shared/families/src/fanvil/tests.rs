//! The Fanvil family's unit tests: identification vectors and bad input,
//! association, the files and template values `configure` gives, and the
//! two bundled plugins.

use std::borrow::Cow;

use serde_json::{Value, json};

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;
use provd_core::tz;

use super::configure::{MAX_KEY, function_key, timezone};
use super::*;

/// The Fanvil rows of the shared identification vectors, copied from
/// `ident-vectors.tsv` (protocol, input, vendor, model, version, mac),
/// the look-alikes that must tell nothing included.
const VECTORS: &str = "\
    http-ua\tFanvil X4 2.10.2.6887 0c383e07e16c\tFanvil\tX4\t2.10.2.6887\t0c:38:3e:07:e1:6c\n\
    http-ua\tFanvil X6U Pro 0.0.10 0c383e2cd782\tFanvil\tX6U-Pro\t0.0.10\t0c:38:3e:2c:d7:82\n\
    http-ua\tFanvil X5U-V2 2.12.16.17 0c383e557eb1\tFanvil\tX5U-V2\t2.12.16.17\t0c:38:3e:55:7e:b1\n\
    http-ua\tFanvil V67 2.6.6.187 0c383e2b29e6\tFanvil\tV67\t2.6.6.187\t0c:38:3e:2b:29:e6\n\
    http-ua\tFanvil V65 2.12.2.4 0c383e38e123\tFanvil\tV65\t2.12.2.4\t0c:38:3e:38:e1:23\n\
    http-ua\tFanvil i10SV 2.12.10.1 0c383e2397f4\tFanvil\ti10SV\t2.12.10.1\t0c:38:3e:23:97:f4\n\
    http-ua\tFanvil i53W 2.12.9 0c383e10a440\tFanvil\ti53W\t2.12.9\t0c:38:3e:10:a4:40\n\
    http-ua\tFanvil H2U-V2 2.12.0 0c383e32342e\tFanvil\tH2U-V2\t2.12.0\t0c:38:3e:32:34:2e\n\
    http-ua\tFanvil W620W 2.16.10 0c383e7dd216\tFanvil\tW620W\t2.16.10\t0c:38:3e:7d:d2:16\n\
    http-path\t/Fanvil/f0X4hw1.100.cfg\tFanvil\tX4\t\t\n\
    http-path\t/Fanvil/F0V00X600000.cfg\tFanvil\tX6\t\t\n\
    http-path\t/Fanvil/F0V0V6700000.cfg\tFanvil\tV67\t\t\n\
    http-path\t/Fanvil/fanvil_v62_hwv1_0.txt\tFanvil\tV62\t\t\n\
    http-path\t/Fanvil/0c383e07e16c.cfg\t\t\t\t0c:38:3e:07:e1:6c\n\
    http-path\t/Fanvil/000000000000.cfg\t\t\t\t\n\
    http-path\t/Fanvil/cfg0c383e07e16c.cfg\t\t\t\t\n\
    http-ua\tFanvil X4 2.10.2.6887 0C383E07E16C\t\t\t\t\n\
    http-ua\tFanvil-X4 2.10.2.6887 0c383e07e16c\t\t\t\t\n\
    http-ua\tFanvil Z9 2.10.2.6887 0c383e07e16c\t\t\t\t";

const MAC: &str = "0c:38:3e:0a:0b:0c";

fn ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    Fanvil.extract(&Request::Http { path: b"/Fanvil/x", user_agent: Some(ua) })
}

fn path(path: &[u8]) -> Option<DeviceInfo<'_>> {
    Fanvil.extract(&Request::Http { path, user_agent: None })
}

fn bundled(id: &str) -> Plugin {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    crate::plugins::load(&root.join(id)).unwrap()
}

fn x_plugin() -> Plugin {
    bundled("wazo-fanvil-serie-x")
}

fn v_plugin() -> Plugin {
    bundled("wazo-fanvil-serie-v")
}

fn device(model: &str) -> Device {
    Device {
        id: "d1".into(),
        mac: Some(Mac::parse(MAC).unwrap()),
        vendor: Some(VENDOR.into()),
        model: Some(model.into()),
        ..Default::default()
    }
}

fn map(v: Value) -> Map {
    v.as_object().unwrap().clone()
}

fn configured(plugin: &Plugin, model: &str, raw: Value) -> Map {
    let mut raw = map(raw);
    Fanvil.configure(plugin, &device(model), &mut raw).unwrap();
    raw
}

#[test]
fn every_vector_extracts() {
    for row in VECTORS.lines() {
        let [protocol, input, vendor, model, version, mac] = row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        let got = crate::identify::identify(&crate::vector_request(protocol, input.as_bytes()));
        let mine = Fanvil.extract(&crate::vector_request(protocol, input.as_bytes())).unwrap_or_default();
        for info in [&got, &mine] {
            assert_eq!(info.vendor.as_deref().unwrap_or(""), vendor, "{input}");
            assert_eq!(info.model.as_deref().unwrap_or(""), model, "{input}");
            assert_eq!(info.version.as_deref().unwrap_or(""), version, "{input}");
            assert_eq!(info.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{input}");
        }
    }
}

#[test]
fn user_agent_bad_input() {
    // The model and version are borrowed; a space or tab before Pro makes a dash.
    let got = ua(b"Fanvil X4 2.10.2.6887 0c383e07e16c").unwrap();
    assert!(matches!((&got.model, &got.version), (Some(Cow::Borrowed(_)), Some(Cow::Borrowed(_)))));
    assert_eq!(ua(b"Fanvil X7C\tPro 2.12.16.17 0c383e07e16c").unwrap().model.as_deref(), Some("X7C-Pro"));
    for bad in [
        &b""[..],
        b"Fanvil",
        b"Fanvil ",
        b"Fanvil X4",
        b"Fanvil X4 2.10.2.6887",
        b"Fanvil X4 2.10.2.6887 0c383e07e16",
        b"Fanvil X4 2.10.2.6887 0c383e07e16cc",
        b"Fanvil X4 2.10.2.6887 0c:38:3e:07:e1:6c",
        b"Fanvil X4 2.10.2.6887 0c383e07e16c ",
        b"Fanvil X4 v2.10 0c383e07e16c",
        b"Fanvil X4\xff 2.10.2.6887 0c383e07e16c",
        b"Fanvil \xc3\xa94 2.10.2.6887 0c383e07e16c",
        b"fanvil X4 2.10.2.6887 0c383e07e16c",
        b"Fanvil X4  2.10.2.6887 0c383e07e16c",
        b"Fanvil X12345 2.10.2.6887 0c383e07e16c",
        b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72",
        b"Htek UC926 2.0.4.2 00:1f:c1:00:00:00",
    ] {
        assert_eq!(ua(bad), None, "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn paths() {
    // The name is looked up wherever it is asked, the query string apart.
    for p in [&b"/F0V0V6200000.cfg"[..], b"/Fanvil/F0V0V6200000.cfg", b"/a/b/F0V0V6200000.cfg?x=/y"] {
        let got = path(p).unwrap();
        assert_eq!((got.vendor.as_deref(), got.model.as_deref()), (Some(VENDOR), Some("V62")));
    }
    let mac = |p: &[u8]| path(p).and_then(|i| i.mac).map(|m| m.to_string());
    assert_eq!(mac(b"/0c383e0a0b0c.cfg").as_deref(), Some(MAC));
    assert_eq!(mac(b"/Fanvil/0c383e0a0b0c.cfg?v=2").as_deref(), Some(MAC));
    assert_eq!(mac(b"/x-0c383e0a0b0c.cfg").as_deref(), Some(MAC), "a dash is a word boundary");
    assert_eq!(path(b"/Fanvil/0c383e0a0b0c.cfg").unwrap().vendor, None, "the MAC alone");
    for p in [
        &b"/Fanvil/f0v0v6200000.cfg"[..],
        b"/Fanvil/0C383E0A0B0C.cfg",
        b"/Fanvil/x0c383e0a0b0c.cfg",
        b"/Fanvil/_0c383e0a0b0c.cfg",
        b"/Fanvil/0c383e0a0b0c.cfg.bak",
        b"/Fanvil/0c383e0a0b0c.xml",
        b"/Fanvil/c383e0a0b0c.cfg",
        b"/Fanvil/000000000000.cfg",
        b"/.cfg",
        b"",
        b"/\xff\xfe.cfg",
    ] {
        assert_eq!(path(p), None, "{}", String::from_utf8_lossy(p));
    }
    // The User-Agent wins over the path; another User-Agent makes the
    // path's MAC none of Fanvil's business (it would lend another vendor's
    // phone the MAC of the file it asks for).
    let both = Fanvil.extract(&Request::Http {
        path: b"/Fanvil/F0V0V6200000.cfg",
        user_agent: Some(b"Fanvil V64 2.12.16.17 0c383e0a0b0c"),
    });
    assert_eq!(both.unwrap().model.as_deref(), Some("V64"));
    assert_eq!(Fanvil.extract(&Request::Http { path: b"/0c383e0a0b0c.cfg", user_agent: Some(b"curl/8.0") }), None);
    let no_ua = Fanvil.extract(&Request::Http { path: b"/0c383e0a0b0c.cfg", user_agent: None }).unwrap();
    assert_eq!(no_ua.mac.unwrap().to_string(), MAC);
    // Nothing over TFTP or DHCP.
    assert_eq!(Fanvil.extract(&Request::Tftp { filename: b"Fanvil/0c383e0a0b0c.cfg" }), None);
    assert_eq!(Fanvil.extract(&Request::Dhcp { vendor_class: b"Fanvil X4" }), None);
}

#[test]
fn association() {
    let (x, v) = (x_plugin(), v_plugin());
    let info = |vendor: Option<&'static str>, model: Option<&'static str>| DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: Some(Cow::Borrowed("2.12.16.17")),
        ..Default::default()
    };
    assert_eq!(Fanvil.associate(&x, &info(Some("Fanvil"), Some("X4U"))), COMPLETE);
    assert_eq!(Fanvil.associate(&v, &info(Some("Fanvil"), Some("X4U"))), UNKNOWN);
    assert_eq!(Fanvil.associate(&v, &info(Some("Fanvil"), Some("V62"))), COMPLETE);
    assert_eq!(Fanvil.associate(&x, &info(Some("Fanvil"), Some("i10SV"))), UNKNOWN);
    assert_eq!(Fanvil.associate(&x, &info(Some("Fanvil"), None)), UNKNOWN);
    assert_eq!(Fanvil.associate(&x, &info(None, Some("X4U"))), UNKNOWN);
    assert_eq!(Fanvil.associate(&x, &info(Some("Yealink"), Some("X4U"))), IMPROBABLE);
    // The shipped version gives no more than COMPLETE.
    assert_eq!(Fanvil.associate(&x, &ua(b"Fanvil X4U 2.12.16.17 0c383e0a0b0c").unwrap()), COMPLETE);
    // Through the whole vote: each series to its plugin, others to none.
    let plugins = [x, v];
    let best = |u: &[u8]| {
        let info = crate::identify::identify(&Request::Http { path: b"/", user_agent: Some(u) });
        crate::identify::best_plugin(&plugins, &info).map(|p| p.id.clone())
    };
    assert_eq!(best(b"Fanvil X6U Pro 2.12.16.17 0c383e0a0b0c").as_deref(), Some("wazo-fanvil-serie-x"));
    assert_eq!(best(b"Fanvil V67 2.6.6.201 0c383e0a0b0c").as_deref(), Some("wazo-fanvil-serie-v"));
    assert_eq!(best(b"Fanvil i10SV 2.12.10.1 0c383e0a0b0c"), None);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let x = x_plugin();
    let dev = device("X4U");
    let files = Fanvil.configure(&x, &dev, &mut map(json!({"ip": "10.0.0.1", "http_port": 8667}))).unwrap();
    assert_eq!(files, vec![DeviceFile::template("Fanvil/0c383e0a0b0c.cfg")]);
    assert!(Fanvil.is_sensitive(b"0c383e0a0b0c.cfg"));
    for name in [&b"0C383E0A0B0C.cfg"[..], b"F0V0V6200000.cfg", b"0c383e0a0b0c.cfg.bak", b"x.cfg", b""] {
        assert!(!Fanvil.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(Fanvil.remote_state_trigger(&dev).as_deref(), Some("0c383e0a0b0c.cfg"));
    assert_eq!(Fanvil.remote_state_trigger(&Device::default()), None);
    assert!(Fanvil.is_remote_state_trigger(dev.mac, None, b"0c383e0a0b0c.cfg"));
    assert!(!Fanvil.is_remote_state_trigger(dev.mac, None, b"0C383E0A0B0C.cfg"));
    assert!(!Fanvil.is_remote_state_trigger(None, None, b"0c383e0a0b0c.cfg"));
    assert_eq!(Fanvil.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
    // HTTP only, and the MAC names the file.
    assert_eq!(
        Fanvil.configure(&x, &dev, &mut map(json!({"ip": "10.0.0.1"}))),
        Err(ConfigureError::MissingParameter("http_port"))
    );
    let mut no_mac = device("X4U");
    no_mac.mac = None;
    assert_eq!(
        Fanvil.configure(&x, &no_mac, &mut map(json!({"http_port": 8667}))),
        Err(ConfigureError::MissingDeviceField("mac"))
    );
}

#[test]
fn lines_and_server() {
    let raw = configured(
        &x_plugin(),
        "X4U",
        json!({
            "ip": "10.0.0.1", "http_port": 8667, "sip_proxy_ip": "10.0.0.2", "sip_backup_proxy_ip": "10.0.0.3",
            "sip_dtmf_mode": "RTP-in-band", "exten_voicemail": "*98", "sip_transport": "tls",
            "sip_lines": {
                "1": {"username": "u1", "password": "autoprov"},
                "2": {"username": "u2", "password": "p2", "dtmf_mode": "SIP-INFO", "proxy_ip": "10.0.0.9",
                      "voicemail": "*99"}
            }
        }),
    );
    assert_eq!(raw["X_sip_transport_protocol"], "3");
    assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
    assert_eq!(raw["XX_fw_filename"], "x4upro-fanvil-release-ff01-6903-2.12.20-krnlvUT2024-07-16-04.42.26.z");
    let line1 = &raw["sip_lines"]["1"];
    assert_eq!(line1["password"], "", "the provisioning account's password is not written");
    assert_eq!(
        (&line1["proxy_ip"], &line1["backup_proxy_ip"], &line1["XX_dtmf_mode"], &line1["voicemail"]),
        (&json!("10.0.0.2"), &json!("10.0.0.3"), &json!("0"), &json!("*98"))
    );
    let line2 = &raw["sip_lines"]["2"];
    assert_eq!(
        (&line2["proxy_ip"], &line2["XX_dtmf_mode"], &line2["voicemail"]),
        (&json!("10.0.0.9"), &json!("2"), &json!("*99"))
    );
    assert_eq!(line2.get("backup_proxy_ip"), None, "its own proxy, not the global backup");
    // Defaults: UDP, SIP INFO; a legacy model has no device firmware.
    let raw = configured(&x_plugin(), "X4", json!({"http_port": 8667, "sip_lines": {"1": {"username": "u"}}}));
    assert_eq!(raw["X_sip_transport_protocol"], "0");
    assert_eq!(raw["sip_lines"]["1"]["XX_dtmf_mode"], "2");
    assert!(!raw.contains_key("XX_fw_filename") && !raw.contains_key("XX_server_url"));
}

#[test]
fn time_zones() {
    let zone = |name: &str| timezone(&tz::timezone_info(name).unwrap());
    assert_eq!(
        zone("America/Montreal"),
        Some(json!({
            "time_zone": -20, "time_zone_name": "UTC-05", "enable_dst": true, "dst_min_offset": 60,
            "dst_start": {"month": 3, "hour": 2, "dst_week": 2, "dst_wday": 6},
            "dst_end": {"month": 11, "hour": 2, "dst_week": 1, "dst_wday": 6}
        }))
    );
    assert_eq!(
        zone("Europe/Paris").unwrap()["dst_end"],
        json!({"month": 10, "hour": 3, "dst_week": -1, "dst_wday": 6}),
        "the last week is -1"
    );
    assert_eq!(zone("UTC"), Some(json!({"time_zone": 0, "time_zone_name": "UCT", "enable_dst": false})));
    // Whole hours, floored, as wazo's; beyond ±12 hours the phones have no entry.
    assert_eq!(zone("Asia/Kolkata").unwrap()["time_zone_name"], "UTC+5");
    assert_eq!(zone("America/St_Johns").unwrap()["time_zone_name"], "UTC-04");
    assert_eq!(zone("Pacific/Kiritimati"), None);
    let rule = |s: &str| timezone(&tz::parse_posix_tz("x", s).unwrap()).unwrap();
    let julian = rule("XST-3XDT,J60/25,300");
    assert_eq!(julian["dst_start"], json!({"month": 3, "hour": 23, "dst_wday": 1}));
    assert_eq!(julian["dst_end"], json!({"month": 10, "hour": 2, "dst_wday": 28}));
    // Through configure: an unknown zone writes none.
    let raw = configured(&v_plugin(), "V62", json!({"http_port": 8667, "timezone": "America/Montreal"}));
    assert_eq!(raw["XX_timezone"]["time_zone"], -20);
    let raw = configured(&v_plugin(), "V62", json!({"http_port": 8667, "timezone": "Nowhere/Town"}));
    assert!(!raw.contains_key("XX_timezone"));
}

#[test]
fn locales() {
    let get = |plugin: &Plugin, model: &str, locale: &str| {
        let raw = configured(plugin, model, json!({"http_port": 8667, "locale": locale}));
        ["XX_locale", "XX_country", "XX_displaydate", "XX_directory"].map(|k| raw.get(k).cloned())
    };
    let s = |v: &str| Some(json!(v));
    // New X phones take a language code, the others their plugin's number.
    assert_eq!(get(&x_plugin(), "X4U", "fr_FR"), [s("fr"), s("25"), s("4"), s("Annuaire")]);
    assert_eq!(get(&x_plugin(), "X4", "fr_FR"), [s("4"), s("25"), s("4"), s("Annuaire")]);
    assert_eq!(get(&v_plugin(), "V62", "fr_FR"), [s("5"), s("25"), s("4"), s("Annuaire")]);
    assert_eq!(get(&x_plugin(), "X7-Pro", "ca_ES"), [s("cat"), s("11"), s("10"), None]);
    assert_eq!(get(&x_plugin(), "X7C", "en_US"), [s("en"), s("11"), s("10"), s("Directory")]);
    assert_eq!(get(&x_plugin(), "X7C", "ja_JP"), [None, s("11"), s("10"), None]);
    assert_eq!(get(&v_plugin(), "V62", "ja_JP"), [None, s("11"), s("10"), None]);
    let raw = configured(&x_plugin(), "X4U", json!({"http_port": 8667}));
    assert!(!raw.contains_key("XX_locale") && !raw.contains_key("XX_country"));
}

#[test]
fn function_key_values() {
    let key = |k: Value, pickup| function_key(3, k.as_object(), pickup);
    assert_eq!(
        key(json!({"type": "speeddial", "value": "1002", "label": "Bob <&> é!", "line": "2"}), None),
        json!({"id": 3, "title": "Bob  é", "type": 1, "value": "1002@2/f"})
    );
    assert_eq!(
        key(json!({"type": "blf", "value": "1003", "label": "C"}), Some("**")),
        json!({"id": 3, "title": "C", "type": 1, "value": "1003@1/ba**1003"})
    );
    assert_eq!(key(json!({"type": "blf", "value": "1003"}), None)["value"], "1003@1/ba");
    assert_eq!(key(json!({"type": "park", "value": "701"}), None)["value"], "701@1/c");
    assert_eq!(key(json!({"type": "paging", "value": "1"}), None), json!({"id": 3, "title": "", "type": 0}));
    assert_eq!(function_key(4, None, None), json!({"id": 4, "title": "", "type": 0}));
}

#[test]
fn function_keys_split_and_paged() {
    let sd = |v: &str| json!({"type": "speeddial", "value": v, "label": v, "line": "1"});
    let keys = json!({"1": sd("1"), "3": sd("3"), "4": sd("4"), "11": sd("11"), "0": sd("0"),
                      "007": sd("7"), "5000": sd("5000")});
    // X4U: 3 keys on the line-key side, 3 to a side page, 6 to an internal page.
    let raw = configured(&x_plugin(), "X4U-Pro", json!({"http_port": 8667, "funckeys": keys}));
    assert_eq!(raw["XX_offset"], 0);
    assert_eq!(raw["XX_top_key_threshold"], 3);
    assert_eq!(raw["XX_top_keys"], json!({"1": sd("1"), "3": sd("3")}));
    assert_eq!(raw["XX_bottom_keys"], json!({"1": sd("4"), "8": sd("11")}));
    let ids =
        |raw: &Map, k: &str| raw[k].as_array().unwrap().iter().map(|x| x["id"].as_u64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&raw, "XX_fkeys"), [1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 8]);
    let pos = |k: &str| {
        raw[k].as_array().unwrap().iter().map(|x| (x[0].as_u64().unwrap(), x[1].as_u64().unwrap())).collect::<Vec<_>>()
    };
    assert_eq!(pos("XX_paginated_top_fkeys"), [(1, 1), (1, 2), (1, 3)]);
    assert_eq!(raw["XX_max_top_page"], 1);
    assert_eq!(pos("XX_paginated_fkeys"), [(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (2, 1), (2, 2)]);
    assert_eq!(raw["XX_max_page"], 2);
    assert_eq!(raw["XX_paginated_fkeys"][7][2]["value"], "11@1/f");
    // A legacy model: no split, offset 1, no pages.
    let raw = configured(&x_plugin(), "X4", json!({"http_port": 8667, "funckeys": {"2": sd("2")}}));
    assert_eq!(raw["XX_offset"], 1);
    assert_eq!(raw["XX_paginated_top_fkeys"], json!([]));
    assert!(!raw.contains_key("XX_paginated_fkeys") && !raw.contains_key("XX_max_page"));
    assert_eq!(ids(&raw, "XX_fkeys"), [1, 2]);
    // V67: 29 keys a page; the highest key number allowed.
    let last = MAX_KEY.to_string();
    let raw = configured(&v_plugin(), "V67", json!({"http_port": 8667, "funckeys": {last.clone(): sd(&last)}}));
    assert_eq!(raw["XX_max_page"], MAX_KEY.div_ceil(29));
    assert_eq!(raw["XX_fkeys"].as_array().unwrap().len() as u64, MAX_KEY);
    // No keys at all: empty lists, as the templates expect.
    let raw = configured(&v_plugin(), "V62", json!({"http_port": 8667}));
    assert_eq!(
        (&raw["XX_fkeys"], &raw["XX_paginated_fkeys"], &raw["XX_max_page"]),
        (&json!([]), &json!([]), &json!(0))
    );
}

#[test]
fn phonebook_and_phoned() {
    let base = json!({"http_port": 8667, "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "u-1"});
    let raw = configured(&v_plugin(), "V62", base.clone());
    assert!(!raw.contains_key("XX_xivo_phonebook_url"), "only from config_version 1");
    assert_eq!(
        raw["XX_wazo_phoned_user_service_dnd_enabled_url"],
        "http://10.0.0.3:9498/0.1/fanvil/users/u-1/services/dnd/enable"
    );
    let mut with_version = base;
    with_version["config_version"] = json!(1);
    let raw = configured(&v_plugin(), "V62", with_version);
    // `&` as it is: the template's escaping writes `&amp;`.
    assert_eq!(
        raw["XX_xivo_phonebook_url"],
        "http://10.0.0.3:9498/0.1/directories/lookup/default/fanvil?xivo_user_uuid=u-1&term="
    );
    assert_eq!(
        raw["XX_wazo_phonebook_url_v2"],
        "http://10.0.0.3:9498/0.1/directories/lookup/default/fanvil-v2?xivo_user_uuid=u-1&term="
    );
}

#[test]
fn common_files_per_model() {
    let base = map(json!({"ip": "10.0.0.1", "http_port": 8667}));
    let files = Fanvil.common_files(&v_plugin(), &base).unwrap();
    let paths: Vec<(&str, &str)> = files.iter().map(|f| (f.path.as_str(), f.template.as_str())).collect();
    assert_eq!(
        paths,
        [
            ("Fanvil/F0V0V6200000.cfg", "common/model.tpl"),
            ("Fanvil/fanvil_v62_hwv1_0.txt", "common/firmware-note.tpl"),
            ("Fanvil/F0V0V6400000.cfg", "common/model.tpl"),
            ("Fanvil/fanvil_v64_hwv1_0.txt", "common/firmware-note.tpl"),
            ("Fanvil/F0V0V6500000.cfg", "common/model.tpl"),
            ("Fanvil/fanvil_v65_hwv1_0.txt", "common/firmware-note.tpl"),
            ("Fanvil/F0V0V6700000.cfg", "common/model.tpl"),
            ("Fanvil/fanvil_v67_hw1_1.txt", "common/firmware-note.tpl"),
        ]
    );
    let v67 = &files[7].context;
    assert_eq!((&v67["XX_model_info"], &v67["XX_model_fw_version"]), (&json!("V67"), &json!("2.6.6.201")));
    assert_eq!(v67["XX_fw_filename"], "v67_fanvil_2.6.6.201_20230202_full.zip");
    assert_eq!(v67["XX_server_url"], "http://10.0.0.1:8667");
    // The X plugin: the first X phones only.
    let files = Fanvil.common_files(&x_plugin(), &base).unwrap();
    assert_eq!(files.len(), 9);
    assert!(files.iter().all(|f| f.template == "common/model.tpl"));
    // An entry naming no plain file is skipped.
    let mut odd = v_plugin();
    odd.info.models["V62"].extra["common_files"] =
        json!([{"file": "../x.cfg", "template": "model.tpl"}, {"file": "a.cfg", "template": ".."}, {"file": "a.cfg"}]);
    assert_eq!(Fanvil.common_files(&odd, &base).unwrap().len(), 6);
}

/// Both bundled plugins load, name this family and give every model a
/// version, a capabilities entry and a template; every common file is one
/// identification knows, for the same model, with a template; every
/// firmware is one of the plugin's packages.
#[test]
fn bundled_plugin() {
    for (id, count) in [("wazo-fanvil-serie-x", 23), ("wazo-fanvil-serie-v", 4)] {
        let p = bundled(id);
        assert_eq!(p.info.family, "fanvil");
        assert_eq!(p.info.models.len(), count, "{id}");
        let pkgs = std::fs::read_to_string(p.dir.join("pkgs/pkgs.db")).unwrap();
        for (name, model) in &p.info.models {
            let version = model.version.as_deref().unwrap_or_else(|| panic!("{name}"));
            assert!(p.info.capabilities.contains_key(&format!("Fanvil, {name}, {version}")), "{name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{name}.tpl");
            if let Some(fw) = model.get_str("firmware") {
                assert!(pkgs.contains(&format!("/{fw}\n")), "{name}: {fw}");
            }
        }
        for f in model_common_files(&p) {
            assert!(identify::COMMON_FILES.contains(&(f.file, f.model)), "{}", f.file);
            assert!(p.templates_dir().join("common").join(f.template).is_file(), "{}", f.template);
            assert!(pkgs.contains(&format!("/{}\n", f.firmware)), "{}", f.firmware);
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
    }
    // Every known common file is served by a bundled plugin.
    let served: Vec<String> = [x_plugin(), v_plugin()]
        .iter()
        .flat_map(|p| model_common_files(p).map(|f| f.file.to_owned()).collect::<Vec<_>>())
        .collect();
    for (file, _) in identify::COMMON_FILES {
        assert!(served.iter().any(|s| s == file), "{file}");
    }
}

/// Every simulated phone boots with the same number of requests (the load
/// generator's tests count a family's requests from its first model), is
/// recognised from its first request and assigned the plugin named.
#[test]
fn simulated_phones() {
    use crate::phones::Phones;
    let plugins = [x_plugin(), v_plugin()];
    for m in Fanvil.models() {
        let mac = [0x0c, 0x38, 0x3e, 1, 2, 3];
        let steps = Fanvil.boot(m.name, m.version, mac);
        assert_eq!(steps.len(), 2, "{}", m.name);
        let ua = Fanvil.user_agent(m.name, m.version, mac);
        let path = format!("/{}", steps[0].path);
        let info = crate::identify::identify(&Request::Http { path: path.as_bytes(), user_agent: Some(ua.as_bytes()) });
        assert_eq!(info.model.as_deref(), Some(m.name), "{ua}");
        assert_eq!(crate::identify::best_plugin(&plugins, &info).map(|p| p.id.as_str()), Some(m.plugin), "{ua}");
    }
}
