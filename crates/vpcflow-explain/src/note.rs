//! The findings an explanation adds to its headline, as data: one variant per kind of finding, with a stable
//! kebab-case code and the values it talks about. The words for each are in the renderers, once per language;
//! what each code means, why it matters and what to do about it is in [`crate::render::learn`].

use serde::Serialize;
use vpcflow_record::reading::{DirectionBasis, End};
use vpcflow_record::{AddrScope, Direction, Field};

/// Declares [`Note`] and [`Code`] from one list, so that a note's code and the list of codes cannot drift apart.
macro_rules! notes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal $({ $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? })? ,)*) => {
        /// One finding about a record. Serialized with its code (`"code": "direction-private"`) beside its values.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(tag = "code")]
        pub enum Note {
            $( $(#[$doc])* #[serde(rename = $code)] $variant $({ $($(#[$fdoc])* $field: $ty),* })?, )*
        }

        /// The kind of a [`Note`], without its values.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Code {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )*
        }

        impl Code {
            /// Every code, in the order an explanation gives its notes.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable identifier (`reply-rejected-likely-nacl`).
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The code named `text`.
            pub fn named(text: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == text)
            }
        }

        impl Note {
            /// The note's code.
            pub fn code(&self) -> Code {
                match self { $( Note::$variant { .. } => Code::$variant, )* }
            }
        }
    };
}

