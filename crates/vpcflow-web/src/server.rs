//! The HTTP side: routes, and the handlers that turn the URL's state into a view's numbers.
//!
//! Every API answer carries the server time it took (`ms`, and a `Server-Timing` header) and the SQL of each
//! panel. The work runs on blocking threads (it is CPU-bound passes over the cache), never on the async ones.

use crate::cache::Cache;
use crate::flowmap::{self, Dim};
use crate::panels::{self, Axis, Derived};
use crate::security::{self, Guard};
use crate::sql::{Limits, SqlError, Tables};
use crate::state::{BadRequest, State};
use crate::{assets, export, flows, sqltext, words};
use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use datafusion::physical_expr::PhysicalExpr;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vpcflow_explain::Lang;
use vpcflow_netmodel::VpcModel;

/// How to serve.
#[derive(Clone)]
pub struct Options {
    /// The token every request must carry (required beyond loopback).
    pub token: Option<String>,
    /// Host names accepted besides loopback and the listening address.
    pub allowed_hosts: Vec<String>,
    /// The language the page starts in.
    pub lang: Lang,
    /// The zone times are shown in.
    pub tz: jiff::tz::TimeZone,
    /// Threads for the passes over the cache.
    pub threads: usize,
    /// Rows a query from the SQL view returns at most.
    pub max_rows: usize,
    /// Time a query from the SQL view may take.
    pub max_time: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            token: None,
            allowed_hosts: Vec::new(),
            lang: Lang::En,
            tz: jiff::tz::TimeZone::UTC,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_rows: 100_000,
            max_time: Duration::from_secs(30),
        }
    }
}

/// What every handler shares.
pub struct App {
    /// The records.
    pub cache: Cache,
    /// SQL over them.
    pub tables: Tables,
    /// Facts per distinct address.
    pub derived: Derived,
    /// Sort ranks of text values.
    pub ranks: flows::Ranks,
    /// `--vpc-config`.
    pub model: Option<VpcModel>,
    /// AWS's address ranges, for the explanations.
    pub ranges: Arc<vpcflow_catalog::AwsRanges>,
    /// The options.
    pub options: Options,
    /// The page, with its assets' hashed paths.
    index: String,
}

/// A dashboard ready to serve.
pub struct Dashboard {
    app: Arc<App>,
}

impl Dashboard {
    /// Prepares the sessions and per-value facts over `cache`.
    pub fn new(
        cache: Cache,
        model: Option<VpcModel>,
        options: Options,
    ) -> anyhow::Result<Dashboard> {
        let tables = Tables::new(&cache, options.threads)?;
        let subnet_of = |ip: std::net::IpAddr| -> Option<String> {
            let m = model.as_ref()?;
            m.subnets
                .values()
                .find(|s| s.cidrs.iter().any(|c| c.contains(&ip)))
                .map(|s| s.id.clone())
        };
        let derived = Derived::new(&cache, options.threads, &subnet_of);
        let ranks = flows::Ranks::new(&cache);
        Ok(Dashboard {
            app: Arc::new(App {
                cache,
                tables,
                derived,
                ranks,
                model,
                ranges: vpcflow_catalog::AwsRanges::load_default(),
                options,
                index: assets::index(),
            }),
        })
    }

