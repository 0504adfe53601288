//! The catalogue of every field AWS can write into a flow log record.
//!
//! One table drives everything else: the name in a custom format (`srcaddr`, `log-status`), the Athena/Parquet
//! column name (`log_status`), the first version that has the field, and the kind of value it holds. The parser,
//! the Arrow schema and the writers all read this table instead of matching on names, so adding a field AWS
//! announces is one line here.

use arrow::datatypes::DataType;
use std::fmt;

/// What a field's value is, which decides both validation and the Arrow column type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A small non-negative integer (version, encryption-status); Arrow `Int32`.
    Int32,
    /// A counter or Unix time (packets, bytes, start, end, packets-lost-*); Arrow `Int64`.
    Int64,
    /// A TCP/UDP port, 0..=65535; Arrow `Int32`.
    Port,
    /// An IANA protocol number, 0..=255; Arrow `Int64` (Athena declares `protocol bigint`).
    Protocol,
    /// The OR of TCP flag bits; Arrow `Int32`.
    TcpFlags,
    /// The egress path code; Arrow `Int32`.
    TrafficPath,
    /// An IPv4 or IPv6 address, kept as the text AWS wrote; Arrow `Utf8`.
    Addr,
    /// `ACCEPT` or `REJECT`; Arrow `Utf8`.
    Action,
    /// `OK`, `NODATA` or `SKIPDATA`; Arrow `Utf8`.
    LogStatus,
    /// `IPv4`, `IPv6` or `EFA`; Arrow `Utf8`.
    IpType,
    /// `ingress` or `egress`; Arrow `Utf8`.
    Direction,
    /// Any other text (ids, names, ARNs, tags); Arrow `Utf8`.
    Text,
}

impl Kind {
    /// The Arrow type of a column of this kind (Athena's type for the field).
    pub fn data_type(self) -> DataType {
        match self {
            Kind::Int32 | Kind::Port | Kind::TcpFlags | Kind::TrafficPath => DataType::Int32,
            Kind::Int64 | Kind::Protocol => DataType::Int64,
            Kind::Addr
            | Kind::Action
            | Kind::LogStatus
            | Kind::IpType
            | Kind::Direction
            | Kind::Text => DataType::Utf8,
        }
    }

    /// Whether the column holds integers.
    pub fn is_integer(self) -> bool {
        !matches!(self.data_type(), DataType::Utf8)
    }
}

/// Which kind of flow log a field belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Fields that VPC (network interface) flow logs write; some are shared with transit gateway flow logs.
    Vpc,
    /// Fields only transit gateway flow logs write.
    TransitGateway,
}

macro_rules! fields {
    ($( $variant:ident => $name:literal, $since:literal, $kind:ident, $family:ident; )*) => {
        /// One field of a flow log record.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[allow(missing_docs)] // the variant names are the AWS field names
        pub enum Field { $( $variant, )* }

        impl Field {
            /// Every field, in catalogue order.
            pub const ALL: &'static [Field] = &[ $( Field::$variant, )* ];

            /// The name AWS uses in a log format and in S3 header lines (`log-status`).
            pub const fn name(self) -> &'static str {
                match self { $( Field::$variant => $name, )* }
            }

            /// The first flow log version that has this field.
            pub const fn since(self) -> u8 {
                match self { $( Field::$variant => $since, )* }
            }

            /// The kind of value the field holds.
            pub const fn kind(self) -> Kind {
                match self { $( Field::$variant => Kind::$kind, )* }
            }

            /// Whether the field belongs to VPC or transit gateway flow logs.
            pub const fn family(self) -> Family {
                match self { $( Field::$variant => Family::$family, )* }
            }
        }
    };
}

