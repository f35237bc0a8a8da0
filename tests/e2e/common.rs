//! Shared pieces of the end-to-end tests: a real server in its own runtime, key stores and
//! certificates from `sra-keys`, the workspace binaries run as processes, and deadlines.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axa::keys::{Account, KeyAlgorithm, KeyStore, SelfSigned};
use axa::server::config::Config;
use axa::server::context::ServerContext;
use axa::server::server::Server;

/// A real server running in a runtime of its own, so that stopping it (dropping the runtime)
/// closes every session's socket, as killing `srad` would.
pub struct TestServer {
    /// Bound TLS/TCP listener addresses, in configuration order.
    pub addrs: Vec<SocketAddr>,
    /// The server's shared state (configuration, key store, watch index).
    pub ctx: Arc<ServerContext>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Parses `config` and starts it; panics with the reason if it does not start.
    pub fn start(config: &str) -> TestServer {
        let config = Config::parse(config).unwrap_or_else(|e| panic!("config: {e:?}\n{config}"));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                match Server::start(config).await {
                    Ok(server) => {
                        let _ =
                            ready_tx.send(Ok((server.tcp_addrs.clone(), server.context().clone())));
                        let _ = stopped.await;
                        drop(server);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                    }
                }
            });
            // Dropping the runtime cancels every session task and closes its socket.
            rt.shutdown_timeout(Duration::from_secs(2));
        });
        let (addrs, ctx) = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server did not start in time")
            .unwrap_or_else(|e| panic!("server did not start: {e}"));
        TestServer {
            addrs,
            ctx,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The port of the `i`-th TLS/TCP listener.
    pub fn port(&self, i: usize) -> u16 {
        self.addrs[i].port()
    }

    /// Stops the server and waits until every socket is closed.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A TLS server identity and an API-key store written into a temporary directory.
pub struct Keys {
    /// Holds the files.
    pub dir: tempfile::TempDir,
    /// `cert.pem`.
    pub cert: PathBuf,
    /// `key.pem`.
    pub key: PathBuf,
    /// The key store file.
    pub store: PathBuf,
    /// SHA-256 of the certificate DER, hex.
    pub pin: String,
    /// `(account name, API key)` in the order given.
    pub api_keys: Vec<(String, String)>,
}

/// Generates a certificate for `localhost`/`127.0.0.1` and a key store with one API-key
/// account per `(name, channels)`.
pub fn keys(accounts: &[(&str, &str)]) -> Keys {
    let dir = tempfile::tempdir().unwrap();
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let cert = SelfSigned::generate(&names, KeyAlgorithm::EcdsaP256).unwrap();
    let (cert_path, key_path) = cert.write_files(dir.path()).unwrap();
    let mut store = KeyStore::new();
    let api_keys = accounts
        .iter()
        .map(|(name, channels)| {
            let key = store
                .add_user(Account::new(*name, channels.parse().unwrap()))
                .unwrap();
            (name.to_string(), key.as_str().to_string())
        })
        .collect();
    let store_path = dir.path().join("keys.toml");
    store.save(&store_path).unwrap();
    Keys {
        pin: axa::keys::fingerprint_hex(&cert.cert_der),
        dir,
        cert: cert_path,
        key: key_path,
        store: store_path,
        api_keys,
    }
}

impl Keys {
    /// The `[server]` and `[tls]` tables of a configuration using these files.
    pub fn config_tables(&self) -> String {
        format!(
            "[server]\nkey_store = {:?}\n\n[tls]\ncert = {:?}\nkey = {:?}\n\n",
            self.store.display().to_string(),
            self.cert.display().to_string(),
            self.key.display().to_string()
        )
    }

    /// The API key of account `name`.
    pub fn api_key(&self, name: &str) -> &str {
        &self.api_keys.iter().find(|(n, _)| n == name).unwrap().1
    }
}

/// A workspace binary (`sratool`, `sratunnel`, `srad`) next to this test's directory, or an
/// explanation of how to build it.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // …/target/debug/deps/e2e-HASH → …/target/debug/NAME
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} not found: run `cargo test --workspace`, or build the binaries first with \
         `cargo build -p sra-client -p sra-server --bins`",
        path.display()
    );
    path
}

/// An example program of this package (built by `cargo test`).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let path = dir.join("examples").join(name);
    assert!(
        path.is_file(),
        "{} not found: run `cargo test -p axa` (which builds the examples) or `cargo build \
         --examples`",
        path.display()
    );
    path
}

/// What a finished (or killed) process printed.
#[derive(Debug)]
pub struct Run {
    /// Exit status; `None` when the deadline killed it.
    pub status: Option<ExitStatus>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `cmd` with stdin closed and output captured in files; kills it at `limit`.
pub fn run(mut cmd: Command, limit: Duration) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
    }
}

/// Polls `f` every 20 ms until it returns `Some` or `limit` passes.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `rrname` of an SIE dnsdedupe payload (through nmsgtool JSON), if it has one.
pub fn rrname(p: &axa::nmsg::Payload) -> Option<String> {
    names(p).into_iter().next()
}

/// The names an SIE dnsdedupe payload carries, through nmsgtool JSON: `rrname` first, then
/// `bailiwick` and the `rdata` texts (domain watches match the bailiwick and rdata names).
pub fn names(p: &axa::nmsg::Payload) -> Vec<String> {
    let mut line = String::new();
    if axa::nmsg::json::write_payload(&mut line, p).is_err() {
        return Vec::new();
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
        return Vec::new();
    };
    let m = &v["message"];
    let rdata = m["rdata"].as_array().into_iter().flatten();
    [&m["rrname"], &m["bailiwick"]]
        .into_iter()
        .chain(rdata)
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

/// Whether a domain watch `dns=*.SUFFIX` explains this hit: some name of it is under
/// `suffix` (given with its trailing dot, e.g. `.com.`).
pub fn has_name_under(p: &axa::nmsg::Payload, suffix: &str) -> bool {
    names(p)
        .iter()
        .any(|n| n.to_ascii_lowercase().ends_with(suffix))
}
