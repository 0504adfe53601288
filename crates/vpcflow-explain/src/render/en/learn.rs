//! What each note means, why it matters and what to do, in English: the "learn more" of a note and the source of
//! `docs/notes.md`.

use crate::note::Code;
use crate::render::Learn;

const fn l(what: &'static str, why: &'static str, fix: &'static str) -> Learn {
    Learn { what, why, fix }
}

pub(super) fn learn(code: Code) -> Learn {
    match code {
        Code::NoData => l(
            "The record's log-status is NODATA: no traffic crossed the interface in the aggregation interval.",
            "The record marks an interval, not traffic; its addresses, ports and counts are '-'.",
            "Nothing, unless traffic was expected: then check that it is sent to this interface at all (routes, DNS).",
        ),
        Code::SkipData => l(
            "The record's log-status is SKIPDATA: AWS skipped records in the interval (an internal capacity limit or an internal error).",
            "Traffic of that interval may be missing from the log, so counts and the absence of a record prove nothing there.",
            "Account for the gap in totals and alerts; if it recurs, reduce the traffic logged (a filter, a larger aggregation interval) or ask AWS Support.",
        ),
        Code::DirectionField => l(
            "The direction comes from the flow-direction field (version 5): ingress or egress relative to the interface (or transit gateway attachment).",
            "It says for certain which address is the interface's own, which every other reading builds on.",
            "Nothing to do; keep flow-direction in custom formats, since without it the direction has to be inferred.",
        ),
        Code::DirectionPktAddr => l(
            "The direction comes from pkt-srcaddr or pkt-dstaddr differing from srcaddr or dstaddr: that address is the interface's own.",
            "The interface is passing packets on for others (a NAT gateway, a transit gateway attachment, a secondary address), so the record's address and the packet's differ.",
            "Read the packet's addresses (pkt-*) for who really talked; the record's address is the hop's.",
        ),
        Code::DirectionPrivate => l(
            "The direction is inferred: one address is private (or link-local, shared, unique local) and the other public or redacted, so the private one is taken to be the interface's.",
            "It is the usual case and usually right, but an interface can talk to another private network (peering, VPN, transit gateway), where both sides are private.",
            "Where it matters, add flow-direction (version 5) to the format so the direction is logged rather than inferred.",
        ),
        Code::DirectionLearned => l(
            "The direction comes from the interface's own address as its other records in the same input show it.",
            "Each record of an interface has the interface's own address on one side; the address that recurs is that address.",
            "Nothing to do; flow-direction (version 5) makes it certain.",
        ),
        Code::DirectionUnknown => l(
            "The record's fields do not say which side is the interface: both addresses are private, or neither is recognisably the interface's, or a transit gateway record lacks flow-direction.",
            "Without the direction, inbound and outbound rules cannot be told apart for this record.",
            "Read it with the interface's other records (`vpcflow conversations` learns each interface's address), or add flow-direction (version 5) to the format.",
        ),
        Code::RoleTcpSyn => l(
            "tcp-flags has SYN without ACK: the source opened the connection.",
            "SYN without ACK is only ever sent by the side that initiates, so this is certain.",
            "Nothing to do; this settles who is the client.",
        ),
        Code::RoleTcpSynFin => l(
            "tcp-flags is 3 (SYN and FIN): the client opened and closed a short connection within one aggregation interval.",
            "AWS ORs the flags of an interval, so a short connection shows its opening and its close on one record.",
            "Nothing to do.",
        ),
        Code::RoleTcpSynAck => l(
            "tcp-flags has SYN-ACK: the source is the server accepting a connection.",
            "Only the side that accepts a connection sends SYN-ACK, so this is certain.",
            "Nothing to do; the destination is the client.",
        ),
        Code::RoleTcpSynAckFin => l(
            "tcp-flags is 19 (SYN-ACK and FIN): the server accepted and closed a short connection within one interval.",
            "AWS ORs the flags of an interval; the server's side of a short connection shows both.",
            "Nothing to do.",
        ),
        Code::RoleServicePort => l(
            "Request or response is read from the ports: one is a well-known service's port, the other is not.",
            "Clients pick their ports from an ephemeral range and servers listen on known ports, so the known port is usually the server's. It is a likely reading, not a certain one.",
            "Where it matters, add tcp-flags (version 3), which says who initiated for certain.",
        ),
        Code::RoleEphemeralPort => l(
            "Request or response is read from the ports: one is in the ephemeral range (32768 and up) and the other is not.",
            "Operating systems pick client ports from the ephemeral range, so that side is probably the client's.",
            "Where it matters, add tcp-flags (version 3).",
        ),
        Code::RoleSystemPort => l(
            "Request or response is read from the ports: one is a system port (below 1024), the other is not.",
            "Services listen on system ports and clients rarely use them, so the system port is probably the server's.",
            "Where it matters, add tcp-flags (version 3).",
        ),
        Code::RoleSamePort => l(
            "Both ports are the same service port (NTP 123 to 123, for example): two peers of that service.",
            "Ports cannot say which side asked when both use the service's port.",
            "Read the record of the opposite direction and compare their start times, or add tcp-flags for TCP.",
        ),
        Code::RolePortsUnclear => l(
            "The ports do not say which side is the service: both are well-known services' ports, or neither gives a sign.",
            "A guess (the lower port, for example) would contradict other readings of the same records; vpcflow says it cannot tell instead.",
            "Read the record of the opposite direction (`vpcflow conversations` pairs them and compares start times), or add tcp-flags (version 3).",
        ),
        Code::RoleIcmp => l(
            "ICMP records carry no message type, so one record cannot tell an echo request from an echo reply.",
            "Flow logs write 0 for the ports of ICMP; the type and code are not logged.",
            "Read it together with the record for the opposite direction (`vpcflow conversations`).",
        ),
        Code::TcpFlags => l(
            "The TCP flags AWS logged for the interval: SYN, SYN-ACK, FIN and RST, OR-ed over the interval.",
            "They tell who opened the connection and whether it opened, closed or was reset within the interval; 0 means it was open throughout.",
            "Nothing to do; RST on traffic that should work points at a closed port or a timeout on the server.",
        ),
        Code::RejectReasonBpa => l(
            "reject-reason is BPA: VPC Block Public Access rejected the traffic.",
            "Block Public Access blocks internet gateway traffic for a VPC or subnet regardless of security groups and network ACLs, so changing those does not help.",
            "Check the account's VPC Block Public Access settings and exclusions for this VPC or subnet.",
        ),
        Code::RejectReasonEc => l(
            "reject-reason is EC: VPC Encryption Controls rejected the traffic.",
            "Encryption Controls in enforce mode reject traffic that would not be encrypted; security groups and network ACLs were not the cause.",
            "Check the VPC's encryption control mode and exclusions, or use resources that encrypt in transit.",
        ),
        Code::ReplyRejectedLikelyNacl => l(
            "A rejected record that reads as a reply (from a service's port to a client's): the likely cause is a network ACL.",
            "Security groups are stateful and let replies to allowed traffic through; network ACLs are stateless and check replies like any packet, so a reply rejected is almost always an ACL without a rule for the client's ephemeral ports.",
            "Allow the ephemeral port range (1024-65535) in the network ACL's rules for the reply's direction.",
        ),
        Code::Rejected => l(
            "The record was rejected by a security group or a network ACL.",
            "One record does not say which; a REJECT also covers packets that arrive after a connection closed.",
            "Compare the rules with the traffic (`vpcflow diagnose --vpc-config` names the rule), or look for the opposite direction's record.",
        ),
        Code::IcmpRejectHint => l(
            "A rejected ICMP record: if it is the reply to a ping allowed the other way, suspect a network ACL.",
            "Security groups let replies through; network ACLs check them like any packet.",
            "Check the network ACL allows ICMP in the reply's direction.",
        ),
        Code::RejectReasonOther => l(
            "reject-reason has a value this version does not know.",
            "AWS may add reasons; the record was rejected for that reason, not necessarily by a security group or network ACL.",
            "Look the value up in AWS's flow log documentation.",
        ),
        Code::IntermediateHop => l(
            "One of the record's addresses is the interface's own while the packet's (pkt-*) differs: the interface forwards packets for others.",
            "NAT gateways, transit gateway attachments and secondary addresses (EKS pods) log their own address with the packet's original one beside it.",
            "Read pkt-srcaddr and pkt-dstaddr for the real ends of the conversation.",
        ),
        Code::RequesterManagedInterface => l(
            "instance-id is '-': the interface is not an EC2 instance's own.",
            "It belongs to a service AWS manages for you (a NAT gateway, a transit gateway attachment, a VPC endpoint, a load balancer), or it is not attached.",
            "Look the interface up (`aws ec2 describe-network-interfaces`) to see what it belongs to.",
        ),
        Code::Place => l(
            "Where the interface is: VPC, subnet, instance, region, availability zone, Wavelength Zone, Outpost or Local Zone.",
            "It tells which route table, network ACL and security groups applied.",
            "Nothing to do.",
        ),
        Code::TgwRoute => l(
            "The transit gateway hop: the source and destination VPCs, accounts, subnets and interfaces.",
            "A transit gateway record is relative to an attachment; the tgw-src-*/tgw-dst-* fields say where the traffic came from and went.",
            "Nothing to do.",
        ),
        Code::TgwPairAttachment => l(
            "The other attachment of the transit gateway hop.",
            "Each hop through a transit gateway is logged at both attachments.",
            "Look for the same flow on the paired attachment to follow the packet.",
        ),
        Code::TgwNoAction => l(
            "Transit gateway flow logs have no action field.",
            "They do not say allowed or rejected; the gateway's drops are counted in packets-lost-* instead.",
            "Read packets-lost-* for drops, and the VPCs' own flow logs for security group and network ACL decisions.",
        ),
        Code::TgwPacketsLost => l(
            "The transit gateway dropped packets: no route, a blackhole route, over the MTU, or TTL expired.",
            "These are routing problems at the transit gateway, not security group or network ACL rejections.",
            "Check the transit gateway route tables (no route, blackhole) and the path MTU (8500 bytes through a transit gateway).",
        ),
        Code::TrafficPath => l(
            "traffic-path says how egress traffic left: within the VPC, an internet or gateway endpoint, a virtual private gateway, peering, a local gateway.",
            "It tells which route (and so which gateway) the traffic took.",
            "Nothing to do; an unexpected path points at the route table.",
        ),
        Code::AwsService => l(
            "pkt-src-aws-service or pkt-dst-aws-service names the AWS service whose ranges an address is in.",
            "It says the other end is an AWS service (S3, DynamoDB, …), as AWS itself classifies the address.",
            "Nothing to do.",
        ),
        Code::DocumentationAddress => l(
            "The address is in a range reserved for documentation (RFC 5737, RFC 3849).",
            "Such addresses never appear in real traffic; the record is an example (AWS's documentation uses them).",
            "Nothing to do.",
        ),
        Code::AwsOwner => l(
            "The public address is in AWS's published ranges (ip-ranges.json): the service, region and prefix.",
            "It tells whether the other end is AWS (and which service and region) rather than the internet at large.",
            "Run `vpcflow ranges update` to refresh the ranges if they are old.",
        ),
        Code::NotAws => l(
            "The public address is outside AWS's published ranges.",
            "The other end is on the internet at large, not an AWS service.",
            "Nothing to do; look the address up (whois) when it is unexpected.",
        ),
        Code::Redacted => l(
            "Some values were written over (xxx.xxx.xxx.xxx) before the log was shared.",
            "It is not an error: readings that need those values say so.",
            "Nothing to do.",
        ),
        Code::InvalidAddress => l(
            "An address field holds something that is not an IP address.",
            "Usually a made-up example (a number above 255); real flow logs always hold valid addresses.",
            "Check where the record came from.",
        ),
        Code::Efa => l(
            "type is EFA: Elastic Fabric Adapter traffic.",
            "EFA traffic bypasses the operating system's network stack (HPC and machine-learning workloads).",
            "Nothing to do.",
        ),
        Code::EncryptionStatus => l(
            "encryption-status says whether the traffic was encrypted: not, by the Nitro system, by the application, or both.",
            "VPC Encryption Controls use it to show what would be rejected in enforce mode.",
            "Traffic shown unencrypted that must be encrypted needs Nitro-based instances or TLS.",
        ),
        Code::Ecs => l(
            "Amazon ECS metadata: the cluster, service, task and containers behind the interface.",
            "It ties the traffic to the task that sent it; no container instance means Fargate.",
            "Nothing to do.",
        ),
        Code::ResourceId => l(
            "resource-id names the resource whose traffic this is (a regional NAT gateway, for example).",
            "Some resources log without an interface id.",
            "Nothing to do.",
        ),
        Code::InterfaceType => l(
            "interface-type says what the interface belongs to (a NAT gateway, a load balancer, a VPC endpoint, …).",
            "It tells a service's interface from an instance's.",
            "Nothing to do.",
        ),
        Code::NextHop => l(
            "The next hop the traffic was routed to: its interface, type, subnet, VPC and zone.",
            "It follows the packet to where the route table sent it.",
            "Nothing to do; an unexpected next hop points at the route table.",
        ),
        Code::Tags => l(
            "Resource tags AWS logged with the record (instance, interface, Auto Scaling group).",
            "Tags name the workload behind an address.",
            "Nothing to do.",
        ),
        Code::TimesMissing => l(
            "start and end are '-' or redacted.",
            "When the traffic happened is unknown, so it cannot be lined up with other records.",
            "Nothing to do for shared examples; real records always have times.",
        ),
        Code::Milliseconds => l(
            "start and end are in milliseconds (values above 10^11), not seconds.",
            "Some exports (and hand-made examples) write milliseconds; they are read as such.",
            "Nothing to do.",
        ),
        Code::EndBeforeStart => l(
            "end is before start.",
            "The record's times are inconsistent; durations and ordering built on them are wrong.",
            "Check where the record came from.",
        ),
        Code::AccountUnknown => l(
            "account-id is 'unknown'.",
            "AWS writes this for interfaces created by some AWS services.",
            "Nothing to do.",
        ),
    }
}
