//! Vendor IDs and message-type names (`nmsg-format.md` §3).
//!
//! Names are looked up case-insensitively, as libnmsg does; the old vendor name `ISC` is an
//! alias of `base` (vid 1). Name lookups allocate nothing.

/// Vendor ID of the base modules (`base`, formerly `ISC`).
pub const VID_BASE: u32 = 1;
/// Vendor ID of the SIE modules.
pub const VID_SIE: u32 = 2;

/// Known vendors: (vid, canonical name).
pub const VENDORS: &[(u32, &str)] = &[
    (1, "base"),
    (2, "SIE"),
    (3, "GTISC"),
    (4, "Defintel"),
    (5, "Univie"),
    (6, "Unveillance"),
    (7, "WISC"),
];

/// Known message types: (vid, msgtype, name).
pub const MSGTYPES: &[(u32, u32, &str)] = &[
    (1, 1, "ncap"),
    (1, 2, "email"),
    (1, 3, "linkpair"),
    (1, 4, "http"),
    (1, 5, "ipconn"),
    (1, 6, "logline"),
    (1, 7, "dns"),
    (1, 8, "pkt"),
    (1, 9, "dnsqr"),
    (1, 10, "xml"),
    (1, 11, "encode"),
    (1, 12, "packet"),
    (1, 13, "dnstap"),
    (1, 14, "dnsobs"),
    (2, 1, "dnsdedupe"),
    (2, 2, "reputation"),
    (2, 3, "qr"),
    (2, 4, "delay"),
    (2, 5, "newdomain"),
    (2, 6, "dnsnx"),
];

/// The canonical name of vendor `vid` (`"base"`, `"SIE"`, …), or `None` when unknown.
pub fn vendor_name(vid: u32) -> Option<&'static str> {
    VENDORS.iter().find(|v| v.0 == vid).map(|v| v.1)
}

/// The vendor ID named `name`, case-insensitively; `ISC` is accepted for `base`.
pub fn vendor_id(name: &str) -> Option<u32> {
    if name.eq_ignore_ascii_case("ISC") {
        return Some(VID_BASE);
    }
    VENDORS
        .iter()
        .find(|v| v.1.eq_ignore_ascii_case(name))
        .map(|v| v.0)
}

/// The name of message type `msgtype` of vendor `vid` (`"dnsqr"`), or `None` when unknown.
pub fn msgtype_name(vid: u32, msgtype: u32) -> Option<&'static str> {
    MSGTYPES
        .iter()
        .find(|m| m.0 == vid && m.1 == msgtype)
        .map(|m| m.2)
}

/// The message type of vendor `vid` named `name`, case-insensitively.
pub fn msgtype_id(vid: u32, name: &str) -> Option<u32> {
    MSGTYPES
        .iter()
        .find(|m| m.0 == vid && m.2.eq_ignore_ascii_case(name))
        .map(|m| m.1)
}

/// Resolves a `vendor` / `msgtype` name pair (`"SIE"`, `"dnsdedupe"`) to (vid, msgtype).
pub fn lookup(vendor: &str, msgtype: &str) -> Option<(u32, u32)> {
    let vid = vendor_id(vendor)?;
    Some((vid, msgtype_id(vid, msgtype)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(vendor_name(1), Some("base"));
        assert_eq!(vendor_name(2), Some("SIE"));
        assert_eq!(vendor_name(99), None);
        assert_eq!(vendor_id("isc"), Some(1));
        assert_eq!(vendor_id("BASE"), Some(1));
        assert_eq!(vendor_id("sie"), Some(2));
        assert_eq!(vendor_id("wisc"), Some(7));
        assert_eq!(vendor_id("nope"), None);
        assert_eq!(msgtype_name(1, 9), Some("dnsqr"));
        assert_eq!(msgtype_name(2, 6), Some("dnsnx"));
        assert_eq!(msgtype_name(1, 99), None);
        assert_eq!(msgtype_id(2, "DnsDedupe"), Some(1));
        assert_eq!(lookup("ISC", "PACKET"), Some((1, 12)));
        assert_eq!(lookup("SIE", "packet"), None);
    }
}
