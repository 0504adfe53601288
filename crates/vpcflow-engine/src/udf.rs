//! SQL functions for flow work, so that questions engineers ask of flow logs are one call instead of a CASE
//! over string prefixes: is an address ours, is it in a block, which AWS service or region owns it, what do a
//! protocol number, a port and a TCP flag mask mean, and when did a record start in a chosen zone.
//!
//! Addresses are parsed per row from the text AWS wrote; a constant network argument (`ip_in(srcaddr,
//! '10.0.0.0/8')`) is parsed once per batch. Every function is null-in, null-out, and an unparseable address is
//! null too (it is not ours to guess), so NODATA/SKIPDATA rows simply drop out of predicates.

use arrow::array::{
    ArrayRef, AsArray, BooleanArray, Int64Array, StringArray, TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, Field, FieldRef, Int64Type, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use vpcflow_catalog::ranges::AwsRanges;

/// Every flow function, ready to register.
pub fn all() -> Vec<ScalarUDF> {
    [
        Kind::IsPrivate,
        Kind::IpIn,
        Kind::AwsService,
        Kind::AwsRegion,
        Kind::ProtocolName,
        Kind::ServiceName,
        Kind::TcpFlagNames,
        Kind::FlowTime,
    ]
    .into_iter()
    .map(|kind| ScalarUDF::new_from_impl(FlowFunction::new(kind)))
    .collect()
}

/// The built-in (or user-refreshed) AWS ranges, loaded on first use.
fn ranges() -> &'static Arc<AwsRanges> {
    static RANGES: OnceLock<Arc<AwsRanges>> = OnceLock::new();
    RANGES.get_or_init(AwsRanges::load_default)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    IsPrivate,
    IpIn,
    AwsService,
    AwsRegion,
    ProtocolName,
    ServiceName,
    TcpFlagNames,
    FlowTime,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct FlowFunction {
    kind: Kind,
    signature: Signature,
}

impl FlowFunction {
    fn new(kind: Kind) -> FlowFunction {
        use DataType::{Int64, Utf8};
        let v = Volatility::Immutable;
        let signature = match kind {
            Kind::IsPrivate | Kind::AwsService | Kind::AwsRegion => Signature::exact(vec![Utf8], v),
            Kind::IpIn => Signature::exact(vec![Utf8, Utf8], v),
            Kind::ProtocolName | Kind::TcpFlagNames => Signature::exact(vec![Int64], v),
            Kind::ServiceName => Signature::exact(vec![Int64, Int64], v),
            Kind::FlowTime => Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![Int64]),
                    TypeSignature::Exact(vec![Int64, Utf8]),
                ],
                v,
            ),
        };
        FlowFunction { kind, signature }
    }
}

