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
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<Mac>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    #[serde(default)]
    pub configured: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Map>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_new: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_state_sip_username: Option<String>,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("device id {0:?} is not usable: {1}")]
    BadId(String, &'static str),
    #[error("field ip: {0:?} is not a dotted-quad IPv4 address")]
    BadIp(String),
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
    #[serde(borrow, default)]
    pub id: std::borrow::Cow<'a, str>,
    #[serde(default)]
    pub mac: Option<Mac>,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub ip: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub sn: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub uuid: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub vendor: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub model: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub version: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub plugin: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub config: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    pub configured: bool,
    #[serde(borrow, default, deserialize_with = "borrowed_opt")]
    pub remote_state_sip_username: Option<std::borrow::Cow<'a, str>>,
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
    pub fn parse(json: &'a [u8]) -> Result<DeviceView<'a>, serde_json::Error> {
        serde_json::from_slice(json)
    }
}
