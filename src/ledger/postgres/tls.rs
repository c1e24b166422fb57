//! TLS to the ledger through rustls, for every `sslmode`.
//!
//! The synchronous postgres crate takes tokio-postgres's `MakeTlsConnect`;
//! `tokio-postgres-rustls` is the rustls one that rust-postgres's README points to, kept by one
//! maintainer for years, and it does SCRAM channel binding (`tls-server-end-point`). It wants a
//! ready `rustls::ClientConfig`, which is where the modes differ:
//!
//! - `verify-full`: rustls's WebPKI verifier, chain and host name.
//! - `verify-ca`, and `require`/`prefer` when `sslrootcert` is given (as libpq): the chain,
//!   not the name ([`ChainOnly`]).
//! - `require`/`prefer` without a root certificate: encrypted, the certificate not checked
//!   ([`AnyCertificate`]), which is what libpq's `require` promises and no more.
//! - `disable`: the postgres crate never asks for TLS, so the connector is never used.
//!
//! Roots: `sslrootcert=PATH` (PEM), or `sslrootcert=system` and by default the system's store
//! (`rustls-native-certs`, the rustls project's reader of it). rustls's `ring` provider: it
//! builds with a C compiler alone (aws-lc-rs would want cmake).

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::any_certificate::AnyCertificate;
use super::chain_only::ChainOnly;
use super::connect_error::ConnectError;
use super::postgres_url::PostgresUrl;
use super::ssl_mode::SslMode;

/// The connector for `url`'s `sslmode` and `sslrootcert`.
pub fn connector(url: &PostgresUrl) -> Result<MakeRustlsConnect, ConnectError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(url, e.to_string()))?;
    let root_cert = url.root_cert().filter(|p| *p != Path::new("system"));
    let config = match (url.ssl_mode(), root_cert) {
        (SslMode::Disable, _) | (SslMode::Prefer | SslMode::Require, None) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate::new(provider)))
            .with_no_client_auth(),
        (SslMode::VerifyFull, _) => builder.with_webpki_verifier(webpki(url, provider)?).with_no_client_auth(),
        (SslMode::VerifyCa | SslMode::Prefer | SslMode::Require, _) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly::new(webpki(url, provider)?)))
            .with_no_client_auth(),
    };
    Ok(MakeRustlsConnect::new(config))
}

/// rustls's verifier over the roots `url` names.
fn webpki(url: &PostgresUrl, provider: Arc<CryptoProvider>) -> Result<Arc<WebPkiServerVerifier>, ConnectError> {
    let roots = roots(url)?;
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| tls_error(url, e.to_string()))
}

fn roots(url: &PostgresUrl) -> Result<RootCertStore, ConnectError> {
    let mut store = RootCertStore::empty();
    match url.root_cert().filter(|p| *p != Path::new("system")) {
        Some(path) => {
            let bad = |reason: String| ConnectError::RootCert { path: path.to_path_buf(), reason };
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(e.to_string()))?
                .collect::<Result<_, _>>()
                .map_err(|e| bad(e.to_string()))?;
            if certs.is_empty() {
                return Err(bad("no certificate in it".into()));
            }
            for cert in certs {
                store.add(cert).map_err(|e| bad(e.to_string()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(tls_error(
                    url,
                    "no trusted root certificates on this system; give one with sslrootcert=".into(),
                ));
            }
        }
    }
    Ok(store)
}

fn tls_error(url: &PostgresUrl, reason: String) -> ConnectError {
    ConnectError::Tls { at: url.endpoint(), reason }
}
