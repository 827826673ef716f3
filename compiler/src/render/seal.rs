//! Encrypted device files (`config_encryption`): each device's key, and
//! its files encrypted the way its firmware decrypts them.
//!
//! Keys are not stored: each is derived from the server's secret (the
//! `config_encryption_secret` parameter, 32 random bytes made when
//! encryption is first turned on) and the device's MAC, so every compile,
//! every cluster node and the REST API agree on it without a per-device
//! record. A new secret gives every device a new key.
//!
//! What this module does not do: decide who gets the plain file. The
//! compiler stores both; the data plane serves the plain one only to a
//! request that proves it is the phone (`docs/SECURITY.md`).

use aes::Aes128;
use aes::cipher::{BlockEncrypt, KeyInit, generic_array::GenericArray};
use provd_core::Map;
use provd_core::family::FileCipher;
use provd_core::mac::Mac;
use serde_json::Value;

/// The parameter that turns encryption on (`"1"`) or off.
pub const ENABLED_PARAM: &str = "config_encryption";
/// The parameter holding the secret every key derives from, hex.
pub const SECRET_PARAM: &str = "config_encryption_secret";

/// Whether the server's parameters turn encryption on (`1`, as the REST
/// API stores it, or `"1"`).
pub fn enabled(params: &Map) -> bool {
    match params.get(ENABLED_PARAM) {
        Some(Value::String(s)) => s == "1",
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    }
}

/// The secret the device keys derive from.
#[derive(Clone, PartialEq, Eq)]
pub struct SealingSecret([u8; 32]);

impl std::fmt::Debug for SealingSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingSecret(..)")
    }
}

impl SealingSecret {
    /// The secret of the server's parameters when encryption is on; none
    /// when it is off. On, but without a readable secret, is an error
    /// (the parameters were edited by hand): nothing must go out in clear
    /// because of it.
    pub fn from_params(params: &Map) -> Result<Option<SealingSecret>, String> {
        if !enabled(params) {
            return Ok(None);
        }
        let hex = params
            .get(SECRET_PARAM)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{ENABLED_PARAM} is on but {SECRET_PARAM} is missing"))?;
        SealingSecret::from_hex(hex).map(Some)
    }

    /// A secret from its 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<SealingSecret, String> {
        let bytes = hex.as_bytes();
        if bytes.len() != 64 || !bytes.iter().all(u8::is_ascii_hexdigit) {
            return Err(format!("{SECRET_PARAM} is not 64 hexadecimal digits"));
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let digit = |b: u8| (b as char).to_digit(16).unwrap() as u8;
            out[i] = digit(pair[0]) << 4 | digit(pair[1]);
        }
        Ok(SealingSecret(out))
    }

    /// A new secret from the system's random source, as hex.
    pub fn generate_hex() -> std::io::Result<String> {
        use std::io::Read;
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// What stands for the secret in a render's input fingerprint: a hash,
    /// so the fingerprint stored beside the files says nothing of it.
    pub fn fingerprint(&self) -> [u8; 32] {
        *blake3::keyed_hash(&self.0, b"provd config encryption fingerprint").as_bytes()
    }

    /// The key of the device with `mac`, in the form `cipher` takes.
    pub fn device_key(&self, cipher: FileCipher, mac: Mac) -> String {
        match cipher {
            FileCipher::YealinkAes128Ecb => {
                let mut input = *b"provd config key\0\0\0\0\0\0";
                input[16..].copy_from_slice(&mac.0);
                let derived = blake3::keyed_hash(&self.0, &input);
                // 16 characters of [0-9A-Za-z], which Yealink accepts; ~95 bits.
                const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
                derived.as_bytes()[..16].iter().map(|b| ALPHABET[(*b % 62) as usize] as char).collect()
            }
        }
    }
}

