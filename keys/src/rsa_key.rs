//! RSA-2048 key generation (rcgen's ring backend can sign with RSA but cannot generate RSA keys).
//!
//! The `rsa` crate (pure Rust, no C toolchain, no network) generates the key from ring's
//! [`SystemRandom`]; the key is then PKCS#8-encoded and handed to rcgen/ring, which do all the
//! signing. The `rsa` crate's known timing issue (RUSTSEC-2023-0071, in decryption/signing) does
//! not apply: it is used only to generate primes here.

use ring::rand::{SecureRandom, SystemRandom};
use rsa::pkcs8::EncodePrivateKey;
use rsa::rand_core::{CryptoRng, RngCore};
use rustls_pki_types::PrivatePkcs8KeyDer;

/// Why an RSA key could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum RsaKeyError {
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
    /// Prime generation or PKCS#8 encoding failed.
    #[error("RSA key generation failed: {0}")]
    Generate(String),
}

/// Adapts ring's [`SystemRandom`] to the `rand_core` traits the `rsa` crate wants. `fill_bytes`
/// cannot report errors, so a failure is remembered and the key discarded afterwards.
struct RingRng {
    rng: SystemRandom,
    failed: bool,
}

impl RngCore for RingRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.rng.fill(dest).is_err() {
            self.failed = true;
            dest.fill(0);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for RingRng {}

/// Generates an RSA key of `bits` bits (e = 65537) as PKCS#8 DER. Slow in debug builds
/// (seconds); fast enough in release.
pub fn generate_rsa_pkcs8(bits: usize) -> Result<PrivatePkcs8KeyDer<'static>, RsaKeyError> {
    let mut rng = RingRng {
        rng: SystemRandom::new(),
        failed: false,
    };
    let key = rsa::RsaPrivateKey::new(&mut rng, bits)
        .map_err(|e| RsaKeyError::Generate(e.to_string()))?;
    if rng.failed {
        return Err(RsaKeyError::Rng);
    }
    let doc = key
        .to_pkcs8_der()
        .map_err(|e| RsaKeyError::Generate(e.to_string()))?;
    Ok(PrivatePkcs8KeyDer::from(doc.as_bytes().to_vec()))
}
