//! An explanation's headline in English: `src → dst protocol, service role, where: verdict. Amounts, times.`

use crate::message::{Message, msg};
use crate::reading::{Endpoint, Instant, Reading, Role};
use crate::render::{Style, Unit, count, duration_parts, size, with_port};
use vpcflow_diagnose::Cause;
use vpcflow_record::{Action, LogStatus};

pub(super) fn headline(r: &Reading, style: &Style) -> Message {
    let place = place(r);
    let times = times(r, style);
    if r.is_nodata() {
        let what = if r.log_status == Some(LogStatus::NoData) {
            "no traffic (NODATA)"
        } else {
            "records skipped (SKIPDATA)"
        };
        let mut m = place.capitalized();
        m.text(format!(": {what}"));
        if let Some(t) = times {
            m.text(", ").append(t);
        }
        m.text(".");
        return m;
    }
    let mut m = Message::new();
    endpoint(&mut m, r.src.as_ref());
    m.text(" → ");
    endpoint(&mut m, r.dst.as_ref());
    if let Some(p) = &r.protocol {
        m.text(" ");
        match vpcflow_catalog::protocols::name(p.number) {
            Some(name) => m.append(msg![proto name, t format!(" ({})", p.number)]),
            None => m.append(msg![
                t "protocol ", proto p.number,
                t format!(" ({})", vpcflow_catalog::protocols::label(p.number))
            ]),
        };
    }
    let role = match r.role() {
        Role::Request => Some("request"),
        Role::Response => Some("response"),
        Role::Unknown => None,
    };
    match (r.service, role) {
        (Some(s), Some(role)) => m.append(msg![t ", ", svc s, t " ", t role]),
        (None, Some(role)) => m.append(msg![t ", ", t role]),
        (Some(s), None) => m.append(msg![t ", ", svc s]),
        (None, None) => &mut m,
    };
    if !place.is_empty() {
        m.text(", ").append(place);
    }
    match verdict(r) {
        Some(v) => m.text(format!(": {v}.")),
        None => m.text("."),
    };
    let mut amounts: Vec<Message> = Vec::new();
    if let Some(p) = r.packets {
        amounts.push(msg![num count(p), t if p == 1 { " packet" } else { " packets" }]);
    }
    if let Some(b) = r.bytes {
        amounts.push(msg![num count(b), t if b == 1 { " byte" } else { " bytes" }, t size(b)]);
    }
    if let Some(t) = times {
        amounts.push(t);
    }
    if !amounts.is_empty() {
        m.text(" ")
            .append(crate::render::join(amounts, ", ").capitalized());
        m.text(".");
    }
    m
}

fn endpoint(m: &mut Message, e: Option<&Endpoint>) {
    match e.and_then(|e| e.addr.as_deref().map(|a| (a, e))) {
        Some((addr, e)) => with_port(m, addr, e.is_ipv6(), e.port),
        None => {
            m.text("?");
        }
    }
}

/// Where: the transit gateway, the interface or the resource, with the account.
fn place(r: &Reading) -> Message {
    if r.kind == crate::reading::Kind::TransitGateway {
        let tgw = r.transit_gateway.as_deref().unwrap_or("-");
        let mut inner: Vec<Message> = Vec::new();
        if let Some(att) = &r.attachment {
            inner.push(msg![t "attachment ", id att]);
        }
        if let Some(a) = &r.account {
            inner.push(msg![t "account ", id a]);
        }
        let mut m = msg![t "through transit gateway ", id tgw];
        if !inner.is_empty() {
            m.append(msg![t " (", m crate::render::join(inner, ", "), t ")"]);
        }
        return m;
    }
    let mut m = if let Some(i) = &r.interface {
        msg![t if r.is_nodata() { "interface " } else { "on interface " }, id i]
    } else if let Some(res) = &r.resource {
        msg![t "on ", id res]
    } else {
        Message::new()
    };
    if let Some(a) = &r.account {
        m.append(msg![t " (account ", id a, t ")"]);
    }
    m
}

fn verdict(r: &Reading) -> Option<&'static str> {
    match (r.action?, r.cause.map(|c| c.value)) {
        (Action::Accept, _) => Some("allowed"),
        (Action::Reject, Some(Cause::BlockPublicAccess)) => {
            Some("rejected by VPC Block Public Access")
        }
        (Action::Reject, Some(Cause::EncryptionControls)) => {
            Some("rejected by VPC encryption controls")
        }
        (Action::Reject, Some(Cause::NetworkAcl)) => Some("rejected (probably by a network ACL)"),
        (
            Action::Reject,
            Some(
                Cause::SecurityGroup
                | Cause::SecurityGroupOrNetworkAcl
                | Cause::Routing
                | Cause::ClosedConnection
                | Cause::NoReply,
            )
            | None,
        ) => Some("rejected"),
    }
}

/// `2023-02-14 05:51:48 to 05:52:48 +09:00 (1 min)`.
fn times(r: &Reading, style: &Style) -> Option<Message> {
    let (s, e) = (r.start?, r.end?);
    let (sz, ez) = (
        s.at.to_zoned(style.tz.clone()),
        e.at.to_zoned(style.tz.clone()),
    );
    let same_day = sz.date() == ez.date() && sz.offset() == ez.offset();
    let zone = if style.is_utc() {
        "UTC".to_string()
    } else {
        ez.strftime("%:z").to_string()
    };
    let mut m = msg![
        time clock(&sz, s, true), t " to ", time clock(&ez, e, !same_day), t " ", t zone
    ];
    if let Some(d) = r.duration_ms {
        m.append(msg![t " (", num duration(d), t ")"]);
    }
    Some(m)
}

/// A time in the zone, with the date or without.
fn clock(z: &jiff::Zoned, i: Instant, with_date: bool) -> String {
    crate::render::clock(
        z,
        i,
        if with_date {
            super::DATE_TIME
        } else {
            "%H:%M:%S"
        },
    )
}

/// `1 min 55 s`, `1.5 s`, `1 d 1 h 1 min 1 s`.
pub(super) fn duration(ms: i64) -> String {
    let (negative, parts) = duration_parts(ms);
    let text = parts
        .iter()
        .map(|(n, unit)| {
            let u = match unit {
                Unit::Day => "d",
                Unit::Hour => "h",
                Unit::Minute => "min",
                Unit::Second => "s",
            };
            format!("{n} {u}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    if negative { format!("-{text}") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(115_000), "1 min 55 s");
        assert_eq!(duration(120_000), "2 min");
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(1_500), "1.5 s");
        assert_eq!(duration(90_061_000), "1 d 1 h 1 min 1 s");
    }
}
