//! The `--where` language: the filter words network engineers know from tcpdump and nfdump, translated to SQL.
//!
//! ```text
//! src net 10.0.0.0/8 and dst port 22 and action reject
//! host 203.0.113.7 and not proto udp
//! (dst port 22 or dst port 3389) and bytes > 1M
//! src private and dst not private
//! ```
//!
//! Words: `[src|dst] host|ip ADDR`, `[src|dst] net CIDR`, `[src|dst] port [OP] N`, `[src|dst] private`,
//! `proto tcp|udp|icmp|NUMBER`, `action accept|reject`, `status ok|nodata|skipdata`, `interface ENI`,
//! `account ID`, `vpc ID`, `subnet ID`, `instance ID`, `direction ingress|egress`, `type ipv4|ipv6`,
//! `flags syn|ack|fin|rst|psh|urg`, `packets|bytes|duration [OP] N[k|M|G]`, `any`; joined with
//! `and`/`or`/`not` (also `&&`, `||`, `!`) and parentheses. `OP` is one of `= == != < <= > >=`.
//! Without a direction, `host`, `net`, `port` and `private` match either side.
//!
//! Text that is not in this language is taken as a SQL expression (`dstport = 22 AND bytes > 1000`), so both
//! kinds of user are served by one option.

use datafusion::common::DataFusionError;

/// A `--where` text, understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// The filter language, translated to SQL.
    Words(String),
    /// Not the filter language: the text as a SQL expression, with why the filter language refused it (for the
    /// message when the SQL is wrong too).
    Sql {
        /// The expression.
        sql: String,
        /// Why it is not a filter expression.
        words_error: FilterError,
    },
}

/// Why a text is not in the filter language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// Nothing to read.
    #[error("empty filter")]
    Empty,
    /// A word that needs a value came last.
    #[error("the filter ends too early")]
    EndsEarly,
    /// A complete filter followed by more.
    #[error("unexpected `{0}`")]
    Unexpected(String),
    /// `(` without its `)`.
    #[error("a `(` is not closed")]
    Unclosed,
    /// `src`/`dst` before a word that has no side.
    #[error("`{0}` cannot follow src/dst (host, ip, net, port or private can)")]
    NoSide(String),
    /// A word whose value is one of a few (`action accept|reject`).
    #[error("{word} is {expected}, not `{value}`")]
    Value {
        /// The word.
        word: &'static str,
        /// The values it takes, as a phrase.
        expected: &'static str,
        /// The value given.
        value: String,
    },
    /// Not a TCP flag name.
    #[error("unknown TCP flag `{0}` (syn, ack, fin, rst, psh, urg)")]
    Flag(String),
    /// Not a word of the language.
    #[error("`{0}` is not a filter word")]
    Word(String),
    /// `net` with something that is not a block.
    #[error("`{0}` is not an address block (10.0.0.0/8)")]
    Net(String),
    /// `host` with something that is not an address.
    #[error("`{0}` is not an IP address")]
    Address(String),
    /// A number out of its range.
    #[error("`{text}` is not a number from 0 to {max}")]
    Number {
        /// The text given.
        text: String,
        /// The largest value.
        max: u64,
    },
    /// Not a count (`1500`, `10k`).
    #[error("`{0}` is not a count (e.g. 1500, 10k, 1.5M, 2G)")]
    Count(String),
    /// Not a protocol name or number.
    #[error("unknown protocol `{0}` (a name such as tcp, udp, icmp, or a number)")]
    Protocol(String),
}

/// A `--where` text that is neither the filter language nor SQL the engine can plan: both reasons.
#[derive(Debug, thiserror::Error)]
#[error("`{text}` is neither a filter expression ({words}) nor valid SQL")]
pub struct NotAFilter {
    /// The text.
    pub text: String,
    /// Why it is not a filter expression.
    pub words: FilterError,
    /// Why the engine could not plan it as SQL.
    #[source]
    pub sql: DataFusionError,
}

impl Filter {
    /// Reads a `--where` text.
    pub fn parse(text: &str) -> Filter {
        match to_sql(text) {
            Ok(sql) => Filter::Words(sql),
            Err(e) => Filter::Sql {
                sql: text.to_string(),
                words_error: e,
            },
        }
    }

    /// The SQL expression.
    pub fn sql(&self) -> &str {
        match self {
            Filter::Words(s) => s,
            Filter::Sql { sql, .. } => sql,
        }
    }