    /// The shared state (for tests and benchmarks that call the views directly).
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// The routes, behind the guard.
    pub fn router(&self, listen: SocketAddr) -> Router {
        let guard = Arc::new(Guard::new(
            listen,
            self.app.options.token.clone(),
            &self.app.options.allowed_hosts,
        ));
        let app = self.app.clone();
        let page = {
            let app = app.clone();
            move || {
                let app = app.clone();
                async move {
                    (
                        [(header::CACHE_CONTROL, "no-cache")],
                        Html(app.index.clone()),
                    )
                }
            }
        };
        let api = |f: fn(&App, &str) -> Result<Value, ApiError>| {
            let app = app.clone();
            move |RawQuery(q): RawQuery| {
                let app = app.clone();
                async move { run(app, q.unwrap_or_default(), f).await }
            }
        };
        let sql_app = app.clone();
        let export_app = app.clone();
        Router::new()
            .route("/", get(page.clone()))
            .route("/overview", get(page.clone()))
            .route("/rejects", get(page.clone()))
            .route("/flows", get(page.clone()))
            .route("/map", get(page.clone()))
            .route("/coverage", get(page.clone()))
            .route("/sql", get(page))
            .route(
                "/assets/{hash}/{name}",
                get(|Path((h, n)): Path<(String, String)>| async move { assets::serve(&h, &n) }),
            )
            .route("/api/meta", get(api(meta)))
            .route("/api/overview", get(api(overview)))
            .route("/api/rejects", get(api(rejects)))
            .route("/api/flows", get(api(page_of_flows)))
            .route("/api/row", get(api(row)))
            .route("/api/sankey", get(api(sankey)))
            .route("/api/map", get(api(vpc_map)))
            .route("/api/coverage", get(api(coverage)))
            .route(
                "/api/sql",
                post(move |body: axum::Json<Value>| {
                    let app = sql_app.clone();
                    async move { run_sql(app, body.0).await }
                }),
            )
            .route(
                "/api/export",
                get(move |RawQuery(q): RawQuery| {
                    let app = export_app.clone();
                    async move { run_export(app, q.unwrap_or_default()).await }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(guard, security::guard))
    }

    /// Serves on `listener` until the process ends.
    pub fn serve(self, listener: std::net::TcpListener) -> anyhow::Result<()> {
        let listen = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("vpcflow-serve")
            .build()?;
        let router = self.router(listen);
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, router).await
        })?;
        Ok(())
    }
}

/// Binds `listen`, or 127.0.0.1 on [`crate::DEFAULT_PORT`] (a free port when that one is taken). Refuses an
/// address beyond loopback without a token.
pub fn bind(
    listen: Option<SocketAddr>,
    token: Option<&str>,
) -> anyhow::Result<std::net::TcpListener> {
    if let Some(addr) = listen
        && !addr.ip().is_loopback()
        && token.is_none_or(str::is_empty)
    {
        anyhow::bail!(
            "refusing to listen on {addr} without --token: anyone who can reach it could read the logs and run queries \
             (give --token SECRET, or listen on 127.0.0.1)"
        );
    }
    match listen {
        Some(addr) => Ok(std::net::TcpListener::bind(addr)?),
        None => std::net::TcpListener::bind(("127.0.0.1", crate::DEFAULT_PORT))
            .or_else(|_| std::net::TcpListener::bind(("127.0.0.1", 0)))
            .map_err(Into::into),
    }
}

/// The URL to print for a listener.
pub fn url(addr: SocketAddr, token: Option<&str>) -> String {
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        match addr.ip() {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            ip => ip.to_string(),
        }
    };
    match token {
        Some(t) => format!(
            "http://{host}:{}/?token={}",
            addr.port(),
            form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()
        ),
        None => format!("http://{host}:{}/", addr.port()),
    }
}

/// An answer that is not the numbers.
#[derive(Debug)]
pub enum ApiError {
    /// The request was wrong (a bad filter, an unknown column): 400 with the message.
    Bad(String),
    /// Something failed on our side: 500.
    Internal(String),
}

impl From<BadRequest> for ApiError {
    fn from(e: BadRequest) -> Self {
        ApiError::Bad(e.0)
    }
}

impl From<datafusion::error::DataFusionError> for ApiError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        // Filters are user input: DataFusion's planning errors are what the user needs to read.
        ApiError::Bad(e.to_string())
    }
}

async fn run(
    app: Arc<App>,
    query: String,
    f: fn(&App, &str) -> Result<Value, ApiError>,
) -> Response {
    let started = Instant::now();
    let result = tokio::task::spawn_blocking(move || f(&app, &query)).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(Ok(mut v)) => {
            v["ms"] = json!((ms * 10.0).round() / 10.0);
            json_response(StatusCode::OK, &v, ms)
        }
        Ok(Err(ApiError::Bad(m))) => {
            json_response(StatusCode::BAD_REQUEST, &json!({ "error": m }), ms)
        }
        Ok(Err(ApiError::Internal(m))) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": m }),
            ms,
        ),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": e.to_string() }),
            ms,
        ),
    }
}

