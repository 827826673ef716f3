//! Identification extractors on arbitrary bytes.
//!
//! Input: `[kind: 1 byte][bytes...]`. Kind % 4: 0 HTTP with a User-Agent
//! (`path \n user-agent`: the first LF splits them), 1 HTTP without one
//! (bytes = path), 2 TFTP (bytes = file name), 3 DHCP (bytes = vendor
//! class). Every family also sees the same bytes in the other three shapes.
//!
//! Checks, besides "never panics":
//! * an extracted MAC is in normal form (`aa:bb:cc:dd:ee:ff` by `Display`
//!   and `write_normal`, parses back to itself) and its twelve hex digits
//!   appear in the input (separators and case aside): nothing is invented;
//! * no extracted field holds a control character unless the input did;
//! * `identify` is deterministic and its merged answer only holds values
//!   some family gave;
//! * `is_sensitive` never panics on any basename.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provd_core::family::{DeviceInfo, Request};
use provd_families::identify::identify;
use provd_core::mac::Mac;

fn hex_digits(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().filter(|b| b.is_ascii_hexdigit()).map(u8::to_ascii_lowercase).collect()
}

fn check_mac(mac: &Mac, input: &[u8]) {
    let shown = mac.to_string();
    assert_eq!(shown.len(), 17);
    for (i, c) in shown.bytes().enumerate() {
        if i % 3 == 2 {
            assert_eq!(c, b':', "{shown}");
        } else {
            assert!(matches!(c, b'0'..=b'9' | b'a'..=b'f'), "{shown}");
        }
    }
    let mut buf = [0u8; 17];
    assert_eq!(mac.write_normal(&mut buf), shown);
    assert_eq!(Mac::parse(&shown).as_ref(), Ok(mac));
    // The MAC's digits, in order, somewhere in the input's hex digits.
    let want = hex_digits(mac.format(None, false).as_bytes());
    let have = hex_digits(input);
    assert!(have.windows(12).any(|w| w == want.as_slice()), "MAC {shown} not in the input");
}

fn check_info(info: &DeviceInfo<'_>, input: &[u8]) {
    if let Some(mac) = &info.mac {
        check_mac(mac, input);
    }
    // Extractors pass some request bytes through (wazo's `.+?` captures),
    // so control characters can only come from the input; the server's
    // TFTP and HTTP parsers already refuse them there.
    if !input.iter().any(|&b| b < 0x20 || b == 0x7f) {
        for field in [&info.vendor, &info.model, &info.version, &info.sn, &info.uuid] {
            if let Some(s) = field {
                assert!(!s.chars().any(char::is_control), "control character in {s:?} from a clean input");
            }
        }
    }
}

fn requests(data: &[u8]) -> [Request<'_>; 4] {
    let (path, ua) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"/"[..], data),
    };
    [
        Request::Http { path, user_agent: Some(ua) },
        Request::Http { path: data, user_agent: None },
        Request::Tftp { filename: data },
        Request::Dhcp { vendor_class: data },
    ]
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else { return };
    let all = requests(rest);
    let primary = all[usize::from(kind % 4)];

    let merged = identify(&primary);
    check_info(&merged, rest);
    assert_eq!(identify(&primary), merged, "identify is not deterministic");

    let answers: Vec<DeviceInfo<'_>> = provd_families::all().iter().filter_map(|f| f.extract(&primary)).collect();
    for a in &answers {
        check_info(a, rest);
    }
    // The vote only picks values some family gave.
    let gave = |pick: &dyn Fn(&DeviceInfo<'_>) -> Option<String>| {
        pick(&merged).is_none_or(|v| answers.iter().any(|a| pick(a).as_deref() == Some(v.as_str())))
    };
    assert!(gave(&|i| i.vendor.as_deref().map(str::to_owned)));
    assert!(gave(&|i| i.model.as_deref().map(str::to_owned)));
    assert!(gave(&|i| i.version.as_deref().map(str::to_owned)));
    assert!(gave(&|i| i.mac.map(|m| m.to_string())));

    for req in &all {
        for f in provd_families::all() {
            if let Some(info) = f.extract(req) {
                check_info(&info, rest);
            }
        }
    }
    for f in provd_families::all() {
        let _ = f.is_sensitive(rest);
        let basename = rest.rsplit(|&b| b == b'/').next().unwrap_or(rest);
        let _ = f.is_sensitive(basename);
    }
});
