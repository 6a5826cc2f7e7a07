//! ed25519 signatures of packages: key generation, signing (a final `portico:signature`
//! section over the sha256 of every byte before it) and verification against trusted keys.
//!
//! Format: the last top-level section of the component is a custom section named
//! `portico:signature` whose data is JSON `{"key_id": "...", "algorithm": "ed25519",
//! "signature": "<base64 of 64 bytes>"}`. The signed message is the 32-byte sha256 digest of
//! every byte of the file before that section. Public keys are written `ed25519:<base64>`
//! (standard base64 of the 32-byte key); signing keys are PKCS#8 PEM.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::sections::{
    FormatError, SIGNATURE_SECTION, append_custom, strip_custom, top_level_sections,
    validate_component,
};

/// The only algorithm.
pub const ALGORITHM: &str = "ed25519";
const PUBLIC_KEY_PREFIX: &str = "ed25519:";

/// Why signing or verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature does not match: the file changed after signing, or another key signed it.
    #[error(
        "bad signature: the signature by key {key_id:?} does not match the file; the file was \
         changed after it was signed, or it was signed with a different key of that name — \
         do not install it; get the package again from its publisher"
    )]
    BadSignature {
        /// The key the signature names.
        key_id: String,
    },
    /// Signed by a key that is not trusted here.
    #[error(
        "the package is signed by key {key_id:?}, which is not among the trusted keys; add the \
         publisher's public key to `plugins.trusted_keys` in the config if you trust it"
    )]
    UnknownKey {
        /// The key the signature names.
        key_id: String,
    },
    /// The signature section is unreadable or misplaced.
    #[error("malformed package signature: {0}")]
    Malformed(String),
    /// The file is not a usable component.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A key could not be read.
    #[error("invalid key: {0}")]
    InvalidKey(String),
}

/// The outcome of a successful [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// No signature section.
    Unsigned,
    /// Signed by a trusted key, and the file is unchanged.
    Valid {
        /// Which trusted key.
        key_id: String,
    },
}

/// The JSON stored in the `portico:signature` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureSection {
    /// Names the signing key among the verifier's trusted keys.
    pub key_id: String,
    /// Always `ed25519`.
    pub algorithm: String,
    /// Base64 of the 64-byte signature.
    pub signature: String,
}

/// A freshly generated key pair, as text.
pub struct GeneratedKey {
    /// The signing key, PKCS#8 PEM: keep it secret.
    pub signing_key_pem: String,
    /// The public key, `ed25519:<base64>`: give it to admins to trust.
    pub public_key: String,
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

/// Public keys an installer trusts, by key id.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys(BTreeMap<String, VerifyingKey>);

impl TrustedKeys {
    /// No trusted keys.
    pub fn new() -> Self {
        TrustedKeys::default()
    }

    /// Trusts `public_key` (`ed25519:<base64>`) under `key_id`.
    pub fn insert(&mut self, key_id: &str, public_key: &str) -> Result<(), SignatureError> {
        check_key_id(key_id).map_err(SignatureError::InvalidKey)?;
        let key = parse_public_key(public_key)?;
        self.0.insert(key_id.to_string(), key);
        Ok(())
    }

    /// Builds the set from `(key_id, "ed25519:<base64>")` pairs, as found in config.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SignatureError> {
        let mut keys = TrustedKeys::new();
        for (id, key) in pairs {
            keys.insert(id, key)
                .map_err(|e| SignatureError::InvalidKey(format!("trusted key {id:?}: {e}")))?;
        }
        Ok(keys)
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Generates a new key pair from the operating system's random source.
pub fn keygen() -> Result<GeneratedKey, SignatureError> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(Default::default())
        .map_err(|e| SignatureError::InvalidKey(format!("cannot encode the key: {e}")))?;
    Ok(GeneratedKey {
        signing_key_pem: pem.to_string(),
        public_key: public_key_string(&key.verifying_key()),
    })
}

/// Reads a PKCS#8 PEM signing key (as written by [`keygen`]).
pub fn signing_key_from_pem(pem: &str) -> Result<SigningKey, SignatureError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| {
        SignatureError::InvalidKey(format!(
            "not an ed25519 PKCS#8 PEM signing key ({e}); generate one with `portico plugin keygen`"
        ))
    })
}

/// `ed25519:<base64>` for a public key.
pub fn public_key_string(key: &VerifyingKey) -> String {
    format!("{PUBLIC_KEY_PREFIX}{}", BASE64.encode(key.as_bytes()))
}

