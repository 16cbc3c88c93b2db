//! The five vendor formats, one module each with the same roles: `render` writes one record,
//! `read` turns a line back into its field view, `native_id` / `record_id` give the record's
//! identifier, `NATIVE_ID_FIELD` names it.
//!
//! This module holds the product-neutral readings of the model the renderers share: which
//! relatives a sensor can describe, the token elevation detsim infers, GUID text.

use crate::model::{Guid, Integrity, Process, ProcessEvent};

pub mod defender;
pub mod ecs;
pub mod sentinelone;
pub mod sysmon;
pub mod sysmon_json;

/// The parent, when the sensor could attribute it.
pub(crate) fn known_parent(event: &ProcessEvent) -> Option<&Process> {
    event.parent.process().map(|parent| parent.as_ref())
}

/// The grandparent, described only when the parent is known: a sensor that lost the parent
/// cannot know whose child it was.
pub(crate) fn known_grandparent(event: &ProcessEvent) -> Option<&Process> {
    known_parent(event).and(event.grandparent.as_deref())
}

/// UAC token elevation type of a process (inferred; the model holds no token type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Elevation {
    /// No split token: services, SYSTEM, standard users.
    Default,
    /// The elevated half of an administrator's split token.
    Full,
}

/// detsim's inference: a high-integrity process of an ordinary account runs an elevated
/// (full) token; every other process gets the default type. An administrator's unelevated
/// processes would really show the limited type, which the model cannot tell apart.
pub(crate) fn elevation(process: &Process) -> Elevation {
    if process.integrity == Integrity::High && !process.account().is_builtin_service() {
        Elevation::Full
    } else {
        Elevation::Default
    }
}

/// Whether the image is a native 64-bit program (inferred from its folder: `SysWOW64` and
/// `Program Files (x86)` hold 32-bit programs on 64-bit Windows).
pub(crate) fn is_native_64bit(image: &str) -> bool {
    // Compare only right after each backslash, where a folder name starts.
    let bytes = image.as_bytes();
    let folder_is = |at: usize, name: &[u8]| {
        bytes
            .get(at..at + name.len())
            .is_some_and(|folder| folder.eq_ignore_ascii_case(name))
    };
    let mut folders = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\\')
        .map(|(at, _)| at + 1);
    !folders.any(|at| folder_is(at, b"syswow64\\") || folder_is(at, b"program files (x86)\\"))
}

/// Appends a GUID as `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, optionally braced.
pub(crate) fn push_guid(out: &mut String, guid: &Guid, upper: bool, braces: bool) {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut text = [0u8; 38];
    let mut length = 0;
    if braces {
        text[0] = b'{';
        length = 1;
    }
    for (index, byte) in guid.0.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text[length] = b'-';
            length += 1;
        }
        text[length] = digits[usize::from(byte >> 4)];
        text[length + 1] = digits[usize::from(byte & 0xf)];
        length += 2;
    }
    if braces {
        text[length] = b'}';
        length += 1;
    }
    crate::text::push_ascii(out, &text[..length]);
}

/// A GUID field taken back from a record, normalised to `upper`/`braces`; text that is not a
/// GUID is returned as it is.
pub(crate) fn normalise_guid(text: &str, upper: bool, braces: bool) -> String {
    match Guid::parse(text) {
        Some(guid) => {
            let mut out = String::with_capacity(38);
            push_guid(&mut out, &guid, upper, braces);
            out
        }
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_64bit_is_read_from_the_folder() {
        assert!(is_native_64bit(r"C:\Windows\System32\cmd.exe"));
        assert!(!is_native_64bit(r"C:\Windows\SysWOW64\cmd.exe"));
        assert!(!is_native_64bit(r"c:\program files (x86)\x\y.exe"));
        assert!(is_native_64bit(r"C:\Program Files\x (x86)\y.exe"));
        assert!(is_native_64bit(""));
    }
}
