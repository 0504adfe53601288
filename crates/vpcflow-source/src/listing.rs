//! Turning what a user names into the files, objects and log streams to read, and pruning by key on the way.
//!
//! AWS files flow logs under keys that say their account, region, date and (hourly) hour
//! (`AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]`, or the Hive-compatible
//! `aws-account-id=…/aws-region=…/year=…/month=…/day=…/[hour=…/]`). A [`KeyFilter`] made from a time range
//! (`--since`/`--until`) and a query's conditions on those partition columns decides, for each directory or
//! prefix, whether it can hold a matching object, so that S3 is listed one level at a time and only below the
//! prefixes that can match: a day outside the range costs neither a listing nor a fetch.

use crate::layout::Partitions;
use crate::problem::{Fault, Service};
use crate::remote::Remote;
use crate::{Input, LogStreams, Problem, S3Object};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How long after a record's start it may still be delivered (the folder an object goes into is its delivery
/// time, which follows the record's end; AWS delivers within minutes, an hour is the margin kept).
const DELIVERY_MARGIN: i64 = 3600;

/// How many listings run at once.
const LISTINGS: usize = 16;

/// A range of record times, in Unix seconds: a record belongs to it when it overlaps it (`end >= since` and
/// `start < until`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeRange {
    /// The first second, inclusive.
    pub since: Option<i64>,
    /// The end, exclusive.
    pub until: Option<i64>,
}

impl TimeRange {
    /// Whether nothing is excluded.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether a record from `start` to `end` (Unix seconds) overlaps the range.
    pub fn overlaps(&self, start: i64, end: i64) -> bool {
        self.since.is_none_or(|s| end >= s) && self.until.is_none_or(|u| start < u)
    }
}

/// What keys can hold matching records: a time range of the records, and allowed values of the key's parts.
/// Empty sets allow nothing; `None` allows everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyFilter {
    /// The records' time range.
    pub time: TimeRange,
    /// Days since 1970-01-01 (inclusive bounds) that the key's date (`date`) may be.
    pub days: (Option<i32>, Option<i32>),
    /// `aws-account-id` values.
    pub accounts: Option<BTreeSet<String>>,
    /// `aws-region` values.
    pub regions: Option<BTreeSet<String>>,
    /// `year` values.
    pub years: Option<BTreeSet<String>>,
    /// `month` values.
    pub months: Option<BTreeSet<String>>,
    /// `day` values.
    pub day_values: Option<BTreeSet<String>>,
    /// `hour` values.
    pub hours: Option<BTreeSet<String>>,
}

impl KeyFilter {
    /// A filter on time alone.
    pub fn time(time: TimeRange) -> KeyFilter {
        KeyFilter {
            time,
            ..KeyFilter::default()
        }
    }

    /// Whether nothing is excluded.
    pub fn is_all(&self) -> bool {
        *self == KeyFilter::default()
    }

    /// Whether a key (or a prefix of keys: the parts it names so far) can hold a matching record.
    pub fn may_hold(&self, parts: &Partitions) -> bool {
        let allowed = |set: &Option<BTreeSet<String>>, value: &Option<String>| match (set, value) {
            (Some(set), Some(v)) => set.contains(v),
            _ => true,
        };
        if !(allowed(&self.accounts, &parts.account)
            && allowed(&self.regions, &parts.region)
            && allowed(&self.years, &parts.year)
            && allowed(&self.months, &parts.month)
            && allowed(&self.day_values, &parts.day)
            && allowed(&self.hours, &parts.hour))
        {
            return false;
        }
        let Some((first_day, last_day, hours)) = span(parts) else {
            return true;
        };
        if self.days.0.is_some_and(|d| last_day < d) || self.days.1.is_some_and(|d| first_day > d) {
            return false;
        }
        let (from, to) = match hours {
            Some(h) => (
                i64::from(first_day) * 86_400 + h * 3600,
                i64::from(first_day) * 86_400 + (h + 1) * 3600,
            ),
            None => (
                i64::from(first_day) * 86_400,
                (i64::from(last_day) + 1) * 86_400,
            ),
        };
        // Records end before their object is written, and start at most the margin before it.
        self.time.since.is_none_or(|s| to > s)
            && self.time.until.is_none_or(|u| from < u + DELIVERY_MARGIN)
    }
}