notes! {
    /// `log-status` NODATA: no traffic in the interval.
    NoData = "nodata",
    /// `log-status` SKIPDATA: records were skipped in the interval.
    SkipData = "skipdata",
    /// The direction, from the `flow-direction` field.
    DirectionField = "direction-field" {
        /// The direction.
        #[serde(serialize_with = "vpcflow_record::reading::as_inbound::known")]
        direction: Direction,
        /// Relative to a transit gateway attachment rather than an interface.
        transit_gateway: bool,
        /// The interface's own address (for an interface record).
        addr: Option<String>,
    },
    /// The direction, from an address that differs from the packet's own (`pkt-srcaddr`/`pkt-dstaddr`).
    DirectionPktAddr = "direction-pkt-addr" {
        /// The direction.
        #[serde(serialize_with = "vpcflow_record::reading::as_inbound::known")]
        direction: Direction,
        /// The interface's own address.
        addr: String,
    },
    /// The direction, from one internal address facing a public or redacted one.
    DirectionPrivate = "direction-private" {
        /// The direction.
        #[serde(serialize_with = "vpcflow_record::reading::as_inbound::known")]
        direction: Direction,
        /// The interface's own (internal) address.
        addr: String,
        /// What kind of internal address it is.
        scope: Option<AddrScope>,
        /// The other side was redacted rather than public.
        other_redacted: bool,
    },
    /// The direction, from the interface's own address as its other records show it.
    DirectionLearned = "direction-learned" {
        /// The direction.
        #[serde(serialize_with = "vpcflow_record::reading::as_inbound::known")]
        direction: Direction,
        /// The interface's own address.
        addr: String,
    },
    /// The direction cannot be told from the record.
    DirectionUnknown = "direction-unknown" {
        /// Why.
        why: DirectionBasis,
    },
    /// TCP SYN without ACK: the source opened the connection.
    RoleTcpSyn = "role-tcp-syn" {
        /// The destination port.
        port: Option<u16>,
    },
    /// TCP SYN and FIN in one interval: a short connection the source opened and closed.
    RoleTcpSynFin = "role-tcp-syn-fin" {
        /// The destination port.
        port: Option<u16>,
    },
    /// TCP SYN-ACK: the source is the server accepting a connection.
    RoleTcpSynAck = "role-tcp-syn-ack" {
        /// The source port.
        port: Option<u16>,
    },
    /// TCP SYN-ACK and FIN in one interval: a short connection the server accepted and closed.
    RoleTcpSynAckFin = "role-tcp-syn-ack-fin" {
        /// The source port.
        port: Option<u16>,
    },
    /// Request or response, from a service's well-known port.
    RoleServicePort = "role-service-port" {
        /// From the client (request) rather than from the service (response).
        request: bool,
        /// The service.
        service: String,
        /// The service's port.
        server_port: Option<u16>,
        /// The client's port.
        client_port: Option<u16>,
        /// Whether the client's port is in the ephemeral range.
        client_ephemeral: bool,
    },
    /// Request or response, from the client's port in the ephemeral range.
    RoleEphemeralPort = "role-ephemeral-port" {
        /// From the client (request) rather than from the service (response).
        request: bool,
        /// The service's port.
        server_port: Option<u16>,
        /// The client's port.
        client_port: Option<u16>,
    },
    /// Request or response, from the service's port being a system port (below 1024) and the client's not.
    RoleSystemPort = "role-system-port" {
        /// From the client (request) rather than from the service (response).
        request: bool,
        /// The service's port.
        server_port: Option<u16>,
        /// The client's port.
        client_port: Option<u16>,
    },
    /// Both ports are the same service port: two peers, so the ports do not say which side asked.
    RoleSamePort = "role-same-port" {
        /// The port.
        port: Option<u16>,
        /// The service.
        service: Option<String>,
    },
    /// The ports do not say which side is the service.
    RolePortsUnclear = "role-ports-unclear" {
        /// The source port.
        src_port: u16,
        /// The source port's service, if one is well known there.
        src_service: Option<String>,
        /// The destination port.
        dst_port: u16,
        /// The destination port's service, if one is well known there.
        dst_service: Option<String>,
    },
    /// ICMP records carry no message type: one record cannot tell a request from a reply.
    RoleIcmp = "role-icmp",
    /// The TCP flags of the interval.
    TcpFlags = "tcp-flags" {
        /// The bits as logged.
        flags: u8,
    },
    /// Rejected by VPC Block Public Access.
    RejectReasonBpa = "reject-reason-bpa",
    /// Rejected by VPC Encryption Controls.
    RejectReasonEc = "reject-reason-ec",
    /// A rejected reply: probably a network ACL.
    ReplyRejectedLikelyNacl = "reply-rejected-likely-nacl" {
        /// The service that replied.
        service: Option<String>,
        /// Its port.
        server_port: Option<u16>,
        /// The client's port.
        client_port: Option<u16>,
        /// Which network ACL rules to check: the direction of the rejected record.
        #[serde(serialize_with = "vpcflow_record::reading::as_inbound::serialize")]
        rules: Option<Direction>,
    },
    /// Rejected by a security group or a network ACL.
    Rejected = "rejected" {
        /// The direction of the record, which says which rules.
        #[serde(serialize_with = "vpcflow_record::reading::as_inbound::serialize")]
        direction: Option<Direction>,
    },
    /// A rejected ICMP record: if it is a reply, suspect a network ACL.
    IcmpRejectHint = "icmp-reject-hint",
    /// A `reject-reason` this version does not know.
    RejectReasonOther = "reject-reason-other" {
        /// The value as logged.
        value: String,
    },
    /// The interface is an intermediate hop: one of the record's addresses is its own, not the packet's.
    IntermediateHop = "intermediate-hop" {
        /// Which end of the record is the interface's own address.
        end: End,
        /// The interface's own address.
        addr: String,
        /// The packet's address at that end.
        packet_addr: String,
    },
    /// `instance-id` is `-`: a requester-managed interface.
    RequesterManagedInterface = "requester-managed-interface",
    /// Where the interface (or the transit gateway record) is.
    Place = "place" {
        /// A transit gateway record.
        transit_gateway: bool,
        /// `vpc-id`.
        vpc: Option<String>,
        /// `subnet-id`.
        subnet: Option<String>,
        /// `instance-id`.
        instance: Option<String>,
        /// `region`.
        region: Option<String>,
        /// `az-id`.
        az: Option<String>,
        /// `sublocation-type`.
        sublocation_type: Option<String>,
        /// `sublocation-id` (`-` when not given).
        sublocation_id: Option<String>,
    },
    /// The transit gateway hop: from which VPC to which.
    TgwRoute = "tgw-route" {
        /// The source side (empty: outside a VPC).
        src: TgwEnd,
        /// The destination side.
        dst: TgwEnd,
    },
    /// The other attachment of a transit gateway hop.
    TgwPairAttachment = "tgw-pair-attachment" {
        /// Its id.
        attachment: String,
    },
    /// Transit gateway records have no action.
    TgwNoAction = "tgw-no-action",
    /// Packets the transit gateway dropped.
    TgwPacketsLost = "tgw-packets-lost" {
        /// `packets-lost-no-route`.
        no_route: Option<i64>,
        /// `packets-lost-blackhole`.
        blackhole: Option<i64>,
        /// `packets-lost-mtu-exceeded`.
        mtu_exceeded: Option<i64>,
        /// `packets-lost-ttl-expired`.
        ttl_expired: Option<i64>,
    },
    /// The egress path (`traffic-path`).
    TrafficPath = "traffic-path" {
        /// The code as logged.
        path: i64,
    },
    /// An AWS service named by `pkt-src-aws-service` / `pkt-dst-aws-service`.
    AwsService = "aws-service" {
        /// Which end.
        end: End,
        /// The service.
        service: String,
    },
    /// An address reserved for documentation: an example.
    DocumentationAddress = "documentation-address" {
        /// The address.
        addr: String,
    },
    /// A public address AWS publishes as its own.
    AwsOwner = "aws-owner" {
        /// The address.
        addr: String,
        /// The owner.
        owner: AwsOwner,
    },
    /// A public address outside AWS's published ranges.
    NotAws = "not-aws" {
        /// The address.
        addr: String,
    },
    /// Values written over before the log was shared.
    Redacted = "redacted" {
        /// The fields and their placeholders.
        fields: Vec<FieldValue>,
    },
    /// An address field that is not an address.
    InvalidAddress = "invalid-address" {
        /// The field.
        field: Field,
        /// Its text.
        text: String,
        /// A dotted quad with a number above 255 (a made-up example).
        over_255: bool,
    },
    /// Elastic Fabric Adapter traffic.
    Efa = "efa",
    /// `encryption-status`.
    EncryptionStatus = "encryption-status" {
        /// The value as logged.
        value: i64,
    },
    /// Amazon ECS metadata.
    Ecs = "ecs" {
        /// What the record names, first of each kind.
        items: Vec<EcsItem>,
        /// No container instance: probably Fargate.
        fargate: bool,
    },
    /// `resource-id`.
    ResourceId = "resource-id" {
        /// The resource.
        resource: String,
    },
    /// `interface-type`: what the interface belongs to.
    InterfaceType = "interface-type" {
        /// The type as logged.
        interface_type: String,
    },
    /// The next hop (`next-hop-*`).
    NextHop = "next-hop" {
        /// `next-hop-interface-id`.
        interface: Option<String>,
        /// `next-hop-interface-type`.
        interface_type: Option<String>,
        /// `next-hop-subnet-id`.
        subnet: Option<String>,
        /// `next-hop-vpc-id`.
        vpc: Option<String>,
        /// `next-hop-az-id`.
        az: Option<String>,
    },
    /// Resource tags.
    Tags = "tags" {
        /// The tag fields, decoded.
        tags: Vec<FieldValue>,
    },
    /// `start` and `end` are `-` or redacted.
    TimesMissing = "times-missing",
    /// `start` and `end` are in milliseconds.
    Milliseconds = "milliseconds",
    /// `end` is before `start`.
    EndBeforeStart = "end-before-start",
    /// `account-id` is `unknown`.
    AccountUnknown = "account-unknown",
}

