//! What an S3 key says about the records in the object.
//!
//! AWS writes flow logs under `AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]` or, with
//! Hive-compatible prefixes, `AWSLogs/aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/month=…/day=…/
//! [hour=…/]`, and names objects `{account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz`.
//! Athena users query those parts as partition columns, so we offer them under Athena's names.

/// Values taken from an object's key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Partitions {
    /// `aws-account-id`.
    pub account: Option<String>,
    /// `aws-service` (always `vpcflowlogs` for flow logs).
    pub service: Option<String>,
    /// `aws-region`.
    pub region: Option<String>,
    /// `year`, four digits.
    pub year: Option<String>,
    /// `month`, two digits.
    pub month: Option<String>,
    /// `day`, two digits.
    pub day: Option<String>,
    /// `hour`, two digits, with hourly partitions only.
    pub hour: Option<String>,
    /// The flow log id from the object name (`fl-…`).
    pub flow_log_id: Option<String>,
}

impl Partitions {
    /// Reads the partitions out of a path or S3 key; parts it cannot find stay `None`.
    pub fn from_key(key: &str) -> Partitions {
        let parts: Vec<&str> = key.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
        let mut out = Partitions::default();
        if let Some(i) = parts.iter().position(|p| *p == "AWSLogs") {
            let rest = &parts[i + 1..];
            if rest.first().is_some_and(|p| p.contains('=')) {
                for p in rest {
                    let Some((k, v)) = p.split_once('=') else {
                        continue;
                    };
                    let v = Some(v.to_string());
                    match k {
                        "aws-account-id" => out.account = v,
                        "aws-service" | "service" => out.service = v,
                        "aws-region" => out.region = v,
                        "year" => out.year = v,
                        "month" => out.month = v,
                        "day" => out.day = v,
                        "hour" => out.hour = v,
                        _ => {}
                    }
                }
            } else {
                // An AWS Organizations prefix may put the organization id before the account.
                let start = match rest {
                    [org, acct, svc, ..]
                        if svc == &"vpcflowlogs" && is_account(acct) && !is_account(org) =>
                    {
                        1
                    }
                    _ => 0,
                };
                let rest = &rest[start..];
                if rest.len() >= 2 && rest[1] == "vpcflowlogs" {
                    out.account = Some(rest[0].to_string());
                    out.service = Some(rest[1].to_string());
                    let date_parts = [
                        &mut out.region,
                        &mut out.year,
                        &mut out.month,
                        &mut out.day,
                        &mut out.hour,
                    ];
                    let checks: [fn(&str) -> bool; 5] = [
                        is_region,
                        |s| is_digits(s, 4),
                        |s| is_digits(s, 2),
                        |s| is_digits(s, 2),
                        |s| is_digits(s, 2),
                    ];
                    for ((slot, check), value) in
                        date_parts.into_iter().zip(checks).zip(rest[2..].iter())
                    {
                        if !check(value) {
                            break;
                        }
                        *slot = Some(value.to_string());
                    }
                }
            }
        }
        if let Some(name) = parts.last() {
            let fields: Vec<&str> = name.split('_').collect();
            if fields.len() >= 6 && fields[1] == "vpcflowlogs" && fields[3].starts_with("fl-") {
                out.account.get_or_insert_with(|| fields[0].to_string());
                out.service.get_or_insert_with(|| fields[1].to_string());
                out.region.get_or_insert_with(|| fields[2].to_string());
                out.flow_log_id = Some(fields[3].to_string());
                let stamp = fields[4];
                if stamp.len() == 14 && stamp.as_bytes()[8] == b'T' {
                    out.year.get_or_insert_with(|| stamp[0..4].to_string());
                    out.month.get_or_insert_with(|| stamp[4..6].to_string());
                    out.day.get_or_insert_with(|| stamp[6..8].to_string());
                }
            }
        }
        out
    }

    /// `yyyy-mm-dd`, Athena's `date` partition, when year, month and day are known.
    pub fn date(&self) -> Option<String> {
        Some(format!(
            "{}-{}-{}",
            self.year.as_ref()?,
            self.month.as_ref()?,
            self.day.as_ref()?
        ))
    }
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_account(s: &str) -> bool {
    is_digits(s, 12)
}

fn is_region(s: &str) -> bool {
    s.contains('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layout() {
        let p = Partitions::from_key(
            "s3://bucket/prefix/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz",
        );
        assert_eq!(p.account.as_deref(), Some("123456789012"));
        assert_eq!(p.region.as_deref(), Some("us-east-1"));
        assert_eq!(p.date().as_deref(), Some("2018-06-20"));
        assert_eq!(p.hour, None);
        assert_eq!(p.flow_log_id.as_deref(), Some("fl-1234abcd"));
    }

    #[test]
    fn hourly_and_hive_layouts() {
        let p = Partitions::from_key(
            "b/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/01/31/07/x.log.gz",
        );
        assert_eq!(
            (p.region.as_deref(), p.hour.as_deref()),
            (Some("eu-west-1"), Some("07"))
        );
        let p = Partitions::from_key(
            "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=ap-northeast-1/year=2023/month=02/day=14/hour=05/f.log.parquet",
        );
        assert_eq!(p.account.as_deref(), Some("123456789012"));
        assert_eq!(p.service.as_deref(), Some("vpcflowlogs"));
        assert_eq!(p.region.as_deref(), Some("ap-northeast-1"));
        assert_eq!(p.date().as_deref(), Some("2023-02-14"));
        assert_eq!(p.hour.as_deref(), Some("05"));
    }

    #[test]
    fn organization_prefix_and_plain_paths() {
        let p = Partitions::from_key(
            "AWSLogs/o-abc123/123456789012/vpcflowlogs/us-west-2/2024/05/01/a.log.gz",
        );
        assert_eq!(p.account.as_deref(), Some("123456789012"));
        assert_eq!(p.region.as_deref(), Some("us-west-2"));
        assert_eq!(
            Partitions::from_key("/tmp/flows.log"),
            Partitions::default()
        );
    }
}
