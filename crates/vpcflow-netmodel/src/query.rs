//! What `vpcflow check` asks, read from how people write it: `--from ADDR[:PORT]` and `--to ADDR:PORT/PROTO`
//! (`[V6]:PORT` for IPv6, `ADDR/icmp` for a ping), so that every frontend (the command line, the dashboard) takes
//! the same text and refuses the same mistakes.

use crate::{PathCheck, Proto, VpcModel};
use std::net::IpAddr;
use vpcflow_record::reading::has_ports;

/// A connection to check: who opens it, to what service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathQuery {
    /// The client.
    pub client: IpAddr,
    /// The client's port, when given (otherwise an ephemeral one is assumed).
    pub client_port: Option<u16>,
    /// The server.
    pub server: IpAddr,
    /// The IANA protocol number.
    pub protocol: u8,
    /// The server's port (0 for protocols without ports).
    pub port: u16,
}

/// Why a `--from` or `--to` text is not a connection.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathQueryError {
    /// The client is not `ADDR` or `ADDR:PORT`.
    #[error("expected ADDR or ADDR:PORT")]
    Client,
    /// The server is not `ADDR:PORT/PROTO` (or `ADDR/PROTO`).
    #[error("expected ADDR:PORT/PROTO")]
    Server,
    /// The part after `/` is not a protocol.
    #[error("{0:?} is not a protocol (tcp, udp, icmp, icmpv6 or a number)")]
    Protocol(String),
    /// A protocol with ports, and no port.
    #[error("{0} needs a port (ADDR:PORT/{0})")]
    NeedsPort(String),
}

impl PathQueryError {
    /// Whether the error is about the client's text (`--from`), not the server's (`--to`).
    pub fn is_client(&self) -> bool {
        matches!(self, PathQueryError::Client)
    }
}

impl PathQuery {
    /// Reads the client (`ADDR`, `ADDR:PORT`, `[V6]:PORT`) and the server and service (`ADDR:PORT/PROTO`,
    /// `ADDR/icmp`; PROTO is tcp, udp, icmp, icmpv6 or a number). A protocol with ports needs the server's port.
    pub fn parse(from: &str, to: &str) -> Result<PathQuery, PathQueryError> {
        let (client, client_port) = addr_port(from).ok_or(PathQueryError::Client)?;
        let (server_text, proto_text) = to.rsplit_once('/').ok_or(PathQueryError::Server)?;
        let protocol = match Proto::parse(proto_text) {
            Some(Proto::Number(n)) => n,
            _ => return Err(PathQueryError::Protocol(proto_text.to_string())),
        };
        let (server, port) = addr_port(server_text).ok_or(PathQueryError::Server)?;
        let port = match port {
            Some(p) => p,
            None if has_ports(protocol) => {
                return Err(PathQueryError::NeedsPort(proto_text.to_string()));
            }
            None => 0,
        };
        Ok(PathQuery {
            client,
            client_port,
            server,
            protocol,
            port,
        })
    }

    /// Whether the client's port is an assumed ephemeral one (none given, and the protocol has ports).
    pub fn client_port_assumed(&self) -> bool {
        self.client_port.is_none() && has_ports(self.protocol)
    }

    /// The request and its reply through `model`.
    pub fn check(&self, model: &VpcModel) -> PathCheck {
        model.check_path(
            self.client,
            self.client_port,
            self.server,
            self.protocol,
            self.port,
        )
    }
}

/// `ADDR`, `ADDR:PORT`, `[V6]:PORT` or a bare IPv6 address.
fn addr_port(text: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some((ip, None));
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (addr, port) = rest.split_once("]:")?;
        return Some((addr.parse().ok()?, Some(port.parse().ok()?)));
    }
    let (addr, port) = text.rsplit_once(':')?;
    Some((addr.parse().ok()?, Some(port.parse().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_grammar_people_write() {
        assert_eq!(
            PathQuery::parse("203.0.113.12", "10.0.10.30:80/tcp"),
            Ok(PathQuery {
                client: ip("203.0.113.12"),
                client_port: None,
                server: ip("10.0.10.30"),
                protocol: 6,
                port: 80,
            })
        );
        let q = PathQuery::parse("[2001:db8::2]:50123", "[2001:db8::1]:443/TCP").unwrap();
        assert_eq!(
            (q.client_port, q.server, q.port),
            (Some(50123), ip("2001:db8::1"), 443)
        );
        assert!(!q.client_port_assumed());
        let ping = PathQuery::parse("2001:db8::2", "172.31.16.139/icmp").unwrap();
        assert_eq!((ping.protocol, ping.port), (1, 0));
        assert!(!ping.client_port_assumed());
        assert!(
            PathQuery::parse("10.0.0.1", "10.0.0.2:53/17")
                .unwrap()
                .client_port_assumed()
        );
    }

    #[test]
    fn mistakes_are_named() {
        let err = |from, to| PathQuery::parse(from, to).unwrap_err();
        assert_eq!(err("10.0.0", "10.0.0.2:80/tcp"), PathQueryError::Client);
        assert!(err("10.0.0", "x").is_client());
        assert_eq!(err("10.0.0.1", "10.0.0.2:80"), PathQueryError::Server);
        assert_eq!(
            err("10.0.0.1", "10.0.0.2:99999/tcp"),
            PathQueryError::Server
        );
        assert_eq!(
            err("10.0.0.1", "10.0.0.2:80/tpc").to_string(),
            "\"tpc\" is not a protocol (tcp, udp, icmp, icmpv6 or a number)"
        );
        assert_eq!(
            err("10.0.0.1", "172.31.16.139/tcp").to_string(),
            "tcp needs a port (ADDR:PORT/tcp)"
        );
        assert!(!err("10.0.0.1", "172.31.16.139/tcp").is_client());
    }
}
