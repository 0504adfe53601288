//! CloudWatch Logs with the AWS SDK: one stream per network interface, `PutLogEvents` batches within the API's
//! limits, spooled before sending and checked against the stream before any resend (see the crate docs for the
//! exact guarantee).

use crate::aws::{backoff, describe, runtime, sdk_config};
use crate::layout::{check_batch, int_at, str_at};
use crate::spool::{Entry, Meta, Spool};
use crate::{Deliver, DeliverError, Options, Report, default_spool_dir};
use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use arrow::record_batch::RecordBatch;
use aws_sdk_cloudwatchlogs::config::http::HttpResponse;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use vpcflow_record::{Field, Format};

/// Largest `PutLogEvents` request: the messages' UTF-8 bytes plus [`EVENT_OVERHEAD`] per event.
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Bytes CloudWatch Logs counts per event on top of its message.
pub const EVENT_OVERHEAD: usize = 26;
/// Most events in one `PutLogEvents` request.
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Widest span of timestamps in one request (24 hours, in milliseconds); batches stay strictly below it.
pub const MAX_BATCH_SPAN_MS: i64 = 24 * 60 * 60 * 1000;

/// Buffered message bytes after which `deliver` spools what it holds rather than wait for `flush`.
const SPOOL_AFTER_BYTES: usize = 8 * MAX_BATCH_BYTES;

/// One log event: a record line without its header, stamped with the record's start time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The record, as AWS's text line without the newline.
    pub message: String,
}