    /// An error of a query with this filter in it, blamed on the filter where it is the filter's: when the text
    /// was taken as SQL and the engine could not plan the query ([`crate::is_user_error`]), a [`NotAFilter`]
    /// saying both why; any other error (a file that cannot be read mid-scan) as it is.
    pub fn blame(&self, e: DataFusionError) -> DataFusionError {
        match self {
            Filter::Sql { sql, words_error } if crate::is_user_error(&e) => {
                DataFusionError::External(Box::new(NotAFilter {
                    text: sql.clone(),
                    words: words_error.clone(),
                    sql: e,
                }))
            }
            _ => e,
        }
    }
}

/// Translates the filter language to a SQL boolean expression.
pub fn to_sql(text: &str) -> Result<String, FilterError> {
    let tokens = tokenize(text);
    if tokens.is_empty() {
        return Err(FilterError::Empty);
    }
    let mut p = Parser { tokens, pos: 0 };
    let sql = p.or()?;
    if let Some(t) = p.peek() {
        return Err(FilterError::Unexpected(t.to_string()));
    }
    Ok(sql)
}

fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(std::mem::take(word));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        if c.is_whitespace() {
            flush(&mut word, &mut out);
        } else if ["&&", "||", "==", "!=", "<=", ">="].contains(&two.as_str()) {
            flush(&mut word, &mut out);
            out.push(two);
            i += 1;
        } else if "()!<>=".contains(c) {
            flush(&mut word, &mut out);
            out.push(c.to_string());
        } else {
            word.push(c);
        }
        i += 1;
    }
    flush(&mut word, &mut out);
    out
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Src,
    Dst,
    Either,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn peek_lower(&self) -> Option<String> {
        self.peek().map(str::to_ascii_lowercase)
    }

    fn next(&mut self) -> Result<String, FilterError> {
        let t = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or(FilterError::EndsEarly)?;
        self.pos += 1;
        Ok(t)
    }

    fn or(&mut self) -> Result<String, FilterError> {
        let mut parts = vec![self.and()?];
        while matches!(self.peek_lower().as_deref(), Some("or" | "||")) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(join(parts, "OR"))
    }

    fn and(&mut self) -> Result<String, FilterError> {
        let mut parts = vec![self.not()?];
        while matches!(self.peek_lower().as_deref(), Some("and" | "&&")) {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(join(parts, "AND"))
    }

    fn not(&mut self) -> Result<String, FilterError> {
        if matches!(self.peek_lower().as_deref(), Some("not" | "!")) {
            self.pos += 1;
            // NOT over a NULL comparison is NULL, which drops the row: say what "not" means for missing values.
            return Ok(format!("({} IS NOT TRUE)", self.not()?));
        }
        if self.peek() == Some("(") {
            self.pos += 1;
            let inner = self.or()?;
            if self.next()? != ")" {
                return Err(FilterError::Unclosed);
            }
            return Ok(format!("({inner})"));
        }
        self.term()
    }

    fn term(&mut self) -> Result<String, FilterError> {
        let mut side = Side::Either;
        let mut word = self.next()?.to_ascii_lowercase();
        if word == "src" || word == "dst" {
            side = if word == "src" { Side::Src } else { Side::Dst };
            word = self.next()?.to_ascii_lowercase();
            // `src and dst port 22` is nfdump's; `src or dst` is the default anyway.
            if word == "not" {
                let word = self.next()?.to_ascii_lowercase();
                let inner = self.side_term(side, &word)?;
                return Ok(format!("({inner} IS NOT TRUE)"));
            }
        }
        self.side_term(side, &word)
    }

    fn side_term(&mut self, side: Side, word: &str) -> Result<String, FilterError> {
        match word {
            "host" | "ip" | "net" => {
                let value = self.next()?;
                let net = normalize_net(&value, word == "net")?;
                Ok(either(side, |col| format!("ip_in({col}, {})", quote(&net))))
            }
            "port" => {
                let (op, n) = self.comparison()?;
                let n = number(&n, 65535)?;
                Ok(either(side, |col| {
                    let col = if col == "srcaddr" {
                        "srcport"
                    } else {
                        "dstport"
                    };
                    format!("{col} {op} {n}")
                }))
            }
            "private" => Ok(either(side, |col| format!("is_private({col})"))),
            _ if side != Side::Either => Err(FilterError::NoSide(word.to_string())),
            "proto" | "protocol" => {
                let value = self.next()?;
                let n = protocol_number(&value)?;
                Ok(format!("protocol = {n}"))
            }
            "tcp" | "udp" | "icmp" | "icmp6" | "icmpv6" => {
                Ok(format!("protocol = {}", protocol_number(word)?))
            }
            "action" => {
                let value = self.next()?.to_ascii_uppercase();
                if value != "ACCEPT" && value != "REJECT" {
                    return Err(FilterError::Value {
                        word: "action",
                        expected: "accept or reject",
                        value,
                    });
                }
                Ok(format!("action = '{value}'"))
            }
            "accept" | "accepted" => Ok("action = 'ACCEPT'".to_string()),
            "reject" | "rejected" => Ok("action = 'REJECT'".to_string()),
            "status" | "log-status" => {
                let value = self.next()?.to_ascii_uppercase();
                if !["OK", "NODATA", "SKIPDATA"].contains(&value.as_str()) {
                    return Err(FilterError::Value {
                        word: "status",
                        expected: "ok, nodata or skipdata",
                        value,
                    });
                }
                Ok(format!("log_status = '{value}'"))
            }
            "interface" | "if" | "eni" => Ok(format!("interface_id = {}", quote(&self.next()?))),
            "account" => Ok(format!("account_id = {}", quote(&self.next()?))),
            "vpc" => Ok(format!("vpc_id = {}", quote(&self.next()?))),
            "subnet" => Ok(format!("subnet_id = {}", quote(&self.next()?))),
            "instance" => Ok(format!("instance_id = {}", quote(&self.next()?))),
            "direction" => {
                let value = self.next()?.to_ascii_lowercase();
                if value != "ingress" && value != "egress" {
                    return Err(FilterError::Value {
                        word: "direction",
                        expected: "ingress or egress",
                        value,
                    });
                }
                Ok(format!("flow_direction = '{value}'"))
            }
            "ingress" | "egress" => Ok(format!("flow_direction = '{word}'")),
            "type" => {
                let value = self.next()?;
                let value = match value.to_ascii_lowercase().as_str() {
                    "ipv4" | "inet" | "4" => "IPv4",
                    "ipv6" | "inet6" | "6" => "IPv6",
                    "efa" => "EFA",
                    _ => {
                        return Err(FilterError::Value {
                            word: "type",
                            expected: "ipv4, ipv6 or efa",
                            value,
                        });
                    }
                };
                Ok(format!("type = '{value}'"))
            }
            "inet" | "ipv4" => Ok("type = 'IPv4'".to_string()),
            "inet6" | "ipv6" => Ok("type = 'IPv6'".to_string()),
            "flags" => {
                let value = self.next()?.to_ascii_lowercase();
                let mut mask = 0u8;
                for name in value.split([',', '+', '|']) {
                    mask |= match name {
                        "fin" | "f" => 1,
                        "syn" | "s" => 2,
                        "rst" | "r" => 4,
                        "psh" | "p" => 8,
                        "ack" | "a" => 16,
                        "urg" | "u" => 32,
                        _ => return Err(FilterError::Flag(name.to_string())),
                    };
                }
                Ok(format!("(tcp_flags & {mask}) = {mask}"))
            }
            "packets" | "bytes" | "duration" => {
                let (op, n) = self.comparison()?;
                let n = scaled(&n)?;
                let col = if word == "duration" {
                    "(\"end\" - start)"
                } else {
                    word
                };
                Ok(format!("{col} {op} {n}"))
            }
            "any" | "all" => Ok("TRUE".to_string()),
            other => Err(FilterError::Word(other.to_string())),
        }
    }

    /// `[OP] VALUE`, `=` when there is no operator.
    fn comparison(&mut self) -> Result<(&'static str, String), FilterError> {
        let op = match self.peek() {
            Some("=" | "==") => "=",
            Some("!=") => "<>",
            Some("<") => "<",
            Some("<=") => "<=",
            Some(">") => ">",
            Some(">=") => ">=",
            _ => return Ok(("=", self.next()?)),
        };
        self.pos += 1;
        Ok((op, self.next()?))
    }
}