impl ScalarUDFImpl for FlowFunction {
    fn name(&self) -> &str {
        match self.kind {
            Kind::IsPrivate => "is_private",
            Kind::IpIn => "ip_in",
            Kind::AwsService => "aws_service",
            Kind::AwsRegion => "aws_region",
            Kind::ProtocolName => "protocol_name",
            Kind::ServiceName => "service_name",
            Kind::TcpFlagNames => "tcp_flag_names",
            Kind::FlowTime => "flow_time",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::IsPrivate | Kind::IpIn => DataType::Boolean,
            Kind::FlowTime => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            _ => DataType::Utf8,
        })
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let ty = if self.kind == Kind::FlowTime {
            let zone = match args.scalar_arguments.get(1) {
                None => "UTC".to_string(),
                Some(Some(ScalarValue::Utf8(Some(z)) | ScalarValue::Utf8View(Some(z)))) => {
                    z.clone()
                }
                Some(_) => {
                    return plan_err!(
                        "flow_time: the zone must be a constant such as 'Asia/Tokyo'"
                    );
                }
            };
            if zone.parse::<arrow::array::timezone::Tz>().is_err() {
                return plan_err!("flow_time: unknown time zone `{zone}`");
            }
            DataType::Timestamp(TimeUnit::Millisecond, Some(zone.into()))
        } else {
            self.return_type(&[])?
        };
        Ok(Arc::new(Field::new(self.name(), ty, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let constant_net = match (self.kind, args.args.get(1)) {
            (Kind::IpIn, Some(ColumnarValue::Scalar(s))) => Some(match s {
                ScalarValue::Utf8(Some(n)) | ScalarValue::Utf8View(Some(n)) => parse_net(n),
                _ => None,
            }),
            _ => None,
        };
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let out: ArrayRef = match self.kind {
            Kind::IsPrivate => {
                let ips = arrays[0].as_string::<i32>();
                Arc::new(
                    ips.iter()
                        .map(|v| v.and_then(parse_ip).map(is_private))
                        .collect::<BooleanArray>(),
                )
            }
            Kind::IpIn => {
                let ips = arrays[0].as_string::<i32>();
                match constant_net {
                    Some(net) => Arc::new(
                        ips.iter()
                            .map(|v| {
                                let net = net?;
                                v.and_then(parse_ip).map(|ip| net.contains(&ip))
                            })
                            .collect::<BooleanArray>(),
                    ),
                    None => {
                        let nets = arrays[1].as_string::<i32>();
                        Arc::new(
                            ips.iter()
                                .zip(nets.iter())
                                .map(|(ip, net)| {
                                    let net = parse_net(net?)?;
                                    ip.and_then(parse_ip).map(|ip| net.contains(&ip))
                                })
                                .collect::<BooleanArray>(),
                        )
                    }
                }
            }
            Kind::AwsService | Kind::AwsRegion => {
                let ips = arrays[0].as_string::<i32>();
                let ranges = ranges();
                let service = self.kind == Kind::AwsService;
                Arc::new(
                    ips.iter()
                        .map(|v| {
                            let owner = ranges.lookup(parse_ip(v?)?)?;
                            Some(if service { owner.service } else { owner.region })
                        })
                        .collect::<StringArray>(),
                )
            }
            Kind::ProtocolName => {
                let n = arrays[0].as_primitive::<Int64Type>();
                Arc::new(
                    n.iter()
                        .map(|v| vpcflow_catalog::protocols::name(u8::try_from(v?).ok()?))
                        .collect::<StringArray>(),
                )
            }
            Kind::ServiceName => {
                let ports = arrays[0].as_primitive::<Int64Type>();
                let protocols = arrays[1].as_primitive::<Int64Type>();
                Arc::new(
                    ports
                        .iter()
                        .zip(protocols.iter())
                        .map(|(port, proto)| {
                            vpcflow_catalog::services::name(
                                u16::try_from(port?).ok()?,
                                u8::try_from(proto?).ok()?,
                            )
                        })
                        .collect::<StringArray>(),
                )
            }
            Kind::TcpFlagNames => {
                let n = arrays[0].as_primitive::<Int64Type>();
                Arc::new(
                    n.iter()
                        .map(|v| {
                            let bits = u8::try_from(v?).ok()?;
                            Some(vpcflow_record::TcpFlags(bits).names().join(" "))
                        })
                        .collect::<StringArray>(),
                )
            }
            Kind::FlowTime => {
                let n: &Int64Array = arrays[0].as_primitive::<Int64Type>();
                let DataType::Timestamp(_, zone) = args.return_type() else {
                    return exec_err!("flow_time: unexpected return type");
                };
                let millis: TimestampMillisecondArray =
                    n.iter().map(|v| v.map(to_millis)).collect();
                Arc::new(millis.with_timezone_opt(zone.clone()))
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// Unix time as AWS writes it (seconds; some delivered data carries milliseconds) in milliseconds.
fn to_millis(t: i64) -> i64 {
    // 10^11 seconds is the year 5138: anything larger is already milliseconds.
    if t.abs() >= 100_000_000_000 {
        t
    } else {
        t.saturating_mul(1000)
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

/// A network in CIDR notation, or a single address (a /32 or /128).
fn parse_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| parse_ip(text).map(IpNet::from))
}

/// RFC 1918, the RFC 6598 shared space and IPv6 unique local addresses: the one definition every crate uses.
fn is_private(ip: IpAddr) -> bool {
    vpcflow_record::AddrScope::of(ip).is_private()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_networks() {
        for ip in [
            "10.1.2.3",
            "172.31.0.1",
            "192.168.0.1",
            "100.64.0.1",
            "fd00::1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2600:1f18::1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
        let net = parse_net("10.0.0.0/8").unwrap();
        assert!(net.contains(&"10.9.9.9".parse::<IpAddr>().unwrap()));
        let host = parse_net("2001:db8::1").unwrap();
        assert!(host.contains(&"2001:db8:0::1".parse::<IpAddr>().unwrap()));
        assert_eq!(to_millis(1_700_000_000), 1_700_000_000_000);
        assert_eq!(to_millis(1_700_000_000_123), 1_700_000_000_123);
    }
}
