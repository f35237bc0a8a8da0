//! Payload CRCs: CRC-32C, stored byte-swapped as libnmsg and go-nmsg do (spec §1.5).

/// The value a container stores for a payload whose inner message is `payload`:
/// `crc32c(payload).swap_bytes()`, whatever the host's endianness.
#[inline]
pub fn payload_crc(payload: &[u8]) -> u32 {
    crc32c::crc32c(payload).swap_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(payload_crc(b"a"), 0xC1D0_4330u32.swap_bytes());
    }
}
