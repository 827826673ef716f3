use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;
use serde_json::json;

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;
use provd_core::plugin::PluginInfo;

use super::*;

/// The Snom rows of the shared identification vectors, copied as they
/// are (protocol, input, vendor, model, version, mac; empty = not
/// extracted).
const VECTORS: &str = "\
http-ua\tMozilla/4.0 (compatible; snom320-SIP 6.5.20; snom320 jffs2 v3.36; snom320 linux 3.38)\tSnom\t320\t6.5.20\t
http-ua\tMozilla/4.0 (compatible; snom320-SIP 7.3.30 1.1.3-u)\tSnom\t320\t7.3.30\t
http-ua\tMozilla/4.0 (compatible; snom760-SIP 8.7.3.19 2010.06)\tSnom\t760\t8.7.3.19\t
http-ua\tMozilla/4.0 (compatible; snom820-SIP 8.4.35 1.1.4-IFX-26.11.09)\tSnom\t820\t8.4.35\t
http-ua\tMozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)\tSnom\tD785\t10.1.33.33\t00:04:13:92:2d:24
";

fn http(path: &'static [u8], ua: &'static [u8]) -> Option<DeviceInfo<'static>> {
    Snom.extract(&Request::Http { path, user_agent: Some(ua) })
}

fn ua(ua: &'static [u8]) -> Option<DeviceInfo<'static>> {
    http(b"/snom320.htm", ua)
}

fn mac(s: &str) -> Mac {
    Mac::parse(s).unwrap()
}

fn map(v: Value) -> Map {
    v.as_object().unwrap().clone()
}

#[test]
fn identification_vectors() {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    for row in VECTORS.lines() {
        let [proto, input, vendor, model, version, mac_s]: [&str; 6] =
            row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        assert_eq!(proto, "http-ua");
        let got = Snom
            .extract(&Request::Http { path: b"/", user_agent: Some(input.as_bytes()) })
            .unwrap_or_else(|| panic!("{input}: nothing extracted"));
        assert_eq!(got.vendor.as_deref().map(str::to_owned), opt(vendor), "{input}");
        assert_eq!(got.model.as_deref().map(str::to_owned), opt(model), "{input}");
        assert_eq!(got.version.as_deref().map(str::to_owned), opt(version), "{input}");
        assert_eq!(got.mac, opt(mac_s).map(|m| mac(&m)), "{input}");
        assert_eq!((got.sn, got.uuid), (None, None), "{input}");
        assert!(matches!(got.model, Some(Cow::Borrowed(_))), "borrowed from the request");
    }
    assert_eq!(VECTORS.lines().count(), 5);
}

#[test]
fn other_user_agents() {
    let cases: &[(&[u8], &str, &str, Option<&str>)] = &[
        (b"Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)", "320", "8.4.18", None),
        (b"Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)", "710", "8.7.3.19", None),
        (
            b"Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)",
            "710",
            "8.7.5.35",
            Some("00:04:13:74:17:67"),
        ),
        (b"Mozilla/4.0 (compatible; snomPA1-SIP 8.4.35 1.1.3-s)", "PA1", "8.4.35", None),
        (
            b"Mozilla/4.0 (compatible; Snom M900 05.20.0001 000413b60680)",
            "M900",
            "05.20.0001",
            Some("00:04:13:b6:06:80"),
        ),
        (
            b"Mozilla/4.0 (compatible; snomM700 05.20.0001 000413B60680)",
            "M700",
            "05.20.0001",
            Some("00:04:13:b6:06:80"),
        ),
    ];
    for &(input, model, version, mac_s) in cases {
        let got = ua(input).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(input)));
        assert_eq!(got.vendor.as_deref(), Some("Snom"));
        assert_eq!((got.model.as_deref(), got.version.as_deref()), (Some(model), Some(version)));
        assert_eq!(got.mac, mac_s.map(mac), "{}", String::from_utf8_lossy(input));
    }
    for input in [
        &b"Mozilla/4.0 (compatible; snom lid 3605)"[..],
        b"Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37",
        b"Snom M900 05.20.0001 000413b6068",
        b"snom",
        b"",
    ] {
        assert_eq!(ua(input), None, "{}", String::from_utf8_lossy(input));
    }
}

/// `docs/behaviour/families.md` §9.4: wazo's unanchored MAC regex read
/// `1` from `SNOM 1.4` and its exception broke the whole request. Here the model and version stay.
#[test]
fn mac_like_non_mac_is_no_mac() {
    let got = ua(b"Mozilla/4.0 (compatible; snom870-SIP 8.4.35 SPEAr300 SNOM 1.4)").unwrap();
    assert_eq!(
        got,
        DeviceInfo {
            vendor: Some("Snom".into()),
            model: Some("870".into()),
            version: Some("8.4.35".into()),
            ..Default::default()
        }
    );
    for input in [
        &b"snomD785-SIP 10.1.33.33 x 000413922D2"[..],
        b"snomD785-SIP 10.1.33.33 x 000413922D245",
        b"snomD785-SIP 10.1.33.33 x 000413922D24abc",
        b"snomD785-SIP 10.1.33.33 x 000413922d24",
        b"snomD785-SIP 10.1.33.33;000413922D24",
    ] {
        let got = ua(input).unwrap();
        assert_eq!((got.model.as_deref(), got.mac), (Some("D785"), None), "{}", String::from_utf8_lossy(input));
    }
    // The last MAC-shaped token wins, as wazo's greedy regex chose.
    let got = ua(b"snomD785-SIP 10.1.33.33 000413000001 x 000413922D24)").unwrap();
    assert_eq!(got.mac, Some(mac("00:04:13:92:2d:24")));
}

