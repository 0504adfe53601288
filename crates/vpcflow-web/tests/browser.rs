//! The dashboard as a person uses it, in a real headless Chromium (Debian's `chromium` and `chromium-driver`):
//! the server runs in this process on a free loopback port and the test drives the browser through every view:
//! brushing the timeline, clicking a value to filter, opening a rejected flow's "why", switching to Japanese,
//! running SQL and downloading CSV. Any console error, script error or Content-Security-Policy violation fails
//! it. The fixture puts script and HTML in every string the page shows (record fields, a file name, the VPC
//! configuration), and the test checks that none of it runs and that it shows as written.
//!
//! Screenshots of each view are kept under `$CARGO_TARGET_DIR/vpcflow-web-screenshots/` (the path is printed).
//! Without Chromium the test says why and passes, except under `CI=true`, where the browser must be there.

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
/// The browser itself (`/usr/bin/chromium` is Debian's wrapper script, which chromedriver cannot drive).
const CHROMIUM_BINARY: &str = "/usr/lib/chromium/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Strings that would run if the page built HTML from data.
const XSS_IMG: &str = "<img/src=x/onerror=window.__x=1>";
const XSS_SCRIPT: &str = "<script>window.__x=2</script>";
/// A file name that would run if the page built HTML from it, with the characters an object store path encodes.
const HOSTILE_NAME: &str = "flows-<img src=x onerror=window.__x=3>&\"'%3C.log";

/// A flow log with a header line (as S3 delivers it), two hours of traffic on the exp1 instance, one rejected
/// HTTP request that the security group blocks, and script in every free-text field.
fn write_fixture(dir: &Path) -> PathBuf {
    let mut text = String::from(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id az-id pkt-src-aws-service\n",
    );
    let base = 1_676_320_000i64;
    let eni = "eni-0322957cfa6bc9585";
    for i in 0..120i64 {
        let t = base + i * 60;
        // The instance talks to the internet (NTP) and is reached on port 22 from the office.
        text.push_str(&format!(
            "5 417338593075 {eni} 10.0.10.30 162.159.200.123 {} 123 17 1 76 {t} {} ACCEPT OK vpc-0b1e2c3d4f5a60718 subnet-0a1b2c3d4e5f60718 i-0abc1234def567890 apne1-az4 -\n",
            40000 + i,
            t + 60
        ));
        text.push_str(&format!(
            "5 417338593075 {eni} 198.51.100.{} 10.0.10.30 {} 22 6 10 {} {t} {} ACCEPT OK vpc-0b1e2c3d4f5a60718 subnet-0a1b2c3d4e5f60718 i-0abc1234def567890 apne1-az4 -\n",
            1 + i % 5,
            50000 + i,
            1000 + 10 * i,
            t + 60
        ));
    }
    // The seed's rejected HTTP request (exp1), late in the range.
    text.push_str(&format!(
        "5 417338593075 {eni} 27.138.93.252 10.0.10.30 50611 80 6 11 688 {} {} REJECT OK vpc-0b1e2c3d4f5a60718 subnet-0a1b2c3d4e5f60718 i-0abc1234def567890 apne1-az4 -\n",
        base + 6000,
        base + 6060
    ));
    // Script and HTML in every free-text field.
    text.push_str(&format!(
        "5 {XSS_IMG} eni-0ffffffffffffffff 10.0.10.40 10.0.10.30 1234 443 6 1 40 {} {} ACCEPT OK {XSS_IMG} {XSS_SCRIPT} {XSS_IMG} {XSS_SCRIPT} {XSS_IMG}\n",
        base + 100,
        base + 160
    ));
    // The file name carries markup too (all but `/`, which no file name can hold).
    let path = dir.join(HOSTILE_NAME);
    std::fs::write(&path, text).unwrap();
    path
}

/// The exp1 VPC, with script in the security group's and the interface's descriptions.
fn write_config(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/scenarios/exp1-http-rejected-by-security-group/vpc");
    let out = dir.join("vpc");
    std::fs::create_dir_all(&out).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        text = text.replace(
            "\"Description\": \"launch-wizard-1",
            &format!(
                "\"Description\": \"{} launch-wizard-1",
                XSS_IMG.replace('"', "\\\"")
            ),
        );
        std::fs::write(out.join(entry.file_name()), text).unwrap();
    }
    out
}

