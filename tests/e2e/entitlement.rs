//! Scenario e: two API-key users over TLS; one can never switch on, watch or see the other's
//! channels, and sees only its own watches.

use std::time::Duration;

use axa::client::transport::TransportOptions;
use axa::client::{
    CertPin, Client, ClientError, ClientOptions, Event, Events, SessionError, TlsOptions, TlsVerify,
};
use axa::proto::{Watch, WatchMode};

use crate::common::{keys, Keys, TestServer};

async fn login(k: &Keys, port: u16, name: &str) -> (Client, Events) {
    let opts = ClientOptions {
        origin: "e2e".into(),
        transport: TransportOptions {
            tls: TlsOptions {
                verify: TlsVerify::Pin(vec![CertPin::parse(&k.pin).unwrap()]),
                tls12_ciphers: None,
            },
            plain_apikey: false,
        },
        ..ClientOptions::default()
    };
    let spec = format!("apikey:{}@127.0.0.1,{port}", k.api_key(name));
    let (client, events) = Client::connect_str(&spec, &opts).await.unwrap();
    let text = client.authenticated().await.unwrap().unwrap_or_default();
    assert!(text.starts_with(name), "{text}");
    (client, events)
}

/// The channels of the hits that arrive within `d`.
async fn hit_channels(events: &mut Events, d: Duration) -> Vec<u16> {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(d, async {
        while let Some(ev) = events.next().await {
            if let Event::Hit { whit, .. } = ev {
                out.push(whit.ch());
            }
        }
    })
    .await;
    out
}

fn refused<T: std::fmt::Debug>(r: Result<T, ClientError>) -> String {
    match r {
        Err(ClientError::Session(SessionError::Refused(f))) => f.to_string(),
        other => panic!("expected an ERROR reply, got {other:?}"),
    }
}

fn watch(text: &str) -> Watch {
    Watch::parse_text(text, WatchMode::Sra).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_isolated() {
    let k = keys(&[("alice", "204"), ("bob", "213")]);
    let s = TestServer::start(&format!(
        r#"{}
[[listener]]
kind = "tls"
address = "127.0.0.1:0"
logins = ["apikey"]

[[channel]]
number = 204
description = "ch204 generated"
source = {{ kind = "generator", generator = "dnsdedupe", rate = 50, seed = 204 }}

[[channel]]
number = 213
description = "ch213 generated"
source = {{ kind = "generator", generator = "newdomain", rate = 50, seed = 213 }}
"#,
        k.config_tables()
    ));
    let (alice, mut alice_events) = login(&k, s.port(0), "alice").await;
    let (bob, mut bob_events) = login(&k, s.port(0), "bob").await;

    alice.watch(1, watch("ch=204")).await.unwrap();
    alice.watch(2, watch("dns=*.example.com")).await.unwrap();
    bob.watch(7, watch("ch=213")).await.unwrap();
    bob.watch(8, watch("ip=198.18.0.0/15")).await.unwrap();

    // Alice cannot use bob's channel in any way.
    let e = refused(alice.channel(213, true).await);
    assert!(e.contains("CHANNEL"), "{e}");
    let e = refused(alice.watch(3, watch("ch=213")).await);
    assert!(e.contains("WATCH"), "{e}");
    alice.channel(204, true).await.unwrap();
    bob.channel(213, true).await.unwrap();
    // Switching on "all" only reaches the user's own channels.
    alice.channel(axa::proto::CH_ALL, true).await.unwrap();

    // Each sees only its own watches and channels.
    let mine: Vec<(u16, String)> = alice
        .list_watches(0)
        .await
        .unwrap()
        .into_iter()
        .map(|w| (w.cur_tag, w.watch.to_string()))
        .collect();
    assert_eq!(
        mine,
        [
            (1, "ch=ch204".to_string()),
            (2, "dns=*.example.com.".to_string())
        ]
    );
    let theirs: Vec<u16> = bob
        .list_watches(0)
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.cur_tag)
        .collect();
    assert_eq!(theirs, [7, 8]);
    // A tag only the other user has is not found.
    refused(alice.stop(7).await);
    refused(bob.stop(1).await);
    assert_eq!(bob.list_watches(0).await.unwrap().len(), 2);

    let chans: Vec<u16> = alice
        .list_channels()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.ch)
        .collect();
    assert!(chans.contains(&204) && !chans.contains(&213), "{chans:?}");
    let chans: Vec<u16> = bob
        .list_channels()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.ch)
        .collect();
    assert!(chans.contains(&213) && !chans.contains(&204), "{chans:?}");

    // Both channels carry traffic; each user gets only its own.
    let (a, b) = tokio::join!(
        hit_channels(&mut alice_events, Duration::from_millis(700)),
        hit_channels(&mut bob_events, Duration::from_millis(700))
    );
    assert!(!a.is_empty() && a.iter().all(|&c| c == 204), "{a:?}");
    assert!(!b.is_empty() && b.iter().all(|&c| c == 213), "{b:?}");
}
