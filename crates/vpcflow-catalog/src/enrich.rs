//! Everything known about one address in one typed fact: who at AWS owns it, where it is registered, which
//! autonomous system announces it, and which threat lists it is on. The narratives, the dashboard and the
//! detections render or test this; none of them looks the tables up on its own.

use crate::asn::AsnTable;
use crate::intel::{Category, ListSet};
use crate::ranges::AwsRanges;
use serde::Serialize;
use std::net::IpAddr;
use std::sync::Arc;

/// What is known about an address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddressFacts {
    /// The address.
    pub ip: IpAddr,
    /// The ISO 3166-1 alpha-2 code of the country it is registered in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<&'static str>,
    /// The autonomous system announcing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// The organisation behind that system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// AWS's service and region, when AWS publishes the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsOwner>,
    /// The threat lists it is on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<ListMatch>,
}

/// AWS's service and region for an address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AwsOwner {
    /// `EC2`, `S3`, `AMAZON`, …
    pub service: String,
    /// `ap-northeast-3`, `GLOBAL`.
    pub region: String,
}

/// A list an address is on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListMatch {
    /// The list's name.
    pub name: String,
    /// What the list means.
    pub category: Category,
}

impl AddressFacts {
    /// Whether nothing beyond the address is known (a private address, or unannounced space).
    pub fn is_empty(&self) -> bool {
        self.country.is_none() && self.asn.is_none() && self.aws.is_none() && self.lists.is_empty()
    }
}

/// The tables, loaded once and shared.
#[derive(Clone, Debug)]
pub struct Enricher {
    asn: Arc<AsnTable>,
    lists: Arc<ListSet>,
    ranges: Arc<AwsRanges>,
}

impl Enricher {
    /// These tables.
    pub fn new(asn: Arc<AsnTable>, lists: Arc<ListSet>, ranges: Arc<AwsRanges>) -> Enricher {
        Enricher { asn, lists, ranges }
    }

    /// The user's refreshed tables and lists where there are, the built-in snapshots otherwise.
    pub fn load_default() -> Enricher {
        Enricher::new(
            AsnTable::load_default(),
            ListSet::load_default(),
            AwsRanges::load_default(),
        )
    }

    /// The ASN table.
    pub fn asn(&self) -> &Arc<AsnTable> {
        &self.asn
    }

    /// The threat lists.
    pub fn lists(&self) -> &Arc<ListSet> {
        &self.lists
    }

    /// What is known about `ip`.
    pub fn facts(&self, ip: IpAddr) -> AddressFacts {
        let system = self.asn.lookup(ip);
        AddressFacts {
            ip,
            country: crate::country::of(ip),
            asn: system.map(|s| s.asn),
            org: system.map(|s| s.org.to_string()).filter(|o| !o.is_empty()),
            aws: self.ranges.lookup(ip).map(|o| AwsOwner {
                service: o.service,
                region: o.region,
            }),
            lists: self
                .lists
                .matches(ip)
                .map(|i| ListMatch {
                    name: i.name.clone(),
                    category: i.category,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::{ListInfo, ThreatList};

    #[test]
    fn one_fact_per_address() {
        let list = ThreatList::new(
            ListInfo {
                name: "scanners".into(),
                category: Category::Scanner,
                source: "test".into(),
                date: String::new(),
                terms: String::new(),
                description: String::new(),
            },
            &["1.1.1.0/24".parse().unwrap()],
        );
        let e = Enricher::new(
            AsnTable::builtin(),
            Arc::new(ListSet::new(vec![list])),
            AwsRanges::builtin(),
        );
        let f = e.facts("1.1.1.1".parse().unwrap());
        assert_eq!(f.asn, Some(13335));
        assert_eq!(f.org.as_deref(), Some("Cloudflare, Inc."));
        assert_eq!(f.lists[0].name, "scanners");
        assert!(f.aws.is_none());
        let aws = e.facts("15.152.63.145".parse().unwrap());
        assert_eq!(aws.aws.as_ref().unwrap().region, "ap-northeast-3");
        assert_eq!(aws.country, Some("US"));
        let private = e.facts("10.0.0.1".parse().unwrap());
        assert!(private.is_empty());
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"ip":"1.1.1.1","country":"AU","asn":13335,"org":"Cloudflare, Inc.","lists":[{"name":"scanners","category":"scanner"}]}"#
        );
    }
}