/// One side of a transit gateway hop (`tgw-src-*` or `tgw-dst-*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TgwEnd {
    /// The VPC.
    pub vpc: Option<String>,
    /// The VPC's account.
    pub account: Option<String>,
    /// The subnet.
    pub subnet: Option<String>,
    /// The interface.
    pub interface: Option<String>,
    /// The availability zone.
    pub az: Option<String>,
}

impl TgwEnd {
    /// Nothing known: the traffic came from or went to outside a VPC.
    pub fn is_empty(&self) -> bool {
        *self == TgwEnd::default()
    }
}

/// Who at AWS owns a public address, from `ip-ranges.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AwsOwner {
    /// The service (`EC2`, `S3`, `AMAZON`).
    pub service: String,
    /// The region code.
    pub region: String,
    /// The network border group (differs from the region for Local Zones).
    pub network_border_group: String,
    /// The published prefix containing the address.
    pub prefix: String,
}

/// A field and its value as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldValue {
    /// The field.
    pub field: Field,
    /// The value.
    pub value: String,
}

/// What an ECS record names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EcsKind {
    /// The cluster (name or ARN).
    Cluster,
    /// The service.
    Service,
    /// The task (id or ARN).
    Task,
    /// The task definition.
    TaskDefinition,
    /// The container.
    Container,
    /// The second container.
    SecondContainer,
    /// The container instance (id or ARN).
    ContainerInstance,
}

/// One thing an ECS record names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EcsItem {
    /// What it is.
    pub kind: EcsKind,
    /// Its name, id or ARN.
    pub value: String,
}
