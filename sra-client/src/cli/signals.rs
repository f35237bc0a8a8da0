//! SIGTERM, SIGINT and SIGHUP end the tools cleanly (outputs finished, kickfile run).

/// Completes on the first SIGTERM, SIGINT or SIGHUP. If the handlers cannot be installed it
/// never completes (the default signal behaviour then applies).
pub async fn terminated() {
    use tokio::signal::unix::{signal, SignalKind};
    let kinds = [
        SignalKind::terminate(),
        SignalKind::interrupt(),
        SignalKind::hangup(),
    ];
    let mut streams = Vec::new();
    for k in kinds {
        match signal(k) {
            Ok(s) => streams.push(s),
            Err(e) => tracing::warn!("cannot handle signal: {e}"),
        }
    }
    if streams.is_empty() {
        futures::future::pending::<()>().await;
    }
    let waits = streams.iter_mut().map(|s| Box::pin(s.recv()));
    futures::future::select_all(waits).await;
}
