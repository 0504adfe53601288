//! AWS's Parquet delivery schema: the type each field has in the `.log.parquet` objects AWS writes to S3, defined
//! once for everything that writes Parquet meant to look like AWS's (`vpcflow convert`, `vpcflow deliver
//! --parquet`).
//!
//! AWS documents the type per field ("Parquet data type") on two pages, and they differ on one field:
//! - VPC flow logs, <https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html> ("Available
//!   fields"): version, srcport, dstport, **protocol**, tcp-flags and traffic-path INT_32; packets, bytes, start
//!   and end INT_64; every other field STRING.
//! - Transit gateway flow logs, <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html> ("Transit
//!   Gateway Flow Log records", "Available fields"): the same, except **protocol INT_64**, and the
//!   packets-lost-* counters INT_64.
//!
//! So a transit gateway flow log's objects carry protocol as INT_64 and a VPC flow log's as INT_32. A format is a
//! transit gateway one when it has any field only transit gateway flow logs write. (The record model itself reads
//! protocol as Int64 whatever the format, as Athena's `protocol bigint` does; this is only what is written.)

use crate::fields::{Family, Field, Kind};
use arrow::datatypes::{DataType, Schema};

/// The Parquet type AWS delivers `field` as, in a transit gateway flow log or a VPC one.
pub fn delivery_type(field: Field, transit_gateway: bool) -> DataType {
    match field.kind() {
        Kind::Protocol if transit_gateway => DataType::Int64,
        Kind::Int32 | Kind::Port | Kind::Protocol | Kind::TcpFlags | Kind::TrafficPath => {
            DataType::Int32
        }
        Kind::Int64 => DataType::Int64,
        Kind::Addr
        | Kind::Action
        | Kind::LogStatus
        | Kind::IpType
        | Kind::Direction
        | Kind::Text => DataType::Utf8,
    }
}

/// AWS's Parquet schema for objects of these fields, in this order: the columns are the Athena names, every one
/// nullable (`-` is null).
pub fn delivery_schema(fields: &[Field]) -> Schema {
    let transit_gateway = fields.iter().any(|f| f.family() == Family::TransitGateway);
    Schema::new(
        fields
            .iter()
            .map(|f| {
                arrow::datatypes::Field::new(f.column(), delivery_type(*f, transit_gateway), true)
            })
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    fn types(format: &Format) -> Vec<(String, DataType)> {
        delivery_schema(format.fields())
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect()
    }

    fn of(types: &[(String, DataType)], name: &str) -> DataType {
        types.iter().find(|(n, _)| n == name).unwrap().1.clone()
    }

    #[test]
    fn vpc_flow_logs_as_documented() {
        let all = Format::new(
            Field::ALL
                .iter()
                .copied()
                .filter(|f| f.family() == Family::Vpc)
                .collect(),
        )
        .unwrap();
        let t = types(&all);
        for int32 in [
            "version",
            "srcport",
            "dstport",
            "protocol",
            "tcp_flags",
            "traffic_path",
        ] {
            assert_eq!(of(&t, int32), DataType::Int32, "{int32}");
        }
        for int64 in ["packets", "bytes", "start", "end"] {
            assert_eq!(of(&t, int64), DataType::Int64, "{int64}");
        }
        for string in [
            "account_id",
            "srcaddr",
            "action",
            "log_status",
            "flow_direction",
            "reject_reason",
        ] {
            assert_eq!(of(&t, string), DataType::Utf8, "{string}");
        }
    }

    #[test]
    fn transit_gateway_flow_logs_as_documented() {
        let t = types(&Format::transit_gateway_default());
        assert_eq!(of(&t, "protocol"), DataType::Int64);
        for int64 in [
            "packets_lost_no_route",
            "packets_lost_blackhole",
            "packets",
            "end",
        ] {
            assert_eq!(of(&t, int64), DataType::Int64, "{int64}");
        }
        for int32 in ["version", "srcport", "tcp_flags"] {
            assert_eq!(of(&t, int32), DataType::Int32, "{int32}");
        }
        assert_eq!(of(&t, "tgw_id"), DataType::Utf8);
    }
}