/// The cache over `paths`, read through a session as `vpcflow serve` reads them.
fn load(paths: &[String]) -> vpcflow_web::Cache {
    let session = vpcflow_source::session::Session::open(
        vpcflow_source::session::SessionOptions {
            inputs: paths.to_vec(),
            ..Default::default()
        },
        std::sync::Arc::new(|_| {}),
    )
    .unwrap();
    vpcflow_web::load(&session, &vpcflow_web::LoadOptions::default())
        .unwrap()
        .expect("not --strict")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("vpcflow-web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// chromedriver and every browser process it started, ended when dropped, a failed assertion included: the
/// driver runs in a process group of its own, which is killed whole, and any process still naming this test's own
/// browser profile directory is killed after it (nothing else on the machine is touched).
struct Driver {
    child: Child,
    profile: PathBuf,
}

impl Driver {
    fn start(port: u16, profile: PathBuf) -> Driver {
        use std::os::unix::process::CommandExt;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        Driver { child, profile }
    }

    /// The processes (other than this one) whose command line names the profile directory.
    fn browsers(&self) -> Vec<u32> {
        let me = std::process::id();
        let needle = self.profile.display().to_string();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| *pid != me)
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
            })
            .collect()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let mut targets = self.browsers();
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Killed processes take a moment to exit: wait until each one is gone (or only a zombie is left).
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            targets.extend(self.browsers());
            targets.retain(|pid| running(*pid));
            if targets.is_empty() {
                return;
            }
            for pid in &targets {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Whether process `pid` exists and is not a zombie.
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        !state.starts_with(['Z', 'X'])
    })
}

/// The browser's console, as chromedriver keeps it (`goog:loggingPrefs`).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

struct Page {
    client: Client,
    base: String,
    shots: PathBuf,
}

impl Page {
    async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
        self.ready().await;
    }

    /// Waits until the page says every fetch is done.
    async fn ready(&self) {
        let started = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let state = self
                .client
                .execute("return document.body.dataset.state || ''", vec![])
                .await
                .unwrap();
            if state == "ready" {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the page never got ready"
            );
        }
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// Fails on any console error or warning about security, any script error the page caught, and any sign
    /// that the fixture's script ran.
    async fn assert_clean(&self, when: &str) {
        let log = self.client.issue_cmd(BrowserLog).await.unwrap();
        let bad: Vec<&Value> = log
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|e| {
                        let level = e["level"].as_str().unwrap_or("");
                        let message = e["message"].as_str().unwrap_or("");
                        level == "SEVERE" || message.contains("Content Security Policy")
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert!(bad.is_empty(), "console errors {when}: {bad:#?}");
        let errors = self
            .js("return window.__vpcflow ? window.__vpcflow.errors : ['no app']")
            .await;
        assert_eq!(errors, json!([]), "page errors {when}");
        let x = self.js("return typeof window.__x").await;
        assert_eq!(x, json!("undefined"), "the fixture's script ran {when}");
    }

    async fn kpi(&self, name: &str) -> String {
        self.text(&format!("[data-kpi={name}] .number")).await
    }
}

fn browser_available() -> bool {
    let there = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !there {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "{CHROMIUM} and {CHROMEDRIVER} are needed (scripts/test.sh installs chromium and chromium-driver)"
            );
        }
        eprintln!(
            "skipping the browser test: {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver fonts-noto-cjk)"
        );
    }
    there
}

#[test]
fn a_person_uses_every_view() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = write_fixture(dir.path());
    let config = write_config(dir.path());
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();

    // The server, as `vpcflow serve` starts it.
    let cache = load(&[log.display().to_string()]);
    let records = cache.rows;
    assert_eq!(records, 242);
    let model = vpcflow_netmodel::VpcModel::load(&config).unwrap();
    let dashboard =
        vpcflow_web::Dashboard::new(cache, Some(model), vpcflow_web::Options::default()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || dashboard.serve(listener));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(drive(base, dir.path(), &downloads));
}

/// chromedriver on a free port, and a session in a new headless Chromium with its own profile directory.
async fn browser(profile: &Path, downloads: &Path) -> (Driver, Client) {
    let port = free_port();
    let driver = Driver::start(port, profile.to_path_buf());
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM_BINARY,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic", format!("--user-data-dir={}", profile.display())],
            "prefs": { "download.default_directory": downloads.display().to_string(),
                       "download.prompt_for_download": false }
        },
        "goog:loggingPrefs": { "browser": "ALL" }
    });
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    (driver, client.expect("chromedriver answers"))
}