fn join(parts: Vec<String>, op: &str) -> String {
    if parts.len() == 1 {
        parts.into_iter().next().expect("one part")
    } else {
        format!("({})", parts.join(&format!(" {op} ")))
    }
}

/// The condition on the source column, the destination column, or either.
fn either(side: Side, cond: impl Fn(&str) -> String) -> String {
    match side {
        Side::Src => cond("srcaddr"),
        Side::Dst => cond("dstaddr"),
        Side::Either => format!("({} OR {})", cond("srcaddr"), cond("dstaddr")),
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn normalize_net(value: &str, net: bool) -> Result<String, FilterError> {
    if value.parse::<ipnet::IpNet>().is_ok() || value.parse::<std::net::IpAddr>().is_ok() {
        return Ok(value.to_string());
    }
    Err(if net {
        FilterError::Net(value.to_string())
    } else {
        FilterError::Address(value.to_string())
    })
}

fn number(text: &str, max: u64) -> Result<u64, FilterError> {
    match text.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(FilterError::Number {
            text: text.to_string(),
            max,
        }),
    }
}

/// `1500`, `10k`, `1.5M`, `2G` (powers of 1000, as nfdump reads them).
fn scaled(text: &str) -> Result<u64, FilterError> {
    let (digits, factor) = match text.chars().last() {
        Some('k' | 'K') => (&text[..text.len() - 1], 1e3),
        Some('m' | 'M') => (&text[..text.len() - 1], 1e6),
        Some('g' | 'G') => (&text[..text.len() - 1], 1e9),
        Some('t' | 'T') => (&text[..text.len() - 1], 1e12),
        _ => (text, 1.0),
    };
    match digits.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok((v * factor).round() as u64),
        _ => Err(FilterError::Count(text.to_string())),
    }
}

