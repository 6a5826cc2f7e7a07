//! Outgoing HTTP (`wasi:http/outgoing-handler`) under the plugin's grants.
//!
//! Deny by default. A request goes out only when
//! 1. its scheme, host and port match a granted host pattern, and
//! 2. after DNS resolution, the address it will connect to is not loopback, link-local,
//!    cloud metadata, unspecified, multicast or broadcast — unless the matching pattern names
//!    that address explicitly (`127.0.0.1:*`, `localhost`).
//!
//! The connection is made to the address that was checked, never re-resolved, so a DNS
//! answer that changes between check and connect (DNS rebinding) cannot slip through. TLS
//! verifies the certificate against the host name with the webpki roots, plus the CA
//! certificates configured for this plugin only (`plugins.settings.<id>.http.ca_certificates`,
//! e.g. a Kubernetes cluster's own CA) — they never widen what any other plugin trusts.

use crate::runtime::services::DenialLog;
use anyhow::{Context, bail};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use portico_package::HostPattern;
use portico_storage::OrgId;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// Applied when the guest sets no timeout of its own; the call deadline bounds everything anyway.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(30);

/// What one call may reach over HTTP.
pub struct HttpPolicy {
    pub plugin_id: String,
    pub org: OrgId,
    pub granted: Arc<Vec<HostPattern>>,
    pub denials: Arc<DenialLog>,
    /// The roots this plugin's TLS connections trust (see [`client_tls`]).
    pub tls: Arc<rustls::ClientConfig>,
}

/// Addresses a plugin never reaches unless a grant names them: the host itself, the local
/// network segment and the cloud metadata services that hand out credentials.
pub fn is_sensitive_address(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_link_local() // 169.254.0.0/16, includes 169.254.169.254
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets() == [100, 100, 100, 200] // Alibaba Cloud metadata
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || (seg[0] == 0xfd00 && seg[1] == 0x0ec2) // AWS IMDS over IPv6 (fd00:ec2::254)
        }
    }
}

impl HttpPolicy {
    fn deny(&self, asked: &str) -> HttpError {
        self.denials
            .record(&self.plugin_id, &self.org, "http", asked);
        HttpError::HttpRequestDenied
    }
}

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                    ),
                    HttpError,
                >,
            > + Send,
    > {
        let uri = request.uri().clone();
        let scheme = uri.scheme_str().unwrap_or("https").to_ascii_lowercase();
        let host = uri.host().unwrap_or_default().to_string();
        let use_tls = scheme == "https";
        let port = uri.port_u16().unwrap_or(if use_tls { 443 } else { 80 });
        let shown = format!("{scheme}://{host}:{port}{}", uri.path());

        let matching: Vec<HostPattern> = self
            .granted
            .iter()
            .filter(|p| p.matches(&scheme, &host, Some(port)))
            .cloned()
            .collect();
        if matching.is_empty() || host.is_empty() {
            let err = self.deny(&format!("{shown} (no granted host pattern matches)"));
            return Box::new(async move { Err(err) });
        }
        let plugin_id = self.plugin_id.clone();
        let org = self.org.clone();
        let denials = self.denials.clone();
        let tls = self.tls.clone();
        Box::new(async move {
            let connect_timeout = options
                .and_then(|o| o.connect_timeout)
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
            let first_byte_timeout = options
                .and_then(|o| o.first_byte_timeout)
                .unwrap_or(DEFAULT_FIRST_BYTE_TIMEOUT);
            let addr = resolve_allowed(&host, port, &matching, connect_timeout)
                .await
                .map_err(|refusal| match refusal {
                    Refusal::Denied(why) => {
                        denials.record(&plugin_id, &org, "http", &format!("{shown} ({why})"));
                        HttpError::HttpRequestDenied
                    }
                    Refusal::Failed(err) => err,
                })?;
            send(
                request,
                addr,
                &host,
                use_tls.then_some(tls),
                connect_timeout,
                first_byte_timeout,
            )
            .await
        })
    }
}

enum Refusal {
    Denied(String),
    Failed(HttpError),
}

