//! ed25519 signing and verification of packages, including tampering and misplaced sections.

mod common;

use common::*;
use portico_package::signature::{
    self, SignatureSection, parse_public_key, public_key_string, signing_key_from_pem,
};
use portico_package::{
    FormatError, Package, SIGNATURE_SECTION, SignatureError, SignatureStatus, SignatureSummary,
    TrustedKeys, keygen, sign, verify,
};

struct Key {
    signing: signature::SigningKey,
    public: String,
}

fn key() -> Key {
    let generated = keygen().unwrap();
    assert!(
        generated
            .signing_key_pem
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    assert!(generated.public_key.starts_with("ed25519:"));
    assert!(!format!("{generated:?}").contains("PRIVATE"));
    Key {
        signing: signing_key_from_pem(&generated.signing_key_pem).unwrap(),
        public: generated.public_key,
    }
}

fn trusting(id: &str, k: &Key) -> TrustedKeys {
    TrustedKeys::from_pairs([(id, k.public.as_str())]).unwrap()
}

#[test]
fn sign_then_verify() {
    let k = key();
    let signed = sign(&packed_plugin(), &k.signing, "acme").unwrap();
    assert_eq!(
        verify(&signed, &trusting("acme", &k)).unwrap(),
        SignatureStatus::Valid {
            key_id: "acme".into()
        }
    );
    // The signature is the last section and the package still parses.
    let sections = portico_package::sections::top_level_sections(&signed).unwrap();
    assert_eq!(
        sections.last().unwrap().custom_name.as_deref(),
        Some(SIGNATURE_SECTION)
    );
    let package = Package::parse(&signed).unwrap();
    assert_eq!(
        package.signature,
        SignatureSummary::Signed {
            key_id: "acme".into()
        }
    );
    // The section is the documented JSON.
    let section = signature::read_signature(&signed).unwrap().unwrap();
    assert_eq!(section.algorithm, "ed25519");
    assert_eq!(section.key_id, "acme");
}

#[test]
fn unsigned_packages_verify_as_unsigned() {
    let k = key();
    assert_eq!(
        verify(&packed_plugin(), &trusting("acme", &k)).unwrap(),
        SignatureStatus::Unsigned
    );
    assert_eq!(
        verify(&packed_plugin(), &TrustedKeys::new()).unwrap(),
        SignatureStatus::Unsigned
    );
}

#[test]
fn tampering_with_any_signed_byte_is_a_bad_signature() {
    let k = key();
    let unsigned = packed_plugin();
    let signed = sign(&unsigned, &k.signing, "acme").unwrap();
    let trusted = trusting("acme", &k);
    // Flip a byte inside the manifest's data (the file still frames fine).
    let at = unsigned.len() - 5;
    let mut tampered = signed.clone();
    tampered[at] ^= 0x01;
    let err = verify(&tampered, &trusted).unwrap_err();
    assert_eq!(
        err,
        SignatureError::BadSignature {
            key_id: "acme".into()
        }
    );
    assert!(
        err.to_string().contains("changed after it was signed"),
        "{err}"
    );
    // Every signed byte matters: flipping any byte either breaks framing or the signature.
    for i in 0..unsigned.len() {
        let mut t = signed.clone();
        t[i] ^= 0x80;
        assert!(
            verify(&t, &trusted).is_err(),
            "byte {i} flipped still verifies"
        );
    }
}

#[test]
fn wrong_key_with_a_trusted_id_is_a_bad_signature() {
    let (real, impostor) = (key(), key());
    let signed = sign(&packed_plugin(), &impostor.signing, "acme").unwrap();
    assert_eq!(
        verify(&signed, &trusting("acme", &real)).unwrap_err(),
        SignatureError::BadSignature {
            key_id: "acme".into()
        }
    );
}

#[test]
fn untrusted_key_is_an_unknown_key() {
    let k = key();
    let signed = sign(&packed_plugin(), &k.signing, "stranger").unwrap();
    let err = verify(&signed, &trusting("acme", &k)).unwrap_err();
    assert_eq!(
        err,
        SignatureError::UnknownKey {
            key_id: "stranger".into()
        }
    );
    assert!(err.to_string().contains("trusted_keys"), "{err}");
}

#[test]
fn resigning_replaces_the_signature() {
    let (a, b) = (key(), key());
    let once = sign(&packed_plugin(), &a.signing, "a").unwrap();
    let twice = sign(&once, &b.signing, "b").unwrap();
    assert_eq!(count_top_level(&twice, SIGNATURE_SECTION), 1);
    assert_eq!(
        verify(&twice, &trusting("b", &b)).unwrap(),
        SignatureStatus::Valid { key_id: "b".into() }
    );
    assert!(matches!(
        verify(&twice, &trusting("a", &a)),
        Err(SignatureError::UnknownKey { .. })
    ));
    // Re-signing with the same key gives the same bytes (ed25519 is deterministic).
    assert_eq!(sign(&once, &a.signing, "a").unwrap(), once);
}

#[test]
fn a_section_after_the_signature_is_an_error() {
    let k = key();
    let mut signed = sign(&packed_plugin(), &k.signing, "acme").unwrap();
    // Append a custom section after the signature.
    signed.extend_from_slice(&[0x00, 0x04, 0x01, b'x', 0xaa, 0xbb]);
    let err = verify(&signed, &trusting("acme", &k)).unwrap_err();
    assert!(matches!(err, SignatureError::Malformed(_)), "{err}");
    assert!(
        err.to_string().contains("must be the last section"),
        "{err}"
    );
    // inspect shows it as malformed and flags it as an error.
    let package = Package::parse(&signed).unwrap();
    assert!(matches!(
        package.signature,
        SignatureSummary::Malformed { .. }
    ));
    assert!(package.has_errors());
    // Packing again drops the signature, signing again fixes it.
    let resigned = sign(&signed, &k.signing, "acme").unwrap();
    assert!(verify(&resigned, &trusting("acme", &k)).is_ok());
}

#[test]
fn trailing_garbage_after_the_signature_is_an_error() {
    let k = key();
    let mut signed = sign(&packed_plugin(), &k.signing, "acme").unwrap();
    signed.extend_from_slice(&[0x00, 0x10]);
    assert!(matches!(
        verify(&signed, &trusting("acme", &k)),
        Err(SignatureError::Format(FormatError::Invalid(_)))
    ));
}

#[test]
fn malformed_signature_sections() {
    let k = key();
    let good = signature::read_signature(&sign(&packed_plugin(), &k.signing, "acme").unwrap())
        .unwrap()
        .unwrap();
    let with_section = |json: &str| {
        let base = packed_plugin();
        let mut out = base.clone();
        use wasm_encoder::Section;
        wasm_encoder::CustomSection {
            name: SIGNATURE_SECTION.into(),
            data: json.as_bytes().into(),
        }
        .append_to(&mut out);
        out
    };
    let cases = [
        ("not json".to_string(), "not the expected JSON"),
        (
            serde_json::to_string(&SignatureSection {
                algorithm: "rsa".into(),
                ..good.clone()
            })
            .unwrap(),
            "unsupported algorithm",
        ),
        (
            serde_json::to_string(&SignatureSection {
                signature: "!!!".into(),
                ..good.clone()
            })
            .unwrap(),
            "not base64",
        ),
        (
            serde_json::to_string(&SignatureSection {
                signature: "AAAA".into(),
                ..good.clone()
            })
            .unwrap(),
            "64 bytes",
        ),
        (
            serde_json::to_string(&SignatureSection {
                key_id: "".into(),
                ..good.clone()
            })
            .unwrap(),
            "key id",
        ),
        (r#"{"key_id":"acme"}"#.to_string(), "not the expected JSON"),
    ];
    for (json, expect) in cases {
        let err = verify(&with_section(&json), &trusting("acme", &k)).unwrap_err();
        assert!(matches!(err, SignatureError::Malformed(_)), "{json}: {err}");
        assert!(err.to_string().contains(expect), "{json}: {err}");
    }
}

#[test]
fn keys_round_trip_and_bad_keys_are_refused() {
    let k = key();
    let public = parse_public_key(&k.public).unwrap();
    assert_eq!(public_key_string(&public), k.public);
    assert_eq!(public, k.signing.verifying_key());
    for bad in ["", "ed25519:", "rsa:AAAA", "ed25519:!!", "ed25519:AAAA"] {
        let err = parse_public_key(bad).unwrap_err();
        assert!(err.to_string().contains("ed25519:<base64>"), "{err}");
    }
    assert!(
        signing_key_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
            .is_err()
    );
    assert!(TrustedKeys::from_pairs([("has space", k.public.as_str())]).is_err());
    assert!(sign(&packed_plugin(), &k.signing, "").is_err());
}

#[test]
fn signing_refuses_non_components() {
    let k = key();
    assert!(matches!(
        sign(&core_module(), &k.signing, "acme"),
        Err(SignatureError::Format(FormatError::CoreModule))
    ));
    assert!(matches!(
        sign(b"garbage", &k.signing, "acme"),
        Err(SignatureError::Format(FormatError::NotWasm))
    ));
}

#[test]
fn packing_a_signed_package_drops_the_signature() {
    let k = key();
    let signed = sign(&packed_plugin(), &k.signing, "acme").unwrap();
    let repacked = portico_package::pack(&signed, &default_manifest()).unwrap();
    assert_eq!(
        verify(&repacked, &trusting("acme", &k)).unwrap(),
        SignatureStatus::Unsigned
    );
}