/// The days (since 1970-01-01) a key's date parts cover, first and last, and its hour if it names one.
fn span(parts: &Partitions) -> Option<(i32, i32, Option<i64>)> {
    let year: i16 = parts.year.as_deref()?.parse().ok()?;
    let day = |m: i8, d: i8| -> Option<i32> {
        let date = jiff::civil::Date::new(year, m, d).ok()?;
        let days = jiff::civil::date(1970, 1, 1)
            .until((jiff::Unit::Day, date))
            .ok()?
            .get_days();
        Some(days)
    };
    let Some(month) = parts.month.as_deref().and_then(|m| m.parse::<i8>().ok()) else {
        return Some((day(1, 1)?, day(12, 31)?, None));
    };
    let Some(d) = parts.day.as_deref().and_then(|d| d.parse::<i8>().ok()) else {
        let first = day(month, 1)?;
        let last = jiff::civil::Date::new(year, month, 1).ok()?.days_in_month();
        return Some((first, day(month, last)?, None));
    };
    let today = day(month, d)?;
    let hour = parts.hour.as_deref().and_then(|h| h.parse::<i64>().ok());
    Some((today, today, hour))
}

/// Expands directories, S3 prefixes and log groups into what to read, in name order, keeping only what `filter`
/// allows; what cannot be listed becomes a problem. `remote` is needed for S3 and CloudWatch Logs inputs.
pub fn expand(
    inputs: &[Input],
    filter: &KeyFilter,
    remote: Option<&Arc<Remote>>,
) -> (Vec<Input>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for input in inputs {
        match input {
            Input::Path(p) => expand_path(p, filter, &mut out, &mut problems),
            Input::S3(o) if o.size.is_none() => match remote {
                Some(remote) => match list_s3(remote, o, filter) {
                    Ok(found) if found.is_empty() && filter.is_all() => {
                        problems.push(bad(input.display_name(), Fault::NoObjects))
                    }
                    Ok(found) => out.extend(found),
                    Err(e) => problems.push(bad(
                        input.display_name(),
                        Fault::CannotList {
                            cause: e.to_string(),
                        },
                    )),
                },
                None => problems.push(bad(
                    input.display_name(),
                    Fault::NoNetwork {
                        service: Service::S3,
                    },
                )),
            },
            Input::Logs(l) if !l.exact => match remote {
                Some(remote) => match crate::logs::list_streams(remote, l, &filter.time) {
                    Ok(found) => out.extend(found.into_iter().map(Input::Logs)),
                    Err(fault) => problems.push(bad(input.display_name(), fault)),
                },
                None => problems.push(bad(
                    input.display_name(),
                    Fault::NoNetwork {
                        service: Service::CloudWatchLogs,
                    },
                )),
            },
            other => out.push(other.clone()),
        }
    }
    (out, problems)
}

fn bad(name: String, fault: Fault) -> Problem {
    Problem::bad_file(vpcflow_record::Location::file(name), fault)
}

/// A local file or a directory walked in name order (hidden entries skipped), pruned by key.
fn expand_path(
    p: &std::path::Path,
    filter: &KeyFilter,
    out: &mut Vec<Input>,
    problems: &mut Vec<Problem>,
) {
    let name = p.display().to_string();
    match std::fs::metadata(p) {
        Ok(meta) if meta.is_dir() => {
            let walker = walkdir::WalkDir::new(p)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    if e.depth() == 0 {
                        return true;
                    }
                    !e.file_name().to_string_lossy().starts_with('.')
                        && filter.may_hold(&Partitions::from_key(&e.path().to_string_lossy()))
                });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => out.push(Input::Path(e.into_path())),
                    Ok(_) => {}
                    Err(e) => problems.push(bad(
                        e.path().map_or(name.clone(), |p| p.display().to_string()),
                        Fault::CannotRead {
                            cause: e.to_string(),
                        },
                    )),
                }
            }
        }
        Ok(_) => out.push(Input::Path(p.to_path_buf())),
        Err(e) => problems.push(bad(
            name,
            Fault::CannotRead {
                cause: e.to_string(),
            },
        )),
    }
}

