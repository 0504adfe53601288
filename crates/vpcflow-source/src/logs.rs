//! Flow log records straight from a CloudWatch Logs log group, through the SDK.
//!
//! `logs:GROUP` names every stream of a group and `logs:GROUP:PREFIX` the streams whose names start with the
//! prefix (AWS names a flow log's streams after the interface, `eni-…-all`). Streams are listed with
//! DescribeLogStreams (those whose events all lie outside the time range are left out), and each stream is read
//! with FilterLogEvents over the time range, page by page, so streams read in parallel like files do. Each
//! event's message is one record line and goes through the same line reader as text, numbered as the event's
//! place in the stream (`logs:GROUP:STREAM:event N`). Throttling is retried by the SDK with backoff.

use crate::listing::{TimeRange, stream};
use crate::problem::{Fault, Service};
use crate::remote::Remote;
use crate::text::LineSink;
use crate::{Item, LogStreams, Partitions, ReadOptions, Shape};
use std::sync::Arc;

/// The streams of a log group that `streams` names, with events in `time`.
pub(crate) fn list_streams(
    remote: &Arc<Remote>,
    streams: &LogStreams,
    time: &TimeRange,
) -> Result<Vec<LogStreams>, Fault> {
    let (remote2, streams, time) = (remote.clone(), streams.clone(), *time);
    remote.block_on(async move {
        let client = remote2.logs_client().await;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = client
                .describe_log_streams()
                .log_group_name(&streams.group)
                .set_log_stream_name_prefix(streams.prefix.clone())
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| Fault::CannotListStreams {
                    cause: describe(&e),
                })?;
            for s in page.log_streams() {
                let Some(name) = s.log_stream_name() else {
                    continue;
                };
                // A stream whose events all ended before the range, or began after it, holds none of it.
                let last = s.last_event_timestamp().or(s.last_ingestion_time());
                let first = s.first_event_timestamp();
                let before =
                    matches!((last, time.since), (Some(l), Some(since)) if l / 1000 < since);
                let after =
                    matches!((first, time.until), (Some(f), Some(until)) if f / 1000 >= until);
                if !before && !after {
                    out.push(stream(&streams.group, name));
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        Ok(out)
    })
}

fn describe<E: std::error::Error + 'static>(e: &E) -> String {
    aws_sdk_cloudwatchlogs::error::DisplayErrorContext(e).to_string()
}

/// Reads one stream's events in `opts.events` as records.
pub(crate) fn read_stream(
    streams: &LogStreams,
    name: String,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let mut sink = LineSink::new(
        name.clone(),
        Shape::CloudWatchJson,
        Partitions::default(),
        opts,
    );
    let Some(remote) = opts.remote.clone() else {
        let location = sink.file().clone();
        let service = Service::CloudWatchLogs;
        sink.fail_file(location, Fault::NoNetwork { service }, emit);
        return sink.finish(emit);
    };
    // Pages come over a small channel so that the parser works while the next page is fetched.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<(Option<i64>, String)>, String>>(2);
    let (group, stream_name, time) = (
        streams.group.clone(),
        streams.prefix.clone().unwrap_or_default(),
        opts.events,
    );
    let fetch = {
        let remote = remote.clone();
        async move {
            let client = remote.logs_client().await;
            let mut token: Option<String> = None;
            loop {
                let page = client
                    .filter_log_events()
                    .log_group_name(&group)
                    .log_stream_names(&stream_name)
                    .set_start_time(time.since.map(|s| s * 1000))
                    .set_end_time(time.until.map(|u| u * 1000))
                    .set_next_token(token.take())
                    .send()
                    .await;
                let page = match page {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = tx.send(Err(describe(&e)));
                        return;
                    }
                };
                let events = page
                    .events()
                    .iter()
                    .map(|e| (e.timestamp(), e.message().unwrap_or("").to_string()))
                    .collect();
                if tx.send(Ok(events)).is_err() {
                    return;
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    return;
                }
            }
        }
    };
    let task = remote.handle().spawn(fetch);
    let mut count = 0u64;
    for page in rx {
        match page {
            Ok(events) => {
                for (timestamp, message) in events {
                    count += 1;
                    let line = message.trim_end_matches(['\n', '\r']);
                    sink.line(line.as_bytes(), count, timestamp, emit);
                    if !sink.wants_more() {
                        break;
                    }
                }
            }
            Err(cause) => {
                let location = sink.location(count + 1, 0, None);
                let fault = Fault::EventsBroken {
                    cause,
                    events: count,
                };
                sink.fail_file(location, fault, emit);
            }
        }
        if !sink.wants_more() {
            break;
        }
    }
    task.abort();
    if !sink.aborted() {
        sink.finish(emit);
    }
}