/// A browser test that fails half-way (its session never closed, the panic unwinding through it) leaves no
/// chromedriver and no Chromium behind.
#[test]
fn a_failing_browser_test_leaves_no_browser_behind() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (pids, panicked) = runtime.block_on(async {
        let (driver, client) = browser(&profile, dir.path()).await;
        client.goto("about:blank").await.unwrap();
        let mut pids = driver.browsers();
        pids.push(driver.child.id());
        // What a failed assertion does: unwind with the session open.
        let panicked = std::panic::AssertUnwindSafe(async move {
            let _driver = driver;
            let _client = client;
            panic!("a failed assertion");
        });
        let panicked = panics(panicked).await;
        (pids, panicked)
    });
    assert!(panicked, "the step failed");
    assert!(pids.len() >= 2, "chromedriver and Chromium ran: {pids:?}");
    let alive: Vec<u32> = pids.into_iter().filter(|pid| running(*pid)).collect();
    assert_eq!(alive, Vec::<u32>::new(), "processes left behind");
}

/// Runs `fut`, telling whether it panicked (the panic's unwinding drops what it held, as a failed test's does).
async fn panics(fut: impl std::future::Future<Output = ()>) -> bool {
    let fut = std::pin::pin!(fut);
    let mut fut = Some(fut);
    std::future::poll_fn(move |cx| {
        let f = fut.as_mut().expect("polled after the end");
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.as_mut().poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(())) => std::task::Poll::Ready(false),
            Err(_) => std::task::Poll::Ready(true),
        }
    })
    .await
}