/// The objects under an S3 prefix that `filter` allows, listed level by level (prefixes that cannot match are
/// not listed), or the one object the key names.
fn list_s3(
    remote: &Arc<Remote>,
    root: &S3Object,
    filter: &KeyFilter,
) -> Result<Vec<Input>, object_store::Error> {
    let store = remote.s3_store(&root.bucket);
    let key = root.key.trim_end_matches('/').to_string();
    let bucket = root.bucket.clone();
    let filter = filter.clone();
    remote.block_on(async move {
        let prefix = (!key.is_empty()).then(|| StorePath::from(key.as_str()));
        let mut found = walk(&store, &bucket, prefix.clone(), &filter).await?;
        if found.is_empty() && !root_is_dir(&key) {
            // Not a prefix: maybe the key of one object.
            match store.head(&StorePath::from(key.as_str())).await {
                Ok(meta) => found.push(object(&bucket, meta)),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(found)
    })
}

fn root_is_dir(key: &str) -> bool {
    key.is_empty() || key.ends_with('/')
}

fn object(bucket: &str, meta: object_store::ObjectMeta) -> Input {
    Input::S3(S3Object {
        bucket: bucket.to_string(),
        key: crate::s3::key_of(&meta.location),
        size: Some(meta.size),
        e_tag: meta.e_tag,
    })
}

/// Lists below `root` with a delimiter, one level at a time, several prefixes at once, descending only into
/// prefixes `filter` allows; objects come back in key order.
pub async fn walk(
    store: &Arc<dyn ObjectStore>,
    bucket: &str,
    root: Option<StorePath>,
    filter: &KeyFilter,
) -> Result<Vec<Input>, object_store::Error> {
    let mut objects = Vec::new();
    let mut pending = vec![root];
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < LISTINGS {
            let Some(prefix) = pending.pop() else { break };
            let store = store.clone();
            running.push(async move { store.list_with_delimiter(prefix.as_ref()).await });
        }
        let Some(listed) = running.next().await else {
            break;
        };
        let listed = listed?;
        for p in listed.common_prefixes {
            if filter.may_hold(&Partitions::from_key(&format!("{p}/"))) {
                pending.push(Some(p));
            }
        }
        for meta in listed.objects {
            if filter.may_hold(&Partitions::from_key(meta.location.as_ref())) {
                objects.push(meta);
            }
        }
    }
    objects.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(objects.into_iter().map(|m| object(bucket, m)).collect())
}

/// A [`LogStreams`] input for one stream.
pub fn stream(group: &str, name: &str) -> LogStreams {
    LogStreams {
        group: group.to_string(),
        prefix: Some(name.to_string()),
        exact: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(key: &str) -> Partitions {
        Partitions::from_key(key)
    }

    #[test]
    fn prefixes_outside_the_range_are_pruned() {
        let day = |y, m, d| {
            jiff::civil::date(y, m, d)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp()
                .as_second()
        };
        let f = KeyFilter::time(TimeRange {
            since: Some(day(2024, 1, 2)),
            until: Some(day(2024, 1, 3)),
        });
        let base = "b/AWSLogs/123456789012/vpcflowlogs/us-east-1";
        assert!(f.may_hold(&parts(base)));
        assert!(f.may_hold(&parts(&format!("{base}/2024"))));
        assert!(!f.may_hold(&parts(&format!("{base}/2023"))));
        assert!(f.may_hold(&parts(&format!("{base}/2024/01"))));
        assert!(!f.may_hold(&parts(&format!("{base}/2024/02"))));
        assert!(!f.may_hold(&parts(&format!("{base}/2024/01/01"))));
        assert!(f.may_hold(&parts(&format!("{base}/2024/01/02"))));
        // Records that start before the end may be delivered the next day, early.
        assert!(f.may_hold(&parts(&format!("{base}/2024/01/03/00"))));
        assert!(!f.may_hold(&parts(&format!("{base}/2024/01/03/01"))));
        assert!(!f.may_hold(&parts(&format!("{base}/2024/01/04"))));
        let hive =
            "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1";
        assert!(f.may_hold(&parts(&format!("{hive}/year=2024/month=01/day=02/hour=13"))));
        assert!(!f.may_hold(&parts(&format!("{hive}/year=2024/month=01/day=05"))));
    }

    #[test]
    fn key_values_prune() {
        let f = KeyFilter {
            regions: Some(["eu-west-1".to_string()].into()),
            days: (Some(19724), Some(19724)),
            ..KeyFilter::default()
        };
        let hive = "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs";
        assert!(f.may_hold(&parts(hive)));
        assert!(!f.may_hold(&parts(&format!("{hive}/aws-region=us-east-1"))));
        // 19724 is 2024-01-02.
        let region = format!("{hive}/aws-region=eu-west-1");
        assert!(f.may_hold(&parts(&format!("{region}/year=2024/month=01/day=02"))));
        assert!(!f.may_hold(&parts(&format!("{region}/year=2024/month=01/day=03"))));
        assert!(!f.may_hold(&parts(&format!("{region}/year=2023"))));
    }
}
