//! The device document, field for field as wazo-provd stores it.

use serde::{Deserialize, Serialize};

use crate::Map;
use crate::mac::Mac;

/// A phone (or softphone, or ATA) known to provd.
///
/// Absent fields are absent from the JSON document too, as in wazo-provd's
/// `jsondb`; keys provd does not know (by convention `X_*`) are kept as-is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// The key: a uuid4 in hex (32 digits) when provd or wazo-provd made it, or any usable id a client chose ([`check_id`]).
    #[serde(default)]
    pub id: String,
    /// The phone's MAC address, normalised `aa:bb:cc:dd:ee:ff` in the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<Mac>,
    /// The IPv4 address its last request came from (or a DHCP lease gave), dotted quad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Serial number, as the phone reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sn: Option<String>,
    /// A UUID the phone reports (some softphones), checked to be one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The vendor identification found (`Yealink`, `Cisco`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The model identification found (`T46S`, `SPA509G`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The firmware version the phone reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The id of the plugin that serves it (its installed directory's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// The id of the config its raw config is flattened from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// Set by compiles: its files are rendered and published. Clients cannot set it.
    #[serde(default)]
    pub configured: bool,
    /// `auto` when a phone's request created it; otherwise whatever the client that created it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<String>,
    /// Per-device options some plugins read (wazo-provd's `options`), kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Map>,
    /// Free text for administrators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The tenant it belongs to (provd has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_uuid: Option<String>,
    /// Whether it still waits to be allocated to a tenant (wazo-confd's unallocated devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_new: Option<bool>,
    /// The SIP username of line 1 when the phone last fetched its files: what it really runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_state_sip_username: Option<String>,
    /// Every other key of the document (by convention `X_*`), kept as it is.
    #[serde(flatten)]
    pub extra: Map,
}

/// Why a device document cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The id, and why it is refused ([`check_id`]).
    #[error("device id {0:?} is not usable: {1}")]
    BadId(String, &'static str),
    /// `ip` is not an IPv4 address in dotted-quad form.
    #[error("field ip: {0:?} is not a dotted-quad IPv4 address")]
    BadIp(String),
    /// `uuid` is not a UUID.
    #[error("field uuid: {0:?} is not a UUID")]
    BadUuid(String),
}

impl Device {
    /// Checks what wazo-provd checks on insert and update, plus the id rules
    /// that keep ids usable as keys and file names.
    pub fn validate(&self) -> Result<(), DeviceError> {
        check_id(&self.id).map_err(|why| DeviceError::BadId(self.id.clone(), why))?;
        if let Some(ip) = &self.ip
            && ip.parse::<std::net::Ipv4Addr>().is_err()
        {
            return Err(DeviceError::BadIp(ip.clone()));
        }
        if let Some(u) = &self.uuid
            && uuid::Uuid::parse_str(u).is_err()
        {
            return Err(DeviceError::BadUuid(u.clone()));
        }
        Ok(())
    }

    /// wazo-provd's `_RECONF_KEYS`: a change of any of these re-renders the
    /// device's files. `ip` is deliberately not one of them (NAT churn).
    pub fn needs_reconfiguration(&self, new: &Device) -> bool {
        self.plugin != new.plugin
            || self.config != new.config
            || self.mac != new.mac
            || self.uuid != new.uuid
            || self.vendor != new.vendor
            || self.model != new.model
            || self.version != new.version
            || self.options != new.options
    }

    /// A new id, as wazo-provd makes them: a uuid4 in 32 hex digits.
    pub fn new_id() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }
}

