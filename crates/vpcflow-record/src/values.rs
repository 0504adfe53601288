//! Typed field values and the checks that turn a token of a line into one.
//!
//! Validation lives here, once, and serves both the columnar parser and the row view, so a value that the
//! parser accepts is a value that `explain` understands.

use crate::fields::Kind;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a token turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// `-`: no value for this record.
    Absent,
    /// A placeholder such as `xxx.xxx.xxx.xxx` or `XXXXXXXXX` that someone wrote over a real value.
    Redacted,
    /// An integer (for integer kinds).
    Int(i64),
    /// Valid text (for text kinds), kept verbatim.
    Text,
}

/// Why a token is not a valid value for its field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not a whole number.
    #[error("is not a whole number")]
    NotANumber,
    /// A number outside the range the field allows.
    #[error("is out of range (expected {min} to {max})")]
    OutOfRange {
        /// Smallest valid value.
        min: i64,
        /// Largest valid value.
        max: i64,
    },
    /// Not an IPv4 or IPv6 address.
    #[error("is not an IPv4 or IPv6 address")]
    NotAnAddress,
    /// Not one of the words the field allows.
    #[error("is not one of {}", .0.join(", "))]
    NotOneOf(&'static [&'static str]),
    /// Bytes that are not UTF-8 text (a Parquet column of bytes).
    #[error("is not UTF-8 text")]
    NotText,
}

/// Checks `token` as a value of `kind`. `token` is never empty.
#[inline]
pub fn check(kind: Kind, token: &[u8]) -> Result<Checked, ValueError> {
    if token == b"-" {
        return Ok(Checked::Absent);
    }
    let result = match kind {
        Kind::Int32 => int_in(token, 0, i32::MAX as i64),
        Kind::Int64 => int_in(token, 0, i64::MAX),
        Kind::Port => int_in(token, 0, 65535),
        Kind::Protocol => int_in(token, 0, 255),
        Kind::TcpFlags => int_in(token, 0, 255),
        Kind::TrafficPath => int_in(token, 0, 255),
        Kind::Addr => {
            if parse_addr(token).is_some() {
                Ok(Checked::Text)
            } else {
                Err(ValueError::NotAnAddress)
            }
        }
        Kind::Action => one_of(token, Action::WORDS),
        Kind::LogStatus => one_of(token, LogStatus::WORDS),
        Kind::IpType => one_of(token, IpType::WORDS),
        Kind::Direction => one_of(token, Direction::WORDS),
        Kind::Text => Ok(Checked::Text),
    };
    // Only on the failure path, so redaction costs nothing for well-formed data.
    match result {
        Err(_) if is_redacted(token) => Ok(Checked::Redacted),
        other => other,
    }
}

#[inline]
fn int_in(token: &[u8], min: i64, max: i64) -> Result<Checked, ValueError> {
    match parse_u63(token) {
        Some(v) if v >= min && v <= max => Ok(Checked::Int(v)),
        Some(_) => Err(ValueError::OutOfRange { min, max }),
        None => Err(ValueError::NotANumber),
    }
}

/// Parses an unsigned decimal that fits in an `i64`. Written out because `str::parse` spends most of its time on
/// sign and radix handling we do not need.
#[inline]
pub fn parse_u63(token: &[u8]) -> Option<i64> {
    if token.is_empty() || token.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in token {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    i64::try_from(v).ok()
}

fn one_of(token: &[u8], words: &'static [&'static str]) -> Result<Checked, ValueError> {
    if words.iter().any(|w| w.as_bytes() == token) {
        Ok(Checked::Text)
    } else {
        Err(ValueError::NotOneOf(words))
    }
}

/// A run of `x`/`X` with optional `.`, `:` or `-` separators: what people write over an address, an account or a
/// time before they paste a log line into a ticket or an article.
pub fn is_redacted(token: &[u8]) -> bool {
    token.iter().any(|b| *b == b'x' || *b == b'X')
        && token
            .iter()
            .all(|b| matches!(b, b'x' | b'X' | b'.' | b':' | b'*'))
}