fields! {
    Version => "version", 2, Int32, Vpc;
    AccountId => "account-id", 2, Text, Vpc;
    InterfaceId => "interface-id", 2, Text, Vpc;
    Srcaddr => "srcaddr", 2, Addr, Vpc;
    Dstaddr => "dstaddr", 2, Addr, Vpc;
    Srcport => "srcport", 2, Port, Vpc;
    Dstport => "dstport", 2, Port, Vpc;
    Protocol => "protocol", 2, Protocol, Vpc;
    Packets => "packets", 2, Int64, Vpc;
    Bytes => "bytes", 2, Int64, Vpc;
    Start => "start", 2, Int64, Vpc;
    End => "end", 2, Int64, Vpc;
    Action => "action", 2, Action, Vpc;
    LogStatus => "log-status", 2, LogStatus, Vpc;
    VpcId => "vpc-id", 3, Text, Vpc;
    SubnetId => "subnet-id", 3, Text, Vpc;
    InstanceId => "instance-id", 3, Text, Vpc;
    TcpFlags => "tcp-flags", 3, TcpFlags, Vpc;
    Type => "type", 3, IpType, Vpc;
    PktSrcaddr => "pkt-srcaddr", 3, Addr, Vpc;
    PktDstaddr => "pkt-dstaddr", 3, Addr, Vpc;
    Region => "region", 4, Text, Vpc;
    AzId => "az-id", 4, Text, Vpc;
    SublocationType => "sublocation-type", 4, Text, Vpc;
    SublocationId => "sublocation-id", 4, Text, Vpc;
    PktSrcAwsService => "pkt-src-aws-service", 5, Text, Vpc;
    PktDstAwsService => "pkt-dst-aws-service", 5, Text, Vpc;
    FlowDirection => "flow-direction", 5, Direction, Vpc;
    TrafficPath => "traffic-path", 5, TrafficPath, Vpc;
    EcsClusterArn => "ecs-cluster-arn", 7, Text, Vpc;
    EcsClusterName => "ecs-cluster-name", 7, Text, Vpc;
    EcsContainerInstanceArn => "ecs-container-instance-arn", 7, Text, Vpc;
    EcsContainerInstanceId => "ecs-container-instance-id", 7, Text, Vpc;
    EcsContainerId => "ecs-container-id", 7, Text, Vpc;
    EcsSecondContainerId => "ecs-second-container-id", 7, Text, Vpc;
    EcsServiceName => "ecs-service-name", 7, Text, Vpc;
    EcsTaskDefinitionArn => "ecs-task-definition-arn", 7, Text, Vpc;
    EcsTaskArn => "ecs-task-arn", 7, Text, Vpc;
    EcsTaskId => "ecs-task-id", 7, Text, Vpc;
    RejectReason => "reject-reason", 8, Text, Vpc;
    ResourceId => "resource-id", 9, Text, Vpc;
    EncryptionStatus => "encryption-status", 10, Int32, Vpc;
    InterfaceType => "interface-type", 11, Text, Vpc;
    NextHopInterfaceId => "next-hop-interface-id", 11, Text, Vpc;
    NextHopSubnetId => "next-hop-subnet-id", 11, Text, Vpc;
    NextHopAzId => "next-hop-az-id", 11, Text, Vpc;
    NextHopVpcId => "next-hop-vpc-id", 11, Text, Vpc;
    NextHopInterfaceType => "next-hop-interface-type", 11, Text, Vpc;
    InstanceTag => "instance-tag", 11, Text, Vpc;
    InstanceTag2 => "instance-tag-2", 11, Text, Vpc;
    InterfaceTag => "interface-tag", 11, Text, Vpc;
    InterfaceTag2 => "interface-tag-2", 11, Text, Vpc;
    AsgTag => "asg-tag", 11, Text, Vpc;
    AsgTag2 => "asg-tag-2", 11, Text, Vpc;
    ResourceType => "resource-type", 6, Text, TransitGateway;
    TgwId => "tgw-id", 6, Text, TransitGateway;
    TgwAttachmentId => "tgw-attachment-id", 6, Text, TransitGateway;
    TgwSrcVpcAccountId => "tgw-src-vpc-account-id", 6, Text, TransitGateway;
    TgwDstVpcAccountId => "tgw-dst-vpc-account-id", 6, Text, TransitGateway;
    TgwSrcVpcId => "tgw-src-vpc-id", 6, Text, TransitGateway;
    TgwDstVpcId => "tgw-dst-vpc-id", 6, Text, TransitGateway;
    TgwSrcSubnetId => "tgw-src-subnet-id", 6, Text, TransitGateway;
    TgwDstSubnetId => "tgw-dst-subnet-id", 6, Text, TransitGateway;
    TgwSrcEni => "tgw-src-eni", 6, Text, TransitGateway;
    TgwDstEni => "tgw-dst-eni", 6, Text, TransitGateway;
    TgwSrcAzId => "tgw-src-az-id", 6, Text, TransitGateway;
    TgwDstAzId => "tgw-dst-az-id", 6, Text, TransitGateway;
    TgwPairAttachmentId => "tgw-pair-attachment-id", 6, Text, TransitGateway;
    PacketsLostNoRoute => "packets-lost-no-route", 6, Int64, TransitGateway;
    PacketsLostBlackhole => "packets-lost-blackhole", 6, Int64, TransitGateway;
    PacketsLostMtuExceeded => "packets-lost-mtu-exceeded", 6, Int64, TransitGateway;
    PacketsLostTtlExpired => "packets-lost-ttl-expired", 6, Int64, TransitGateway;
}

