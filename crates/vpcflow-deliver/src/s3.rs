//! Objects put to S3 with the AWS SDK, through the spool.

use crate::aws::{backoff, describe, runtime, sdk_config};
use crate::layout::{Object, Objects};
use crate::spool::{Entry, Meta, Spool};
use crate::{Deliver, DeliverError, Options, Report, default_spool_dir};
use arrow::record_batch::RecordBatch;
use aws_sdk_s3::primitives::ByteStream;
use vpcflow_record::Format;

/// Puts objects in the S3 layout to a bucket. Each object is spooled first and removed from the spool once
/// `PutObject` succeeded; keys are deterministic, so a resend overwrites rather than duplicates.
pub struct S3Delivery {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    objects: Objects,
    spool: Spool,
    opts: Options,
    report: Report,
    /// Set once the store could not be reached in this flush: the rest waits for the next one.
    unreachable: bool,
}

impl S3Delivery {
    /// Delivers to `bucket` under `prefix` (no slashes at the ends; may be empty).
    pub fn new(bucket: String, prefix: String, opts: Options) -> Result<S3Delivery, DeliverError> {
        let rt = runtime()?;
        let config = rt.block_on(sdk_config(&opts));
        let region = config
            .region()
            .map_or_else(|| "us-east-1".to_string(), |r| r.to_string());
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(opts.aws.endpoint_url.is_some())
            .build();
        let client = aws_sdk_s3::Client::from_conf(s3_config);
        let spool_dir = opts.spool.clone().unwrap_or_else(default_spool_dir);
        let spool = Spool::open(&spool_dir)?;
        Ok(S3Delivery {
            rt,
            client,
            bucket,
            prefix,
            objects: Objects::new(opts.clone(), region),
            spool,
            opts,
            report: Report::default(),
            unreachable: false,
        })
    }

    fn spool_objects(&mut self, objects: Vec<Object>) -> Result<(), DeliverError> {
        for object in objects {
            let key = if self.prefix.is_empty() {
                object.key
            } else {
                format!("{}/{}", self.prefix, object.key)
            };
            let meta = Meta {
                kind: "s3".into(),
                target: self.bucket.clone(),
                name: key,
                records: object.records,
            };
            self.spool.put(meta, &object.body)?;
        }
        Ok(())
    }

    /// Sends every spooled object for this bucket, oldest first.
    fn send_spooled(&mut self) -> Result<(), DeliverError> {
        for entry in self.spool.list("s3", &self.bucket)? {
            if self.unreachable {
                self.report.spooled += 1;
                self.report.spooled_records += entry.meta.records;
                continue;
            }
            self.send(&entry)?;
        }
        Ok(())
    }

    fn send(&mut self, entry: &Entry) -> Result<(), DeliverError> {
        let body = self.spool.body(entry)?;
        let content_type = if entry.meta.name.ends_with(".parquet") {
            "application/octet-stream"
        } else {
            "application/x-gzip"
        };
        let mut last_error = String::new();
        for attempt in 1..=self.opts.retry.attempts.max(1) {
            let wait = backoff(self.opts.retry.first_backoff, attempt);
            let put = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&entry.meta.name)
                .content_type(content_type)
                .body(ByteStream::from(body.clone()));
            let result = self.rt.block_on(async {
                tokio::time::sleep(wait).await;
                put.send().await
            });
            match result {
                Ok(_) => {
                    self.spool.remove(entry)?;
                    self.report.records += entry.meta.records;
                    self.report.units += 1;
                    self.report.locations.push(entry.meta.name.clone());
                    return Ok(());
                }
                Err(e) => {
                    let status = e.raw_response().map(|r| r.status().as_u16());
                    last_error =
                        format!("s3://{}/{}: {}", self.bucket, entry.meta.name, describe(&e));
                    // A refusal other than throttling or a server fault will not change by retrying.
                    if let Some(code) = status
                        && (400..500).contains(&code)
                        && code != 429
                        && code != 408
                    {
                        return Err(DeliverError::Aws(format!(
                            "{last_error} (left in the spool at {})",
                            self.spool.dir().display()
                        )));
                    }
                }
            }
        }
        self.unreachable = true;
        self.report.spooled += 1;
        self.report.spooled_records += entry.meta.records;
        self.report.last_error = Some(last_error);
        Ok(())
    }
}

impl Deliver for S3Delivery {
    fn deliver(&mut self, batch: &RecordBatch, format: &Format) -> Result<(), DeliverError> {
        self.objects.push(batch, format)?;
        let ready = self.objects.take_ready();
        if !ready.is_empty() {
            // Spooled now, sent at the next flush: a long run does not wait on the network per batch.
            self.spool_objects(ready)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<Report, DeliverError> {
        let rest = self.objects.finish()?;
        self.spool_objects(rest)?;
        self.unreachable = false;
        self.send_spooled()?;
        let mut report = std::mem::take(&mut self.report);
        report.spool_dir = Some(self.spool.dir().to_path_buf());
        Ok(report)
    }
}
