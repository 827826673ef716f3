//! Tenants, as wazo-provd has them: every request acts for one tenant (its
//! `Wazo-Tenant` header, else the token's), devices belong to a tenant,
//! and a caller sees the devices of its tenant and of the tenants below
//! it. Configs are not scoped. A device still in provd's own tenant is
//! *new* (unallocated): the first PUT from another tenant moves it there.
//!
//! Where the tenants come from: with the static tokens of `--api-token`
//! (the embedded default), a token is an administrator of provd's own
//! tenant, which is the root: a request without `Wazo-Tenant` acts for
//! it and sees every device with `recurse`; a request naming another
//! tenant acts for that tenant alone (provd knows no hierarchy without
//! wazo-auth).

use super::http::Resp;

/// Who a request acts for, once its token is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    /// The tenant it acts for.
    pub(crate) tenant: String,
    /// The tenants below it that it also sees; `None`: every tenant.
    pub(crate) below: Option<Vec<String>>,
}

impl Caller {
    /// A caller acting for `tenant` and seeing every tenant.
    pub(crate) fn root(tenant: &str) -> Caller {
        Caller { tenant: tenant.to_owned(), below: None }
    }

    /// A caller acting for `tenant` alone.
    pub(crate) fn only(tenant: &str) -> Caller {
        Caller { tenant: tenant.to_owned(), below: Some(Vec::new()) }
    }

    /// Whether it may see and change what belongs to `tenant` (its own
    /// tenant or one below).
    pub(crate) fn sees(&self, tenant: &str) -> bool {
        tenant == self.tenant || self.below.as_ref().is_none_or(|b| b.iter().any(|t| t == tenant))
    }

    /// Whether a listing shows `tenant`'s devices: its own tenant, and
    /// with `recurse` the ones below.
    pub(crate) fn lists(&self, tenant: &str, recurse: bool) -> bool {
        if recurse { self.sees(tenant) } else { tenant == self.tenant }
    }
}

/// The caller of a request with a valid static token: the `Wazo-Tenant`
/// header's tenant (which must look like a tenant: a UUID) or provd's own.
pub(crate) fn static_caller(provd_tenant: &str, header: Option<&str>) -> Result<Caller, Resp> {
    match header.map(str::trim).filter(|h| !h.is_empty()) {
        None => Ok(Caller::root(provd_tenant)),
        Some(t) if t == provd_tenant => Ok(Caller::root(provd_tenant)),
        Some(t) if is_uuid(t) => Ok(Caller::only(t)),
        Some(t) => Err(unauthorized_tenant(t)),
    }
}

/// wazo-provd's answer to a tenant the token may not act for.
pub(crate) fn unauthorized_tenant(tenant: &str) -> Resp {
    log::info!("REST API: refused tenant {tenant:?}");
    Resp::text(401, "Unauthorized")
}

/// `8-4-4-4-12` hexadecimal digits.
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `recurse=true` (or `True`) in a query string, as wazo-provd reads it.
pub(crate) fn recurse(query: &str) -> bool {
    query.split('&').find_map(|kv| kv.strip_prefix("recurse=")).is_some_and(|v| v == "true" || v == "True")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROVD: &str = "00000000-0000-4000-8000-000000000001";
    const T1: &str = "11111111-1111-4111-8111-111111111111";

    #[test]
    fn the_header_chooses_the_tenant_and_provd_sees_all() {
        let root = static_caller(PROVD, None).unwrap();
        assert!(root.sees(T1) && root.lists(T1, true) && !root.lists(T1, false));
        let t1 = static_caller(PROVD, Some(T1)).unwrap();
        assert_eq!(t1.tenant, T1);
        assert!(t1.sees(T1) && !t1.sees(PROVD));
        assert_eq!(static_caller(PROVD, Some(PROVD)).unwrap(), root);
        assert_eq!(static_caller(PROVD, Some("")).unwrap(), root);
        assert_eq!(static_caller(PROVD, Some("not-a-tenant")).unwrap_err().status, 401);
    }

    #[test]
    fn recurse_is_read_as_wazo_provd_reads_it() {
        assert!(recurse("recurse=true"));
        assert!(recurse("q=x&recurse=True"));
        assert!(!recurse("recurse=1"));
        assert!(!recurse(""));
    }
}