fn protocol_number(text: &str) -> Result<u8, FilterError> {
    if let Ok(n) = text.parse::<u8>() {
        return Ok(n);
    }
    let wanted = match text.to_ascii_lowercase().as_str() {
        "icmp6" | "icmpv6" => "ipv6-icmp".to_string(),
        other => other.to_string(),
    };
    (0..=255u8)
        .find(|n| {
            vpcflow_catalog::protocols::name(*n).is_some_and(|name| {
                let name = name.to_ascii_lowercase();
                name == wanted || (wanted == "ipv6-icmp" && name == "icmpv6")
            })
        })
        .ok_or_else(|| FilterError::Protocol(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engineer_filters_become_sql() {
        assert_eq!(
            to_sql("src net 10.0.0.0/8 and dst port 22 and action reject").unwrap(),
            "(ip_in(srcaddr, '10.0.0.0/8') AND dstport = 22 AND action = 'REJECT')"
        );
        assert_eq!(
            to_sql("port 443").unwrap(),
            "(srcport = 443 OR dstport = 443)"
        );
        assert_eq!(to_sql("proto tcp").unwrap(), "protocol = 6");
        assert_eq!(to_sql("proto udp").unwrap(), "protocol = 17");
        assert_eq!(to_sql("bytes > 1.5M").unwrap(), "bytes > 1500000");
        assert_eq!(
            to_sql("not (dst port 22 or dst port 3389)").unwrap(),
            "(((dstport = 22 OR dstport = 3389)) IS NOT TRUE)"
        );
        assert_eq!(to_sql("flags syn").unwrap(), "(tcp_flags & 2) = 2");
        assert_eq!(to_sql("dst port >= 1024").unwrap(), "dstport >= 1024");
    }

    #[test]
    fn only_planning_errors_are_blamed_on_the_filter() {
        let sql = Filter::parse("dstport = 22 AND");
        let words = Filter::parse("dst port 22");
        let plan = || DataFusionError::Plan("no field named dstprot".into());
        let read = || DataFusionError::External(Box::new(std::io::Error::other("disk gone")));
        let blamed = sql.blame(plan());
        let DataFusionError::External(inner) = &blamed else {
            panic!("{blamed:?}")
        };
        let not_a_filter = inner.downcast_ref::<NotAFilter>().unwrap();
        assert_eq!(
            not_a_filter.to_string(),
            "`dstport = 22 AND` is neither a filter expression (`dstport` is not a filter word) nor valid SQL"
        );
        assert!(crate::is_user_error(&blamed));
        // A failure while reading is not the filter's; words that planned are not blamed either.
        assert!(
            matches!(sql.blame(read()), DataFusionError::External(e) if e.is::<std::io::Error>())
        );
        assert!(matches!(
            sql.blame(DataFusionError::Internal("bug".into())),
            DataFusionError::Internal(_)
        ));
        assert!(matches!(words.blame(plan()), DataFusionError::Plan(_)));
    }

    #[test]
    fn sql_is_taken_as_sql() {
        let f = Filter::parse("dstport = 22 AND bytes > 1000");
        assert!(matches!(f, Filter::Sql { .. }));
        assert_eq!(f.sql(), "dstport = 22 AND bytes > 1000");
        assert_eq!(
            to_sql("src net banana"),
            Err(FilterError::Net("banana".to_string()))
        );
        assert_eq!(
            to_sql("action maybe").unwrap_err().to_string(),
            "action is accept or reject, not `MAYBE`"
        );
    }
}
