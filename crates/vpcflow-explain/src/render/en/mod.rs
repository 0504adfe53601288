//! English.

mod config;
mod diagnose;
mod headline;
mod learn;
mod notes;
mod problems;
mod regions;
mod summary;

use super::{Label, Learn, Style, Words};
use crate::message::Message;
use crate::note::{Code, Note};
use crate::reading::Reading;
use vpcflow_diagnose::{
    Connection, Counts, Finding, Flow, Leg, Needed, Reason, Undecided, Verdict, Which,
};
use vpcflow_netmodel::{ConfigProblem, Control, Fix, Packet, PathCheck, Step, StepOutcome};
use vpcflow_record::Direction;
use vpcflow_record::reading::Confidence;

/// English.
pub struct En;

/// A date and time.
const DATE_TIME: &str = "%Y-%m-%d %H:%M:%S";

impl Words for En {
    super::delegate_words!();

    fn verdict(&self, v: Verdict) -> &'static str {
        match v {
            Verdict::AllowedBothWays => "allowed both ways",
            Verdict::RequestRejected => "request rejected",
            Verdict::ReplyRejected => "reply rejected",
            Verdict::OneWay => "one-way (no reply seen)",
            Verdict::Unknown => "no action logged",
        }
    }

    fn confidence(&self, c: Confidence) -> &'static str {
        match c {
            Confidence::Certain => "certain",
            Confidence::Likely => "likely",
            Confidence::Possible => "possible",
        }
    }

    fn outcome(&self, o: StepOutcome) -> &'static str {
        match o {
            StepOutcome::Allow => "[allow]  ",
            StepOutcome::Deny => "[DENY]   ",
            StepOutcome::Unknown => "[unknown]",
            StepOutcome::NotApplicable => "[n/a]    ",
        }
    }

    fn direction(&self, d: Direction) -> &'static str {
        match d {
            Direction::Ingress => "inbound",
            Direction::Egress => "outbound",
        }
    }

    fn outside(&self, addr: std::net::IpAddr) -> Message {
        crate::message::msg![
            addr addr,
            t " is not an interface in the configuration: its own controls were not checked."
        ]
    }

    fn label(&self, l: Label) -> &'static str {
        match l {
            Label::Evidence => "evidence:",
            Label::FromTheLogs => "from the logs:",
            Label::ToNameTheRule => "to name the exact rule:",
            Label::ToDecide => "to decide:",
            Label::FromTheConfiguration => "from the configuration",
            Label::NotEvaluated => "not evaluated:",
            Label::IcmpEvaluatedAsPing => {
                "(flow logs do not record ICMP types: evaluated as a ping, echo request and echo reply)"
            }
            Label::Request => "request",
            Label::Reply => "reply",
            Label::RequestRecord => "request",
            Label::ReplyRecord => "reply  ",
            Label::Fix => "fix:",
            Label::ConfigDiffers => {
                "  (the records show the other direction rejected: the configuration has probably changed since)"
            }
            Label::ConfigAllows => {
                "→ the configuration allows it now: it was probably changed after these records were written (or the rejected packets came after the connection closed)."
            }
            Label::ConfigUndecided => {
                "→ not decided: part of the configuration is missing or unreadable."
            }
            Label::NothingToEvaluate => {
                "neither address belongs to an interface in the configuration: nothing to evaluate."
            }
            Label::At => "at",
            Label::ClientPortAssumed => {
                "(client port 50000 assumed for the reply; give --from ADDR:PORT for another)"
            }
            Label::Logged => "[logged] ",
            Label::SummaryHeading => "Rejected connections by what rejected them, largest first:",
            Label::SummaryDetails => {
                "--details prints every connection with its evidence, --limit N the first N; --output json gives everything as data."
            }
            Label::NotesTitle => "Notes of `vpcflow explain`",
            Label::NotesIntro => {
                "What each note of an explanation means, why it matters and what to do about it. A note's code is stable: it is the `code` of the note in `vpcflow explain --output json`, next to the values the note is about. This page is generated from the renderers (`crates/vpcflow-explain/src/render`); `UPDATE_DOCS=1 cargo test -p vpcflow-explain --test docs` writes it again."
            }
            Label::What => "What it says:",
            Label::Why => "Why it matters:",
            Label::WhatToDo => "What to do:",
        }
    }
}

/// `TCP`, `UDP`, `ICMP`, or `protocol N`.
pub(crate) fn protocol_name(p: u8) -> String {
    vpcflow_catalog::protocols::name(p)
        .map(str::to_string)
        .unwrap_or_else(|| format!("protocol {p}"))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
