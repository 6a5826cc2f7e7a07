//! `HostPattern`: one entry of an outgoing-HTTP allow-list, `[scheme://]host[:port|:*]`.
//! Parsing refuses anything ambiguous; matching is what the runtime checks before a request.
//!
//! Semantics:
//!
//! - `scheme` is `http` or `https`; without one, both match. Case never matters.
//! - `host` is a DNS name (`api.github.com`), `*.` + a DNS name of at least two labels
//!   (`*.example.org`: one or more labels in front of `example.org`, never `example.org`
//!   itself), `*` alone (any host), an IPv4 literal (`127.0.0.1`) or a bracketed IPv6 literal
//!   (`[::1]`). `*.com` is refused as too broad; there is no public-suffix list, so
//!   `*.co.uk` is accepted — admins see every pattern before granting it.
//! - `port`: none means the scheme's default (80 for http, 443 for https; without a scheme,
//!   the default of the request's scheme); `:N` exactly that port; `:*` any port.
//! - One trailing dot is dropped (`example.com.` is `example.com`). Non-ASCII names must be
//!   written in their punycode (`xn--`) form. User info (`a@b`), paths, queries, fragments,
//!   whitespace, `*` anywhere but a leading `*.`, and numeric hosts that are not dotted-quad
//!   IPv4 (`2130706433`, `0x7f.1`, `010.0.0.1`) are refused.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a host pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pattern:?} is not a valid host pattern: {problem}")]
pub struct PatternError {
    /// The pattern as written.
    pub pattern: String,
    /// What is wrong with it and what to write instead.
    pub problem: String,
}

/// The scheme of an HTTP request or pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `http`, default port 80.
    Http,
    /// `https`, default port 443.
    Https,
}

impl Scheme {
    /// Parses `http`/`https`, case-insensitively.
    pub fn parse(s: &str) -> Option<Scheme> {
        if s.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else if s.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else {
            None
        }
    }

    /// 80 or 443.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Host {
    /// `*`
    Any,
    /// `api.github.com` (lower case, no trailing dot)
    Name(String),
    /// `*.example.org`, stored as `example.org`
    Subdomains(String),
    /// `127.0.0.1`, `[::1]` (canonical: IPv4-mapped IPv6 stored as IPv4)
    Ip(IpAddr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Port {
    Default,
    Any,
    Exact(u16),
}

/// An allowed destination for outgoing HTTP: `[scheme://]host[:port|:*]`. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPattern {
    scheme: Option<Scheme>,
    host: Host,
    port: Port,
}

impl HostPattern {
    /// Parses and normalizes a pattern; the error says what is wrong and what to write.
    pub fn parse(pattern: &str) -> Result<HostPattern, PatternError> {
        parse(pattern).map_err(|problem| PatternError {
            pattern: pattern.to_string(),
            problem,
        })
    }

    /// Whether a request to `scheme://host[:port]` is allowed by this pattern. `host` may be
    /// a bracketed IPv6 literal; `port: None` means the scheme's default port. Unknown schemes
    /// and malformed hosts never match.
    pub fn matches(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let Some(scheme) = Scheme::parse(scheme) else {
            return false;
        };
        if self.scheme.is_some_and(|s| s != scheme) {
            return false;
        }
        let port = port.unwrap_or(scheme.default_port());
        let port_ok = match self.port {
            Port::Any => true,
            Port::Exact(p) => p == port,
            Port::Default => port == scheme.default_port(),
        };
        port_ok && self.matches_host(host)
    }

    /// Like [`matches`](Self::matches) with an authority as found in a URL (`host:port`,
    /// `[::1]:8080`). An authority with user info (`a@b`) never matches.
    pub fn matches_authority(&self, scheme: &str, authority: &str) -> bool {
        match split_authority(authority) {
            Some((host, port)) => self.matches(scheme, host, port),
            None => false,
        }
    }

    /// Whether the host part matches `host` (any port, any scheme).
    pub fn matches_host(&self, host: &str) -> bool {
        let Some(host) = normalize_request_host(host) else {
            return false;
        };
        match (&self.host, host) {
            (Host::Any, _) => true,
            (Host::Ip(want), RequestHost::Ip(got)) => *want == got,
            (Host::Name(want), RequestHost::Name(got)) => *want == got,
            (Host::Subdomains(suffix), RequestHost::Name(got)) => is_strict_subdomain(&got, suffix),
            _ => false,
        }
    }