/// Parses an address: IPv4, and IPv6 as AWS writes it, quickly; other IPv6 forms (an embedded IPv4 address,
/// anything odd) through the standard parser, which decides.
#[inline]
pub fn parse_addr(token: &[u8]) -> Option<IpAddr> {
    if let Some(v4) = parse_ipv4(token) {
        return Some(IpAddr::V4(v4));
    }
    if token.contains(&b':') {
        if let Some(v6) = parse_ipv6_groups(token) {
            return Some(IpAddr::V6(v6));
        }
        let text = std::str::from_utf8(token).ok()?;
        return text.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    None
}

/// The value of an ASCII hex digit, by table (`char::to_digit` took a fifth of the time of an IPv6 address).
#[inline(always)]
fn hex_digit(byte: u8) -> Option<u16> {
    const VALUES: [u8; 256] = {
        let mut t = [0xff; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            t[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    };
    let value = VALUES[byte as usize];
    (value != 0xff).then_some(value as u16)
}

/// IPv6 written as groups of one to four hex digits with at most one `::`, the only forms AWS writes. `None` for
/// anything else, valid or not; it never accepts what the standard parser refuses. The standard parser tries an
/// embedded IPv4 address at every group, which made it 3% of a query over text with 5% IPv6 lines.
fn parse_ipv6_groups(token: &[u8]) -> Option<Ipv6Addr> {
    if token.len() < 2 || token.len() > 39 {
        return None;
    }
    // Groups before and after the `::`.
    let (mut head, mut tail) = ([0u16; 8], [0u16; 8]);
    let (mut heads, mut tails) = (0, 0);
    let mut compressed = false;
    let mut i = 0;
    if token.starts_with(b"::") {
        compressed = true;
        i = 2;
        if i == token.len() {
            return Some(Ipv6Addr::UNSPECIFIED);
        }
    }
    loop {
        let start = i;
        let mut value = 0u16;
        while let Some(digit) = token.get(i).and_then(|b| hex_digit(*b)) {
            if i - start == 4 {
                return None;
            }
            value = value << 4 | digit;
            i += 1;
        }
        if i == start {
            return None;
        }
        if compressed {
            *tail.get_mut(tails)? = value;
            tails += 1;
        } else {
            *head.get_mut(heads)? = value;
            heads += 1;
        }
        match token.get(i) {
            None => break,
            Some(b':') => {
                i += 1;
                if token.get(i) == Some(&b':') {
                    if compressed {
                        return None;
                    }
                    compressed = true;
                    i += 1;
                    if i == token.len() {
                        break;
                    }
                }
            }
            Some(_) => return None,
        }
    }
    // `::` stands for at least one group.
    let fits = if compressed {
        heads + tails <= 7
    } else {
        heads == 8
    };
    if !fits {
        return None;
    }
    let mut groups = [0u16; 8];
    groups[..heads].copy_from_slice(&head[..heads]);
    groups[8 - tails..].copy_from_slice(&tail[..tails]);
    Some(Ipv6Addr::from(groups))
}

#[inline]
fn parse_ipv4(token: &[u8]) -> Option<Ipv4Addr> {
    if token.len() < 7 || token.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut i = 0;
    let mut n = 0;
    while n < 4 {
        let mut value: u32 = 0;
        let begin = i;
        // At most four digits are read: a fourth already makes the octet wrong, and more would overflow.
        while i < token.len() && token[i].is_ascii_digit() && i - begin < 4 {
            value = value * 10 + (token[i] - b'0') as u32;
            i += 1;
        }
        let digits = i - begin;
        // Leading zeros are refused, as the standard parser does, because they are ambiguous (octal?).
        if digits == 0 || digits > 3 || value > 255 || (digits > 1 && token[begin] == b'0') {
            return None;
        }
        octets[n] = value as u8;
        n += 1;
        if n < 4 {
            if i >= token.len() || token[i] != b'.' {
                return None;
            }
            i += 1;
        }
    }
    (i == token.len()).then(|| Ipv4Addr::from(octets))
}

/// What kind of address an IP is, as far as flow logs care: the ranges a VPC or a host uses for itself, the
/// ones reserved for examples, and the public internet. One definition for every crate, so that `explain`, the
/// diagnosis and the `is_private` SQL function never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddrScope {
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    Private,
    /// RFC 6598 shared address space, 100.64/10 (usable as a VPC CIDR).
    Shared,
    /// IPv6 unique local addresses, fc00::/7.
    UniqueLocal,
    /// 169.254/16 and fe80::/10.
    LinkLocal,
    /// 127/8 and ::1.
    Loopback,
    /// Reserved for documentation: 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 (AWS's examples use
    /// them).
    Documentation,
    /// Anything else: the public internet.
    Public,
}

impl AddrScope {
    /// The scope of `ip` (IPv4-mapped IPv6 addresses count as their IPv4 address).
    pub fn of(ip: IpAddr) -> AddrScope {
        match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                if v4.is_private() {
                    AddrScope::Private
                } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
                    AddrScope::Shared
                } else if v4.is_link_local() {
                    AddrScope::LinkLocal
                } else if v4.is_loopback() {
                    AddrScope::Loopback
                } else if matches!(
                    (o[0], o[1], o[2]),
                    (192, 0, 2) | (198, 51, 100) | (203, 0, 113)
                ) {
                    AddrScope::Documentation
                } else {
                    AddrScope::Public
                }
            }
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return AddrScope::of(IpAddr::V4(v4));
                }
                let s = v6.segments();
                if s[0] & 0xfe00 == 0xfc00 {
                    AddrScope::UniqueLocal
                } else if s[0] & 0xffc0 == 0xfe80 {
                    AddrScope::LinkLocal
                } else if v6.is_loopback() {
                    AddrScope::Loopback
                } else if s[0] == 0x2001 && s[1] == 0x0db8 {
                    AddrScope::Documentation
                } else {
                    AddrScope::Public
                }
            }
        }
    }

    /// Whether a VPC could use the address for its own resources (RFC 1918, RFC 6598, unique local): what
    /// `is_private(ip)` answers in SQL.
    pub fn is_private(self) -> bool {
        matches!(
            self,
            AddrScope::Private | AddrScope::Shared | AddrScope::UniqueLocal
        )
    }

    /// Whether the address never leaves its network: private, link-local or loopback. The side of a record with
    /// such an address is the interface's own side.
    pub fn is_internal(self) -> bool {
        self.is_private() || matches!(self, AddrScope::LinkLocal | AddrScope::Loopback)
    }
}

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name { $( $(#[$vmeta])* #[serde(rename = $word)] $variant, )* }

        impl $name {
            /// The words AWS writes, in declaration order.
            pub const WORDS: &'static [&'static str] = &[ $( $word, )* ];

            /// Reads the word AWS writes.
            pub fn from_word(word: &str) -> Option<Self> {
                match word { $( $word => Some($name::$variant), )* _ => None }
            }

            /// The word AWS writes.
            pub fn word(self) -> &'static str {
                match self { $( $name::$variant => $word, )* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.word())
            }
        }
    };
}

