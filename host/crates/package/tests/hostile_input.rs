//! Hostile and garbage input: random bytes, every truncation of a valid package, and bit
//! flips never panic in parse, read, verify or pack.

mod common;

use common::*;
use portico_package::{Package, TrustedKeys, keygen, sections, sign, verify};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn everything(bytes: &[u8], trusted: &TrustedKeys) {
    let _ = Package::parse(bytes);
    let _ = sections::read(bytes);
    let _ = sections::top_level_sections(bytes);
    let _ = verify(bytes, trusted);
}

fn signed_plugin() -> (Vec<u8>, TrustedKeys) {
    let key = keygen().unwrap();
    let signing = portico_package::signature::signing_key_from_pem(&key.signing_key_pem).unwrap();
    let signed = sign(&packed_plugin(), &signing, "k").unwrap();
    (
        signed,
        TrustedKeys::from_pairs([("k", key.public_key.as_str())]).unwrap(),
    )
}

#[test]
fn random_bytes_never_panic() {
    let trusted = TrustedKeys::new();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for len in 0..600 {
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        everything(&bytes, &trusted);
        // With a valid component header, so parsing goes past the magic.
        if bytes.len() >= 8 {
            bytes[..8].copy_from_slice(&[0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
            everything(&bytes, &trusted);
            let _ = portico_package::pack(&bytes, &default_manifest());
        }
    }
}

#[test]
fn every_truncation_of_a_valid_package_is_refused_without_panic() {
    let (signed, trusted) = signed_plugin();
    for len in 0..signed.len() {
        let cut = &signed[..len];
        everything(cut, &trusted);
        // A truncated package never verifies as validly signed.
        assert!(
            !matches!(
                verify(cut, &trusted),
                Ok(portico_package::SignatureStatus::Valid { .. })
            ),
            "truncated to {len} bytes still verifies"
        );
    }
}

#[test]
fn bit_flips_never_panic() {
    let (signed, trusted) = signed_plugin();
    let mut rng = XorShift(42);
    for _ in 0..3000 {
        let mut bytes = signed.clone();
        for _ in 0..=(rng.next() % 3) {
            let i = (rng.next() as usize) % bytes.len();
            bytes[i] ^= 1 << (rng.next() % 8);
        }
        everything(&bytes, &trusted);
    }
}

#[test]
fn huge_declared_sizes_are_refused() {
    let mut bytes = vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    bytes.extend_from_slice(&[0x00, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(sections::top_level_sections(&bytes).is_err());
    bytes.truncate(8);
    bytes.extend_from_slice(&[0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert!(sections::top_level_sections(&bytes).is_err());
    everything(&bytes, &TrustedKeys::new());
}
