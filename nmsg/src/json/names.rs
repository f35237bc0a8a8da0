//! DNS mnemonics as wdns 0.12.0 names them: rrtypes, classes, rcodes, opcodes.

/// wdns's rrtype mnemonics.
const RRTYPES: &[(u16, &str)] = &[
    (1, "A"),
    (2, "NS"),
    (3, "MD"),
    (4, "MF"),
    (5, "CNAME"),
    (6, "SOA"),
    (7, "MB"),
    (8, "MG"),
    (9, "MR"),
    (10, "NULL"),
    (11, "WKS"),
    (12, "PTR"),
    (13, "HINFO"),
    (14, "MINFO"),
    (15, "MX"),
    (16, "TXT"),
    (17, "RP"),
    (18, "AFSDB"),
    (19, "X25"),
    (20, "ISDN"),
    (21, "RT"),
    (22, "NSAP"),
    (23, "NSAP-PTR"),
    (24, "SIG"),
    (25, "KEY"),
    (26, "PX"),
    (27, "GPOS"),
    (28, "AAAA"),
    (29, "LOC"),
    (30, "NXT"),
    (31, "EID"),
    (32, "NIMLOC"),
    (33, "SRV"),
    (34, "ATMA"),
    (35, "NAPTR"),
    (36, "KX"),
    (37, "CERT"),
    (38, "A6"),
    (39, "DNAME"),
    (40, "SINK"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS"),
    (44, "SSHFP"),
    (45, "IPSECKEY"),
    (46, "RRSIG"),
    (47, "NSEC"),
    (48, "DNSKEY"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (55, "HIP"),
    (56, "NINFO"),
    (57, "RKEY"),
    (58, "TALINK"),
    (59, "CDS"),
    (60, "CDNSKEY"),
    (61, "OPENPGPKEY"),
    (62, "CSYNC"),
    (64, "SVCB"),
    (65, "HTTPS"),
    (99, "SPF"),
    (100, "UINFO"),
    (101, "UID"),
    (102, "GID"),
    (103, "UNSPEC"),
    (104, "NID"),
    (105, "L32"),
    (106, "L64"),
    (107, "LP"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY"),
    (250, "TSIG"),
    (251, "IXFR"),
    (252, "AXFR"),
    (253, "MAILB"),
    (254, "MAILA"),
    (255, "ANY"),
    (256, "URI"),
    (257, "CAA"),
    (32768, "TA"),
    (32769, "DLV"),
];

/// The mnemonics of the rrtypes below 256, indexed directly.
const fn small_rrtypes() -> [Option<&'static str>; 256] {
    let mut t = [None; 256];
    let mut i = 0;
    while i < RRTYPES.len() {
        let (n, name) = RRTYPES[i];
        if n < 256 {
            t[n as usize] = Some(name);
        }
        i += 1;
    }
    t
}
static SMALL_RRTYPES: [Option<&str>; 256] = small_rrtypes();

/// The wdns mnemonic of `rrtype` (`wdns_rrtype_to_str`), or `None`.
pub fn rrtype_name(rrtype: u16) -> Option<&'static str> {
    if let Some(&name) = SMALL_RRTYPES.get(usize::from(rrtype)) {
        return name;
    }
    RRTYPES
        .binary_search_by_key(&rrtype, |e| e.0)
        .ok()
        .map(|i| RRTYPES[i].1)
}

/// The rrtype of a mnemonic (case-insensitive) or of `TYPE<n>`, as `wdns_str_to_rrtype`.
pub fn rrtype_from_name(s: &str) -> Option<u16> {
    if let Some(e) = RRTYPES.iter().find(|e| e.1.eq_ignore_ascii_case(s)) {
        return Some(e.0);
    }
    generic_number(s, "TYPE")
}

fn generic_number(s: &str, prefix: &str) -> Option<u16> {
    if s.len() <= prefix.len() || !s[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return None;
    }
    let digits = &s[prefix.len()..];
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The wdns class mnemonic (`IN`, `CH`, `HS`, `NONE`, `ANY`), or `None`.
pub fn class_name(class: u16) -> Option<&'static str> {
    Some(match class {
        1 => "IN",
        3 => "CH",
        4 => "HS",
        254 => "NONE",
        255 => "ANY",
        _ => return None,
    })
}

/// The class of a mnemonic (case-insensitive) or of `CLASS<n>`.
pub fn class_from_name(s: &str) -> Option<u16> {
    for c in [1u16, 3, 4, 254, 255] {
        if class_name(c).is_some_and(|n| n.eq_ignore_ascii_case(s)) {
            return Some(c);
        }
    }
    generic_number(s, "CLASS")
}

const RCODES: &[&str] = &[
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE",
];

/// The wdns rcode mnemonic (0–10, 16 `BADVERS`), or `None`.
pub fn rcode_name(rcode: u16) -> Option<&'static str> {
    match rcode {
        16 => Some("BADVERS"),
        r => RCODES.get(usize::from(r)).copied(),
    }
}

/// The rcode of a mnemonic (case-insensitive).
pub fn rcode_from_name(s: &str) -> Option<u16> {
    if s.eq_ignore_ascii_case("BADVERS") {
        return Some(16);
    }
    RCODES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(s))
        .map(|p| p as u16)
}

/// The wdns opcode mnemonic, or `None`.
pub fn opcode_name(opcode: u16) -> Option<&'static str> {
    Some(match opcode {
        0 => "QUERY",
        1 => "IQUERY",
        2 => "STATUS",
        4 => "NOTIFY",
        5 => "UPDATE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrtype_table_agrees_with_the_list() {
        for t in 0..=u16::MAX {
            let want = RRTYPES.iter().find(|e| e.0 == t).map(|e| e.1);
            assert_eq!(rrtype_name(t), want, "{t}");
        }
    }

    #[test]
    fn lookups() {
        assert!(RRTYPES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(rrtype_name(46), Some("RRSIG"));
        assert_eq!(rrtype_name(65534), None);
        assert_eq!(rrtype_from_name("nsec3param"), Some(51));
        assert_eq!(rrtype_from_name("TYPE999"), Some(999));
        assert_eq!(rrtype_from_name("TYPE"), None);
        assert_eq!(class_from_name("in"), Some(1));
        assert_eq!(class_from_name("CLASS300"), Some(300));
        assert_eq!(rcode_name(16), Some("BADVERS"));
        assert_eq!(rcode_name(11), None);
        assert_eq!(rcode_from_name("nxdomain"), Some(3));
        assert_eq!(opcode_name(3), None);
    }
}