    /// Whether everything this pattern allows is also allowed by `wider` (used to check that
    /// a grant is within what the manifest requests: `api.example.org` ⊆ `*.example.org`).
    pub fn is_within(&self, wider: &HostPattern) -> bool {
        let schemes = match self.scheme {
            Some(s) => vec![s],
            None => vec![Scheme::Http, Scheme::Https],
        };
        let scheme_ok = match wider.scheme {
            None => true,
            Some(w) => self.scheme == Some(w),
        };
        let ports_ok = schemes.iter().all(|&s| match (self.port, wider.port) {
            (_, Port::Any) => true,
            (Port::Any, _) => false,
            (mine, theirs) => port_for(mine, s) == port_for(theirs, s),
        });
        let host_ok = match (&self.host, &wider.host) {
            (_, Host::Any) => true,
            (Host::Any, _) => false,
            (Host::Ip(a), Host::Ip(b)) => a == b,
            (Host::Name(a), Host::Name(b)) => a == b,
            (Host::Name(a), Host::Subdomains(b)) => is_strict_subdomain(a, b),
            (Host::Subdomains(a), Host::Subdomains(b)) => a == b || is_strict_subdomain(a, b),
            _ => false,
        };
        scheme_ok && ports_ok && host_ok
    }

    /// The IP address this pattern names literally (`127.0.0.1`, `[::1]`), if it does.
    pub fn ip(&self) -> Option<IpAddr> {
        match self.host {
            Host::Ip(ip) => Some(ip),
            _ => None,
        }
    }

    /// Whether this pattern explicitly names `ip`: it is that IP literally, or it is
    /// `localhost` and `ip` is a loopback address. The runtime refuses loopback, link-local
    /// and cloud-metadata addresses (after DNS) unless a granted pattern names them this way;
    /// `*` and DNS names never do.
    pub fn explicitly_names(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match &self.host {
            Host::Ip(want) => *want == ip,
            Host::Name(name) => name == "localhost" && ip.is_loopback(),
            _ => false,
        }
    }

    /// Whether the host part is `*` (any host).
    pub fn is_any_host(&self) -> bool {
        self.host == Host::Any
    }
}

fn port_for(port: Port, scheme: Scheme) -> Option<u16> {
    match port {
        Port::Any => None,
        Port::Exact(p) => Some(p),
        Port::Default => Some(scheme.default_port()),
    }
}

/// `host` is `suffix` with one or more non-empty labels in front.
fn is_strict_subdomain(host: &str, suffix: &str) -> bool {
    host.len() > suffix.len() + 1
        && host.ends_with(suffix)
        && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        && !host.starts_with('.')
        && !host.contains("..")
}

enum RequestHost {
    Name(String),
    Ip(IpAddr),
}

fn normalize_request_host(host: &str) -> Option<RequestHost> {
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']')?;
        return Ipv6Addr::from_str(inner)
            .ok()
            .map(|ip| RequestHost::Ip(IpAddr::V6(ip).to_canonical()));
    }
    if let Ok(ip) = Ipv6Addr::from_str(host) {
        return Some(RequestHost::Ip(IpAddr::V6(ip).to_canonical()));
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let valid = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
    if host.is_empty() || !host.bytes().all(valid) {
        return None;
    }
    if let Ok(ip) = Ipv4Addr::from_str(host) {
        return Some(RequestHost::Ip(IpAddr::V4(ip)));
    }
    Some(RequestHost::Name(host.to_ascii_lowercase()))
}

/// Splits `host[:port]` / `[v6][:port]`; `None` for user info or a bad port.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}