/// Resolves `host` and picks the first address the grants allow.
async fn resolve_allowed(
    host: &str,
    port: u16,
    matching: &[HostPattern],
    timeout: Duration,
) -> Result<SocketAddr, Refusal> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            match tokio::time::timeout(timeout, tokio::net::lookup_host((bare, port))).await {
                Err(_) => return Err(Refusal::Failed(HttpError::DnsTimeout)),
                Ok(Err(_)) => {
                    return Err(Refusal::Failed(HttpError::DnsError {
                        rcode: Some("NXDOMAIN or lookup failure".into()),
                        info_code: None,
                    }));
                }
                Ok(Ok(found)) => found.collect(),
            }
        }
    };
    let mut refused = Vec::new();
    for addr in addrs {
        let ip = addr.ip().to_canonical();
        if !is_sensitive_address(ip) || matching.iter().any(|p| p.explicitly_names(ip)) {
            return Ok(SocketAddr::new(ip, port));
        }
        refused.push(ip.to_string());
    }
    if refused.is_empty() {
        Err(Refusal::Failed(HttpError::DestinationNotFound))
    } else {
        Err(Refusal::Denied(format!(
            "resolves to {} — loopback, link-local and metadata addresses need a grant naming the address",
            refused.join(", ")
        )))
    }
}

/// The public web roots only: what every plugin without CA certificates of its own trusts.
static PUBLIC_TLS: LazyLock<Arc<rustls::ClientConfig>> = LazyLock::new(|| {
    client_config(rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.into(),
    })
});

fn client_config(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// The TLS client settings of one plugin: the public web roots plus every certificate in
/// `ca_files` (PEM). Fails, naming the file, when one cannot be read or holds no usable
/// certificate — a CA that silently went missing would only show up later as TLS errors.
pub fn client_tls(ca_files: &[PathBuf]) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    if ca_files.is_empty() {
        return Ok(PUBLIC_TLS.clone());
    }
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.into(),
    };
    for file in ca_files {
        let shown = file.display();
        let pem = std::fs::read(file).with_context(|| format!("cannot read {shown}"))?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{shown} is not valid PEM"))?;
        if certs.is_empty() {
            bail!("{shown} holds no certificate (no `-----BEGIN CERTIFICATE-----` block)");
        }
        for cert in certs {
            roots.add(cert).with_context(|| {
                format!("{shown} holds a certificate that cannot be a trust anchor")
            })?;
        }
    }
    Ok(client_config(roots))
}

type SendResult = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ),
    HttpError,
>;

async fn send(
    mut request: http::Request<WasiBody>,
    addr: SocketAddr,
    host: &str,
    tls: Option<Arc<rustls::ClientConfig>>,
    connect_timeout: Duration,
    first_byte_timeout: Duration,
) -> SendResult {
    let tcp = tokio::time::timeout(connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| HttpError::ConnectionTimeout)?
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::ConnectionRefused => HttpError::ConnectionRefused,
            _ => HttpError::Connect(err),
        })?;
    // Only the path goes on the request line; the Host header carries the authority.
    *request.uri_mut() = http::Uri::builder()
        .path_and_query(request.uri().path_and_query().map_or("/", |p| p.as_str()))
        .build()
        .map_err(|_| HttpError::HttpRequestUriInvalid)?;

    if let Some(tls) = tls {
        let name = rustls::pki_types::ServerName::try_from(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
        )
        .map_err(|_| HttpError::HttpRequestUriInvalid)?;
        let connector = tokio_rustls::TlsConnector::from(tls);
        let tls = tokio::time::timeout(connect_timeout, connector.connect(name, tcp))
            .await
            .map_err(|_| HttpError::ConnectionTimeout)?
            .map_err(|_| HttpError::TlsCertificateError)?;
        exchange(request, TokioIo::new(tls), first_byte_timeout).await
    } else {
        exchange(request, TokioIo::new(tcp), first_byte_timeout).await
    }
}

async fn exchange<IO>(
    request: http::Request<WasiBody>,
    io: IO,
    first_byte_timeout: Duration,
) -> SendResult
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(HttpError::from)?;
    let driver = tokio::spawn(conn);
    let response = tokio::time::timeout(first_byte_timeout, sender.send_request(request))
        .await
        .map_err(|_| HttpError::ConnectionReadTimeout)?
        .map_err(HttpError::from)?;
    let response = response.map(|body| body.map_err(HttpError::from).boxed_unsync());
    let io_done: Box<dyn Future<Output = Result<(), HttpError>> + Send> = Box::new(async move {
        match driver.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(HttpError::from(err)),
            Err(_) => Err(HttpError::ConnectionTerminated),
        }
    });
    Ok((response, io_done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_addresses() {
        for ip in [
            "127.0.0.1",
            "127.8.9.1",
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "100.100.100.200",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(
                is_sensitive_address(ip.parse().unwrap()),
                "{ip} must be refused by default"
            );
        }
        for ip in [
            "93.184.216.34",
            "10.1.2.3",
            "192.168.1.1",
            "2606:4700::1111",
            "100.64.0.1",
        ] {
            assert!(
                !is_sensitive_address(ip.parse().unwrap()),
                "{ip} is a normal address"
            );
        }
    }
}
