//! sratool's engine ([`Tool`]) against a small fake srad, for races the binary tests can only
//! hit by chance.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axa_proto::Op;
use common::{listener, Peer};
use sra_client::sratool::tool::{Tool, ToolEvent};
use sra_client::TlsOptions;

/// A `Write` whose bytes the test can read afterwards.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Reference test 001010 made deterministic: the server answers `ERROR USER` and closes at
/// once, and the tool looks only once both the reply and the end of the stream are there.
/// The reply must still be printed, before `connection closed`.
#[tokio::test]
async fn user_error_followed_by_close_is_printed() {
    let (l, port) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut p = Peer::new(tcp);
        assert_eq!(p.recv().await.op(), Op::User);
        p.hello().await;
        assert_eq!(p.recv().await.op(), Op::Hello);
        p.error(0, Op::User, "invalid user nobody").await;
    });
    let (out, err) = (Shared::default(), Shared::default());
    let mut tool = Tool::new(
        None,
        TlsOptions::default(),
        false,
        0,
        Box::new(out.clone()),
        Box::new(err.clone()),
    );
    let line = format!("connect tcp:nobody@127.0.0.1,{port}");
    assert!(tool.run_line(&line).await.is_ok(), "{}", err.text());
    server.await.unwrap();
    // Let the client's connection task read everything and end.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(5), tool.next_event())
            .await
            .expect("next_event hung");
        let Some(ev) = ev else { break };
        let closed = matches!(ev, ToolEvent::Closed);
        seen.push(format!("{ev:?}"));
        tool.show(ev).await;
        if closed {
            break;
        }
    }
    let (out, err) = (out.text(), err.text());
    assert!(
        out.contains("* ERROR USER invalid user nobody"),
        "{out}\n{err}\n{seen:?}"
    );
    assert!(err.contains("connection closed"), "{out}\n{err}");
    assert!(!tool.connected());
}
