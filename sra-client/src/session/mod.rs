//! The protocol logic of a client session, without I/O: how replies are matched to requests,
//! version negotiation and the client HELLO, the tunnel's start-up sequence, and turning watch
//! hits into output records.

pub mod connection;
pub mod hello;
pub mod hit;
pub mod hit_sink;
pub mod reply;
pub mod startup;
