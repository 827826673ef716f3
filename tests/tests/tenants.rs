//! Tenants as Wazo uses them (wazo-confd sends `Wazo-Tenant`): a device
//! belongs to the tenant that created it, other tenants do not see it, a
//! device still in provd's tenant (new, unallocated) moves to the first
//! tenant that PUTs it, provisioning keys are per tenant, and with
//! `--url-key` a tenant's key serves only that tenant's devices.

use provd_e2e::{PROVD_JSON, Reply, Rest, Server, curl, eventually};
use serde_json::{Value, json};

const T1: &str = "11111111-1111-4111-8111-111111111111";
const T2: &str = "22222222-2222-4222-8222-222222222222";
const MAC: &str = "80:5e:c0:d5:7d:b1";
const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:b1";
const FILE: &str = "/805ec0d57db1.cfg";

/// `method path` acting for `tenant` (none: provd's own), with `body`.
fn call(rest: &Rest, tenant: Option<&str>, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let mut extra: Vec<String> = Vec::new();
    if let Some(t) = tenant {
        extra.extend(["-H".into(), format!("Wazo-Tenant: {t}")]);
    }
    if let Some(b) = body {
        extra.extend(["-H".into(), format!("Content-Type: {PROVD_JSON}"), "--data-binary".into(), b.to_string()]);
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    rest.call(method, path, &extra)
}

fn ids(reply: &Reply) -> Vec<String> {
    let doc = reply.json();
    let mut ids: Vec<String> =
        doc["devices"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[test]
fn a_tenant_sees_and_changes_only_its_own_devices() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    let r = call(&rest, Some(T1), "POST", "/0.2/dev_mgr/devices", Some(&json!({"device": {"id": "d1", "mac": MAC}})));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = call(&rest, None, "POST", "/0.2/dev_mgr/devices", Some(&json!({"device": {"id": "d0"}})));
    assert_eq!(r.status, 201);

    let own = call(&rest, Some(T1), "GET", "/0.2/dev_mgr/devices/d1", None).json();
    assert_eq!(own["device"]["tenant_uuid"], T1);
    assert_eq!(own["device"]["is_new"], false);
    let new = call(&rest, None, "GET", "/0.2/dev_mgr/devices/d0", None).json();
    assert_eq!(new["device"]["is_new"], true);
    let provd_tenant = new["device"]["tenant_uuid"].as_str().unwrap().to_owned();
    assert_ne!(provd_tenant, T1);

    // Another tenant: as if the device did not exist.
    assert_eq!(call(&rest, Some(T2), "GET", "/0.2/dev_mgr/devices/d1", None).status, 404);
    let put = json!({"device": {"id": "d1", "mac": MAC, "description": "taken"}});
    assert_eq!(call(&rest, Some(T2), "PUT", "/0.2/dev_mgr/devices/d1", Some(&put)).status, 404);
    assert_eq!(call(&rest, Some(T2), "DELETE", "/0.2/dev_mgr/devices/d1", None).status, 404);
    assert_eq!(call(&rest, Some(T2), "POST", "/0.2/dev_mgr/reconfigure", Some(&json!({"id": "d1"}))).status, 400);
    assert_eq!(call(&rest, Some(T2), "POST", "/0.2/dev_mgr/synchronize", Some(&json!({"id": "d1"}))).status, 404);
    assert_eq!(
        call(&rest, Some(T1), "GET", "/0.2/dev_mgr/devices/d1", None).json()["device"]["description"],
        Value::Null
    );

    // Listings: a tenant's own; provd's tenant sees the others with recurse.
    assert_eq!(ids(&call(&rest, Some(T1), "GET", "/0.2/dev_mgr/devices", None)), ["d1"]);
    assert!(ids(&call(&rest, Some(T2), "GET", "/0.2/dev_mgr/devices?recurse=true", None)).is_empty());
    assert_eq!(ids(&call(&rest, None, "GET", "/0.2/dev_mgr/devices", None)), ["d0"]);
    assert_eq!(ids(&call(&rest, None, "GET", "/0.2/dev_mgr/devices?recurse=true", None)), ["d0", "d1"]);
    let header = Some(provd_tenant.as_str());
    assert_eq!(ids(&call(&rest, header, "GET", "/0.2/dev_mgr/devices?recurse=true", None)), ["d0", "d1"]);
    // The tenant's own may change and delete it.
    assert_eq!(call(&rest, Some(T1), "PUT", "/0.2/dev_mgr/devices/d1", Some(&put)).status, 204);
    assert_eq!(call(&rest, Some(T1), "GET", "/0.2/dev_mgr/devices/d1", None).json()["device"]["tenant_uuid"], T1);
    assert_eq!(call(&rest, Some(T1), "DELETE", "/0.2/dev_mgr/devices/d1", None).status, 204);

    // A tenant that is no tenant.
    let r = call(&rest, Some("not-a-tenant"), "GET", "/0.2/dev_mgr/devices", None);
    assert_eq!((r.status, r.text().as_str()), (401, "Unauthorized"));
}

#[test]
fn a_put_from_a_tenant_moves_an_unallocated_device_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    // Created by the phone itself (or wazo-confd without a tenant): new.
    let r = call(&rest, None, "POST", "/0.2/dev_mgr/devices", Some(&json!({"device": {"id": "d1", "mac": MAC}})));
    assert_eq!(r.status, 201);
    assert_eq!(call(&rest, Some(T1), "GET", "/0.2/dev_mgr/devices/d1", None).status, 404, "not T1's yet");

    // wazo-confd's "unallocated devices": the tenant PUTs it, and owns it.
    let put = json!({"device": {"id": "d1", "mac": MAC, "description": "desk 1"}});
    let r = call(&rest, Some(T1), "PUT", "/0.2/dev_mgr/devices/d1", Some(&put));
    assert_eq!(r.status, 204, "{}", r.text());
    let doc = call(&rest, Some(T1), "GET", "/0.2/dev_mgr/devices/d1", None).json();
    assert_eq!((doc["device"]["tenant_uuid"].as_str(), doc["device"]["is_new"].as_bool()), (Some(T1), Some(false)));
    // From then on another tenant cannot take it, and provd's tenant
    // changes it without taking it back.
    assert_eq!(call(&rest, Some(T2), "PUT", "/0.2/dev_mgr/devices/d1", Some(&put)).status, 404);
    assert_eq!(call(&rest, None, "PUT", "/0.2/dev_mgr/devices/d1", Some(&put)).status, 204);
    assert_eq!(call(&rest, Some(T1), "GET", "/0.2/dev_mgr/devices/d1", None).json()["device"]["tenant_uuid"], T1);
}

#[test]
fn provisioning_keys_are_per_tenant_and_each_serves_its_tenants_phones() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--url-key"]);
    let rest = server.rest();
    let key = |tenant: Option<&str>, value: Value| {
        call(&rest, tenant, "PUT", "/0.2/configure/provisioning_key", Some(&json!({"param": {"value": value}})))
    };
    let read = |tenant: Option<&str>| {
        call(&rest, tenant, "GET", "/0.2/configure/provisioning_key", None).json()["param"]["value"].clone()
    };
    assert_eq!(key(Some(T1), json!("tenant1-key")).status, 204);
    assert_eq!(key(Some(T2), json!("tenant2-key")).status, 204);
    assert_eq!(read(Some(T1)), "tenant1-key");
    assert_eq!(read(Some(T2)), "tenant2-key");
    assert_eq!(read(None), Value::Null, "provd's tenant has none");
    let taken = key(Some(T2), json!("tenant1-key"));
    assert_eq!(taken.status, 400);
    assert!(taken.text().contains("another tenant already uses this provisioning key"), "{}", taken.text());
    assert_eq!(key(Some(T1), json!("short")).status, 400);
    assert_eq!(read(Some(T2)), "tenant2-key", "the refused write changed nothing");
    // The list shows the caller's own key too.
    let params = call(&rest, Some(T1), "GET", "/0.2/configure", None).json();
    let listed = params["params"].as_array().unwrap().iter().find(|p| p["id"] == "provisioning_key").cloned();
    assert_eq!(listed.unwrap()["value"], "tenant1-key");

    // T1's phone, configured: served through T1's key only.
    let r = call(
        &rest,
        Some(T1),
        "POST",
        "/0.2/cfg_mgr/configs",
        Some(&json!({"config": {
            "id": "c1", "parent_ids": ["base", "defaultconfigdevice"], "raw_config": {}
        }})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let device = json!({"device": {"id": "d1", "mac": MAC, "ip": "127.0.0.1", "vendor": "Yealink", "model": "T46S",
        "version": "66.86.0.15", "plugin": "wazo-yealink-v86", "config": "c1"}});
    assert_eq!(call(&rest, Some(T1), "POST", "/0.2/dev_mgr/devices", Some(&device)).status, 201);
    let code = |path: &str| {
        let out = curl(&["-s", "-o", "/dev/null", "-w", "%{http_code}", "-A", UA, &server.url(path)]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(eventually(100, || code(&format!("/tenant1-key{FILE}")) == "200"));
    assert_eq!(code(&format!("/tenant2-key{FILE}")), "404", "another tenant's key");
    assert_eq!(code(FILE), "404", "no key");
    // Unset, the key serves nothing any more.
    assert_eq!(key(Some(T1), Value::Null).status, 204);
    assert_eq!(read(Some(T1)), Value::Null);
    assert!(eventually(100, || code(&format!("/tenant1-key{FILE}")) == "404"));
}

/// What the tenants' corners answer, as wazo-provd's suite checks them.
#[test]
fn tenant_corners_match_wazo_provd() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    // The body cannot choose the tenant or is_new.
    let r = call(&rest, None, "POST", "/0.2/dev_mgr/devices", Some(&json!({"device": {"id": "d0"}})));
    assert_eq!(r.status, 201);
    let put = json!({"device": {"id": "d0", "tenant_uuid": T1, "is_new": false}});
    assert_eq!(call(&rest, None, "PUT", "/0.2/dev_mgr/devices/d0", Some(&put)).status, 204);
    let doc = call(&rest, None, "GET", "/0.2/dev_mgr/devices/d0", None).json();
    assert_eq!(doc["device"]["is_new"], true, "{doc}");
    assert_ne!(doc["device"]["tenant_uuid"], T1, "{doc}");
    // provd's tenant (the main one) acts on a sub-tenant's devices.
    let r = call(&rest, Some(T1), "POST", "/0.2/dev_mgr/devices", Some(&json!({"device": {"id": "d1"}})));
    assert_eq!(r.status, 201);
    assert_eq!(call(&rest, None, "POST", "/0.2/dev_mgr/reconfigure", Some(&json!({"id": "d1"}))).status, 204);
    assert_eq!(call(&rest, None, "DELETE", "/0.2/dev_mgr/devices/d1", None).status, 204);
    assert_eq!(call(&rest, Some(T1), "GET", "/0.2/dev_mgr/devices/d1", None).status, 404, "gone for T1 too");
    // A key with characters outside [a-zA-Z0-9-$~.].
    let r = call(
        &rest,
        Some(T1),
        "PUT",
        "/0.2/configure/provisioning_key",
        Some(&json!({"param": {"value": "asdf1234%$"}})),
    );
    assert_eq!(r.status, 400, "{}", r.text());
}
