//! HTTPS for phones: the certificate and key the HTTPS listener presents
//! (`--tls-cert`, `--tls-key`), reloaded from their files on demand
//! (SIGHUP) without dropping a connection: a handshake takes whatever
//! certificate is current when it starts, and a session made before keeps
//! the one it was made with.
//!
//! The sessions themselves are rustls in user space (monoio-rustls): the
//! bodies are copied into TLS records, unlike plain HTTP's bodies that go
//! from the LMDB map to the socket. Kernel TLS would give that back; it
//! needs the kernel's `tls` module, which [`kernel_tls_available`] probes
//! and the server logs at start.
//!
//! Phones' own certificates (`--client-ca`, `--client-cert`): the vendors'
//! factory certificates name the phone's MAC ([`mac_of_subject`]); a
//! device-specific file goes only to the certificate of its device.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use provd_core::Mac;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Whether phones must show a client certificate (`--client-cert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientCertPolicy {
    /// None asked for (the default).
    #[default]
    Off,
    /// Asked for and verified when shown; a phone without one is served
    /// as over plain HTTPS.
    Optional,
    /// A handshake without a certificate the CAs vouch for fails.
    Required,
}

/// The phones' certificates: the vendors' CA bundles and the policy.
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    /// PEM bundles of the CAs phone certificates chain to (one per vendor).
    pub cas: Vec<PathBuf>,
    /// Whether a certificate is asked for, or required.
    pub policy: ClientCertPolicy,
}

/// Who a verified client certificate says the phone is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId {
    /// The certificate's subject, for the logs.
    pub subject: String,
    /// The MAC it names; none for a vendor's shared ("generic")
    /// certificate, which names no device.
    pub mac: Option<Mac>,
}

/// The HTTPS listener's TLS setup; shared by the I/O threads.
pub struct ServerTls {
    resolver: Arc<Reloadable>,
    config: Arc<rustls::ServerConfig>,
    policy: ClientCertPolicy,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("cert", &self.resolver.cert).field("key", &self.resolver.key).finish()
    }
}

