//! Where AWS puts flow log objects in S3, read and written in one place.
//!
//! AWS writes each object under a folder per account, region and day (and hour, when hourly partitions are on),
//! in one of two spellings:
//!
//! - default: `AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]`
//! - Hive-compatible: `AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/year={yyyy}/
//!   month={mm}/day={dd}/[hour={HH}/]`
//!
//! and names it `{account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz` (`.log.parquet`
//! for Parquet), where the time is the start of the object's 5-minute delivery window.
//!
//! Readers take the parts a key names as Athena's partition columns ([`Partitions::from_key`], lenient: any path
//! works, parts it cannot find stay `None`); writers ([`ObjectKey`]'s `Display`, [`Partitions::prefix`]) spell
//! them. Both directions live here so that a key vpcflow writes is always one it reads back the same (the
//! round-trip tests below).

use std::fmt;

/// The `aws-service` of every flow log key.
pub const SERVICE: &str = "vpcflowlogs";

/// AWS's delivery interval: one object per flow log, account, region and window (more when a window's records
/// pass 75 MB).
pub const WINDOW_SECONDS: i64 = 300;

/// The key folders AWS offers (a flow log's `--destination-options`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Layout {
    /// `AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/`.
    #[default]
    Default,
    /// The default plus `{HH}/`.
    Hourly,
    /// `AWSLogs/aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/month=…/day=…/`.
    Hive,
    /// Hive-compatible plus `hour=…/`.
    HiveHourly,
}

impl Layout {
    /// Every layout, in the order of [`Layout::names`].
    pub const ALL: [Layout; 4] = [
        Layout::Default,
        Layout::Hourly,
        Layout::Hive,
        Layout::HiveHourly,
    ];

    /// The names [`Layout::parse`] reads.
    pub fn names() -> [&'static str; 4] {
        Layout::ALL.map(Layout::name)
    }

    /// `default`, `hourly`, `hive` or `hive-hourly`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Default => "default",
            Layout::Hourly => "hourly",
            Layout::Hive => "hive",
            Layout::HiveHourly => "hive-hourly",
        }
    }

    /// Reads a layout's name (`hive,hourly` too, as the AWS CLI's options spell it).
    pub fn parse(text: &str) -> Option<Layout> {
        match text {
            "hive,hourly" => Some(Layout::HiveHourly),
            _ => Layout::ALL.into_iter().find(|l| l.name() == text),
        }
    }

    /// Whether folders are `name=value` (Hive-compatible).
    pub fn is_hive(self) -> bool {
        matches!(self, Layout::Hive | Layout::HiveHourly)
    }

    /// Whether folders go down to the hour.
    pub fn is_hourly(self) -> bool {
        matches!(self, Layout::Hourly | Layout::HiveHourly)
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The start (Unix seconds) of the 5-minute window a record is delivered in: the window of its end time, else of
/// its start time (0 when it has neither).
pub fn window_of(start: Option<i64>, end: Option<i64>) -> i64 {
    let t = end.or(start).unwrap_or(0);
    t - t.rem_euclid(WINDOW_SECONDS)
}

/// UTC calendar parts of a Unix time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Civil {
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
}

impl Civil {
    fn of(seconds: i64) -> Civil {
        let t = jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let t = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
        Civil {
            year: t.year(),
            month: t.month(),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
        }
    }

    /// `YYYYMMDDTHHmmZ`.
    fn parse_stamp(stamp: &str) -> Option<i64> {
        let b = stamp.as_bytes();
        if b.len() != 14 || b[8] != b'T' || b[13] != b'Z' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = stamp.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let t = jiff::civil::DateTime::new(
            i16::try_from(num(0..4)?).ok()?,
            i8::try_from(num(4..6)?).ok()?,
            i8::try_from(num(6..8)?).ok()?,
            i8::try_from(num(9..11)?).ok()?,
            i8::try_from(num(11..13)?).ok()?,
            0,
            0,
        )
        .ok()?;
        Some(
            t.to_zoned(jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp()
                .as_second(),
        )
    }
}

/// What an object's name ends with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Extension {
    /// `.log.gz`: gzip'd text with a header line (AWS's text objects).
    #[default]
    Gzip,
    /// `.log.parquet` (AWS's Parquet objects).
    Parquet,
    /// `.log`: plain text (not something AWS writes; `vpcflow generate --no-gzip` does).
    Plain,
}

impl Extension {
    /// The suffix after the hash, without the dot.
    pub fn as_str(self) -> &'static str {
        match self {
            Extension::Gzip => "log.gz",
            Extension::Parquet => "log.parquet",
            Extension::Plain => "log",
        }
    }

    fn parse(text: &str) -> Option<Extension> {
        [Extension::Gzip, Extension::Parquet, Extension::Plain]
            .into_iter()
            .find(|e| e.as_str() == text)
    }
}