fn json_response(status: StatusCode, v: &Value, ms: f64) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::HeaderName::from_static("server-timing"),
                format!("app;dur={ms:.1}"),
            ),
        ],
        v.to_string(),
    )
        .into_response()
}

/// The state, its SQL condition and that condition compiled.
struct Prepared {
    state: State,
    condition: Option<String>,
    filter: Option<Arc<dyn PhysicalExpr>>,
}

fn prepare(app: &App, query: &str) -> Result<Prepared, ApiError> {
    let state = State::parse(query)?;
    let condition = state.condition(&app.cache)?;
    let filter = match &condition {
        Some(c) => Some(
            app.tables
                .filter(c)
                .map_err(|e| ApiError::Bad(filter_error(&state, e)))?,
        ),
        None => None,
    };
    Ok(Prepared {
        state,
        condition,
        filter,
    })
}

/// A filter's error, with why the filter words did not read it when that is the likelier mistake.
fn filter_error(state: &State, e: datafusion::error::DataFusionError) -> String {
    match state
        .filter
        .as_deref()
        .map(vpcflow_engine::filter::Filter::parse)
    {
        Some(vpcflow_engine::filter::Filter::Sql { words_error, .. }) => {
            format!("not a filter ({words_error}), nor SQL: {e}")
        }
        _ => e.to_string(),
    }
}

fn axis(app: &App, p: &Prepared, target: i64) -> Axis {
    Axis::new(p.state.from, p.state.to, app.derived.extent, target)
}

fn lang_of(app: &App, state: &State) -> Lang {
    state
        .get("lang")
        .and_then(Lang::from_code)
        .unwrap_or(app.options.lang)
}

fn meta(app: &App, _query: &str) -> Result<Value, ApiError> {
    let c = &app.cache;
    Ok(json!({
        "rows": c.rows,
        "columns": c.columns.iter().map(|x| json!({"name": x.name, "stored": x.stored})).collect::<Vec<_>>(),
        "lang": match app.options.lang { Lang::En => "en", Lang::Ja => "ja" },
        "tz": app.options.tz.iana_name().unwrap_or("UTC"),
        "extent": app.derived.extent,
        "files": c.report.files.len(),
        "load_seconds": c.report.seconds,
        "vpc_config": app.model.is_some(),
        "dims": Dim::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
    }))
}

fn overview(app: &App, query: &str) -> Result<Value, ApiError> {
    let p = prepare(app, query)?;
    let by_bytes = p.state.get("by") != Some("flows");
    let ax = axis(app, &p, 180);
    let o = panels::overview(
        &app.cache,
        &app.derived,
        p.filter.as_ref(),
        ax,
        by_bytes,
        10,
        app.options.threads,
    )?;
    let cond = p.condition.as_deref();
    let mut sql = json!({
        "kpis": sqltext::kpis(cond),
        "timeline": sqltext::timeline(cond, &ax),
    });
    for (column, _) in &o.top {
        sql[format!("top_{column}")] = json!(sqltext::top(cond, column, by_bytes, 10));
    }
    Ok(json!({ "overview": o, "sql": sql, "condition": p.condition }))
}

fn rejects(app: &App, query: &str) -> Result<Value, ApiError> {
    let p = prepare(app, query)?;
    let ax = axis(app, &p, 180);
    let r = panels::rejects(&app.cache, p.filter.as_ref(), ax, 200, app.options.threads)?;
    let lang = lang_of(app, &p.state);
    let rules = app.model.as_ref().map(|m| {
        let srcport = |row: u32| -> Option<u16> {
            let (b, i) = flows::locate(&app.cache, row)?;
            crate::scan::Numbers::of(&app.cache, b, "srcport")
                .get(i)
                .map(|p| p.clamp(0, 65535) as u16)
        };
        flowmap::blocking_rules(m, &r.rows, &srcport, lang)
    });
    let cond = p.condition.as_deref();
    Ok(json!({
        "rejects": {
            "axis": r.axis,
            "reject": r.reject,
            "total": r.total,
            "rows": r.rows.iter().take(50).collect::<Vec<_>>(),
        },
        "rules": rules,
        "sql": { "rejects": sqltext::rejects(cond, 50), "timeline": sqltext::timeline(cond, &ax) },
        "condition": p.condition,
    }))
}