#[test]
fn non_ascii_user_agents_never_panic() {
    let got = ua(b"Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 \xff\xfe 000413922D24 \xc3\xa9)").unwrap();
    assert_eq!((got.model.as_deref(), got.version.as_deref()), (Some("D785"), Some("10.1.33.33")));
    assert_eq!(got.mac, Some(mac("00:04:13:92:2d:24")));
    assert_eq!(ua(b"\xff\xfe\x00snom\xe9320-SIP 8.4.18"), None);
    assert_eq!(ua("snomé320-SIP 8.4.18".as_bytes()), None);
    assert_eq!(ua(b"\xff\xff\xff"), None);
    let got = ua(b"\xc3\xa9 Snom M900 05.20.0001 000413b60680 \xff").unwrap();
    assert_eq!(got.model.as_deref(), Some("M900"));
    // An unknown model is extracted as it is.
    let got = ua(b"snomX9000_b-SIP 11.0.1 1.2").unwrap();
    assert_eq!(got.model.as_deref(), Some("X9000_b"));
}

#[test]
fn mac_from_path_and_query() {
    const UA: &[u8] = b"Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)";
    let got = http(b"/snom320-000413741767.htm", UA).unwrap();
    assert_eq!(got.mac, Some(mac("00:04:13:74:17:67")));
    let got = http(b"/prov/snom320-000413741767.htm?x=1", UA).unwrap();
    assert_eq!(got.mac, Some(mac("00:04:13:74:17:67")));
    for path in [&b"/snom320-000413741767.html"[..], b"/snom320-000413741767.htm/x", b"/snom320-00041374176a.htm"] {
        assert_eq!(http(path, UA).unwrap().mac, None, "{}", String::from_utf8_lossy(path));
    }
    // Firmware requests carry ?mac={mac}.
    let got = http(b"/firmware/snom320-8.7.5.35-SIP-f.bin?mac=000413741767", UA).unwrap();
    assert_eq!(got.mac, Some(mac("00:04:13:74:17:67")));
    let got = http(b"/firmware/x.bin?a=b&mac=00:04:13:74:17:68&mac=000413741769", UA).unwrap();
    assert_eq!(got.mac, Some(mac("00:04:13:74:17:68")), "the first mac argument");
    assert_eq!(http(b"/x.bin?mac=nonsense", UA).unwrap().mac, None);
    assert_eq!(http(b"/x.bin?mac=", UA).unwrap().mac, None);
    // Path beats User-Agent beats query.
    const UA_MAC: &[u8] = b"snomD785-SIP 10.1.33.33 2010.12 000413922D24 SXM:0";
    let got = http(b"/snomD785-000413000001.htm?mac=000413000002", UA_MAC).unwrap();
    assert_eq!(got.mac, Some(mac("00:04:13:00:00:01")));
    let got = http(b"/snomD785.htm?mac=000413000002", UA_MAC).unwrap();
    assert_eq!(got.mac, Some(mac("00:04:13:92:2d:24")));
    // Without a Snom User-Agent, neither the path nor the query says Snom.
    let bare = |path: &'static [u8], ua: Option<&'static [u8]>| Snom.extract(&Request::Http { path, user_agent: ua });
    assert_eq!(bare(b"/snom320-000413741767.htm", None), None);
    assert_eq!(bare(b"/x.bin?mac=000413741767", None), None);
    assert_eq!(bare(b"/x.bin?mac=000413741767", Some(b"curl/8.0")), None);
    assert_eq!(Snom.extract(&Request::Tftp { filename: b"snom320-000413741767.htm" }), None);
    assert_eq!(Snom.extract(&Request::Dhcp { vendor_class: b"snom320" }), None);
}

fn plugin(id: &str, models: Value, extra: Value) -> Plugin {
    let mut info = json!({"version": "1.0.0", "description": "test", "family": "snom", "models": models});
    if let (Value::Object(i), Value::Object(e)) = (&mut info, extra) {
        i.extend(e);
    }
    Plugin {
        id: id.into(),
        dir: "/nonexistent".into(),
        info: serde_json::from_value::<PluginInfo>(info).unwrap(),
        family: &Snom,
    }
}

fn desk8() -> Plugin {
    plugin(
        "wazo-snom-8.7.5.35",
        json!({
            "320": {"version": "8.7.5.35", "firmware": "snom320-8.7.5.35-SIP-f.bin", "lines": 12},
            "715": {"version": "8.7.5.35", "firmware": "snom715-8.7.5.35-SIP-r.bin", "lines": 12, "park_orbit": true},
            "D765": {"version": "8.7.5.35", "lines": 12, "park_orbit": true},
        }),
        json!({"locales": {"fr_FR": ["Francais", "FRA"]}}),
    )
}

