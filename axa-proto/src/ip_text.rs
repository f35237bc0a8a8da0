//! IP address text as glibc's `inet_ntop` writes it (used by watch text and JSON).

use std::fmt::Write;

/// Dotted quad.
pub(crate) fn ipv4_text(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// glibc `inet_ntop(AF_INET6)`: longest run (≥ 2) of zero words compressed (first on a
/// tie), lower-case hex, and an embedded dotted quad for `::a.b.c.d` and
/// `::ffff:a.b.c.d`.
pub(crate) fn ipv6_text(a: [u8; 16]) -> String {
    let w: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]));
    let (mut best, mut best_len, mut cur, mut cur_len) = (usize::MAX, 0usize, 0usize, 0usize);
    for (i, &v) in w.iter().enumerate() {
        if v == 0 {
            if cur_len == 0 {
                cur = i;
            }
            cur_len += 1;
            if cur_len > best_len {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur_len = 0;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    let mut s = String::with_capacity(40);
    let mut i = 0;
    while i < 8 {
        if i == best {
            s.push(':');
            i += best_len;
            if i == 8 {
                s.push(':');
            }
            continue;
        }
        if i != 0 {
            s.push(':');
        }
        if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            s.push_str(&ipv4_text([a[12], a[13], a[14], a[15]]));
            break;
        }
        let _ = write!(s, "{:x}", w[i]);
        i += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    fn t(s: &str) -> String {
        ipv6_text(s.parse::<Ipv6Addr>().unwrap().octets())
    }

    #[test]
    fn like_glibc() {
        assert_eq!(t("1:2:3:4:5:6::"), "1:2:3:4:5:6::");
        assert_eq!(t("2001:db8::"), "2001:db8::");
        assert_eq!(t("::"), "::");
        assert_eq!(t("::1"), "::1");
        assert_eq!(t("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(t("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(t("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(t("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(t("9:b:a:b:c:d:e:f"), "9:b:a:b:c:d:e:f");
    }
}