word_enum! {
    /// What happened to the traffic.
    Action {
        /// Allowed by the security groups and network ACLs.
        Accept = "ACCEPT",
        /// Not allowed by a security group or network ACL, or arrived after the connection closed.
        Reject = "REJECT",
    }
}

word_enum! {
    /// Whether the record carries traffic.
    LogStatus {
        /// Data logged normally.
        Ok = "OK",
        /// No traffic in the aggregation interval.
        NoData = "NODATA",
        /// Records were skipped in the interval (capacity limit or internal error).
        SkipData = "SKIPDATA",
    }
}

word_enum! {
    /// The type of traffic.
    IpType {
        /// IPv4.
        Ipv4 = "IPv4",
        /// IPv6.
        Ipv6 = "IPv6",
        /// Elastic Fabric Adapter traffic.
        Efa = "EFA",
    }
}

word_enum! {
    /// The direction of the flow relative to the interface.
    Direction {
        /// Into the interface.
        Ingress = "ingress",
        /// Out of the interface.
        Egress = "egress",
    }
}

/// The TCP flags OR-ed over an aggregation interval (see [`TcpFlags::logged`] for which AWS writes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// FIN: the sender has finished sending.
    pub const FIN: u8 = 1;
    /// SYN: opens a connection.
    pub const SYN: u8 = 2;
    /// RST: aborts a connection.
    pub const RST: u8 = 4;
    /// PSH: push buffered data.
    pub const PSH: u8 = 8;
    /// ACK: acknowledgement.
    pub const ACK: u8 = 16;
    /// URG: urgent data.
    pub const URG: u8 = 32;

    const NAMES: [(u8, &'static str); 6] = [
        (Self::SYN, "SYN"),
        (Self::ACK, "ACK"),
        (Self::FIN, "FIN"),
        (Self::RST, "RST"),
        (Self::PSH, "PSH"),
        (Self::URG, "URG"),
    ];

    /// The names of the bits set, SYN and ACK first (so that 18 reads "SYN ACK"), then any unnamed bits as numbers.
    pub fn names(self) -> Vec<String> {
        let mut out: Vec<String> = Self::NAMES
            .iter()
            .filter(|(bit, _)| self.0 & bit != 0)
            .map(|(_, n)| n.to_string())
            .collect();
        let unnamed = self.0 & !0x3f;
        for bit in 6..8 {
            if unnamed & (1 << bit) != 0 {
                out.push(format!("bit {}", 1u32 << bit));
            }
        }
        out
    }

    /// Whether `bit` is set.
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// What one TCP segment with header flags `segment` adds to a record's `tcp-flags`, as AWS logs them: FIN,
    /// SYN and RST as they are, ACK only as part of SYN-ACK (so the values are 1, 2, 4 and 18, OR-ed over the
    /// interval), PSH, URG, ECE and CWR never. A short conversation is therefore 3 (SYN, FIN) on the client's
    /// record and 19 (SYN-ACK, FIN) on the server's; a segment with only ACK or PSH adds nothing.
    pub fn logged(segment: u8) -> u8 {
        let mut out = segment & (Self::FIN | Self::SYN | Self::RST);
        if segment & (Self::SYN | Self::ACK) == Self::SYN | Self::ACK {
            out |= Self::ACK;
        }
        out
    }
}