fn page_of_flows(app: &App, query: &str) -> Result<Value, ApiError> {
    let p = prepare(app, query)?;
    let sort = p.state.get("sort").unwrap_or("start").to_string();
    if app.cache.column(&sort).is_none() {
        return Err(ApiError::Bad(format!("no column `{sort}` to sort on")));
    }
    let ascending = p.state.get("dir") == Some("asc");
    let after = match p.state.get("after") {
        Some(a) if !a.is_empty() => Some(
            flows::Cursor::parse(a)
                .ok_or_else(|| ApiError::Bad(format!("`{a}` is not a page cursor")))?,
        ),
        _ => None,
    };
    let limit = p
        .state
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(50)
        .clamp(1, 500);
    let page = flows::page(
        &app.cache,
        &app.ranks,
        p.filter.as_ref(),
        &sort,
        ascending,
        after,
        limit,
        app.options.threads,
    )?;
    Ok(json!({
        "page": page,
        "sql": { "records": sqltext::records(p.condition.as_deref(), &sort, ascending, limit) },
        "condition": p.condition,
    }))
}

fn row(app: &App, query: &str) -> Result<Value, ApiError> {
    let state = State::parse(query)?;
    let row: u32 = state
        .get("row")
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| ApiError::Bad("which row? (row=N)".to_string()))?;
    let lang = lang_of(app, &state);
    let about = words::about(
        &app.cache,
        &app.tables,
        app.model.as_ref(),
        &app.ranges,
        row,
        lang,
        &app.options.tz,
        app.options.threads,
    )?
    .ok_or_else(|| ApiError::Bad(format!("no row {row}")))?;
    let evidence: Vec<Value> = about
        .evidence
        .iter()
        .map(|r| json!({ "row": r, "values": flows::values(&app.cache, *r) }))
        .collect();
    let columns: Vec<&str> = app
        .cache
        .columns
        .iter()
        .filter(|c| c.stored)
        .map(|c| c.name.as_str())
        .collect();
    Ok(json!({
        "row": row,
        "columns": columns,
        "values": flows::values(&app.cache, row),
        "about": about,
        "evidence": evidence,
    }))
}

