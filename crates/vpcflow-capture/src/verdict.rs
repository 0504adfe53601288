//! ACCEPT or REJECT for each packet at each interface, from the VPC model.
//!
//! The security groups' state comes from [`ConnTracker`] (the network model's, so that `check`, `diagnose` and
//! the producers agree). What it does not know is that a TCP connection ends: after both FINs have been
//! acknowledged, or a RST, AWS stops tracking the connection, and a late packet that the rules alone would not
//! allow is logged as REJECT ("packets arrived after the connection was closed"). That one piece of TCP state
//! lives here, layered on the tracker rather than copied into it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use vpcflow_netmodel::{
    ConnTracker, Control, Direction, Packet, RouteTargetKind, StepOutcome, Verdict, VpcModel,
};

use crate::packet::PacketInfo;

const FIN: u8 = 1;
const SYN: u8 = 2;
const RST: u8 = 4;
const ACK: u8 = 16;

type ConnKey = (u32, u8, (IpAddr, u16), (IpAddr, u16));

#[derive(Clone, Copy, Debug, Default)]
struct TcpState {
    /// Which ends have sent FIN: 1 the lower end of the key, 2 the higher.
    fins: u8,
    /// When the connection closed.
    closed_at: Option<i64>,
}

/// What a model said about one packet at one interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Let through.
    pub allowed: bool,
    /// The `traffic-path` code of the route an egress packet took.
    pub traffic_path: Option<u8>,
    /// Denied because the connection was closed (and the rules alone do not allow the packet).
    pub after_close: bool,
    /// Denied by the route table (no route, blackhole, detached internet gateway).
    pub by_route: bool,
    /// Allowed by the security groups because the connection is tracked (not by a rule).
    pub established: bool,
}

/// Verdicts from a VPC model, with connection tracking.
#[derive(Clone, Debug)]
pub struct ModelVerdicts {
    model: Arc<VpcModel>,
    /// The same model with its internet gateways unknown, for packets that a NAT gateway forwards inside the VPC
    /// with their internet source address kept: they arrive from the NAT gateway, not through an internet
    /// gateway, so the "is there a way in from the internet" step must not apply to them.
    forwarded: Arc<VpcModel>,
    tracker: ConnTracker,
    tcp: HashMap<ConnKey, TcpState>,
}

/// The `traffic-path` code for leaving through a route to `kind`.
pub fn traffic_path_code(kind: RouteTargetKind) -> Option<u8> {
    match kind {
        // Another resource in the same VPC, including what creates an interface in it.
        RouteTargetKind::Local
        | RouteTargetKind::NatGateway
        | RouteTargetKind::TransitGateway
        | RouteTargetKind::NetworkInterface
        | RouteTargetKind::Instance => Some(1),
        // AWS has 2 for "internet gateway or gateway endpoint" and 7/8 for the same on Nitro instances; the model
        // does not know the instance type, so the code that holds for every instance is written.
        RouteTargetKind::InternetGateway
        | RouteTargetKind::EgressOnlyInternetGateway
        | RouteTargetKind::VpcEndpoint => Some(2),
        RouteTargetKind::VirtualPrivateGateway => Some(3),
        RouteTargetKind::VpcPeering => Some(4),
        RouteTargetKind::LocalGateway => Some(6),
        RouteTargetKind::CarrierGateway | RouteTargetKind::CoreNetwork | RouteTargetKind::Other => {
            None
        }
    }
}

fn path_of(v: &Verdict) -> Option<u8> {
    v.steps.iter().find_map(|s| match &s.control {
        Control::Route { route: Some(r), .. } if s.outcome != StepOutcome::Deny => {
            traffic_path_code(r.target.kind)
        }
        _ => None,
    })
}

fn established(v: &Verdict) -> bool {
    v.steps
        .iter()
        .any(|s| matches!(s.control, Control::SecurityGroup { stateful: true, .. }))
}

fn denied_by_route(v: &Verdict) -> bool {
    v.decided_by()
        .is_some_and(|s| matches!(s.control, Control::Route { .. }))
}

impl ModelVerdicts {
    /// Verdicts from `model`, with AWS's default tracking timeouts.
    pub fn new(model: Arc<VpcModel>) -> ModelVerdicts {
        let mut forwarded = (*model).clone();
        forwarded.loaded.internet_gateways = false;
        ModelVerdicts {
            model,
            forwarded: Arc::new(forwarded),
            tracker: ConnTracker::new(),
            tcp: HashMap::new(),
        }
    }