fn desk10() -> Plugin {
    plugin(
        "wazo-snom-10.1.54.13",
        json!({
            "715": {"version": "10.1.54.13", "firmware": "snom715-10.1.54.13-SIP-r.bin", "lines": 4, "park_orbit": true},
            "D765": {"version": "10.1.54.13", "lines": 12, "park_orbit": true},
            "D785": {"version": "10.1.54.13", "firmware": "snomD785-10.1.54.13-SIP-r.bin", "lines": 12},
            "D120": {"version": "10.1.54.13", "lines": 2},
        }),
        json!({}),
    )
}

fn dect() -> Plugin {
    plugin(
        "wazo-snom-dect-05.20.0001",
        json!({
            "M300": {"version": "05.20.0001", "lines": 20},
            "M900": {"version": "05.20.0001", "lines": 1000},
        }),
        json!({"dect": true}),
    )
}

fn info<'a>(vendor: Option<&'a str>, model: Option<&'a str>, version: Option<&'a str>) -> DeviceInfo<'a> {
    DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    }
}

#[test]
fn association_scores() {
    let (d8, d10, m) = (desk8(), desk10(), dect());
    let s = |p: &Plugin, vendor, model, version| Snom.associate(p, &info(vendor, model, version));
    let snom = Some("Snom");
    assert_eq!(s(&d10, snom, Some("D785"), Some("10.1.54.13")), EXACT);
    assert_eq!(s(&d10, snom, Some("D785"), Some("10.1.33.33")), COMPLETE);
    assert_eq!(s(&d8, snom, Some("715"), Some("10.1.33.33")), COMPLETE - OTHER_GENERATION);
    assert_eq!(s(&d10, snom, Some("D785"), None), PROBABLE, "no version: maybe no XML support");
    assert_eq!(s(&d10, snom, None, None), PROBABLE);
    assert_eq!(s(&d10, snom, Some("D862"), Some("10.1.215.13")), PROBABLE + OTHER_GENERATION);
    assert_eq!(s(&d8, snom, Some("D862"), Some("10.1.215.13")), PROBABLE);
    // Firmware without XML provisioning.
    assert_eq!(s(&d8, snom, Some("320"), Some("6.5.20")), NONE);
    assert_eq!(s(&d8, snom, Some("320"), Some("7.0")), COMPLETE - OTHER_GENERATION);
    assert_eq!(s(&d8, snom, Some("320"), Some("7.0.0.0")), COMPLETE - OTHER_GENERATION);
    assert_eq!(s(&d8, snom, Some("320"), Some("7.3.30")), COMPLETE - OTHER_GENERATION);
    assert_eq!(s(&d8, snom, Some("320"), Some("8.4.35")), COMPLETE);
    assert_eq!(s(&m, snom, Some("M900"), Some("04.50.0001")), NONE);
    assert_eq!(s(&m, snom, Some("M900"), Some("05.00.0001")), COMPLETE);
    assert_eq!(s(&m, snom, Some("M900"), Some("05.20.0001")), EXACT);
    assert_eq!(s(&m, snom, Some("M700"), Some("05.20.0001")), PROBABLE + OTHER_GENERATION);
    // Unparsable versions are not "too old" (wazo ignored the error).
    assert_eq!(s(&d8, snom, Some("320"), Some("8.4.")), COMPLETE);
    assert_eq!(s(&d8, snom, Some("320"), Some("..")), COMPLETE - OTHER_GENERATION);
    // Desk phones and DECT bases never cross.
    assert_eq!(s(&m, snom, Some("D785"), Some("10.1.54.13")), IMPROBABLE);
    assert_eq!(s(&d10, snom, Some("M900"), Some("10.1.54.13")), IMPROBABLE);
    assert_eq!(s(&m, snom, Some("MP"), Some("8.7.5.35")), IMPROBABLE);
    // Other vendors, no vendor.
    assert_eq!(s(&d10, Some("Yealink"), Some("D785"), Some("10.1.54.13")), IMPROBABLE);
    assert_eq!(s(&d10, Some(""), Some(""), Some("")), IMPROBABLE);
    assert_eq!(s(&d10, None, Some("D785"), Some("10.1.54.13")), UNKNOWN);
}

/// Which installed plugin a phone gets (provd's selection: best score of
/// at least PROBABLE, ties to the greatest id).
#[test]
fn the_right_plugin_version_wins() {
    let plugins = [desk8(), desk10(), dect()];
    let best = |model, version| {
        crate::identify::best_plugin(&plugins, &info(Some("Snom"), Some(model), Some(version))).map(|p| p.id.as_str())
    };
    assert_eq!(best("D765", "10.1.54.13"), Some("wazo-snom-10.1.54.13"));
    assert_eq!(best("D765", "8.7.5.35"), Some("wazo-snom-8.7.5.35"));
    // Neither exact: the phone's own generation, though "8" > "1".
    assert_eq!(best("D765", "10.1.39.11"), Some("wazo-snom-10.1.54.13"));
    assert_eq!(best("715", "8.7.3.19"), Some("wazo-snom-8.7.5.35"));
    // Only one plugin has the model: it wins whatever the firmware.
    assert_eq!(best("320", "10.1.0.1"), Some("wazo-snom-8.7.5.35"));
    assert_eq!(best("D785", "8.9.3.80"), Some("wazo-snom-10.1.54.13"));
    // Unknown models: the same generation, never the DECT plugin.
    assert_eq!(best("D862", "10.1.215.13"), Some("wazo-snom-10.1.54.13"));
    assert_eq!(best("D999", "9.0"), Some("wazo-snom-8.7.5.35"), "tie between desk plugins: greatest id");
    assert_eq!(best("M900", "05.20.0001"), Some("wazo-snom-dect-05.20.0001"));
    assert_eq!(best("M700", "05.10.0001"), Some("wazo-snom-dect-05.20.0001"));
    assert_eq!(best("320", "6.5.20"), None, "too old for XML provisioning");
    assert_eq!(best("M900", "04.50.0001"), None);
}

