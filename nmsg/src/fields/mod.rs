//! Match keys for AXA watches, extracted straight from the raw protobuf bytes of a payload.
//!
//! An AXA server matches IP and DNS watches against the IP addresses and domain names it finds
//! in the fields its *fields table* names (`axa-protocol.md` §10, `nmsg-format.md` §4.10), and
//! reports in each hit the `field_idx` (position of the field in the libnmsg module's field
//! array, virtual fields included, `nmsg-format.md` §4) and `val_idx` (which value of a repeated
//! field) that matched. [`extract()`] reads the raw protobuf (no typed decode) and hands each
//! [`Key`] to a callback; names are lower-cased into one stack [`NameBuf`](crate::dns::NameBuf)
//! that the key borrows, so the common path allocates nothing. [`check`] answers whether a
//! payload decodes at all, for the server's `errors` watches.
//!
//! # How it stays fast
//!
//! One protobuf walk does both the decodability check (rules derived at compile time from
//! [`crate::schema`], one table lookup per field) and the collection of the few fields that
//! hold keys (kept on the stack, in wire order; a payload with more than a handful is walked a
//! second time). Each DNS message is walked once; the owner of a record whose raw name bytes
//! repeat the previous owner's (an RRset) is not read again; names are lower-cased as they are
//! copied, in 8-byte words.
//!
//! # Which fields yield which keys
//!
//! `val_idx` is the index of the value among the occurrences of a repeated field (rdata; capped
//! at 0xFFEF, below the reserved WHIT values), and 0 for every other field. "name" keys are
//! uncompressed wire names, lower-cased ([`KeyValue::Name`]); "IP" keys come from fields of
//! exactly 4 or 16 bytes (other lengths yield nothing). An IPv4-mapped IPv6 address stays an
//! IPv6 key.
//!
//! | type (vid:msgtype) | field (idx) | keys |
//! |---|---|---|
//! | base:ncap (1:1) | srcip (2), dstip (3) | IP. For IPV4/IPV6 records, which store no addresses, the IP header's source and destination, as libnmsg's getter gives them |
//! | base:email (1:2) | srcip (2) | IP |
//! | | srchost (3), helo (4) | name, parsed from the text (domain-ASCII) |
//! | base:http (1:4) | srcip (1), dstip (4) | IP |
//! | | srchost (2) | IP if the text is an address, else name (host) |
//! | base:ipconn (1:5) | srcip (1), dstip (3) | IP |
//! | base:dns (1:7) | qname (0) | name |
//! | | rrname (4) | name (the rdata owner, libaxa's `oname` helper) |
//! | | rdata (8), val_idx = element | rdata: the names inside it and A/AAAA addresses (below) |
//! | base:pkt (1:8) | payload (1) | IP datagram (below), when the bytes parse as one (not in the libaxa table) |
//! | base:dnsqr (1:9) | query_ip (1), response_ip (2) | IP |
//! | | qname (7) | name |
//! | | response (23, virtual) | whole DNS message (below): the UDP payload of `response_packet`, reassembled when it is split into IP fragments |
//! | base:encode (1:11) | payload (1), type JSON only | JSON object members `vic_ip_ip4`, `adns_ip_ip4`, `rdns_ip_ip4` (IP text) and `domain` (name text); a string or an array of strings (val_idx = array index) |
//! | base:packet (1:12) | payload (1), payload_type IP only | IP datagram (below) |
//! | base:dnstap (1:13) | query_address (7), response_address (13) | IP (not in the libaxa table) |
//! | | query_zone (17) | name |
//! | | response_message (18) | whole DNS message |
//! | | qname (21, virtual) | name: the question name of query_message, else of response_message (QDCOUNT = 1, uncompressed) |
//! | base:dnsobs (1:14) | response_ip (1) | IP (not in the libaxa table) |
//! | | qname (2), query_zone (8) | name |
//! | | response (6) | whole DNS message |
//! | SIE:dnsdedupe (2:1) | response_ip (6) | IP |
//! | | bailiwick (7), rrname (8) | name |
//! | | rdata (12) | rdata |
//! | SIE:delay (2:4) | query_ip (0), response_ip (1) | IP |
//! | SIE:newdomain (2:5) | domain (0), bailiwick (9), rrname (10) | name |
//! | | response_ip (8) | IP |
//! | | rdata (14) | rdata |
//! | SIE:dnsnx (2:6) | qname (0) | name |
//! | | response_ip (3) | IP |
//!
//! Other types (linkpair, logline, xml, reputation, qr) and the fields the libaxa table leaves
//! commented out (dnsqr `query`, dnsdedupe/newdomain `response`, dnsnx `soa_rrname`) yield no
//! keys.
//!
//! - **rdata** needs the message's rrtype (dns, dnsdedupe: field 2; newdomain: field 4); without
//!   it the rdata yields nothing. Names: those of [`dns::rdata`](crate::dns::rdata) (NS, CNAME,
//!   PTR, DNAME, MX, SOA's two, SRV, NAPTR, RP, AFSDB, RT, KX, PX, MINFO, MB/MD/MF/MG/MR),
//!   uncompressed. Addresses: A and AAAA rdata when rrclass is IN.
//! - **whole DNS message**: every question name and record owner name, the names inside each
//!   record's rdata (compressed names followed within the message) and A/AAAA (class IN)
//!   addresses, all under the field's idx with val_idx 0. OPT pseudo-records are skipped, and
//!   consecutive records with the same owner give the owner once. Queries, truncated (TC)
//!   messages and FORMERR responses are walked too (libaxa skips them; a choice). The walk
//!   stops quietly at the first malformed record; keys before it have been given.
//! - **IP datagram**: source and destination address, then, for an unfragmented (or first
//!   fragment of a) UDP datagram with source or destination port 53 or 5353, the DNS message in
//!   it, as above. DNS over TCP is not walked.
//!
//! Keys can repeat (the same owner name for every record of an RRset): callers that care
//! deduplicate. Malformed contents (a name field that is not a valid wire name, an address field
//! of another length, undecodable DNS) yield no key and no error: only an undecodable payload is
//! an error.

mod extract;
pub mod ipdg;
mod message;
mod schema;

use std::net::IpAddr;

pub use extract::{check, extract};

use crate::proto::ProtoError;

/// One match key: a value found in a payload and where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a> {
    /// Index of the field in the libnmsg module's field array (virtual fields included), the
    /// WHIT `field_idx`.
    pub field_idx: u16,
    /// Which value of a repeated field (0 for others), the WHIT `val_idx`.
    pub val_idx: u16,
    /// The value.
    pub value: KeyValue<'a>,
}

/// The value of a [`Key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyValue<'a> {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A domain name: an uncompressed wire name (final zero included), ASCII lower-cased,
    /// borrowed from the extractor's buffer for the duration of the callback.
    Name(&'a [u8]),
}

/// Why a payload does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// No schema for this vendor and message type.
    #[error("unknown message type {vid}:{msgtype}")]
    UnknownType {
        /// Vendor ID.
        vid: u32,
        /// Message type.
        msgtype: u32,
    },
    /// The payload is not a valid encoding of its schema: malformed protobuf, a field with the
    /// wrong wire type, or a required field missing.
    #[error("undecodable payload: {0}")]
    Proto(#[from] ProtoError),
}