/// The path egress traffic takes to its destination (`traffic-path`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrafficPath {
    /// 1: another resource in the same VPC.
    SameVpc,
    /// 2: an internet gateway or a gateway VPC endpoint.
    InternetGatewayOrGatewayEndpoint,
    /// 3: a virtual private gateway.
    VirtualPrivateGateway,
    /// 4: an intra-region VPC peering connection.
    IntraRegionPeering,
    /// 5: an inter-region VPC peering connection.
    InterRegionPeering,
    /// 6: a local gateway.
    LocalGateway,
    /// 7: a gateway VPC endpoint (Nitro-based instances).
    GatewayEndpointNitro,
    /// 8: an internet gateway (Nitro-based instances).
    InternetGatewayNitro,
    /// A code AWS has not documented (yet).
    Other(u8),
}

impl TrafficPath {
    /// Reads the code AWS writes.
    pub fn from_code(code: i64) -> TrafficPath {
        match code {
            1 => TrafficPath::SameVpc,
            2 => TrafficPath::InternetGatewayOrGatewayEndpoint,
            3 => TrafficPath::VirtualPrivateGateway,
            4 => TrafficPath::IntraRegionPeering,
            5 => TrafficPath::InterRegionPeering,
            6 => TrafficPath::LocalGateway,
            7 => TrafficPath::GatewayEndpointNitro,
            8 => TrafficPath::InternetGatewayNitro,
            other => TrafficPath::Other(other.clamp(0, 255) as u8),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_matches_std_on_edge_cases() {
        for text in [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            ":::",
            "1:::2",
            "::1::",
            ":1",
            "1:",
            "2600:1f18:4a3:ff00::4a1",
            "2600:1F18:4A3:FF00::4A1",
            "00001::",
            "0001::",
            "g::",
            "::ffff:1.2.3.4",
            "1::1.2.3.4",
            "fe80::1%eth0",
            "1:2:3:4:5:6:1.2.3.4",
            ": :",
            "",
        ] {
            assert_eq!(
                parse_addr(text.as_bytes()),
                text.parse::<IpAddr>().ok(),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]

        /// Any short string of address characters, and any IPv6 address written compressed or in full.
        #[test]
        fn ipv6_matches_std(
            text in "[0-9a-fA-F:.]{0,40}",
            groups in proptest::array::uniform8(proptest::prop_oneof![proptest::strategy::Just(0u16), proptest::strategy::Just(1u16), proptest::num::u16::ANY]),
        ) {
            proptest::prop_assert_eq!(parse_addr(text.as_bytes()), text.parse::<IpAddr>().ok());
            let addr = Ipv6Addr::from(groups);
            let full = groups.iter().map(|g| format!("{g:x}")).collect::<Vec<_>>().join(":");
            for written in [addr.to_string(), full] {
                proptest::prop_assert_eq!(parse_ipv6_groups(written.as_bytes()), Some(addr), "{}", written);
            }
        }
    }

    #[test]
    fn ipv4_matches_std_on_edge_cases() {
        for text in [
            "0.0.0.0",
            "255.255.255.255",
            "10.0.10.30",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "01.2.3.4",
            "1..2.3",
            "1.2.3.4 ",
            "55.123.456.78",
            "172.11.22.333",
            "1.2.3.-4",
            "",
            "1234.1.1.1",
            // Found by the fuzz test: a run of digits longer than a u32 holds.
            "99999999999.1.1",
            "1.9999999999.1",
        ] {
            assert_eq!(
                parse_ipv4(text.as_bytes()),
                text.parse::<Ipv4Addr>().ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn checks_values_by_kind() {
        assert_eq!(check(Kind::Port, b"65535"), Ok(Checked::Int(65535)));
        assert_eq!(
            check(Kind::Port, b"65536"),
            Err(ValueError::OutOfRange { min: 0, max: 65535 })
        );
        assert_eq!(check(Kind::Int64, b"12a"), Err(ValueError::NotANumber));
        assert_eq!(
            check(Kind::Int64, b"99999999999999999999"),
            Err(ValueError::NotANumber)
        );
        assert_eq!(check(Kind::Int64, b"-"), Ok(Checked::Absent));
        assert_eq!(check(Kind::Addr, b"2001:db8::1"), Ok(Checked::Text));
        assert_eq!(
            check(Kind::Addr, b"55.123.456.78"),
            Err(ValueError::NotAnAddress)
        );
        assert_eq!(
            check(Kind::Action, b"accept"),
            Err(ValueError::NotOneOf(&["ACCEPT", "REJECT"]))
        );
        assert_eq!(check(Kind::Direction, b"egress"), Ok(Checked::Text));
    }

    #[test]
    fn recognises_redaction() {
        assert_eq!(check(Kind::Addr, b"xxx.xxx.xxx.xxx"), Ok(Checked::Redacted));
        assert_eq!(check(Kind::Addr, b"xx.xx.xx.xx"), Ok(Checked::Redacted));
        assert_eq!(check(Kind::Int64, b"xxxxxxxxxx"), Ok(Checked::Redacted));
        assert_eq!(check(Kind::Text, b"XXXXXXXXX"), Ok(Checked::Text));
        assert!(is_redacted(b"XXXXXXXXX"));
        assert!(!is_redacted(b"..."));
        assert!(!is_redacted(b"eni-xxx"));
    }

    #[test]
    fn address_scopes() {
        let scope = |t: &str| AddrScope::of(t.parse().unwrap());
        assert_eq!(scope("10.0.10.30"), AddrScope::Private);
        assert_eq!(scope("172.31.255.1"), AddrScope::Private);
        assert_eq!(scope("172.32.0.1"), AddrScope::Public);
        assert_eq!(scope("100.64.0.1"), AddrScope::Shared);
        assert_eq!(scope("100.128.0.1"), AddrScope::Public);
        assert_eq!(scope("169.254.169.254"), AddrScope::LinkLocal);
        assert_eq!(scope("203.0.113.5"), AddrScope::Documentation);
        assert_eq!(scope("2001:db8::1"), AddrScope::Documentation);
        assert_eq!(scope("fd00:ec2::254"), AddrScope::UniqueLocal);
        assert_eq!(scope("::ffff:10.1.2.3"), AddrScope::Private);
        assert_eq!(scope("15.152.63.145"), AddrScope::Public);
        assert!(scope("fe80::1").is_internal() && !scope("fe80::1").is_private());
    }

    #[test]
    fn names_tcp_flags() {
        assert_eq!(TcpFlags(18).names(), ["SYN", "ACK"]);
        assert_eq!(TcpFlags(19).names(), ["SYN", "ACK", "FIN"]);
        assert_eq!(TcpFlags(3).names(), ["SYN", "FIN"]);
        assert!(TcpFlags(0).names().is_empty());
        // AWS's reduction of a segment's flags: SYN, SYN-ACK, FIN, RST; ACK alone, PSH and URG add nothing.
        let logged = |flags: &[u8]| flags.iter().fold(0, |acc, f| acc | TcpFlags::logged(*f));
        assert_eq!(
            logged(&[2, 16, 24, 17, 16]),
            3,
            "client of a short conversation"
        );
        assert_eq!(logged(&[18, 24, 17]), 19, "server of a short conversation");
        assert_eq!(
            logged(&[16, 24, 16]),
            0,
            "the middle of a long conversation"
        );
        assert_eq!(logged(&[20]), 4, "RST-ACK");
        assert_eq!(logged(&[0x40 | 0x80 | 32 | 8]), 0, "ECE, CWR, URG, PSH");
        assert_eq!(TcpFlags(64 | 4).names(), ["RST", "bit 64"]);
    }
}