    /// The model.
    pub fn model(&self) -> &VpcModel {
        &self.model
    }

    /// Decides packet `p` crossing interface `iface` (`index` is its position in the interface map) at `p.ts`.
    pub fn decide(
        &mut self,
        index: u32,
        iface: &str,
        direction: Direction,
        p: &PacketInfo,
    ) -> Decision {
        self.decide_as(index, iface, direction, p, false)
    }

    /// [`ModelVerdicts::decide`] for a packet a NAT gateway forwards to an interface of the VPC.
    pub fn decide_forwarded(
        &mut self,
        index: u32,
        iface: &str,
        direction: Direction,
        p: &PacketInfo,
    ) -> Decision {
        self.decide_as(index, iface, direction, p, true)
    }

    fn decide_as(
        &mut self,
        index: u32,
        iface: &str,
        direction: Direction,
        p: &PacketInfo,
        forwarded: bool,
    ) -> Decision {
        let model = if forwarded {
            self.forwarded.clone()
        } else {
            self.model.clone()
        };
        let packet = Packet {
            interface: iface.to_string(),
            direction,
            src: p.src,
            dst: p.dst,
            protocol: p.protocol,
            src_port: p.src_port,
            dst_port: p.dst_port,
            icmp: p.icmp,
            established: false,
        };
        if p.protocol != 6 {
            let v = self.tracker.evaluate(&model, &packet, p.ts);
            return Decision {
                allowed: v.allowed,
                traffic_path: path_of(&v),
                after_close: false,
                by_route: denied_by_route(&v),
                established: established(&v),
            };
        }
        let a = (p.src, p.src_port);
        let b = (p.dst, p.dst_port);
        let (key, side) = if a <= b {
            ((index, 6, a, b), 1)
        } else {
            ((index, 6, b, a), 2)
        };
        let state = self.tcp.get(&key).copied().unwrap_or_default();
        // Closed from the next second on: until then the close's own last packets still belong to the
        // connection. Without sequence numbers "the first ACK after both FINs" is not always the ACK of both: when
        // the FINs cross, each end ACKs the other's, and the second ACK (microseconds later) must not be taken
        // for a late packet. Flow logs count in seconds, so a second of grace is the finest that can be told.
        let verdict = if state.closed_at.is_some_and(|closed| p.ts > closed) {
            // Closed: the rules alone decide. A new SYN that they allow opens the connection again.
            let v = model.evaluate(&packet);
            if v.allowed && p.tcp_flags & SYN != 0 && p.tcp_flags & ACK == 0 {
                self.tcp.remove(&key);
                self.tracker.evaluate(&model, &packet, p.ts)
            } else {
                return Decision {
                    allowed: v.allowed,
                    traffic_path: path_of(&v),
                    after_close: !v.allowed,
                    by_route: denied_by_route(&v),
                    established: false,
                };
            }
        } else {
            self.tracker.evaluate(&model, &packet, p.ts)
        };
        if verdict.allowed {
            let mut s = self.tcp.get(&key).copied().unwrap_or_default();
            if p.tcp_flags & RST != 0 {
                s.closed_at = Some(p.ts);
            } else if p.tcp_flags & FIN != 0 {
                s.fins |= side;
            } else if s.fins == 3 && p.tcp_flags & ACK != 0 {
                s.closed_at = Some(p.ts);
            }
            if s.fins != 0 || s.closed_at.is_some() {
                self.tcp.insert(key, s);
            }
        }
        Decision {
            allowed: verdict.allowed,
            traffic_path: path_of(&verdict),
            after_close: false,
            by_route: denied_by_route(&verdict),
            established: established(&verdict),
        }
    }

    /// Evaluates `packet` against the rules without touching the tracked state (for "could the reply leave?").
    pub fn evaluate_stateless(&self, packet: &Packet) -> Verdict {
        self.model.evaluate(packet)
    }

    /// Forgets connections idle past their timeouts at `now`.
    pub fn expire(&mut self, now: i64) {
        self.tracker.expire(now);
        let tcp_timeout = self.tracker.timeouts.0;
        self.tcp
            .retain(|_, s| s.closed_at.is_none_or(|t| now - t <= tcp_timeout));
    }
}