impl Field {
    /// The Athena / Parquet column name: the AWS name with `-` replaced by `_`.
    pub fn column(self) -> &'static str {
        COLUMN_NAMES[self as usize]
    }

    /// Finds a field by its AWS name (`log-status`), its column name (`log_status`) or the camelCase name the
    /// CloudWatch console and older documents use (`logStatus`, `srcAddr`). Case-insensitive.
    pub fn from_name(name: &str) -> Option<Field> {
        let wanted = normalize(name);
        Field::ALL
            .iter()
            .copied()
            .find(|f| normalize(f.name()) == wanted)
    }

    /// The known field names closest to `name`, for "did you mean" hints.
    pub fn suggest(name: &str) -> Vec<&'static str> {
        let wanted = normalize(name);
        let mut scored: Vec<(usize, &'static str)> = Field::ALL
            .iter()
            .map(|f| (edit_distance(&normalize(f.name()), &wanted), f.name()))
            .filter(|(d, _)| *d <= 2.max(wanted.len() / 4))
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, n)| n).collect()
    }
}

/// A field serializes as its name (`pkt-srcaddr`).
impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Column names computed once, so that `column()` can hand out `&'static str`.
static COLUMN_NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    Field::ALL
        .iter()
        .map(|f| &*Box::leak(f.name().replace('-', "_").into_boxed_str()))
        .collect()
});

/// Lower case without `-` and `_`, so that `log-status`, `log_status` and `logStatus` compare equal.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(*f), "{f}");
            assert_eq!(Field::from_name(f.column()), Some(*f), "{f}");
        }
        assert_eq!(Field::ALL.len(), 72);
    }

    #[test]
    fn accepts_console_camel_case() {
        assert_eq!(Field::from_name("logStatus"), Some(Field::LogStatus));
        assert_eq!(Field::from_name("srcAddr"), Some(Field::Srcaddr));
        assert_eq!(Field::from_name("interfaceId"), Some(Field::InterfaceId));
        assert_eq!(Field::from_name("nope"), None);
    }

    #[test]
    fn suggests_near_misses() {
        assert_eq!(Field::suggest("srcadr")[0], "srcaddr");
        assert_eq!(Field::suggest("logstatus")[0], "log-status");
        assert_eq!(Field::suggest("tcpflag")[0], "tcp-flags");
    }
}
