//! The state security groups keep: once a packet of a connection is allowed, the rest of it, both ways, is too.
//!
//! Replaying packets in time order through [`ConnTracker::evaluate`] gives the verdicts AWS would give, including
//! the stateful ones that [`VpcModel::evaluate`] alone cannot know (it takes [`Packet::established`] from its
//! caller). Network ACLs get no such help: they are stateless, and that difference is the whole point.

use crate::eval::{Control, Packet, StepOutcome, Verdict};
use crate::model::VpcModel;
use std::collections::HashMap;
use std::net::IpAddr;

type Key = (String, u8, (IpAddr, u16), (IpAddr, u16));

/// Tracked connections per interface, with idle timeouts.
#[derive(Clone, Debug)]
pub struct ConnTracker {
    seen: HashMap<Key, i64>,
    /// Seconds a tracked connection survives without packets: `(tcp, udp, other)`. AWS's defaults are 432000 s for
    /// established TCP, 180 s for UDP streams (30 s for a single exchange) and 60 s for other protocols.
    pub timeouts: (i64, i64, i64),
}

impl Default for ConnTracker {
    fn default() -> Self {
        ConnTracker {
            seen: HashMap::new(),
            timeouts: (432_000, 180, 60),
        }
    }
}

fn key(p: &Packet) -> Key {
    let a = (p.src, p.src_port);
    let b = (p.dst, p.dst_port);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (p.interface.clone(), p.protocol, lo, hi)
}

impl ConnTracker {
    /// A tracker with AWS's default timeouts.
    pub fn new() -> ConnTracker {
        ConnTracker::default()
    }

    /// Evaluates `packet` at time `now` (Unix seconds), marking it established when its connection is tracked,
    /// and starts tracking the connection when the security groups let this packet through.
    pub fn evaluate(&mut self, model: &VpcModel, packet: &Packet, now: i64) -> Verdict {
        let k = key(packet);
        let timeout = match packet.protocol {
            6 => self.timeouts.0,
            17 => self.timeouts.1,
            _ => self.timeouts.2,
        };
        let established = self.seen.get(&k).is_some_and(|last| now - last <= timeout);
        let mut p = packet.clone();
        p.established = packet.established || established;
        let verdict = model.evaluate(&p);
        let passed_groups = verdict.steps.iter().any(|s| {
            matches!(s.control, Control::SecurityGroup { .. }) && s.outcome == StepOutcome::Allow
        });
        if passed_groups {
            self.seen.insert(k, now);
        }
        verdict
    }

    /// How many connections are tracked (including expired ones not yet forgotten).
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Forgets connections idle for longer than their timeout at `now`.
    pub fn expire(&mut self, now: i64) {
        let t = self.timeouts;
        self.seen.retain(|k, last| {
            let timeout = match k.1 {
                6 => t.0,
                17 => t.1,
                _ => t.2,
            };
            now - *last <= timeout
        });
    }
}