#[test]
fn version_comparison() {
    assert_eq!(compare_versions("7.0", "7.0.0.0"), Some(Ordering::Equal));
    assert_eq!(compare_versions("6.5.20", "7.0.0.0"), Some(Ordering::Less));
    assert_eq!(compare_versions("10.1.54.13", "7.0.0.0"), Some(Ordering::Greater));
    assert_eq!(compare_versions("05.20.0001", "05.00.0001"), Some(Ordering::Greater));
    assert_eq!(compare_versions("5.0.1", "05.00.0001"), Some(Ordering::Equal));
    assert_eq!(compare_versions("8.4.", "7.0"), None);
    assert_eq!(compare_versions("1.x", "7.0"), None);
    assert_eq!(compare_versions("99999999999999999999999", "7.0"), None);
}

fn device(model: &str) -> Device {
    Device {
        id: "d1".into(),
        mac: Some(mac("00:04:13:92:2d:24")),
        vendor: Some("Snom".into()),
        model: Some(model.into()),
        ..Default::default()
    }
}

fn base_raw() -> Map {
    map(json!({"ip": "10.0.0.1", "http_port": 8667, "sip_lines": {}, "funckeys": {}}))
}

#[test]
fn device_files() {
    let mut raw = base_raw();
    let files = Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert_eq!(
        files,
        [
            DeviceFile::template("000413922D24.xml"),
            DeviceFile {
                path: "snomD785-000413922D24.htm".into(),
                source: FileSource::Template("other/base.htm.tpl".into())
            },
        ]
    );
    assert_eq!(raw["XX_xml_filename"], "000413922D24.xml");
    assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
    // What is required.
    let mut raw = map(json!({"ip": "10.0.0.1"}));
    assert_eq!(
        Snom.configure(&desk10(), &device("D785"), &mut raw),
        Err(ConfigureError::MissingParameter("http_port"))
    );
    let no_mac = Device { mac: None, ..device("D785") };
    assert_eq!(Snom.configure(&desk10(), &no_mac, &mut base_raw()), Err(ConfigureError::MissingDeviceField("mac")));
    let no_model = Device { model: None, ..device("D785") };
    assert_eq!(Snom.configure(&desk10(), &no_model, &mut base_raw()), Err(ConfigureError::MissingDeviceField("model")));
    assert!(matches!(Snom.configure(&desk10(), &device("../x"), &mut base_raw()), Err(ConfigureError::Invalid { .. })));
    let mut raw = map(json!({"http_port": 8667}));
    assert_eq!(Snom.configure(&desk10(), &device("D785"), &mut raw), Err(ConfigureError::MissingParameter("ip")));
    // An unknown model still gets its files, with the family defaults.
    let files = Snom.configure(&desk10(), &device("D999"), &mut base_raw()).unwrap();
    assert_eq!(files[1].path, "snomD999-000413922D24.htm");
}

#[test]
fn sensitive_files_and_trigger() {
    for name in ["000413922D24.xml", "000413922D24.xml.bak", "FFFFFFFFFFFF.xml"] {
        assert!(Snom.is_sensitive(name.as_bytes()), "{name}");
    }
    for name in ["000413922d24.xml", "snomD785-000413922D24.htm", "snomD785.xml", "000413922D24.htm", "x", ""] {
        assert!(!Snom.is_sensitive(name.as_bytes()), "{name}");
    }
    let d = device("D785");
    assert_eq!(Snom.remote_state_trigger(&d).as_deref(), Some("000413922D24.xml"));
    assert_eq!(Snom.remote_state_trigger(&Device { model: None, ..d.clone() }), None);
    assert_eq!(Snom.remote_state_trigger(&Device { mac: None, ..d.clone() }), None);
    let m = d.mac;
    assert!(Snom.is_remote_state_trigger(m, Some("D785"), b"000413922D24.xml"));
    assert!(!Snom.is_remote_state_trigger(m, None, b"000413922D24.xml"));
    assert!(!Snom.is_remote_state_trigger(m, Some("D785"), b"000413922d24.xml"));
    assert!(!Snom.is_remote_state_trigger(m, Some("D785"), b"snomD785-000413922D24.htm"));
    assert!(!Snom.is_remote_state_trigger(None, Some("D785"), b"000413922D24.xml"));
    // The default (allocating) path agrees with the in-place one.
    for name in [&b"000413922D24.xml"[..], b"000413922D24.htm"] {
        let device = Device { mac: m, model: Some("D785".into()), ..Default::default() };
        let by_name = Snom.remote_state_trigger(&device).is_some_and(|t| t.as_bytes() == name);
        assert_eq!(Snom.is_remote_state_trigger(m, Some("D785"), name), by_name);
    }
}

