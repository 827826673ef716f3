//! Connections to the cluster's database: a small r2d2 pool for the
//! node's writes and reads, and single connections for `LISTEN`. TLS is
//! rustls, used when the URL's `sslmode` asks for it (`prefer`, the
//! default, uses it when the server offers it).

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use r2d2_postgres::PostgresConnectionManager;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::ClusterError;

/// A pooled connection.
pub type Conn = r2d2::PooledConnection<PostgresConnectionManager<MakeRustlsConnect>>;

/// The node's connections to the database.
pub struct Pool {
    pool: r2d2::Pool<PostgresConnectionManager<MakeRustlsConnect>>,
    config: postgres::Config,
    tls: MakeRustlsConnect,
    /// Why the pool's last connection failed, with every cause (r2d2's own
    /// error keeps only the outer message: "error performing TLS
    /// handshake", not which certificate).
    last_error: Arc<Mutex<Option<ConnectError>>>,
}

/// Why the pool's last connection failed.
#[derive(Debug)]
struct ConnectError {
    text: String,
    /// The server answered and said no (a role, password or database that
    /// is wrong): the configuration's fault, not an outage.
    refused: bool,
}

/// Keeps the pool's connection errors whole, for [`Pool::get`]'s error.
#[derive(Debug)]
struct LastError(Arc<Mutex<Option<ConnectError>>>);

impl r2d2::HandleError<postgres::Error> for LastError {
    fn handle_error(&self, error: postgres::Error) {
        // Authorization (class 28) or a database that does not exist: the
        // configuration is wrong. Anything else (57P03, "the database
        // system is starting up") may pass.
        let refused = error.as_db_error().is_some_and(|e| {
            let code = e.code().code();
            code.starts_with("28") || code == "3D000"
        });
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(ConnectError { text: with_causes(&error), refused });
    }
}

/// `error` and its causes, outermost first.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// How long a connection may take before the database counts as away.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

impl Pool {
    /// Connections to the database at `url` (libpq URL or key=value
    /// string; `sslmode` decides TLS), trusting only the PEM bundle `ca`
    /// when given (else the web's public roots), named `provd <node>` in
    /// `pg_stat_activity`. Nothing is connected yet.
    pub fn new(url: &str, ca: Option<&[u8]>, node: &str) -> Result<Pool, ClusterError> {
        let mut pg = postgres::Config::from_str(url)
            .map_err(|e| ClusterError::Schema(format!("--postgres: not a PostgreSQL URL: {e}")))?;
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(CONNECT_TIMEOUT);
        }
        if pg.get_application_name().is_none() {
            pg.application_name(&format!("provd {node}"));
        }
        let tls = tls(ca)?;
        let manager = PostgresConnectionManager::new(pg.clone(), tls.clone());
        let last_error = Arc::new(Mutex::new(None));
        let pool = r2d2::Pool::builder()
            .max_size(4)
            .min_idle(Some(0))
            .connection_timeout(CONNECT_TIMEOUT)
            // The cluster logs the database's state itself, once per change.
            .error_handler(Box::new(LastError(last_error.clone())))
            .build_unchecked(manager);
        Ok(Pool { pool, config: pg, tls, last_error })
    }

    /// A connection from the pool.
    pub fn get(&self) -> Result<Conn, ClusterError> {
        self.pool.get().map_err(|e| match self.last_error.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(ConnectError { text, refused: true }) => ClusterError::Refused(text),
            Some(ConnectError { text, refused: false }) => ClusterError::Unavailable(text),
            None => ClusterError::Unavailable(e.to_string()),
        })
    }

    /// A connection of its own (for `LISTEN`, which must stay on one).
    pub fn dedicated(&self) -> Result<postgres::Client, ClusterError> {
        Ok(self.config.connect(self.tls.clone())?)
    }
}

fn tls(ca: Option<&[u8]>) -> Result<MakeRustlsConnect, ClusterError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| ClusterError::Schema(format!("--postgres-ca: not a PEM bundle: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| ClusterError::Schema(format!("--postgres-ca: a certificate is not usable: {e}")))?;
            }
            if roots.is_empty() {
                return Err(ClusterError::Schema("--postgres-ca: no certificate in the bundle".into()));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    // ring: the provider the binary already carries (the plugin
    // repository's https client uses it); aws-lc-rs would add a C build.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| ClusterError::Schema(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
