//! The database key (SQLCipher). It lives in a file outside the data directory (a systemd
//! credential, or a root-only file made at first boot) and is never logged or printed.

use std::path::{Path, PathBuf};

/// A key file larger than this is not a key.
const MAX_KEY_FILE_BYTES: u64 = 4096;
const MIN_PASSPHRASE_CHARS: usize = 16;

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseKey {
    /// 64 hex digits: a raw 256-bit key, used as is.
    Raw(String),
    /// Anything else of at least 16 characters: SQLCipher derives the key (PBKDF2).
    Passphrase(String),
}

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "cannot read the database key file {path}: {reason}; the kiosk will not start \
         without it (a new empty database would hide the old one)"
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "the database key file {path} does not hold a key: use 64 hex digits (e.g. from \
         `openssl rand -hex 32`) or a passphrase of at least {MIN_PASSPHRASE_CHARS} characters"
    )]
    Invalid { path: PathBuf },
}

impl DatabaseKey {
    /// Reads the key from `path` (surrounding whitespace and a final newline ignored).
    pub fn from_file(path: &Path) -> Result<DatabaseKey, KeyError> {
        let unreadable = |reason: String| KeyError::Unreadable {
            path: path.to_owned(),
            reason,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| unreadable(e.kind().to_string()))?
            .len();
        if size > MAX_KEY_FILE_BYTES {
            return Err(KeyError::Invalid {
                path: path.to_owned(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.kind().to_string()))?;
        DatabaseKey::parse(text.trim()).ok_or(KeyError::Invalid {
            path: path.to_owned(),
        })
    }

    pub fn parse(text: &str) -> Option<DatabaseKey> {
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(DatabaseKey::Raw(text.to_ascii_lowercase()));
        }
        let printable = text.chars().all(|c| !c.is_control());
        (printable && text.chars().count() >= MIN_PASSPHRASE_CHARS)
            .then(|| DatabaseKey::Passphrase(text.to_owned()))
    }

    /// The `PRAGMA key` statement for this key.
    pub(super) fn pragma(&self) -> String {
        match self {
            // Only hex digits: nothing to escape.
            DatabaseKey::Raw(hex) => format!("PRAGMA key = \"x'{hex}'\";"),
            DatabaseKey::Passphrase(p) => format!("PRAGMA key = '{}';", p.replace('\'', "''")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hex_or_long_passphrases_and_never_printed() {
        let hex = "A".repeat(64);
        assert_eq!(
            DatabaseKey::parse(&hex),
            Some(DatabaseKey::Raw("a".repeat(64)))
        );
        assert!(DatabaseKey::parse("short").is_none());
        assert!(DatabaseKey::parse("tab\tin a long passphrase").is_none());
        let p = DatabaseKey::parse("correct horse battery 'staple'").unwrap();
        assert_eq!(
            p.pragma(),
            "PRAGMA key = 'correct horse battery ''staple''';"
        );
        assert_eq!(format!("{p:?}"), "DatabaseKey(<redacted>)");
    }

    #[test]
    fn a_missing_or_empty_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = DatabaseKey::from_file(&dir.path().join("nope")).unwrap_err();
        assert!(missing.to_string().contains("will not start"), "{missing}");
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        let empty = DatabaseKey::from_file(&dir.path().join("empty")).unwrap_err();
        assert!(empty.to_string().contains("64 hex digits"), "{empty}");
    }
}