/// `plain` encrypted with `key` (from [`SealingSecret::device_key`]) as
/// `cipher` says.
pub fn seal(cipher: FileCipher, key: &str, plain: &[u8]) -> Vec<u8> {
    match cipher {
        FileCipher::YealinkAes128Ecb => {
            let aes = Aes128::new(GenericArray::from_slice(&key.as_bytes()[..16]));
            let mut out = plain.to_vec();
            // Zero bytes up to the block size: the phone stops at the first.
            out.resize(plain.len().div_ceil(16) * 16, 0);
            for block in out.chunks_exact_mut(16) {
                aes.encrypt_block(GenericArray::from_mut_slice(block));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockDecrypt;

    fn secret() -> SealingSecret {
        SealingSecret::from_hex(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn parameters_turn_it_on_only_with_a_secret() {
        let params = |v: Value| serde_json::from_value::<Map>(v).unwrap();
        assert_eq!(SealingSecret::from_params(&params(serde_json::json!({}))).unwrap(), None);
        assert_eq!(SealingSecret::from_params(&params(serde_json::json!({"config_encryption": "0"}))).unwrap(), None);
        assert_eq!(SealingSecret::from_params(&params(serde_json::json!({"config_encryption": 0}))).unwrap(), None);
        assert!(SealingSecret::from_params(&params(serde_json::json!({"config_encryption": 1}))).is_err());
        let err = SealingSecret::from_params(&params(serde_json::json!({"config_encryption": "1"}))).unwrap_err();
        assert!(err.contains("config_encryption_secret is missing"), "{err}");
        let on = serde_json::json!({"config_encryption": "1", "config_encryption_secret": "ab".repeat(32)});
        assert_eq!(SealingSecret::from_params(&params(on)).unwrap(), Some(secret()));
        assert!(SealingSecret::from_hex("abc").unwrap_err().contains("64 hexadecimal"));
        assert!(SealingSecret::from_hex(&"zz".repeat(32)).is_err());
        let generated = SealingSecret::generate_hex().unwrap();
        assert!(SealingSecret::from_hex(&generated).is_ok());
        assert_ne!(generated, SealingSecret::generate_hex().unwrap());
    }

    #[test]
    fn keys_are_per_device_and_per_secret() {
        let mac = |s: &str| s.parse::<Mac>().unwrap();
        let a = secret().device_key(FileCipher::YealinkAes128Ecb, mac("00:15:65:00:00:01"));
        let b = secret().device_key(FileCipher::YealinkAes128Ecb, mac("00:15:65:00:00:02"));
        let other = SealingSecret::from_hex(&"cd".repeat(32)).unwrap();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
        assert_ne!(a, other.device_key(FileCipher::YealinkAes128Ecb, mac("00:15:65:00:00:01")));
        assert_eq!(a, secret().device_key(FileCipher::YealinkAes128Ecb, mac("00:15:65:00:00:01")));
        assert!(!format!("{:?}", secret()).contains("ab"), "the secret never reaches a log");
    }

    #[test]
    fn yealink_files_decrypt_to_the_plain_bytes() {
        let key = "0123456789abcdef";
        for plain in [&b""[..], b"#!version:1.0.0.1\n", &[b'x'; 32], &[b'y'; 33]] {
            let sealed = seal(FileCipher::YealinkAes128Ecb, key, plain);
            assert_eq!(sealed.len(), plain.len().div_ceil(16) * 16);
            if !plain.is_empty() {
                assert_ne!(&sealed[..plain.len().min(16)], &plain[..plain.len().min(16)]);
            }
            let aes = Aes128::new(GenericArray::from_slice(key.as_bytes()));
            let mut opened = sealed.clone();
            for block in opened.chunks_exact_mut(16) {
                aes.decrypt_block(GenericArray::from_mut_slice(block));
            }
            assert_eq!(&opened[..plain.len()], plain);
            assert!(opened[plain.len()..].iter().all(|b| *b == 0));
        }
        // ECB: the same block encrypts the same way (why the key is per device).
        let sealed = seal(FileCipher::YealinkAes128Ecb, key, &[b'x'; 32]);
        assert_eq!(sealed[..16], sealed[16..]);
    }
}