#[test]
fn sync_events_desk_and_dect() {
    let event = |d: &Device| Snom.sync_notify(d).unwrap();
    assert_eq!(event(&device("D785")), SyncNotify { event: "check-sync;reboot=false", body: None });
    assert_eq!(event(&device("MP")).event, "check-sync;reboot=false");
    assert_eq!(event(&device("M900")), SyncNotify { event: "check-sync;reboot=true", body: None });
    let by_plugin = Device { model: None, plugin: Some("wazo-snom-dect-05.20.0001".into()), ..device("M900") };
    assert_eq!(event(&by_plugin).event, "check-sync;reboot=true");
    assert_eq!(event(&Device::default()).event, "check-sync;reboot=false");
}

#[test]
fn common_file_names() {
    let base = map(json!({"ip": "10.0.0.1", "http_port": 8667, "http_base_url": "http://10.0.0.1:8667"}));
    let files = Snom.common_files(&desk8(), &base).unwrap();
    let names: Vec<(&str, &str)> = files.iter().map(|f| (f.path.as_str(), f.template.as_str())).collect();
    assert_eq!(
        names,
        [
            ("gui_lang.xml", "common/gui_lang.xml.tpl"),
            ("web_lang.xml", "common/web_lang.xml.tpl"),
            ("snom320.htm", "common/snom-model.htm.tpl"),
            ("snom320.xml", "common/snom-model.xml.tpl"),
            ("snom320-firmware.xml", "common/snom-model-firmware.xml.tpl"),
            ("snom715.htm", "common/snom-model.htm.tpl"),
            ("snom715.xml", "common/snom-model.xml.tpl"),
            ("snom715-firmware.xml", "common/snom-model-firmware.xml.tpl"),
            ("snomD765.htm", "common/snom-model.htm.tpl"),
            ("snomD765.xml", "common/snom-model.xml.tpl"),
            ("snomD765-firmware.xml", "common/snom-model-firmware.xml.tpl"),
        ]
    );
    assert_eq!(files[2].context["XX_model"], "320");
    assert_eq!(files[4].context["XX_fw_filename"], "snom320-8.7.5.35-SIP-f.bin");
    assert_eq!(files[4].context["XX_server_url"], "http://10.0.0.1:8667");
    assert!(!files[10].context.contains_key("XX_fw_filename"), "no firmware named for D765");

    let files = Snom.common_files(&dect(), &base).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "snom-general.xml",
            "snomM300.htm",
            "snomM300.xml",
            "snomM300-firmware.xml",
            "snomM900.htm",
            "snomM900.xml",
            "snomM900-firmware.xml"
        ]
    );
    assert_eq!(files[0].template, "common/snom-general.xml.tpl");
    assert_eq!(files[0].context["XX_accounts"], 1000);
    assert_eq!(Snom.common_files(&dect(), &Map::new()), Err(ConfigureError::MissingParameter("http_base_url")));
}

