//! The country an address is registered in: the RIR delegated statistics that the `iptocc` crate embeds (data
//! from AFRINIC, APNIC, ARIN, LACNIC and RIPE NCC, published through the NRO; code MIT OR Apache-2.0).
//!
//! This is where the block was *registered*, not where a machine stands: a multinational's block registered in
//! the US may serve Europe. It agrees with geolocation databases for roughly 95% of IPv4 addresses, and it is the
//! only country data that is small, refreshed with every crate release and free of terms that forbid shipping it.

use std::net::IpAddr;

/// What the country data is and its terms (shown by `vpcflow enrich status`).
pub const DATASET: &str = "RIR delegated statistics (AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC) via the iptocc crate 1.4.175";

/// The attribution the data asks for.
pub const ATTRIBUTION: &str = "Country of registration: statistics of the five Regional Internet Registries, \
published by the NRO (nro.net), CC BY 4.0; embedded by the iptocc crate (MIT OR Apache-2.0)";

/// The ISO 3166-1 alpha-2 code of the country the address is registered in (`JP`, `US`), or `None` for private,
/// reserved and unallocated space. IPv4-mapped IPv6 addresses count as their IPv4 address.
pub fn of(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if vpcflow_scope_internal(ip) {
        return None;
    }
    iptocc::country_code(ip)
}

/// Private, shared, link-local and loopback space is nobody's registration, whatever a registry lists.
fn vpcflow_scope_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || s[0] & 0xfe00 == 0xfc00
                || s[0] & 0xffc0 == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<&'static str> {
        of(s.parse().unwrap())
    }

    #[test]
    fn registrations() {
        assert_eq!(at("8.8.8.8"), Some("US"));
        assert_eq!(at("1.0.16.1"), Some("JP"));
        assert_eq!(at("2001:4860:4860::8888"), Some("US"));
        assert_eq!(at("::ffff:1.0.16.1"), Some("JP"));
        for internal in [
            "10.0.0.1",
            "172.16.0.1",
            "100.64.0.1",
            "127.0.0.1",
            "fd00::1",
            "fe80::1",
        ] {
            assert_eq!(at(internal), None, "{internal}");
        }
    }
}
