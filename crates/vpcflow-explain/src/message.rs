//! A rendered sentence as segments: plain text, and the values in it (addresses, ports, rule ids, field names …)
//! kept apart, so that a web page can link an address, escape a value from a log on its own, or style a rule id,
//! while a terminal simply joins them.

use serde::Serialize;
use std::fmt;

/// What a segment of a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Words.
    Text,
    /// An IP address (or a redaction placeholder where one was written over), as written in the log.
    Addr,
    /// A port number.
    Port,
    /// A protocol's name or number.
    Protocol,
    /// A service's name (`HTTPS`, `NTP`).
    Service,
    /// A flow log field's name (`pkt-dstaddr`).
    Field,
    /// A value as the log or the configuration wrote it (a tag, a reject-reason, a CIDR block).
    Value,
    /// An AWS resource id (`eni-…`, `sg-…`, `acl-…`, `rtb-…`, `vpc-…`, `i-…`).
    Id,
    /// A rule: a network ACL rule number, a security group rule, a route.
    Rule,
    /// A time, already in the reader's zone.
    Time,
    /// A number or an amount (packets, bytes, a duration).
    Number,
    /// A stable code (a note's, a finding's).
    Code,
}

/// One part of a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Segment {
    /// What it is.
    pub kind: Kind,
    /// Its text, unescaped.
    pub text: String,
}

/// A rendered message: segments in reading order. `Display` joins their texts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Message {
    /// The segments.
    pub segments: Vec<Segment>,
}

impl Message {
    /// An empty message.
    pub fn new() -> Message {
        Message::default()
    }

    /// Appends a segment of `kind` (adjacent text segments are merged).
    pub fn push(&mut self, kind: Kind, text: impl AsRef<str>) -> &mut Self {
        let text = text.as_ref();
        if text.is_empty() {
            return self;
        }
        match self.segments.last_mut() {
            Some(last) if kind == Kind::Text && last.kind == Kind::Text => last.text.push_str(text),
            _ => self.segments.push(Segment {
                kind,
                text: text.to_string(),
            }),
        }
        self
    }

    /// Appends words.
    pub fn text(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.push(Kind::Text, text)
    }

    /// Appends another message's segments.
    pub fn append(&mut self, other: Message) -> &mut Self {
        for s in other.segments {
            self.push(s.kind, s.text);
        }
        self
    }

    /// The message with its first letter upper-cased (when it starts with words).
    pub fn capitalized(mut self) -> Message {
        if let Some(first) = self.segments.first_mut().filter(|s| s.kind == Kind::Text) {
            let mut c = first.text.chars();
            if let Some(f) = c.next() {
                first.text = f.to_uppercase().collect::<String>() + c.as_str();
            }
        }
        self
    }

    /// Whether there is nothing in it.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The text, joined.
    pub fn plain(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.segments {
            f.write_str(&s.text)?;
        }
        Ok(())
    }
}

/// Builds a message from pieces: `msg![t "Inbound: ", addr a, t " is …"]`.
macro_rules! msg {
    ($($kind:ident $e:expr),* $(,)?) => {{
        let mut m = $crate::message::Message::new();
        $( $crate::message::msg!(@push m, $kind, $e); )*
        m
    }};
    (@push $m:ident, t, $e:expr) => { $m.text($e); };
    (@push $m:ident, m, $e:expr) => { $m.append($e); };
    (@push $m:ident, addr, $e:expr) => { $m.push($crate::message::Kind::Addr, $e.to_string()); };
    (@push $m:ident, port, $e:expr) => { $m.push($crate::message::Kind::Port, $e.to_string()); };
    (@push $m:ident, proto, $e:expr) => { $m.push($crate::message::Kind::Protocol, $e.to_string()); };
    (@push $m:ident, svc, $e:expr) => { $m.push($crate::message::Kind::Service, $e.to_string()); };
    (@push $m:ident, field, $e:expr) => { $m.push($crate::message::Kind::Field, $e.to_string()); };
    (@push $m:ident, val, $e:expr) => { $m.push($crate::message::Kind::Value, $e.to_string()); };
    (@push $m:ident, id, $e:expr) => { $m.push($crate::message::Kind::Id, $e.to_string()); };
    (@push $m:ident, rule, $e:expr) => { $m.push($crate::message::Kind::Rule, $e.to_string()); };
    (@push $m:ident, time, $e:expr) => { $m.push($crate::message::Kind::Time, $e.to_string()); };
    (@push $m:ident, num, $e:expr) => { $m.push($crate::message::Kind::Number, $e.to_string()); };
    (@push $m:ident, code, $e:expr) => { $m.push($crate::message::Kind::Code, $e.to_string()); };
}
pub(crate) use msg;

#[cfg(test)]
mod tests {
    #[test]
    fn segments_join_and_merge() {
        let m = msg![t "from ", addr "10.0.0.5", t " port ", port 80u16, t "", t "."];
        assert_eq!(m.to_string(), "from 10.0.0.5 port 80.");
        assert_eq!(m.segments.len(), 5);
        assert_eq!(
            serde_json::to_string(&m.segments[1]).unwrap(),
            r#"{"kind":"addr","text":"10.0.0.5"}"#
        );
    }
}