#[test]
fn per_model_common_template_override() {
    let dir = std::env::temp_dir().join(format!("provd-snom-common-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("var/templates/common")).unwrap();
    std::fs::write(dir.join("var/templates/common/snom715.htm.tpl"), "x").unwrap();
    let mut p = desk8();
    p.dir = dir.clone();
    let files = Snom.common_files(&p, &map(json!({"http_base_url": "http://h"}))).unwrap();
    let t: Vec<&str> = files.iter().filter(|f| f.path.starts_with("snom715")).map(|f| f.template.as_str()).collect();
    assert_eq!(t, ["common/snom715.htm.tpl", "common/snom-model.xml.tpl", "common/snom-model-firmware.xml.tpl"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn desk_lines_servers_backup_and_security() {
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667,
        "sip_proxy_ip": "10.0.0.1", "sip_proxy_port": 5060, "sip_backup_proxy_ip": "10.0.0.2",
        "sip_registrar_ip": "10.0.0.1", "sip_dtmf_mode": "SIP-INFO", "sip_srtp_mode": "disabled",
        "sip_transport": "tcp", "exten_voicemail": "*98",
        "sip_lines": {
            "2": {"username": "bob", "number": "1002", "dtmf_mode": "RTP-out-of-band", "srtp_mode": "preferred"},
            "1": {"username": "alice", "number": "1001", "proxy_ip": "10.0.0.5", "proxy_port": 5070,
                  "registrar_ip": "10.0.0.5", "voicemail": "*99"},
            "x": {"username": "ignored"},
            "0": {"username": "ignored too"},
        },
    }));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    let lines = raw["XX_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    let (l1, l2) = (&lines[0], &lines[1]);
    assert_eq!((&l1["XX_idx"], &l2["XX_idx"]), (&json!(1), &json!(2)));
    assert_eq!(l1["XX_host"], "10.0.0.5");
    assert_eq!(l1["XX_outbound"], "10.0.0.5:5070;transport=tcp");
    assert_eq!(l2["XX_host"], "10.0.0.1");
    assert_eq!(l2["XX_outbound"], "10.0.0.1:5060;transport=tcp");
    assert_eq!((&l1["voicemail"], &l2["voicemail"]), (&json!("*99"), &json!("*98")));
    assert_eq!((&l1["XX_user_dtmf_info"], &l2["XX_user_dtmf_info"]), (&json!("sip_info_only"), &json!("off")));
    assert_eq!((&l1["XX_srtp"], &l1["XX_savp"]), (&json!("off"), &json!("off")));
    assert_eq!((&l2["XX_srtp"], &l2["XX_savp"]), (&json!("on"), &json!("optional")));
    // Failover identities follow the last line, not line + 1.
    assert_eq!((&l1["XX_backup_idx"], &l2["XX_backup_idx"]), (&json!(3), &json!(4)));
    assert_eq!(l1["XX_backup_host"], "10.0.0.2");
    assert_eq!(l1["XX_backup_outbound"], "10.0.0.2:5060;transport=tcp");
    assert_eq!(raw["XX_msgs_blocked"], " Identity03IsNotRegistered Identity04IsNotRegistered");
    assert_eq!(raw["sip_lines"]["2"]["XX_backup_idx"], 4, "sip_lines is completed too");
    assert_eq!(raw["XX_sip_transport"], "tcp");

    // A two-identity model has no room for failover identities.
    let mut raw = map(json!({"ip": "h", "http_port": 1, "sip_backup_proxy_ip": "b",
                             "sip_lines": {"1": {"proxy_ip": "p"}, "2": {"proxy_ip": "p"}}}));
    Snom.configure(&desk10(), &device("D120"), &mut raw).unwrap();
    assert!(raw["XX_lines"][0].get("XX_backup_idx").is_none());
    assert_eq!(raw["XX_msgs_blocked"], "");

    // TLS forces SRTP, except on the autoprov line; outbound proxy wins.
    let mut raw = map(json!({"ip": "h", "http_port": 1, "sip_transport": "tls", "sip_outbound_proxy_ip": "sbc",
        "sip_lines": {"1": {"number": "autoprov", "proxy_ip": "p"}, "2": {"number": "1002", "proxy_ip": "p"}}}));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert_eq!(raw["XX_lines"][0]["XX_srtp"], "off");
    assert_eq!((&raw["XX_lines"][1]["XX_srtp"], &raw["XX_lines"][1]["XX_savp"]), (&json!("on"), &json!("mandatory")));
    assert_eq!(raw["XX_lines"][1]["XX_outbound"], "sbc:5060;transport=tls");
    assert_eq!(raw["XX_lines"][1]["XX_host"], "p");

    // No lines at all.
    let mut raw = base_raw();
    raw.remove("sip_lines");
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert_eq!(raw["XX_lines"], json!([]));
}

#[test]
fn function_keys_by_model() {
    let funckeys = json!({
        "10": {"type": "speeddial", "value": "1010"},
        "1": {"type": "speeddial", "value": "1003", "label": "Carol"},
        "2": {"type": "blf", "value": "1004", "label": "Dan & <Eve>"},
        "3": {"type": "park", "value": "701", "label": "Park"},
        "4": {"type": "park"},
        "5": {"type": "speeddial"},
        "6": {"type": "jump", "value": "x"},
        "0": {"type": "speeddial", "value": "nope"},
        "a": {"type": "speeddial", "value": "nope"},
    });
    let raw_with = |extra: Value| {
        let mut raw = base_raw();
        raw.insert("funckeys".into(), funckeys.clone());
        raw.extend(map(extra));
        raw
    };
    let mut raw = raw_with(json!({"exten_pickup_call": "*8", "exten_park": "700"}));
    Snom.configure(&desk10(), &device("D765"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_fkeys"],
        "    <fkey idx=\"0\" context=\"active\" short_label=\"Carol\" label=\"Carol\" perm=\"R\">speed 1003</fkey>\n\
         \x20   <fkey idx=\"1\" context=\"active\" short_label=\"Dan &amp; &lt;Eve&gt;\" label=\"Dan &amp; &lt;Eve&gt;\" perm=\"R\">blf 1004|*8</fkey>\n\
         \x20   <fkey idx=\"2\" context=\"active\" short_label=\"Park\" label=\"Park\" perm=\"R\">orbit 701</fkey>\n\
         \x20   <fkey idx=\"3\" context=\"active\" short_label=\"700\" label=\"700\" perm=\"R\">orbit 700</fkey>\n\
         \x20   <fkey idx=\"9\" context=\"active\" short_label=\"1010\" label=\"1010\" perm=\"R\">speed 1010</fkey>"
    );
    // No orbit keys on this model, no pickup prefix, no park extension.
    let mut raw = raw_with(json!({}));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    let fk = raw["XX_fkeys"].as_str().unwrap();
    assert!(fk.contains(">blf 1004</fkey>"), "{fk}");
    assert!(fk.contains("idx=\"2\" context=\"active\" short_label=\"Park\" label=\"Park\" perm=\"R\">speed 701<"));
    assert!(!fk.contains("idx=\"3\""), "park key without any value");
    assert_eq!(fk.lines().count(), 4);
    // Values cannot break out of the element.
    let mut raw = base_raw();
    raw.insert("funckeys".into(), json!({"1": {"type": "speeddial", "value": "1</fkey><x>", "label": "\"q'"}}));
    raw.insert("exten_pickup_call".into(), json!("*8"));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_fkeys"],
        "    <fkey idx=\"0\" context=\"active\" short_label=\"&#34;q&#39;\" label=\"&#34;q&#39;\" perm=\"R\">speed 1&lt;/fkey&gt;&lt;x&gt;</fkey>"
    );
}

#[test]
fn locale_timezone_and_dict() {
    let mut raw = base_raw();
    raw.extend(map(json!({"locale": "fr_FR", "timezone": "Europe/Paris"})));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert_eq!(raw["XX_lang"], json!(["Français", "FRA"]));
    assert_eq!(raw["XX_locale"], "fr_FR");
    assert_eq!(raw["XX_timezone"], "<timezone perm=\"R\">FRA+1</timezone>");
    assert_eq!(raw["XX_dict"], json!({"remote_directory": "Annuaire"}));
    // The 8.x plugin names the language its own way.
    let mut raw = base_raw();
    raw.extend(map(json!({"locale": "fr_FR", "timezone": "Europe/Paris"})));
    Snom.configure(&desk8(), &device("320"), &mut raw).unwrap();
    assert_eq!(raw["XX_lang"], json!(["Francais", "FRA"]));
    let mut raw = base_raw();
    raw.extend(map(json!({"locale": "de_DE"})));
    Snom.configure(&desk8(), &device("320"), &mut raw).unwrap();
    assert!(!raw.contains_key("XX_lang"), "not in this plugin's table");

    for (locale, zone, code) in [
        ("fr_CA", "America/Montreal", Some("USA-5")),
        ("en_US", "America/Regina", Some("CAN2-6")),
        ("de_DE", "Asia/Kolkata", Some("GER+5.5")),
        ("en_US", "America/St_Johns", Some("USA-3.5")),
        ("en_US", "Asia/Kathmandu", Some("USA+5.75")),
        ("it_IT", "Doesnt/Exist", None),
    ] {
        let mut raw = base_raw();
        raw.extend(map(json!({"locale": locale, "timezone": zone})));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        let expected = code.map(|c| format!("<timezone perm=\"R\">{c}</timezone>"));
        assert_eq!(raw.get("XX_timezone").and_then(Value::as_str), expected.as_deref(), "{zone}");
    }
    // Without a locale the country is unknown, except for coded zones.
    let mut raw = base_raw();
    raw.insert("timezone".into(), json!("Europe/Paris"));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert!(!raw.contains_key("XX_timezone"));
    assert_eq!(raw["XX_dict"], json!({"remote_directory": "Directory"}));
    raw.insert("timezone".into(), json!("America/Phoenix"));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert_eq!(raw["XX_timezone"], "<timezone perm=\"R\">USA2-7</timezone>");
    assert_eq!(offset_hours(0), "+0");
    assert_eq!(offset_hours(-36000), "-10");
    assert_eq!(offset_hours(45900), "+12.75");
}

#[test]
fn context_urls_syslog_and_options() {
    let mut raw = base_raw();
    raw.extend(map(json!({
        "http_base_url": "https://prov.example:8443",
        "X_xivo_phonebook_ip": "10.0.0.7", "X_xivo_user_uuid": "u-1",
        "syslog_enabled": true, "syslog_ip": "10.0.0.9", "syslog_port": 514, "syslog_level": "debug",
    })));
    let mut dev = device("D785");
    dev.options = Some(map(json!({"switchboard": true})));
    Snom.configure(&desk10(), &dev, &mut raw).unwrap();
    assert_eq!(
        raw["XX_xivo_phonebook_url"],
        "http://10.0.0.7:9498/0.1/directories/input/default/snom?xivo_user_uuid=u-1"
    );
    assert_eq!(raw["XX_server_url"], "https://prov.example:8443");
    assert_eq!(raw["XX_server_url_without_scheme"], "prov.example:8443");
    assert_eq!((&raw["XX_syslog_server"], &raw["XX_log_level"]), (&json!("10.0.0.9"), &json!(9)));
    assert_eq!(raw["XX_options"], json!({"switchboard": true}));
    let mut raw = base_raw();
    raw.extend(map(json!({"syslog_enabled": true, "syslog_ip": "10.0.0.9", "syslog_port": 1514})));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert_eq!((&raw["XX_syslog_server"], &raw["XX_log_level"]), (&json!("10.0.0.9:1514"), &json!(4)));
    assert_eq!(raw["XX_options"], json!({}));
    let mut raw = base_raw();
    raw.extend(map(json!({"syslog_enabled": false, "syslog_ip": "10.0.0.9"})));
    Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
    assert!(!raw.contains_key("XX_syslog_server"));
    assert!(!raw.contains_key("XX_xivo_phonebook_url"));
}

#[test]
fn dect_servers_and_accounts() {
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667, "locale": "de_DE",
        "sip_proxy_ip": "10.0.0.1", "sip_dtmf_mode": "SIP-INFO", "exten_voicemail": "*98",
        "sip_lines": {
            "1": {"username": "a", "number": "1001"},
            "2": {"username": "b", "number": "1002", "proxy_ip": "10.0.0.1", "proxy_port": 5060},
            "3": {"username": "c", "number": "1003", "proxy_ip": "10.0.0.2", "proxy_port": 5070,
                  "dtmf_mode": "RTP-out-of-band"},
            "12": {"username": "d", "number": "1012"},
        },
        "funckeys": {"1": {"type": "speeddial", "value": "1"}},
    }));
    Snom.configure(&dect(), &device("M900"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_servers"],
        json!({
            "10.0.0.1:5060": {"id": 1, "proxy_ip": "10.0.0.1", "proxy_port": "5060", "backup_proxy_ip": null,
             "backup_proxy_port": null, "dtmf_mode": "SIP-INFO", "XX_outbound": "10.0.0.1:5060;transport=udp",
             "XX_user_dtmf_info": "sip_info_only", "XX_srtp": "off"},
            "10.0.0.2:5070": {"id": 2, "proxy_ip": "10.0.0.2", "proxy_port": "5070", "backup_proxy_ip": null,
             "backup_proxy_port": null, "dtmf_mode": "RTP-out-of-band", "XX_outbound": "10.0.0.2:5070;transport=udp",
             "XX_user_dtmf_info": "off", "XX_srtp": "off"},
        })
    );
    let lines = raw["XX_lines"].as_array().unwrap();
    let summary: Vec<(u64, u64, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["XX_idx"].as_u64().unwrap(),
                l["XX_server_id"].as_u64().unwrap(),
                l["XX_ac_code"].as_str().unwrap(),
                l["voicemail"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, [(1, 1, "0001", "*98"), (2, 1, "0002", "*98"), (3, 2, "0003", "*98"), (12, 1, "0012", "*98")]);
    assert_eq!(raw["XX_lang"], json!(["Deutsch", "GER"]));
    assert!(!raw.contains_key("XX_fkeys"), "no function keys on a DECT base");

    // Ten servers at most; a line without any proxy is left out.
    let lines: Map = (1..=12)
        .map(|i| (i.to_string(), json!({"username": format!("u{i}"), "proxy_ip": format!("10.0.1.{i}")})))
        .chain([("13".to_owned(), json!({"username": "no proxy"}))])
        .collect();
    let mut raw = base_raw();
    raw.insert("sip_lines".into(), Value::Object(lines));
    Snom.configure(&dect(), &device("M900"), &mut raw).unwrap();
    assert_eq!(raw["XX_servers"].as_object().unwrap().len(), 10);
    assert_eq!(raw["XX_lines"].as_array().unwrap().len(), 10);
}

const DEMO_RAW: &str = r#"{
"ip": "10.0.0.1", "http_port": 8667, "http_base_url": "http://10.0.0.1:8667",
"ntp_enabled": true, "ntp_ip": "10.0.0.1", "dns_enabled": true, "dns_ip": "10.0.0.53",
"vlan_enabled": true, "vlan_id": 100, "vlan_priority": 5, "vlan_pc_port_id": 200,
"syslog_enabled": true, "syslog_ip": "10.0.0.7", "syslog_port": 514, "syslog_level": "warning",
"admin_username": "admin", "admin_password": "s3cret", "user_username": "user", "user_password": "u5er",
"timezone": "Europe/Paris", "locale": "fr_FR", "protocol": "SIP",
"sip_proxy_ip": "10.0.0.1", "sip_proxy_port": 5060, "sip_backup_proxy_ip": "10.0.0.2",
"sip_dtmf_mode": "RTP-out-of-band", "sip_transport": "udp", "exten_voicemail": "*98",
"exten_pickup_call": "*8", "exten_park": "700",
"sip_lines": {
    "1": {"username": "abcd1234", "auth_username": "abcd1234", "password": "p4ss", "display_name": "Alice Doe",
          "number": "1001"},
    "2": {"username": "efgh5678", "password": "p4ss2", "display_name": "Alice 2", "number": "1002",
          "proxy_ip": "10.0.0.3", "proxy_port": 5070}
},
"funckeys": {
    "1": {"type": "speeddial", "value": "1234", "label": "Bob"},
    "2": {"type": "blf", "value": "1005", "label": "Carol"},
    "3": {"type": "park", "value": "701", "label": "Park 1"}
},
"X_xivo_phonebook_ip": "10.0.0.1", "X_xivo_user_uuid": "0f8c7a9e-0000-4000-8000-000000000001"
}"#;

/// Prints the context `configure` builds, for rendering the bundled
/// templates outside Rust:
/// `SNOM_MODEL=D785 SNOM_PLUGIN=../plugins/wazo-snom-10.1.54.13 cargo test -p provd-shared
/// snom::tests::dump_context -- --ignored --nocapture`.
#[test]
#[ignore]
fn dump_context() {
    let model = std::env::var("SNOM_MODEL").unwrap_or_else(|_| "D785".into());
    let dir = std::env::var("SNOM_PLUGIN").unwrap_or_else(|_| "../plugins/wazo-snom-10.1.54.13".into());
    let p = crate::plugins::load(std::path::Path::new(&dir)).unwrap();
    let mut raw: Map = serde_json::from_str(DEMO_RAW).unwrap();
    provd_core::config::apply_defaults(&mut raw);
    Snom.configure(&p, &device(&model), &mut raw).unwrap();
    println!("{}", serde_json::to_string_pretty(&raw).unwrap());
}
