//! Dropping an embedded `sra_server::Server` ends its sessions, as stopping `srad` would.

use std::time::Duration;

use axa::client::{Client, ClientOptions};
use axa::server::config::Config;
use axa::server::server::Server;

#[tokio::test]
async fn dropping_the_server_closes_its_sessions() {
    let config = Config::parse(
        "[[listener]]\nkind = \"tcp\"\naddress = \"127.0.0.1:0\"\n\n\
         [[user]]\nname = \"u\"\nchannels = []\n",
    )
    .unwrap();
    let server = Server::start(config).await.unwrap();
    let spec = format!("tcp:u@127.0.0.1,{}", server.tcp_addrs[0].port());
    let (client, mut events) = Client::connect_str(&spec, &ClientOptions::default())
        .await
        .unwrap();
    client.authenticated().await.unwrap();
    drop(server);
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while events.next().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the session outlived the server");
}