/// The certificate presented now, and where it is read from.
#[derive(Debug)]
struct Reloadable {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for Reloadable {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

fn provider() -> Arc<CryptoProvider> {
    // ring: the provider the binary already carries (the plugin
    // repository's and PostgreSQL's TLS clients use it).
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads a PEM certificate chain and its private key, and checks that
/// they belong together; errors name the file and what is wrong.
fn load(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate chain: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate in the file", cert.display()));
    }
    let private =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: no usable private key: {e}", key.display()))?;
    CertifiedKey::from_der(chain, private, provider)
        .map_err(|e| format!("{} and {}: {e}", cert.display(), key.display()))
}

impl ServerTls {
    /// The setup for `cert` (PEM chain, leaf first) and `key` (PEM), and
    /// the phones' certificates `client` asks for.
    pub fn new(cert: &Path, key: &Path, client: &ClientAuth) -> Result<ServerTls, String> {
        let provider = provider();
        let current = load(cert, key, &provider)?;
        let resolver = Arc::new(Reloadable {
            cert: cert.to_owned(),
            key: key.to_owned(),
            provider: provider.clone(),
            current: RwLock::new(Arc::new(current)),
        });
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let builder = match client.policy {
            ClientCertPolicy::Off => builder.with_no_client_auth(),
            policy => {
                let mut roots = rustls::RootCertStore::empty();
                for ca in &client.cas {
                    for c in CertificateDer::pem_file_iter(ca).map_err(|e| format!("{}: {e}", ca.display()))? {
                        let c = c.map_err(|e| format!("{}: not a PEM bundle: {e}", ca.display()))?;
                        roots.add(c).map_err(|e| format!("{}: a certificate is not usable: {e}", ca.display()))?;
                    }
                }
                if roots.is_empty() {
                    return Err("--client-cert needs --client-ca with at least one CA certificate".into());
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
                let verifier =
                    if policy == ClientCertPolicy::Optional { verifier.allow_unauthenticated() } else { verifier };
                builder.with_client_cert_verifier(verifier.build().map_err(|e| format!("--client-ca: {e}"))?)
            }
        };
        let mut config = builder.with_cert_resolver(resolver.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ServerTls { resolver, config: Arc::new(config), policy: client.policy })
    }

    /// Whether phones' certificates are asked for: device-specific files
    /// then go only to the certificate of their device.
    pub(crate) fn checks_clients(&self) -> bool {
        self.policy != ClientCertPolicy::Off
    }

    /// Reads the certificate and key again; new handshakes use them. On
    /// error the current ones stay, and the error says why.
    pub fn reload(&self) -> Result<(), String> {
        let r = &self.resolver;
        let fresh = load(&r.cert, &r.key, &r.provider)?;
        *r.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        Ok(())
    }

    /// An acceptor for one I/O thread.
    pub(crate) fn acceptor(&self) -> monoio_rustls::TlsAcceptor {
        monoio_rustls::TlsAcceptor::from(self.config.clone())
    }
}

/// The identity of the client certificate a session verified, if any.
pub(crate) fn client_id(session: &rustls::ServerConnection) -> Option<ClientId> {
    let der = session.peer_certificates()?.first()?;
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let subject = cert.subject();
    let attrs: Vec<(&str, String)> = subject
        .iter_attributes()
        .filter_map(|a| {
            let name = match a.attr_type().to_id_string().as_str() {
                "2.5.4.3" => "CN",
                "2.5.4.8" => "ST",
                _ => return None,
            };
            Some((name, a.as_str().ok()?.to_owned()))
        })
        .collect();
    Some(ClientId { subject: subject.to_string(), mac: mac_of_subject(&attrs) })
}

/// The MAC a phone certificate's subject names: in the common name (Yealink,
/// Poly, Snom: a certificate "unique to the device, based on its MAC"), else
/// in the state field (Cisco: `S=` holds the MAC, `OU=` the model, `L=` the
/// serial number). Twelve hex digits, with or without `:`/`-` separators,
/// possibly after a prefix (`SEP`); anything else (a vendor's shared
/// certificate) names no device.
pub fn mac_of_subject(attrs: &[(&str, String)]) -> Option<Mac> {
    for field in ["CN", "ST"] {
        for (_, value) in attrs.iter().filter(|(n, _)| *n == field) {
            let hex: String = value.chars().filter(|c| !matches!(c, ':' | '-')).collect();
            // `get`, not slicing: the subject is the client's text, and a
            // split inside a character must not panic the I/O thread.
            let split = hex.len().saturating_sub(12);
            let (Some(prefix), Some(tail)) = (hex.get(..split), hex.get(split..)) else { continue };
            let prefix_ok = prefix.chars().all(|c| c.is_ascii_alphabetic());
            if tail.len() == 12
                && prefix_ok
                && tail.chars().all(|c| c.is_ascii_hexdigit())
                && let Ok(mac) = Mac::parse(tail)
            {
                return Some(mac);
            }
        }
    }
    None
}

/// Whether the kernel can take over a TLS session (the `tls` upper-layer
/// protocol on a TCP socket); if not, why.
pub fn kernel_tls_available() -> Result<(), String> {
    if std::path::Path::new("/proc/net/tls_stat").exists() {
        Ok(())
    } else {
        Err("the kernel's tls module is not loaded (no /proc/net/tls_stat)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(n, v)| (*n, (*v).to_owned())).collect()
    }

    #[test]
    fn the_mac_is_where_each_vendor_puts_it() {
        let mac = |a: &[(&'static str, &str)]| mac_of_subject(&attrs(a)).map(|m| m.to_string());
        let want = Some("80:5e:c0:d5:7d:72".to_owned());
        assert_eq!(mac(&[("CN", "805ec0d57d72")]), want, "Yealink, Poly: the common name");
        assert_eq!(mac(&[("CN", "80:5E:C0:D5:7D:72")]), want);
        assert_eq!(mac(&[("CN", "80-5e-c0-d5-7d-72")]), want);
        assert_eq!(mac(&[("CN", "SEP805EC0D57D72")]), want);
        assert_eq!(mac(&[("CN", "CP-8841-3PCC"), ("ST", "805ec0d57d72")]), want, "Cisco: S=");
        // Shared certificates name no device.
        assert_eq!(mac(&[("CN", "Yealink Equipment")]), None);
        assert_eq!(mac(&[("CN", "Polycom Inc.")]), None);
        assert_eq!(mac(&[]), None);
        // Not a MAC: too long, too short, or digits after a non-prefix.
        assert_eq!(mac(&[("CN", "805ec0d57d7211")]), None);
        assert_eq!(mac(&[("CN", "805ec0d57d7")]), None);
        assert_eq!(mac(&[("CN", "12805ec0d57d72")]), None);
        // Any text, split anywhere, never panics.
        assert_eq!(mac(&[("CN", "é805ec0d57d72")]), None);
        assert_eq!(mac(&[("CN", "805ec0d57d7é")]), None);
        assert_eq!(mac(&[("CN", "é05ec0d57d72")]), None, "a split inside a character");
        assert_eq!(mac(&[("CN", "ééééééééééééé")]), None);
    }

    #[test]
    fn files_that_are_not_a_certificate_and_key_say_which_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        std::fs::write(&cert, "not a certificate\n").unwrap();
        std::fs::write(&key, "not a key\n").unwrap();
        let err = ServerTls::new(&cert, &key, &ClientAuth::default()).unwrap_err();
        assert!(err.contains("c.pem: no certificate"), "{err}");
        let err = ServerTls::new(&dir.path().join("absent.pem"), &key, &ClientAuth::default()).unwrap_err();
        assert!(err.contains("absent.pem"), "{err}");
    }
}
