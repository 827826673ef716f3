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

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The HTTPS listener's TLS setup; shared by the I/O threads.
pub struct ServerTls {
    resolver: Arc<Reloadable>,
    config: Arc<rustls::ServerConfig>,
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
    /// The setup for `cert` (PEM chain, leaf first) and `key` (PEM).
    pub fn new(cert: &Path, key: &Path) -> Result<ServerTls, String> {
        let provider = provider();
        let current = load(cert, key, &provider)?;
        let resolver = Arc::new(Reloadable {
            cert: cert.to_owned(),
            key: key.to_owned(),
            provider: provider.clone(),
            current: RwLock::new(Arc::new(current)),
        });
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ServerTls { resolver, config: Arc::new(config) })
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

    #[test]
    fn files_that_are_not_a_certificate_and_key_say_which_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        std::fs::write(&cert, "not a certificate\n").unwrap();
        std::fs::write(&key, "not a key\n").unwrap();
        let err = ServerTls::new(&cert, &key).unwrap_err();
        assert!(err.contains("c.pem: no certificate"), "{err}");
        let err = ServerTls::new(&dir.path().join("absent.pem"), &key).unwrap_err();
        assert!(err.contains("absent.pem"), "{err}");
    }
}