/// The browser's part.
async fn drive(base: String, dir: &Path, downloads: &Path) {
    let profile = dir.join("profile");
    let (_driver, client) = browser(&profile, downloads).await;
    let page = Page {
        client,
        base,
        shots: screenshots_dir(),
    };
    eprintln!("screenshots: {}", page.shots.display());

    // Overview: every record, then a brush over the first part of the timeline narrows every panel.
    page.open("/overview").await;
    assert_eq!(page.kpi("records").await, "242");
    page.shot("overview").await;
    page.assert_clean("on the overview").await;
    let chart = page
        .client
        .find(Locator::Css("[data-brush=time]"))
        .await
        .unwrap();
    let (x, y, w, h) = chart.rectangle().await.unwrap();
    let drag = MouseActions::new("mouse".to_string())
        .then(PointerAction::MoveTo {
            duration: None,
            x: x + 70.0,
            y: y + h / 2.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveTo {
            duration: Some(Duration::from_millis(300)),
            x: x + 70.0 + (w - 90.0) * 0.4,
            y: y + h / 2.0,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    page.client.perform_actions(drag).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    page.ready().await;
    let url = page.url().await;
    assert!(
        url.contains("from=") && url.contains("to="),
        "the brush set the range: {url}"
    );
    let brushed: u64 = page.kpi("records").await.replace(',', "").parse().unwrap();
    assert!(
        brushed > 0 && brushed < 242,
        "the brush narrowed the records: {brushed}"
    );
    let top_ports = page.text("[data-top=dstport] tbody").await;
    assert!(
        !top_ports.contains("80 (HTTP)"),
        "the late rejected HTTP request is outside the range: {top_ports}"
    );
    page.shot("overview-brushed").await;

    // The Flows table follows the same range.
    page.client
        .find(Locator::Css("nav a[href^='/flows']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.ready().await;
    let rows = page
        .js("return document.querySelectorAll('table.records tbody tr').length")
        .await;
    assert_eq!(rows, json!(brushed.min(50)));
    page.client
        .find(Locator::Css("#range-reset"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.ready().await;
    assert_eq!(
        page.js("return document.querySelectorAll('table.records tbody tr').length")
            .await,
        json!(50)
    );
    // Keyset paging: the next page starts after the last row.
    let first_page_last = page.js("const r = document.querySelectorAll('table.records tbody tr'); return r[r.length-1].dataset.row").await;
    page.client
        .find(Locator::Css("#next-page"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.ready().await;
    assert!(page.url().await.contains("after="));
    let second_first = page
        .js("return document.querySelector('table.records tbody tr').dataset.row")
        .await;
    assert_ne!(first_page_last, second_first);

    // Click a value to filter: the rejected source.
    page.open("/rejects").await;
    page.shot("rejects").await;
    let source = page
        .client
        .find(Locator::Css(
            ".reject-row button.value[data-column=srcaddr]",
        ))
        .await
        .unwrap();
    assert_eq!(source.text().await.unwrap(), "27.138.93.252");
    source.click().await.unwrap();
    page.client
        .find(Locator::Css("#menu button.include"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.ready().await;
    assert!(page.url().await.contains("f=in%3Asrcaddr%3A27.138.93.252"));
    assert!(page.text("#chips").await.contains("27.138.93.252"));
    // Open the rejected row's "why": the security group has no inbound rule for HTTP.
    page.client
        .find(Locator::Css(".reject-row button.why"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.ready().await;
    let why = page.text("#drawer .about-diagnosis").await;
    assert!(
        why.contains("sg-0c1d2e3f4a5b60789"),
        "the why names the security group: {why}"
    );
    assert!(why.to_lowercase().contains("security group"), "{why}");
    page.shot("rejects-why").await;
    let rules = page.text(".rules").await;
    assert!(
        rules.contains("sg-0c1d2e3f4a5b60789"),
        "top blocking rules: {rules}"
    );
    page.assert_clean("on the rejects").await;

    page.client
        .find(Locator::Css("#drawer .close"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // Japanese: the labels, the explanation and the diagnosis.
    page.client
        .find(Locator::XPath("//span[@id='lang']/button[text()='日本語']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.ready().await;
    assert!(page.text("nav").await.contains("概要"));
    page.client
        .find(Locator::Css(".reject-row button.why"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.ready().await;
    let why_ja = page.text("#drawer").await;
    assert!(why_ja.contains("なぜ拒否されたのか"), "{why_ja}");
    assert!(
        why_ja.contains("セキュリティグループ"),
        "the diagnosis in Japanese: {why_ja}"
    );
    page.shot("rejects-why-ja").await;
    page.open("/overview?lang=ja").await;
    page.shot("overview-ja").await;
    page.assert_clean("in Japanese").await;

    // The fixture's script shows as text, in the records and in the file name.
    page.open("/flows?lang=en&sort=bytes&dir=asc").await;
    let table = page.text("table.records").await;
    assert!(
        table.contains(XSS_IMG) && table.contains(XSS_SCRIPT),
        "the text shows as written"
    );
    page.open("/coverage").await;
    page.shot("coverage").await;
    let files = page.text(".files").await;
    assert!(
        files.contains(HOSTILE_NAME),
        "the file name shows as written: {files}"
    );
    page.open("/map").await;
    let sankey = page
        .js("return Number(document.querySelector('[data-sankey]').dataset.sankey)")
        .await;
    assert!(sankey.as_u64().unwrap() >= 4, "the Sankey has nodes");
    let vpc = page
        .js("return Number(document.querySelector('[data-vpc]').dataset.vpc)")
        .await;
    assert!(vpc.as_u64().unwrap() >= 3, "the VPC is drawn");
    page.shot("map").await;
    page.assert_clean("after the fixture's strings were shown")
        .await;

    // SQL: run a query, download its CSV.
    page.open("/sql").await;
    let text = page.client.find(Locator::Css("#sql-text")).await.unwrap();
    text.clear().await.unwrap();
    text.send_keys("SELECT vpc_id, COUNT(*) AS n FROM flows GROUP BY vpc_id ORDER BY n DESC")
        .await
        .unwrap();
    page.client
        .find(Locator::Css("#sql-run"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.ready().await;
    let out = page.text("#sql-out table").await;
    assert!(
        out.contains("vpc-0b1e2c3d4f5a60718") && out.contains("241"),
        "{out}"
    );
    assert!(out.contains(XSS_IMG));
    page.shot("sql").await;
    page.client
        .find(Locator::Css("#sql-out a.download-csv"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let started = Instant::now();
    let csv = loop {
        let done: Vec<PathBuf> = std::fs::read_dir(downloads)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        if let Some(p) = done.first() {
            break std::fs::read_to_string(p).unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no CSV was downloaded"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(csv.lines().next(), Some("vpc_id,n"));
    assert!(csv.contains("vpc-0b1e2c3d4f5a60718,241"), "{csv}");
    page.assert_clean("at the end").await;
    page.client.close().await.unwrap();
}