/// An object's name: `{account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.{extension}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectName {
    /// The account the records belong to (12 digits, or `unknown` where a writer cannot tell).
    pub account: String,
    /// The region.
    pub region: String,
    /// `fl-…`.
    pub flow_log_id: String,
    /// Unix seconds of the delivery window's start; the name keeps it to the minute.
    pub window: i64,
    /// What keeps names of one window apart (AWS writes 8 hex digits).
    pub hash: String,
    /// What the object holds.
    pub extension: Extension,
}

/// The six `_`-separated parts of a name that looks like a flow log object's, checked only as far as telling
/// one from another file needs; the stamp is left as text.
struct NameParts<'a> {
    account: &'a str,
    region: &'a str,
    flow_log_id: &'a str,
    stamp: &'a str,
    /// `{hash}.{extension}`.
    rest: &'a str,
}

impl<'a> NameParts<'a> {
    fn split(name: &'a str) -> Option<NameParts<'a>> {
        let mut parts = name.splitn(6, '_');
        let mut next = || parts.next();
        let (account, service, region, flow_log_id, stamp, rest) =
            (next()?, next()?, next()?, next()?, next()?, next()?);
        (service == SERVICE && flow_log_id.starts_with("fl-")).then_some(NameParts {
            account,
            region,
            flow_log_id,
            stamp,
            rest,
        })
    }
}

impl ObjectName {
    /// Reads a name exactly as AWS writes it (the time must be a real one); `None` for anything else.
    pub fn parse(name: &str) -> Option<ObjectName> {
        let p = NameParts::split(name)?;
        let (hash, extension) = p.rest.split_once('.')?;
        let valid = |s: &str| !s.is_empty() && !s.contains(['/', '_']);
        if ![p.account, p.region, p.flow_log_id, hash]
            .into_iter()
            .all(valid)
        {
            return None;
        }
        Some(ObjectName {
            account: p.account.to_string(),
            region: p.region.to_string(),
            flow_log_id: p.flow_log_id.to_string(),
            window: Civil::parse_stamp(p.stamp)?,
            hash: hash.to_string(),
            extension: Extension::parse(extension)?,
        })
    }

    /// The folders AWS files this object under, in `layout`, from `AWSLogs/` to the final `/`.
    pub fn folder(&self, layout: Layout) -> String {
        Partitions::of_window(&self.account, &self.region, self.window).prefix(layout)
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = Civil::of(self.window);
        write!(
            f,
            "{}_{SERVICE}_{}_{}_{:04}{:02}{:02}T{:02}{:02}Z_{}.{}",
            self.account,
            self.region,
            self.flow_log_id,
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            self.hash,
            self.extension.as_str()
        )
    }
}

/// An object's whole key: the destination's prefix (empty, or ending in `/`), the folders of its layout and
/// its name. `Display` writes it; [`ObjectKey::parse`] reads it back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    /// What the flow log's destination put before `AWSLogs/` (`my-prefix/`, or empty).
    pub prefix: String,
    /// The folders' spelling.
    pub layout: Layout,
    /// The object's name, which also decides its folders.
    pub name: ObjectName,
}

impl ObjectKey {
    /// Reads a key exactly as AWS writes it: folders that agree with the name, in one of the four layouts;
    /// `None` for anything else (read such keys with [`Partitions::from_key`]).
    pub fn parse(key: &str) -> Option<ObjectKey> {
        let (folders, name) = key.rsplit_once('/')?;
        let name = ObjectName::parse(name)?;
        let at = folders
            .rfind("AWSLogs/")
            .filter(|&i| i == 0 || folders[..i].ends_with('/'))?;
        let (prefix, folders) = (&folders[..at], &folders[at..]);
        let layout = Layout::ALL
            .into_iter()
            .find(|l| name.folder(*l).strip_suffix('/') == Some(folders))?;
        Some(ObjectKey {
            prefix: prefix.to_string(),
            layout,
            name,
        })
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.prefix,
            self.name.folder(self.layout),
            self.name
        )
    }
}

