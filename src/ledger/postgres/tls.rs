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
//! Roots: `sslrootcert=PATH` (PEM; else `PGSSLROOTCERT`, else `~/.postgresql/root.crt` if it
//! exists, as libpq: `postgres_url.rs`), or `sslrootcert=system` and by default the system's store
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

#[cfg(test)]
mod tests {
    use super::super::connect::connect;
    use super::super::password_sources::PasswordSources;
    use super::super::pg_cluster::{self, CERT_HOST, Cluster, PASSWORD, PASSWORD_ROLE, TLS_ROLE};
    use super::*;

    const WAIT: std::time::Duration = std::time::Duration::from_secs(2);

    /// A URL to the cluster through `host` (TCP to 127.0.0.1 whatever the name) with `params`.
    fn url(cluster: &Cluster, user: &str, host: &str, params: &str) -> PostgresUrl {
        let text = format!("postgres://{user}@{host}:{}/postgres?hostaddr=127.0.0.1&{params}", cluster.port);
        PostgresUrl::parse(&text).unwrap()
    }

    fn root(cluster: &Cluster) -> String {
        format!("sslrootcert={}", cluster.ca_cert().display())
    }

    /// Whether the connection is encrypted, by the server's account.
    fn encrypted(url: &PostgresUrl) -> Result<bool, String> {
        let mut client = connect(url, &PasswordSources::default(), WAIT).map_err(|e| e.to_string())?;
        let row = client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).unwrap();
        Ok(row.get(0))
    }

    #[test]
    fn verify_full_takes_the_right_name_and_refuses_a_wrong_one() {
        let Some(cluster) = pg_cluster::shared() else { return };
        let user = cluster.user.as_str();
        let full = format!("sslmode=verify-full&{}", root(cluster));
        assert_eq!(encrypted(&url(cluster, user, CERT_HOST, &full)), Ok(true));
        let err = encrypted(&url(cluster, user, "wrong.example", &full)).unwrap_err();
        assert!(
            err.starts_with(&format!(
                "TLS to the ledger at wrong.example:{} failed: invalid peer certificate: ",
                cluster.port
            )) && err.contains("not valid for name"),
            "{err}"
        );
        // verify-ca: the chain, any name.
        let ca = format!("sslmode=verify-ca&{}", root(cluster));
        assert_eq!(encrypted(&url(cluster, user, "wrong.example", &ca)), Ok(true));
    }

    #[test]
    fn verifying_needs_a_root_the_chain_ends_in() {
        let Some(cluster) = pg_cluster::shared() else { return };
        let user = cluster.user.as_str();
        // The system's roots did not sign the test CA.
        let err = encrypted(&url(cluster, user, CERT_HOST, "sslmode=verify-full")).unwrap_err();
        assert!(err.contains("invalid peer certificate") || err.contains("no trusted root certificates"), "{err}");
        // Another CA: refused by verify-ca, and by require given that root (libpq's rule).
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.crt");
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        std::fs::write(&other, params.self_signed(&key).unwrap().pem()).unwrap();
        for mode in ["verify-ca", "require"] {
            let params = format!("sslmode={mode}&sslrootcert={}", other.display());
            let err = encrypted(&url(cluster, user, CERT_HOST, &params)).unwrap_err();
            assert!(err.contains("invalid peer certificate: UnknownIssuer"), "{mode}: {err}");
        }
        // prefer goes on without TLS then, as libpq does.
        let params = format!("sslmode=prefer&sslrootcert={}", other.display());
        assert_eq!(encrypted(&url(cluster, user, CERT_HOST, &params)), Ok(false));
        // A root file that is not one.
        let junk = dir.path().join("junk.crt");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let err =
            encrypted(&url(cluster, user, CERT_HOST, &format!("sslmode=verify-full&sslrootcert={}", junk.display())))
                .unwrap_err();
        assert_eq!(
            err,
            format!("{}: cannot use it as the ledger's root certificate: no certificate in it", junk.display())
        );
    }

    #[test]
    fn require_and_prefer_encrypt_without_verifying_and_disable_does_not() {
        let Some(cluster) = pg_cluster::shared() else { return };
        let user = cluster.user.as_str();
        assert_eq!(encrypted(&url(cluster, user, "any.name", "sslmode=require")), Ok(true));
        assert_eq!(encrypted(&url(cluster, user, "any.name", "sslmode=prefer")), Ok(true));
        assert_eq!(encrypted(&url(cluster, user, "any.name", "sslmode=disable")), Ok(false));
    }

    #[test]
    fn a_password_goes_over_tls_with_channel_binding() {
        let Some(cluster) = pg_cluster::shared() else { return };
        let with_password = format!("{PASSWORD_ROLE}:{}", PASSWORD.replace(' ', "%20"));
        for mode in ["require", "verify-full"] {
            let params = format!("sslmode={mode}&channel_binding=require&{}", root(cluster));
            assert_eq!(encrypted(&url(cluster, &with_password, CERT_HOST, &params)), Ok(true), "{mode}");
        }
        let wrong = url(cluster, &format!("{PASSWORD_ROLE}:wrong"), CERT_HOST, "sslmode=require");
        assert_eq!(
            encrypted(&wrong),
            Err(format!("the ledger at localhost:{} refused the password of user {PASSWORD_ROLE}", cluster.port))
        );
    }

    #[test]
    fn a_hostssl_only_role_is_refused_without_tls() {
        let Some(cluster) = pg_cluster::shared() else { return };
        assert_eq!(encrypted(&url(cluster, TLS_ROLE, CERT_HOST, "sslmode=require")), Ok(true));
        let err = encrypted(&url(cluster, TLS_ROLE, CERT_HOST, "sslmode=disable")).unwrap_err();
        assert!(
            err.starts_with(&format!(
                "the ledger at localhost:{} refused the connection: pg_hba.conf rejects connection",
                cluster.port
            )) && err.ends_with("no encryption"),
            "{err}"
        );
    }
}