/// Splits one stream's events into `PutLogEvents` requests: sorted by time (events of the same time keep their
/// order), at most [`MAX_BATCH_EVENTS`] events and [`MAX_BATCH_BYTES`] bytes each, each spanning less than 24
/// hours.
pub fn batches(mut events: Vec<Event>) -> Vec<Vec<Event>> {
    events.sort_by_key(|e| e.timestamp);
    let mut out = Vec::new();
    let mut current: Vec<Event> = Vec::new();
    let mut bytes = 0usize;
    for event in events {
        let size = event.message.len() + EVENT_OVERHEAD;
        let split = current.first().is_some_and(|first| {
            current.len() == MAX_BATCH_EVENTS
                || bytes + size > MAX_BATCH_BYTES
                || event.timestamp - first.timestamp >= MAX_BATCH_SPAN_MS
        });
        if split {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(event);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a failed request may have been carried out.
enum Failure {
    /// The service answered with a refusal: nothing was stored; worth retrying.
    Refused(String),
    /// The stream or group is gone: create it and retry.
    Missing(String),
    /// No answer, or a server fault: the events may be stored.
    Ambiguous(String),
    /// A refusal that retrying will not change.
    Permanent(String),
}

fn classify<E>(error: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let text = describe(error);
    match error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let server_fault = service.raw().status().is_server_error();
            match code {
                "ResourceNotFoundException" => Failure::Missing(text),
                "ThrottlingException"
                | "Throttling"
                | "LimitExceededException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded" => Failure::Refused(text),
                _ if server_fault => Failure::Ambiguous(text),
                _ => Failure::Permanent(text),
            }
        }
        SdkError::ConstructionFailure(_) => Failure::Permanent(text),
        _ => Failure::Ambiguous(text),
    }
}

/// Sends records to a CloudWatch Logs log group, one stream per network interface.
pub struct LogsDelivery {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_cloudwatchlogs::Client,
    group: String,
    opts: Options,
    spool: Spool,
    report: Report,
    pending: BTreeMap<String, Vec<Event>>,
    pending_bytes: usize,
    group_ready: bool,
    streams_ready: HashSet<String>,
    /// Set once the service could not be reached in this flush: the rest waits for the next one.
    unreachable: bool,
}

impl LogsDelivery {
    /// Delivers to log group `group`, creating it and its streams when missing.
    pub fn new(group: String, opts: Options) -> Result<LogsDelivery, DeliverError> {
        let rt = runtime()?;
        let config = rt.block_on(sdk_config(&opts));
        let client = aws_sdk_cloudwatchlogs::Client::new(&config);
        let spool_dir = opts.spool.clone().unwrap_or_else(default_spool_dir);
        let spool = Spool::open(&spool_dir)?;
        Ok(LogsDelivery {
            rt,
            client,
            group,
            opts,
            spool,
            report: Report::default(),
            pending: BTreeMap::new(),
            pending_bytes: 0,
            group_ready: false,
            streams_ready: HashSet::new(),
            unreachable: false,
        })
    }

    /// Cuts what is buffered into batches and spools them.
    fn spool_pending(&mut self) -> Result<(), DeliverError> {
        for (stream, events) in std::mem::take(&mut self.pending) {
            for batch in batches(events) {
                let meta = Meta {
                    kind: "logs".into(),
                    target: self.group.clone(),
                    name: stream.clone(),
                    records: batch.len() as u64,
                };
                let body = serde_json::to_vec(&batch).expect("plain data");
                self.spool.put(meta, &body)?;
            }
        }
        self.pending_bytes = 0;
        Ok(())
    }

    fn send_spooled(&mut self) -> Result<(), DeliverError> {
        for entry in self.spool.list("logs", &self.group)? {
            if self.unreachable {
                self.report.spooled += 1;
                self.report.spooled_records += entry.meta.records;
                continue;
            }
            self.send(entry)?;
        }
        Ok(())
    }

    fn send(&mut self, mut entry: Entry) -> Result<(), DeliverError> {
        let body = self.spool.body(&entry)?;
        let mut events: Vec<Event> =
            serde_json::from_slice(&body).map_err(|e| DeliverError::Spool {
                path: self.spool.dir().join(&entry.id),
                message: e.to_string(),
            })?;
        let stream = entry.meta.name.clone();
        let records = entry.meta.records;
        // Sent before, by this run or one that stopped: look before sending again.
        let mut check = self.spool.attempted(&entry);
        let mut last_error = String::new();
        for attempt in 1..=self.opts.retry.attempts.max(1) {
            let wait = backoff(self.opts.retry.first_backoff, attempt);
            self.rt
                .block_on(async move { tokio::time::sleep(wait).await });
            if let Err(failure) = self.ensure_stream(&stream) {
                match failure {
                    Failure::Permanent(text) => return Err(self.permanent(&entry, text)),
                    Failure::Missing(t) => {
                        // The group went away between creating it and its stream.
                        self.group_ready = false;
                        last_error = t;
                        continue;
                    }
                    Failure::Refused(t) | Failure::Ambiguous(t) => {
                        last_error = t;
                        continue;
                    }
                }
            }
            if check {
                match self.missing_events(&stream, &events) {
                    Ok(missing) => {
                        let found = events.len() - missing.len();
                        if found > 0 {
                            self.report.already_stored += found as u64;
                            events = missing;
                            if events.is_empty() {
                                return self.delivered(&entry, records);
                            }
                            let body = serde_json::to_vec(&events).expect("plain data");
                            entry = self.spool.rewrite(&entry, &body, records)?;
                        }
                        check = false;
                    }
                    Err(Failure::Permanent(text)) => return Err(self.permanent(&entry, text)),
                    Err(Failure::Refused(t) | Failure::Missing(t) | Failure::Ambiguous(t)) => {
                        last_error = t;
                        continue;
                    }
                }
            }
            self.spool.mark_attempted(&entry)?;
            match self.put(&stream, &events) {
                Ok(rejected) => {
                    self.report.rejected += rejected;
                    return self.delivered(&entry, records);
                }
                Err(Failure::Refused(t)) => last_error = t,
                Err(Failure::Missing(t)) => {
                    self.group_ready = false;
                    self.streams_ready.clear();
                    last_error = t;
                }
                Err(Failure::Ambiguous(t)) => {
                    check = true;
                    last_error = t;
                }
                Err(Failure::Permanent(text)) => return Err(self.permanent(&entry, text)),
            }
        }
        self.unreachable = true;
        self.report.spooled += 1;
        self.report.spooled_records += entry.meta.records;
        self.report.last_error = Some(format!("{}/{stream}: {last_error}", self.group));
        Ok(())
    }

    fn delivered(&mut self, entry: &Entry, records: u64) -> Result<(), DeliverError> {
        self.spool.remove(entry)?;
        self.report.records += records;
        self.report.units += 1;
        self.report
            .locations
            .push(format!("{}/{}", self.group, entry.meta.name));
        Ok(())
    }

    fn permanent(&self, entry: &Entry, text: String) -> DeliverError {
        DeliverError::Aws(format!(
            "{}/{}: {text} (left in the spool at {})",
            self.group,
            entry.meta.name,
            self.spool.dir().display()
        ))
    }

    fn ensure_stream(&mut self, stream: &str) -> Result<(), Failure> {
        if !self.group_ready {
            let call = self.client.create_log_group().log_group_name(&self.group);
            match self.rt.block_on(call.send()) {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_already_exists_exception()) => {}
                Err(e) => return Err(classify(&e)),
            }
            self.group_ready = true;
        }
        if !self.streams_ready.contains(stream) {
            let call = self
                .client
                .create_log_stream()
                .log_group_name(&self.group)
                .log_stream_name(stream);
            match self.rt.block_on(call.send()) {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_already_exists_exception()) => {}
                Err(e) => return Err(classify(&e)),
            }
            self.streams_ready.insert(stream.to_string());
        }
        Ok(())
    }

    /// Sends one batch; returns how many events the service rejected for their age.
    fn put(&mut self, stream: &str, events: &[Event]) -> Result<u64, Failure> {
        let log_events = events
            .iter()
            .map(|e| {
                InputLogEvent::builder()
                    .timestamp(e.timestamp)
                    .message(&e.message)
                    .build()
                    .map_err(|e| Failure::Permanent(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let call = self
            .client
            .put_log_events()
            .log_group_name(&self.group)
            .log_stream_name(stream)
            .set_log_events(Some(log_events));
        let out = self.rt.block_on(call.send()).map_err(|e| classify(&e))?;
        let Some(info) = out.rejected_log_events_info() else {
            return Ok(0);
        };
        let n = events.len() as i64;
        let old = info
            .too_old_log_event_end_index()
            .max(info.expired_log_event_end_index())
            .map_or(0, i64::from);
        let new = info
            .too_new_log_event_start_index()
            .map_or(0, |i| n - i64::from(i));
        Ok((old.clamp(0, n) + new.clamp(0, n)).min(n) as u64)
    }

    /// The events of `events` not yet in the stream, by (timestamp, message), counting duplicates.
    fn missing_events(&mut self, stream: &str, events: &[Event]) -> Result<Vec<Event>, Failure> {
        let (Some(first), Some(last)) = (
            events.iter().map(|e| e.timestamp).min(),
            events.iter().map(|e| e.timestamp).max(),
        ) else {
            return Ok(Vec::new());
        };
        let mut stored: HashMap<(i64, String), usize> = HashMap::new();
        let mut token: Option<String> = None;
        // GetLogEvents ends by handing back the token it was given (some servers: by an empty page).
        let mut empty_pages = 0;
        for _ in 0..100_000 {
            let call = self
                .client
                .get_log_events()
                .log_group_name(&self.group)
                .log_stream_name(stream)
                .start_time(first)
                .end_time(last + 1)
                .start_from_head(true)
                .set_next_token(token.clone());
            let page = match self.rt.block_on(call.send()) {
                Ok(page) => page,
                Err(e) => match classify(&e) {
                    // No stream: nothing stored.
                    Failure::Missing(_) => return Ok(events.to_vec()),
                    other => return Err(other),
                },
            };
            for e in page.events() {
                if let (Some(ts), Some(msg)) = (e.timestamp(), e.message()) {
                    *stored.entry((ts, msg.to_string())).or_default() += 1;
                }
            }
            empty_pages = if page.events().is_empty() {
                empty_pages + 1
            } else {
                0
            };
            let next = page.next_forward_token().map(str::to_string);
            if next.is_none() || next == token || empty_pages >= 2 {
                break;
            }
            token = next;
        }
        Ok(events
            .iter()
            .filter(
                |e| match stored.get_mut(&(e.timestamp, e.message.clone())) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        false
                    }
                    _ => true,
                },
            )
            .cloned()
            .collect())
    }
}

impl Deliver for LogsDelivery {
    fn deliver(&mut self, batch: &RecordBatch, format: &Format) -> Result<(), DeliverError> {
        check_batch(batch, format)?;
        let text = |field: Field| {
            format
                .position(field)
                .and_then(|i| batch.column(i).as_string_opt::<i32>())
        };
        let int = |field: Field| {
            format
                .position(field)
                .and_then(|i| batch.column(i).as_primitive_opt::<Int64Type>())
        };
        let interfaces = text(Field::InterfaceId);
        let attachments = text(Field::TgwAttachmentId);
        let (starts, ends) = (int(Field::Start), int(Field::End));
        let now_ms = jiff::Timestamp::now().as_millisecond();
        let mut line = Vec::with_capacity(256);
        for row in 0..batch.num_rows() {
            let value = |col| str_at(col, row);
            let seconds = |col| int_at(col, row);
            let owner = value(interfaces)
                .or(value(attachments))
                .unwrap_or("unknown");
            let stream = format!("{owner}-all");
            let timestamp = seconds(starts)
                .or(seconds(ends))
                .map_or(now_ms, |s| s.saturating_mul(1000));
            line.clear();
            vpcflow_record::text::write_row(batch, row, &mut line);
            line.pop();
            let message = String::from_utf8_lossy(&line).into_owned();
            self.pending_bytes += message.len() + EVENT_OVERHEAD;
            self.pending
                .entry(stream)
                .or_default()
                .push(Event { timestamp, message });
        }
        if self.pending_bytes > SPOOL_AFTER_BYTES {
            self.spool_pending()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<Report, DeliverError> {
        self.spool_pending()?;
        self.unreachable = false;
        self.send_spooled()?;
        let mut report = std::mem::take(&mut self.report);
        report.spool_dir = Some(self.spool.dir().to_path_buf());
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(timestamp: i64, len: usize) -> Event {
        Event {
            timestamp,
            message: "x".repeat(len),
        }
    }

    #[test]
    fn batches_are_sorted_and_keep_order_of_equal_times() {
        let events = vec![
            Event {
                timestamp: 5,
                message: "b".into(),
            },
            Event {
                timestamp: 1,
                message: "a".into(),
            },
            Event {
                timestamp: 5,
                message: "c".into(),
            },
        ];
        let out = batches(events);
        assert_eq!(out.len(), 1);
        let messages: Vec<&str> = out[0].iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["a", "b", "c"]);
    }

    #[test]
    fn batches_respect_count_bytes_and_span() {
        let out = batches((0..25_000).map(|i| event(i, 10)).collect());
        assert_eq!(
            out.iter().map(Vec::len).collect::<Vec<_>>(),
            [10_000, 10_000, 5_000]
        );

        // 1000-byte messages: 1026 bytes each, so 1022 fit in 1,048,576 bytes.
        let out = batches((0..3000).map(|i| event(i, 1000)).collect());
        for b in &out {
            let bytes: usize = b.iter().map(|e| e.message.len() + EVENT_OVERHEAD).sum();
            assert!(bytes <= MAX_BATCH_BYTES);
        }
        assert_eq!(out[0].len(), MAX_BATCH_BYTES / 1026);
        assert_eq!(out.iter().map(Vec::len).sum::<usize>(), 3000);

        let hour = 3_600_000;
        let out = batches(vec![
            event(0, 1),
            event(23 * hour, 1),
            event(24 * hour, 1),
            event(30 * hour, 1),
        ]);
        assert_eq!(out.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2]);
        for b in &out {
            assert!(b.last().unwrap().timestamp - b[0].timestamp < MAX_BATCH_SPAN_MS);
        }
    }
}