fn sankey(app: &App, query: &str) -> Result<Value, ApiError> {
    let p = prepare(app, query)?;
    let dims: Vec<Dim> = match p.state.get("dims") {
        Some(d) if !d.is_empty() => d
            .split(',')
            .map(|n| {
                Dim::parse(n.trim()).ok_or_else(|| ApiError::Bad(format!("no dimension `{n}`")))
            })
            .collect::<Result<_, _>>()?,
        _ => vec![Dim::SrcNet, Dim::DstPort, Dim::Action, Dim::Path],
    };
    if dims.len() < 2 {
        return Err(ApiError::Bad(
            "a Sankey needs two dimensions or more".to_string(),
        ));
    }
    let n = p
        .state
        .get("n")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(12)
        .clamp(2, 50);
    let s = flowmap::sankey(
        &app.cache,
        &app.derived,
        p.filter.as_ref(),
        &dims,
        n,
        app.options.threads,
    )?;
    let columns: Vec<String> = dims
        .iter()
        .map(|d| match d {
            Dim::SrcNet => "srcaddr".to_string(),
            Dim::DstNet => "dstaddr".to_string(),
            d => d.column().unwrap_or("srcaddr").to_string(),
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let map = match &app.model {
        Some(m) => Some(flowmap::vpc_map(
            &app.cache,
            m,
            p.filter.as_ref(),
            app.options.threads,
        )?),
        None => None,
    };
    Ok(json!({
        "sankey": s,
        "map": map,
        "sql": { "sankey": sqltext::sankey(p.condition.as_deref(), &columns) },
        "condition": p.condition,
    }))
}

fn vpc_map(app: &App, query: &str) -> Result<Value, ApiError> {
    let p = prepare(app, query)?;
    let map = match &app.model {
        Some(m) => Some(flowmap::vpc_map(
            &app.cache,
            m,
            p.filter.as_ref(),
            app.options.threads,
        )?),
        None => None,
    };
    Ok(json!({ "map": map }))
}

fn coverage(app: &App, query: &str) -> Result<Value, ApiError> {
    let p = prepare(app, query)?;
    let ax = axis(app, &p, 96);
    let c = panels::coverage(&app.cache, p.filter.as_ref(), ax, 40, app.options.threads)?;
    let r = &app.cache.report;
    let fields: Vec<&str> = app
        .cache
        .columns
        .iter()
        .filter(|c| c.stored && !c.name.starts_with('$'))
        .map(|c| c.name.as_str())
        .collect();
    Ok(json!({
        "coverage": c,
        "fields": fields,
        "files": r.files,
        "problems": r.problems,
        "problem_count": r.problem_count,
        "sql": { "coverage": sqltext::coverage(p.condition.as_deref(), &ax) },
        "condition": p.condition,
    }))
}

async fn run_sql(app: Arc<App>, body: Value) -> Response {
    let started = Instant::now();
    let Some(sql) = body.get("sql").and_then(|s| s.as_str()).map(str::to_string) else {
        return json_response(StatusCode::BAD_REQUEST, &json!({"error": "no SQL"}), 0.0);
    };
    let limits = Limits {
        rows: body
            .get("limit")
            .and_then(|l| l.as_u64())
            .map_or(1000, |l| l as usize)
            .min(app.options.max_rows),
        time: app.options.max_time,
    };
    let answer = app.tables.run(&sql, limits).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match answer {
        Ok(a) => {
            let columns: Vec<&str> = a
                .schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            let rows = rows_json(&a.batches);
            json_response(
                StatusCode::OK,
                &json!({ "columns": columns, "rows": rows, "truncated": a.truncated, "ms": (ms * 10.0).round() / 10.0 }),
                ms,
            )
        }
        Err(e) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": e.to_string() }),
            ms,
        ),
    }
}

/// Rows as arrays of JSON values, via Arrow's JSON writer (numbers stay numbers).
fn rows_json(batches: &[arrow::record_batch::RecordBatch]) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for b in batches {
        let schema = b.schema();
        let mut buf = Vec::new();
        {
            let mut w = arrow::json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, arrow::json::writer::JsonArray>(&mut buf);
            if w.write(b).is_err() || w.finish().is_err() {
                continue;
            }
        }
        let Ok(Value::Array(objects)) = serde_json::from_slice::<Value>(&buf) else {
            continue;
        };
        for o in objects {
            out.push(
                schema
                    .fields()
                    .iter()
                    .map(|f| o.get(f.name()).cloned().unwrap_or(Value::Null))
                    .collect(),
            );
        }
    }
    out
}

async fn run_export(app: Arc<App>, query: String) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    let Some(sql) = get("sql") else {
        return (StatusCode::BAD_REQUEST, "no SQL").into_response();
    };
    let Some(format) = get("format").as_deref().and_then(export::Format::parse) else {
        return (StatusCode::BAD_REQUEST, "format: csv, json or parquet").into_response();
    };
    let name = get("name")
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or_else(|| "vpcflow".to_string());
    let limits = Limits {
        rows: app.options.max_rows.max(1_000_000),
        time: app.options.max_time,
    };
    match app.tables.run(&sql, limits).await {
        Ok(a) => match export::write(format, &a.schema, &a.batches) {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, format.media_type().to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.{}\"", format.extension()),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        },
        Err(SqlError::Timeout(d)) => (
            StatusCode::BAD_REQUEST,
            format!("the query ran longer than {} s", d.as_secs()),
        )
            .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}