/// The partitions a key names, under Athena's partition column names.
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
    /// The folders' parts of an object of `account` and `region` delivered in the window starting at `window`.
    pub fn of_window(account: &str, region: &str, window: i64) -> Partitions {
        let t = Civil::of(window);
        Partitions {
            account: Some(account.to_string()),
            service: Some(SERVICE.to_string()),
            region: Some(region.to_string()),
            year: Some(format!("{:04}", t.year)),
            month: Some(format!("{:02}", t.month)),
            day: Some(format!("{:02}", t.day)),
            hour: Some(format!("{:02}", t.hour)),
            flow_log_id: None,
        }
    }

    /// The folders of `layout` for these parts, from `AWSLogs/` to the final `/`. A part that is not known is
    /// written `unknown`, so that the object still lands where a reader of the tree finds it.
    pub fn prefix(&self, layout: Layout) -> String {
        let part = |p: &Option<String>| p.as_deref().unwrap_or("unknown").to_string();
        let (account, region) = (part(&self.account), part(&self.region));
        let service = self.service.as_deref().unwrap_or(SERVICE);
        let (y, m, d, h) = (
            part(&self.year),
            part(&self.month),
            part(&self.day),
            part(&self.hour),
        );
        let mut out = if layout.is_hive() {
            format!(
                "AWSLogs/aws-account-id={account}/aws-service={service}/aws-region={region}/year={y}/month={m}/day={d}/"
            )
        } else {
            format!("AWSLogs/{account}/{service}/{region}/{y}/{m}/{d}/")
        };
        if layout.is_hourly() {
            if layout.is_hive() {
                out.push_str("hour=");
            }
            out.push_str(&h);
            out.push('/');
        }
        out
    }

    /// Reads the partitions out of a path or S3 key in any of the layouts (an AWS Organizations id before the
    /// account too); parts it cannot find stay `None`.
    pub fn from_key(key: &str) -> Partitions {
        let parts: Vec<&str> = key.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
        let mut out = Partitions::default();
        if let Some(i) = parts.iter().position(|p| *p == "AWSLogs") {
            let rest = &parts[i + 1..];
            if rest.first().is_some_and(|p| p.contains('=')) {
                out.read_hive_folders(rest);
            } else {
                out.read_default_folders(rest);
            }
        }
        if let Some(name) = parts.last() {
            out.read_name(name);
        }
        out
    }

    fn read_hive_folders(&mut self, folders: &[&str]) {
        for p in folders {
            let Some((k, v)) = p.split_once('=') else {
                continue;
            };
            let v = Some(v.to_string());
            match k {
                "aws-account-id" => self.account = v,
                "aws-service" | "service" => self.service = v,
                "aws-region" => self.region = v,
                "year" => self.year = v,
                "month" => self.month = v,
                "day" => self.day = v,
                "hour" => self.hour = v,
                _ => {}
            }
        }
    }

    fn read_default_folders(&mut self, folders: &[&str]) {
        // An AWS Organizations prefix may put the organization id before the account.
        let start = match folders {
            [org, acct, svc, ..] if *svc == SERVICE && is_account(acct) && !is_account(org) => 1,
            _ => 0,
        };
        let rest = &folders[start..];
        if rest.len() < 2 || rest[1] != SERVICE {
            return;
        }
        self.account = Some(rest[0].to_string());
        self.service = Some(rest[1].to_string());
        let slots = [
            &mut self.region,
            &mut self.year,
            &mut self.month,
            &mut self.day,
            &mut self.hour,
        ];
        let checks: [fn(&str) -> bool; 5] = [
            is_region,
            |s| is_digits(s, 4),
            |s| is_digits(s, 2),
            |s| is_digits(s, 2),
            |s| is_digits(s, 2),
        ];
        for ((slot, check), value) in slots.into_iter().zip(checks).zip(&rest[2..]) {
            if !check(value) {
                break;
            }
            *slot = Some(value.to_string());
        }
    }

    /// Fills what the folders did not name from an object name; the hour stays a folder's alone (Athena's
    /// `hour` partition exists only with hourly folders).
    fn read_name(&mut self, name: &str) {
        let Some(p) = NameParts::split(name) else {
            return;
        };
        self.account.get_or_insert_with(|| p.account.to_string());
        self.service.get_or_insert_with(|| SERVICE.to_string());
        self.region.get_or_insert_with(|| p.region.to_string());
        self.flow_log_id = Some(p.flow_log_id.to_string());
        let stamp = p.stamp;
        if stamp.len() == 14 && stamp.is_ascii() && stamp.as_bytes()[8] == b'T' {
            self.year.get_or_insert_with(|| stamp[0..4].to_string());
            self.month.get_or_insert_with(|| stamp[4..6].to_string());
            self.day.get_or_insert_with(|| stamp[6..8].to_string());
        }
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
    use proptest::prelude::*;

    /// 2018-06-20T16:20:00Z, the window of AWS's documented example.
    const T1620: i64 = 1_529_511_600;

    fn example(extension: Extension) -> ObjectName {
        ObjectName {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            flow_log_id: "fl-1234abcd".into(),
            window: T1620,
            hash: "fe123456".into(),
            extension,
        }
    }

    #[test]
    fn names_and_keys_as_aws_documents_them() {
        let name = example(Extension::Gzip);
        assert_eq!(
            name.to_string(),
            "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz"
        );
        let key = |layout| {
            ObjectKey {
                prefix: String::new(),
                layout,
                name: example(Extension::Parquet),
            }
            .to_string()
        };
        let n =
            "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.parquet";
        assert_eq!(
            key(Layout::Default),
            format!("AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/{n}")
        );
        assert_eq!(
            key(Layout::Hourly),
            format!("AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/16/{n}")
        );
        assert_eq!(
            key(Layout::Hive),
            format!(
                "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/month=06/day=20/{n}"
            )
        );
        assert_eq!(
            key(Layout::HiveHourly),
            format!(
                "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/month=06/day=20/hour=16/{n}"
            )
        );
    }

    #[test]
    fn windows_follow_the_end_time() {
        // 16:24:59 ends in the 16:20 window, 16:25:00 in the next.
        assert_eq!(window_of(Some(0), Some(T1620 + 299)), T1620);
        assert_eq!(window_of(Some(0), Some(T1620 + 300)), T1620 + 300);
        assert_eq!(window_of(Some(T1620 + 5), None), T1620);
        assert_eq!(window_of(None, None), 0);
    }

    #[test]
    fn layout_names() {
        for layout in Layout::ALL {
            assert_eq!(Layout::parse(layout.name()), Some(layout));
        }
        assert_eq!(Layout::parse("hive,hourly"), Some(Layout::HiveHourly));
        assert_eq!(Layout::parse("daily"), None);
    }

    #[test]
    fn strict_parse_refuses_what_aws_does_not_write() {
        let good = "p/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz";
        let key = ObjectKey::parse(good).unwrap();
        assert_eq!((key.prefix.as_str(), key.layout), ("p/", Layout::Default));
        for bad in [
            // The folder's day is not the name's.
            "AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/21/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz",
            // No such time.
            "AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/13/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20181320T1620Z_fe123456.log.gz",
            // Not a flow log.
            "AWSLogs/123456789012/CloudTrail/us-east-1/2018/06/20/123456789012_CloudTrail_us-east-1_20180620T1620Z_fe123456.json.gz",
            "pAWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz",
            "flows.log",
            "",
        ] {
            assert_eq!(ObjectKey::parse(bad), None, "{bad}");
        }
    }

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

    #[test]
    fn unknown_parts_are_written_unknown() {
        let p = Partitions {
            account: Some("123456789012".into()),
            ..Partitions::default()
        };
        assert_eq!(
            p.prefix(Layout::HiveHourly),
            "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=unknown/year=unknown/month=unknown/day=unknown/hour=unknown/"
        );
    }

    fn layouts() -> impl Strategy<Value = Layout> {
        prop::sample::select(Layout::ALL.to_vec())
    }

    fn extensions() -> impl Strategy<Value = Extension> {
        prop::sample::select(vec![Extension::Gzip, Extension::Parquet, Extension::Plain])
    }

    proptest! {
        /// Every key written is read back as the same key, and a reader's partitions are the folders' parts.
        #[test]
        fn keys_round_trip(
            layout in layouts(),
            extension in extensions(),
            account in "[0-9]{12}|unknown",
            region in "[a-z]{2}-[a-z]{4,9}-[1-9]",
            flow_log_id in "fl-[0-9a-f]{8,17}",
            // 1970 to 2100, on window boundaries.
            window in (0i64..13_885_000).prop_map(|w| w * WINDOW_SECONDS),
            hash in "[0-9a-f]{8}",
            prefix in "|[a-z]{1,8}/|[a-z]{1,8}/[a-z0-9-]{1,8}/",
        ) {
            let key = ObjectKey {
                prefix,
                layout,
                name: ObjectName { account, region, flow_log_id, window, hash, extension },
            };
            let text = key.to_string();
            prop_assert_eq!(ObjectKey::parse(&text), Some(key.clone()));
            let name = &key.name;
            let p = Partitions::from_key(&text);
            let folders = Partitions::of_window(&name.account, &name.region, name.window);
            prop_assert_eq!(&p.account, &folders.account);
            prop_assert_eq!(p.service.as_deref(), Some(SERVICE));
            prop_assert_eq!(&p.region, &folders.region);
            prop_assert_eq!(p.date(), folders.date());
            let hour = if layout.is_hourly() { folders.hour.clone() } else { None };
            prop_assert_eq!(&p.hour, &hour);
            prop_assert_eq!(p.flow_log_id.as_ref(), Some(&name.flow_log_id));
            prop_assert_eq!(p.prefix(layout), name.folder(layout));
        }

        /// No text makes the readers panic.
        #[test]
        fn any_text_reads_without_panic(key in "\\PC{0,120}") {
            let _ = Partitions::from_key(&key);
            let _ = ObjectKey::parse(&key);
        }
    }
}