/// Ids are store keys and, in wazo-provd, file names: refuse what would
/// break either.
pub fn check_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        return Err("empty");
    }
    if id.len() > 255 {
        return Err("longer than 255 bytes");
    }
    if id == "." || id == ".." {
        return Err("a directory name");
    }
    if id.bytes().any(|b| b == b'/' || b == b'\\' || b < 0x20 || b == 0x7f) {
        return Err("contains '/', '\\' or a control character");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wazo_document_round_trips() {
        let doc = r#"{"id":"a1b2","mac":"00:15:65:4c:4c:26","ip":"10.0.0.5","vendor":"Yealink","model":"T21P","version":"34.72.0.1","plugin":"wazo-yealink-v86","config":"autoprov123","configured":true,"added":"auto","options":{"switchboard":false},"tenant_uuid":"t","is_new":true,"X_custom":{"a":[1,2]}}"#;
        let d: Device = serde_json::from_str(doc).unwrap();
        assert_eq!(d.mac.unwrap().to_string(), "00:15:65:4c:4c:26");
        assert_eq!(d.extra["X_custom"]["a"][1], 2);
        let back = serde_json::to_string(&d).unwrap();
        let a: serde_json::Value = serde_json::from_str(doc).unwrap();
        let b: serde_json::Value = serde_json::from_str(&back).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_fields_are_named() {
        let mut d = Device { id: "x".into(), ip: Some("10.0.0.256".into()), ..Default::default() };
        assert_eq!(d.validate().unwrap_err().to_string(), "field ip: \"10.0.0.256\" is not a dotted-quad IPv4 address");
        d.ip = None;
        d.id = "../etc".into();
        assert!(d.validate().unwrap_err().to_string().contains("'/'"));
        let e = serde_json::from_str::<Device>(r#"{"id":"x","mac":"nope"}"#).unwrap_err();
        assert!(e.to_string().contains("invalid MAC address \"nope\""), "{e}");
    }

    #[test]
    fn a_view_borrows_from_the_document() {
        let doc = br#"{"id":"a1","mac":"00:15:65:4c:4c:26","ip":"10.0.0.5","plugin":"p","config":"c","configured":true,"options":{"x":[1,{"y":2}]},"X_other":"z"}"#;
        let v = DeviceView::parse(doc).unwrap();
        assert!(matches!(v.id, std::borrow::Cow::Borrowed("a1")));
        assert!(matches!(v.plugin, Some(std::borrow::Cow::Borrowed("p"))));
        assert_eq!(v.mac.unwrap().to_string(), "00:15:65:4c:4c:26");
        assert!(v.configured && v.version.is_none());
        let escaped = DeviceView::parse(br#"{"id":"a\u0041b"}"#).unwrap();
        assert_eq!(escaped.id, "aAb");
    }

    /// The one-pass reader gives serde's answer, or leaves it to serde.
    #[test]
    fn the_fast_view_reader_agrees_with_serde() {
        let mut docs: Vec<Vec<u8>> = [
            &br#"{"id":"a1","mac":"00:15:65:4c:4c:26","ip":"10.0.0.5","plugin":"p","config":"c","configured":true,"options":{"x":[1,{"y":2}]},"X_other":"z"}"#[..],
            br#"{}"#,
            br#" { "id" : "x" , "mac" : null , "configured" : false } "#,
            br#"{"id":"a\u0041b"}"#,
            br#"{"id":"x","model":"T4\"6"}"#,
            br#"{"id":"x","i\u0064":"y"}"#,
            br#"{"id":"x","id":"y"}"#,
            br#"{"id":"x","mac":"nope"}"#,
            br#"{"id":"x","mac":5}"#,
            br#"{"id":null}"#,
            br#"{"id":"x","ip":5}"#,
            br#"{"id":"x","configured":null}"#,
            br#"{"id":"x","configured":"yes"}"#,
            br#"{"id":"x","X":[1,2.5,-3e4,true,null,{"a":{}},[]],"Y":-0.0}"#,
            br#"{"id":"x","X":01}"#,
            br#"{"id":"x","X":1.}"#,
            br#"{"id":"x","X":tru}"#,
            br#"{"id":"x",}"#,
            br#"{"id":"x"} x"#,
            br#"{"id":"x""#,
            br#"{"id":"x","X":{"a":1,}}"#,
            br#"{"id":"x","X":"a\"}"}"#,
            "{\"id\":\"x\",\"model\":\"caf\u{e9}\"}".as_bytes(),
            b"{\"id\":\"x\",\"model\":\"a\tb\"}",
            b"{\"id\":\"x\",\"model\":\"\xff\"}",
            b"{\"id\":\"x\",\"X_other\":\"\xc3\"}",
            b"{\"id\":\"x\",\"\xff\":1}",
            br#"[]"#,
            br#""#,
        ]
        .iter()
        .map(|d| d.to_vec())
        .collect();
        let full = Device {
            id: "d1".into(),
            mac: Some(Mac::parse("00:15:65:4c:4c:26").unwrap()),
            ip: Some("10.0.0.5".into()),
            sn: Some("SN\"1".into()),
            uuid: Some("u".into()),
            vendor: Some("Yealink".into()),
            model: Some("T46S".into()),
            version: Some("66.86.0.15".into()),
            plugin: Some("wazo-yealink-v86".into()),
            config: Some("autoprov1".into()),
            configured: true,
            added: Some("auto".into()),
            options: serde_json::json!({"switchboard": false, "n": [1, {"x": null}]}).as_object().cloned(),
            description: Some("desk \u{e9}t\u{e9}\n".into()),
            tenant_uuid: Some("t".into()),
            is_new: Some(true),
            remote_state_sip_username: Some("ap1".into()),
            extra: serde_json::json!({"X_custom": {"a": [1, 2.5e-3, "s"]}}).as_object().cloned().unwrap(),
        };
        docs.push(serde_json::to_vec(&full).unwrap());
        docs.push(serde_json::to_vec_pretty(&full).unwrap());
        docs.push(serde_json::to_vec(&Device { id: "bare".into(), ..Default::default() }).unwrap());
        let mut sparse = full.clone();
        sparse.sn = None;
        sparse.mac = None;
        sparse.configured = false;
        docs.push(serde_json::to_vec(&sparse).unwrap());
        let mut fast_hits = 0;
        for doc in &docs {
            let serde = DeviceView::parse_serde(doc);
            if let Some(v) = fast::parse(doc) {
                fast_hits += 1;
                assert_eq!(Some(&v), serde.as_ref().ok(), "{}", String::from_utf8_lossy(doc));
            }
            assert_eq!(DeviceView::parse(doc).ok(), serde.ok(), "{}", String::from_utf8_lossy(doc));
        }
        assert!(fast_hits >= 8, "{fast_hits}");
    }

    #[test]
    fn reconfiguration_keys() {
        let a = Device { id: "a".into(), ip: Some("10.0.0.1".into()), ..Default::default() };
        let mut b = a.clone();
        b.ip = Some("10.0.0.2".into());
        assert!(!a.needs_reconfiguration(&b), "ip is not a reconfiguration key");
        b.version = Some("1".into());
        assert!(a.needs_reconfiguration(&b));
    }
}

/// A device document read in place: the fields the request path needs,
/// borrowed from the stored JSON (an LMDB page) instead of copied. A
/// string with JSON escapes is the only thing that allocates.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DeviceView<'a> {
    /// [`Device::id`].
    #[serde(borrow, default)]
    pub id: std::borrow::Cow<'a, str>,
    /// [`Device::mac`].
    #[serde(default)]
    pub mac: Option<Mac>,
    /// [`Device::ip`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub ip: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::sn`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub sn: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::uuid`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub uuid: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::vendor`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub vendor: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::model`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub model: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::version`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub version: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::plugin`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub plugin: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::config`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub config: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::configured`].
    #[serde(default)]
    pub configured: bool,
    /// [`Device::remote_state_sip_username`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub remote_state_sip_username: Option<std::borrow::Cow<'a, str>>,
    /// [`Device::tenant_uuid`].
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub tenant_uuid: Option<std::borrow::Cow<'a, str>>,
}

/// serde does not borrow through `Option<Cow<str>>` on its own.
fn borrowed_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<std::borrow::Cow<'de, str>>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<std::borrow::Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(std::borrow::Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(std::borrow::Cow::Owned(v.to_owned())))
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

impl<'a> DeviceView<'a> {
    /// Reads the fields from a stored device document, borrowing what it can.
    pub fn parse(json: &'a [u8]) -> Result<DeviceView<'a>, serde_json::Error> {
        if let Some(view) = fast::parse(json) {
            return Ok(view);
        }
        Self::parse_serde(json)
    }

    /// The reference reader: serde's derived visitor.
    fn parse_serde(json: &'a [u8]) -> Result<DeviceView<'a>, serde_json::Error> {
        serde_json::from_slice(json)
    }
}

/// A device view read in one pass over the stored document, without
/// serde: every request reads its device's view, and serde's derived
/// visitor (validating and matching every key it meets) was about a tenth
/// of the server's CPU under load. The documents are the store's own,
/// written by serde_json from [`Device`]; anything this reader does not
/// expect (escapes in a key or a wanted string, a repeated or mistyped
/// field, a control character, malformed JSON it notices) gives `None` and
/// the document goes to serde, which gives the answer or the error.
mod fast {
    use std::borrow::Cow;

    use super::DeviceView;
    use crate::json_scan::Scanner;
    use crate::mac::Mac;

    pub(super) fn parse(doc: &[u8]) -> Option<DeviceView<'_>> {
        let doc = std::str::from_utf8(doc).ok()?;
        let mut s = Scanner::for_str(doc);
        let mut v = DeviceView::default();
        // Which fields were met: serde refuses a repeated one.
        let mut seen = 0u16;
        s.eat(b'{')?;
        if s.eat(b'}').is_none() {
            loop {
                s.eat(b'"')?;
                let key = s.plain_str()?;
                s.eat(b':')?;
                let bit = match key {
                    "id" => 0,
                    "mac" => 1,
                    "ip" => 2,
                    "sn" => 3,
                    "uuid" => 4,
                    "vendor" => 5,
                    "model" => 6,
                    "version" => 7,
                    "plugin" => 8,
                    "config" => 9,
                    "configured" => 10,
                    "remote_state_sip_username" => 11,
                    "tenant_uuid" => 12,
                    _ => {
                        s.skip(0)?;
                        13
                    }
                };
                if bit < 13 {
                    if seen & (1 << bit) != 0 {
                        return None;
                    }
                    seen |= 1 << bit;
                }
                match bit {
                    0 => {
                        s.eat(b'"')?;
                        v.id = Cow::Borrowed(s.plain_str()?);
                    }
                    1 => {
                        v.mac = match s.opt_str()? {
                            Some(m) => Some(Mac::parse_bytes(m.as_bytes()).ok()?),
                            None => None,
                        }
                    }
                    2 => v.ip = s.opt_str()?,
                    3 => v.sn = s.opt_str()?,
                    4 => v.uuid = s.opt_str()?,
                    5 => v.vendor = s.opt_str()?,
                    6 => v.model = s.opt_str()?,
                    7 => v.version = s.opt_str()?,
                    8 => v.plugin = s.opt_str()?,
                    9 => v.config = s.opt_str()?,
                    10 => {
                        s.ws();
                        v.configured = match s.scalar()? {
                            b"true" => true,
                            b"false" => false,
                            _ => return None,
                        }
                    }
                    11 => v.remote_state_sip_username = s.opt_str()?,
                    12 => v.tenant_uuid = s.opt_str()?,
                    _ => {}
                }
                match s.peek()? {
                    b',' => s.i += 1,
                    b'}' => {
                        s.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        s.ws();
        (s.i == doc.len()).then_some(v)
    }
}