fn parse(pattern: &str) -> Result<HostPattern, String> {
    if pattern.is_empty() {
        return Err("it is empty; write a host such as `api.example.com`".into());
    }
    if !pattern.is_ascii() {
        return Err(
            "it contains non-ASCII characters; write internationalized names in their punycode \
             form (`xn--...`)"
                .into(),
        );
    }
    if let Some(c) = pattern
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "it contains {c:?}; remove whitespace and control characters"
        ));
    }
    let (scheme, rest) = match pattern.split_once("://") {
        Some((s, rest)) => match Scheme::parse(s) {
            Some(s) => (Some(s), rest),
            None => {
                return Err(format!(
                    "scheme {s:?} is not supported; use `http://`, `https://` or no scheme (both)"
                ));
            }
        },
        None => (None, pattern),
    };
    if rest.contains('@') {
        return Err("user info (`user@`) is not allowed; write only the host".into());
    }
    if let Some(c) = rest.chars().find(|c| matches!(c, '/' | '?' | '#' | '\\')) {
        return Err(format!(
            "it contains {c:?}; a host pattern has no path, query or fragment"
        ));
    }
    let (host, port) = split_host_port(rest)?;
    let port = match port {
        None => Port::Default,
        Some("*") => Port::Any,
        Some(p) => Port::Exact(parse_port(p)?),
    };
    let host = parse_host(host)?;
    Ok(HostPattern { scheme, host, port })
}

fn split_host_port(rest: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(inner) = rest.strip_prefix('[') {
        let Some(end) = inner.find(']') else {
            return Err("`[` opens an IPv6 address that is never closed with `]`".into());
        };
        let host = &rest[..end + 2];
        return match &inner[end + 1..] {
            "" => Ok((host, None)),
            after => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(format!("unexpected {after:?} after the IPv6 address")),
            },
        };
    }
    match rest.split_once(':') {
        None => Ok((rest, None)),
        Some((host, port)) if !port.contains(':') => Ok((host, Some(port))),
        Some(_) => Err("an IPv6 address must be written in brackets, like `[::1]:8080`".into()),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    let bad = || format!("port {p:?} is not a number from 1 to 65535 or `*`");
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(n) => Ok(n),
    }
}

fn parse_host(host: &str) -> Result<Host, String> {
    if host.is_empty() {
        return Err("the host is empty".into());
    }
    if host == "*" {
        return Ok(Host::Any);
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        if inner.contains('%') {
            return Err("IPv6 zone identifiers (`%eth0`) are not allowed".into());
        }
        return match Ipv6Addr::from_str(inner) {
            Ok(ip) => Ok(Host::Ip(IpAddr::V6(ip).to_canonical())),
            Err(_) => Err(format!("{inner:?} is not an IPv6 address")),
        };
    }
    let lower = host.to_ascii_lowercase();
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    if let Some(suffix) = name.strip_prefix("*.") {
        check_dns_name(suffix)?;
        if !suffix.contains('.') {
            return Err(format!(
                "`*.{suffix}` is too broad: a wildcard needs at least two labels after it, \
                 like `*.example.{suffix}`"
            ));
        }
        return Ok(Host::Subdomains(suffix.to_string()));
    }
    if name.contains('*') {
        return Err(
            "`*` is allowed only alone (any host) or as a leading `*.` (subdomains), \
             as in `*.example.com`"
                .into(),
        );
    }
    if let Ok(ip) = Ipv4Addr::from_str(name) {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    check_dns_name(name)?;
    Ok(Host::Name(name.to_string()))
}

fn check_dns_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the host name is empty".into());
    }
    if name.len() > 253 {
        return Err("the host name is longer than 253 characters".into());
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(format!(
                "{name:?} has an empty label (`..` or a leading dot)"
            ));
        }
        if label.len() > 63 {
            return Err(format!("label {label:?} is longer than 63 characters"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "{c:?} is not allowed in a host name (letters, digits, `-` and `.` only)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label {label:?} starts or ends with `-`"));
        }
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric {
        return Err(format!(
            "{name:?} looks like a numeric address but is not a dotted-quad IPv4 address; \
             write IPv4 as four decimal numbers without leading zeros, like `127.0.0.1`"
        ));
    }
    Ok(())
}

impl FromStr for HostPattern {
    type Err = PatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HostPattern::parse(s)
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.scheme {
            write!(f, "{}://", s.as_str())?;
        }
        match &self.host {
            Host::Any => f.write_str("*")?,
            Host::Name(n) => f.write_str(n)?,
            Host::Subdomains(s) => write!(f, "*.{s}")?,
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}")?,
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]")?,
        }
        match self.port {
            Port::Default => Ok(()),
            Port::Any => f.write_str(":*"),
            Port::Exact(p) => write!(f, ":{p}"),
        }
    }
}

impl Serialize for HostPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HostPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        HostPattern::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