/// Parses `ed25519:<base64>`.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, SignatureError> {
    let invalid = |why: &str| {
        SignatureError::InvalidKey(format!(
            "{text:?} is not a public key: {why}; write it as `ed25519:<base64>` as printed by \
             `portico plugin keygen`"
        ))
    };
    let b64 = text
        .trim()
        .strip_prefix(PUBLIC_KEY_PREFIX)
        .ok_or_else(|| invalid("it does not start with `ed25519:`"))?;
    let bytes = BASE64.decode(b64).map_err(|_| invalid("bad base64"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| invalid("an ed25519 key is 32 bytes"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| invalid("not a valid ed25519 point"))
}

/// Signs a component: removes any existing signature and appends a final `portico:signature`
/// section over the sha256 of everything before it.
pub fn sign(
    component: &[u8],
    signing_key: &SigningKey,
    key_id: &str,
) -> Result<Vec<u8>, SignatureError> {
    check_key_id(key_id).map_err(SignatureError::InvalidKey)?;
    validate_component(component)?;
    let mut out = strip_custom(component, &[SIGNATURE_SECTION])?;
    let digest = Sha256::digest(&out);
    let section = SignatureSection {
        key_id: key_id.to_string(),
        algorithm: ALGORITHM.to_string(),
        signature: BASE64.encode(signing_key.sign(&digest).to_bytes()),
    };
    let json = serde_json::to_vec(&section).expect("a struct of strings serializes");
    append_custom(&mut out, SIGNATURE_SECTION, &json);
    Ok(out)
}

/// Verifies a component's signature against `trusted` keys. `Unsigned` when there is no
/// signature (whether that is acceptable is the caller's policy).
pub fn verify(component: &[u8], trusted: &TrustedKeys) -> Result<SignatureStatus, SignatureError> {
    let Some((section, signed)) = find(component)? else {
        return Ok(SignatureStatus::Unsigned);
    };
    let key = trusted
        .0
        .get(&section.key_id)
        .ok_or_else(|| SignatureError::UnknownKey {
            key_id: section.key_id.clone(),
        })?;
    let bytes = BASE64
        .decode(&section.signature)
        .map_err(|_| malformed("the signature is not base64"))?;
    let signature =
        Signature::from_slice(&bytes).map_err(|_| malformed("an ed25519 signature is 64 bytes"))?;
    let digest = Sha256::digest(&component[..signed]);
    key.verify(&digest, &signature)
        .map_err(|_| SignatureError::BadSignature {
            key_id: section.key_id.clone(),
        })?;
    Ok(SignatureStatus::Valid {
        key_id: section.key_id,
    })
}

/// The signature section, unverified, if the component has one (for `inspect`).
pub fn read_signature(component: &[u8]) -> Result<Option<SignatureSection>, SignatureError> {
    Ok(find(component)?.map(|(section, _)| section))
}

/// The parsed signature section and the length of the signed prefix.
fn find(component: &[u8]) -> Result<Option<(SignatureSection, usize)>, SignatureError> {
    let sections = top_level_sections(component)?;
    let is_sig =
        |s: &crate::sections::RawSection| s.custom_name.as_deref() == Some(SIGNATURE_SECTION);
    let Some(index) = sections.iter().position(is_sig) else {
        return Ok(None);
    };
    if index + 1 != sections.len() {
        let after = sections.len() - index - 1;
        return Err(malformed(&format!(
            "the `portico:signature` section must be the last section, but {after} section(s) \
             follow it: the file was changed after signing; sign it again"
        )));
    }
    let raw = &sections[index];
    let section: SignatureSection =
        serde_json::from_slice(&component[raw.data.clone()]).map_err(|e| {
            malformed(&format!(
                "the signature section is not the expected JSON: {e}"
            ))
        })?;
    if section.algorithm != ALGORITHM {
        return Err(malformed(&format!(
            "unsupported algorithm {:?}; only {ALGORITHM} is supported",
            section.algorithm
        )));
    }
    check_key_id(&section.key_id).map_err(|e| malformed(&e))?;
    Ok(Some((section, raw.range.start)))
}

/// Key ids: 1 to 128 printable ASCII characters without spaces.
fn check_key_id(key_id: &str) -> Result<(), String> {
    let ok = (1..=128).contains(&key_id.len()) && key_id.bytes().all(|b| b.is_ascii_graphic());
    match ok {
        true => Ok(()),
        false => Err(format!(
            "key id {key_id:?} must be 1 to 128 printable ASCII characters without spaces"
        )),
    }
}

fn malformed(message: &str) -> SignatureError {
    SignatureError::Malformed(message.to_string())
}
