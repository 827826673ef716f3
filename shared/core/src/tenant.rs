//! Tenants' provisioning keys, as the store's parameters keep them:
//! `tenants` is `{tenant_uuid: {"provisioning_key": key}}` (wazo-provd's
//! layout), `tenant_uuid` is provd's own tenant, and a `provisioning_key`
//! parameter stored before keys were per tenant is provd's tenant's.

use serde_json::Value;

use crate::Map;

/// Every tenant's provisioning key, as `(key, tenant)`; empty keys are none.
pub fn provisioning_keys(params: &Map) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = params
        .get("tenants")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(t, c)| Some((c.get("provisioning_key")?.as_str()?.to_owned(), t.clone())))
        .filter(|(k, _)| !k.is_empty())
        .collect();
    let provd_tenant = params.get("tenant_uuid").and_then(Value::as_str).unwrap_or_default();
    if let Some(k) = params.get("provisioning_key").and_then(Value::as_str).filter(|k| !k.is_empty())
        && !keys.iter().any(|(_, t)| t == provd_tenant)
    {
        keys.push((k.to_owned(), provd_tenant.to_owned()));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_tenants_and_the_older_single_key() {
        let params: Map = serde_json::from_value(serde_json::json!({
            "tenant_uuid": "p",
            "provisioning_key": "olderkey1",
            "tenants": {"t1": {"provisioning_key": "tenantkey1"}, "t2": {"provisioning_key": null}, "t3": {}}
        }))
        .unwrap();
        let mut keys = provisioning_keys(&params);
        keys.sort();
        assert_eq!(keys, [("olderkey1".into(), "p".into()), ("tenantkey1".into(), "t1".into())]);
        let params: Map = serde_json::from_value(serde_json::json!({
            "tenant_uuid": "p", "provisioning_key": "olderkey1", "tenants": {"p": {"provisioning_key": "newerkey1"}}
        }))
        .unwrap();
        assert_eq!(provisioning_keys(&params), [("newerkey1".to_owned(), "p".to_owned())]);
    }
}
