//! An HTTP proxy in front of the S3 server that the executors talk to: it can hold a request for a chosen
//! object (so that the task reading it is surely running when the test acts) and answer with S3's
//! `503 SlowDown` (so that the read fails as throttled).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to do to requests whose request line holds a needle.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Wait until released (or a minute) before forwarding.
    Hold,
    /// Answer `503 SlowDown` without asking the server.
    SlowDown,
}

#[derive(Default)]
struct State {
    /// (needle, fault, times left).
    faults: Mutex<Vec<(String, Fault, usize)>>,
    /// Requests being held now.
    holding: AtomicUsize,
    /// The client ports of the connections requests were held on.
    held_from: Mutex<Vec<u16>>,
    released: AtomicBool,
    /// GET request lines seen.
    gets: Mutex<Vec<String>>,
}

pub struct Proxy {
    pub url: String,
    pub port: u16,
    state: Arc<State>,
}

impl Proxy {
    pub fn new(target: &str) -> Proxy {
        let target = target.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (target, state) = (target.clone(), shared.clone());
                std::thread::spawn(move || serve(client, &target, &state));
            }
        });
        Proxy {
            url: format!("http://127.0.0.1:{port}"),
            port,
            state,
        }
    }

    /// The next `times` requests whose request line contains `needle` meet `fault`.
    pub fn fault(&self, needle: &str, fault: Fault, times: usize) {
        self.state
            .faults
            .lock()
            .unwrap()
            .push((needle.to_string(), fault, times));
    }

    /// Waits until a request is being held.
    pub fn wait_for_a_hold(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while self.state.holding.load(Ordering::SeqCst) == 0 {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// The client ports of the connections requests were held on (which process sent them: see the
    /// harness's `executor_owning`).
    pub fn held_from(&self) -> Vec<u16> {
        self.state.held_from.lock().unwrap().clone()
    }

    /// Lets every held request (and any later one) through.
    pub fn release(&self) {
        self.state.released.store(true, Ordering::SeqCst);
    }

    /// The GET requests whose line contains `needle`, so far.
    pub fn gets(&self, needle: &str) -> usize {
        self.state
            .gets
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }
}

/// Reads an HTTP message head (through the blank line).
fn head(r: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        out.extend_from_slice(&line);
        if line == b"\r\n" {
            return Some(out);
        }
    }
}

fn header(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head).lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Serves one client connection, one request at a time, each through a fresh connection to the server.
fn serve(client: TcpStream, target: &str, state: &State) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut writer = client;
    while let Some(request) = head(&mut reader) {
        let length: usize = header(&request, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let line = String::from_utf8_lossy(&request)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        if line.starts_with("GET ") {
            state.gets.lock().unwrap().push(line.clone());
        }
        let fault = {
            let mut faults = state.faults.lock().unwrap();
            faults
                .iter_mut()
                .find(|(needle, _, left)| *left > 0 && line.contains(needle.as_str()))
                .map(|(_, fault, left)| {
                    *left -= 1;
                    *fault
                })
        };
        match fault {
            Some(Fault::SlowDown) => {
                let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>\
                           <Message>Please reduce your request rate.</Message></Error>";
                let response = format!(
                    "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{xml}",
                    xml.len()
                );
                if writer.write_all(response.as_bytes()).is_err() {
                    return;
                }
                continue;
            }
            Some(Fault::Hold) => {
                if let Ok(peer) = writer.peer_addr() {
                    state.held_from.lock().unwrap().push(peer.port());
                }
                state.holding.fetch_add(1, Ordering::SeqCst);
                let deadline = Instant::now() + Duration::from_secs(60);
                while !state.released.load(Ordering::SeqCst) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(50));
                }
                state.holding.fetch_sub(1, Ordering::SeqCst);
            }
            None => {}
        }
        let Ok(mut upstream) = TcpStream::connect(target) else {
            return;
        };
        if upstream.write_all(&request).is_err() || upstream.write_all(&body).is_err() {
            return;
        }
        let mut up = BufReader::new(upstream);
        let Some(response) = head(&mut up) else {
            return;
        };
        let status_line = String::from_utf8_lossy(&response)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        let no_body = line.starts_with("HEAD ")
            || status_line.contains(" 204 ")
            || status_line.contains(" 304 ");
        let mut payload = Vec::new();
        if !no_body {
            match header(&response, "content-length").and_then(|v| v.parse::<usize>().ok()) {
                Some(n) => {
                    payload.resize(n, 0);
                    if up.read_exact(&mut payload).is_err() {
                        return;
                    }
                }
                None => {
                    let _ = up.read_to_end(&mut payload);
                }
            }
        }
        if writer.write_all(&response).is_err() || writer.write_all(&payload).is_err() {
            return;
        }
    }
}
