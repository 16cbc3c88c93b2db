//! The process catalogue: what genuine Windows binaries look like, so that a scenario step that
//! names only an image gets a realistic version resource, signature, account and command line.
//!
//! The facts live in `data/catalogue.yaml`; this module loads them and derives what the file does
//! not store. Hashes are synthetic: real digests differ per Windows build, so detsim derives
//! stable, correctly formed MD5/SHA-1/SHA-256/imphash values from the binary's name and version.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use detsim_generators::model::{Binary, Integrity, SignerKind, file_name, hex};
use md5::Digest as _;
use serde::Deserialize;

const BUILTIN: &str = include_str!("../data/catalogue.yaml");

/// The account a binary typically runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TypicalAccount {
    System,
    LocalService,
    NetworkService,
    /// The interactive user of the host.
    User,
    /// The Desktop Window Manager's virtual account (`Window Manager\DWM-1`).
    Dwm,
    /// The user-mode font driver's virtual account (`Font Driver Host\UMFD-1`).
    Umfd,
}

/// One binary as `data/catalogue.yaml` describes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// File name, the lookup key (case-insensitive).
    pub name: String,
    /// Usual full path; `{user}` stands for the user name in per-user install paths.
    pub path: String,
    /// Path of the 32-bit copy in SysWOW64, when Windows ships one.
    pub wow64_path: Option<String>,
    pub original_file_name: String,
    pub internal_name: String,
    pub description: String,
    pub product: String,
    pub company: String,
    pub file_version: String,
    pub product_version: String,
    pub size: u64,
    pub signer: String,
    pub signer_kind: SignerKind,
    pub account: TypicalAccount,
    pub integrity: Integrity,
    pub command_line: String,
    pub cwd: Option<String>,
    pub role: String,
}

/// The loaded catalogue, with each entry's [`Binary`] built once.
#[derive(Debug)]
pub struct Catalogue {
    entries: Vec<Entry>,
    binaries: Vec<Arc<Binary>>,
    by_name: HashMap<String, usize>,
}

impl Catalogue {
    /// The catalogue compiled into detsim.
    pub fn builtin() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            Catalogue::parse(BUILTIN)
                .unwrap_or_else(|error| panic!("the built-in catalogue is invalid: {error}"))
        })
    }

    /// Parses catalogue YAML; duplicate names are an error.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let entries: Vec<Entry> = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_name = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            if by_name.insert(entry.name.to_ascii_lowercase(), i).is_some() {
                return Err(format!("duplicate catalogue entry `{}`", entry.name));
            }
        }
        let binaries = entries.iter().map(|e| Arc::new(binary_of(e))).collect();
        Ok(Catalogue {
            entries,
            binaries,
            by_name,
        })
    }

    /// The entry for a file name or a path (its last component), in any letter case.
    pub fn get(&self, name_or_path: &str) -> Option<&Entry> {
        self.index(name_or_path).map(|i| &self.entries[i])
    }

    /// The version resource, hashes and signature of a catalogue binary.
    pub fn binary(&self, name_or_path: &str) -> Option<Arc<Binary>> {
        self.index(name_or_path).map(|i| self.binaries[i].clone())
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Every entry's name, for did-you-mean hints.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    fn index(&self, name_or_path: &str) -> Option<usize> {
        self.by_name.get(&file_name_key(name_or_path)).copied()
    }
}

/// The lookup key of a binary: its file name, lower-cased.
pub fn file_name_key(name_or_path: &str) -> String {
    file_name(name_or_path).to_ascii_lowercase()
}

/// The binary of a file the catalogue does not know (an implant, a dropped tool): no version
/// resource, unsigned, hashes derived from its path.
pub fn unknown_binary(image: &str) -> Binary {
    let name = file_name(image).to_string();
    let (md5, sha1, sha256, imphash) = digests(&format!("unknown\0{}", image.to_lowercase()));
    Binary {
        original_file_name: String::new(),
        internal_name: String::new(),
        description: String::new(),
        product: String::new(),
        company: String::new(),
        file_version: String::new(),
        product_version: String::new(),
        md5,
        sha1,
        sha256,
        imphash,
        size: 40_960 + (name.len() as u64) * 4_096,
        signer: String::new(),
        signer_kind: SignerKind::Unsigned,
    }
}

fn binary_of(entry: &Entry) -> Binary {
    let key = format!("{}\0{}", entry.name.to_lowercase(), entry.file_version);
    let (md5, sha1, sha256, imphash) = digests(&key);
    Binary {
        original_file_name: entry.original_file_name.clone(),
        internal_name: entry.internal_name.clone(),
        description: entry.description.clone(),
        product: entry.product.clone(),
        company: entry.company.clone(),
        file_version: entry.file_version.clone(),
        product_version: entry.product_version.clone(),
        md5,
        sha1,
        sha256,
        imphash,
        size: entry.size,
        signer: entry.signer.clone(),
        signer_kind: entry.signer_kind,
    }
}

/// Synthetic digests of a key: lower-case hex MD5, SHA-1, SHA-256 and an MD5-sized imphash.
fn digests(key: &str) -> (String, String, String, String) {
    let md5 = hex(&md5::Md5::digest(format!("detsim-md5\0{key}")), false);
    let sha1 = hex(&sha1::Sha1::digest(format!("detsim-sha1\0{key}")), false);
    let sha256 = hex(
        &sha2::Sha256::digest(format!("detsim-sha256\0{key}")),
        false,
    );
    let imphash = hex(&md5::Md5::digest(format!("detsim-imphash\0{key}")), false);
    (md5, sha1, sha256, imphash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parent in the advisory's rule must be in the catalogue with a version resource.
    const RULE_PARENTS: [&str; 24] = [
        "lsass.exe",
        "csrss.exe",
        "epad.exe",
        "regsvr32.exe",
        "dllhost.exe",
        "LogonUI.exe",
        "wermgr.exe",
        "spoolsv.exe",
        "jucheck.exe",
        "jusched.exe",
        "ctfmon.exe",
        "taskhostw.exe",
        "GoogleUpdate.exe",
        "sppsvc.exe",
        "sihost.exe",
        "slui.exe",
        "SIHClient.exe",
        "SearchIndexer.exe",
        "SearchProtocolHost.exe",
        "FlashPlayerUpdateService.exe",
        "WerFault.exe",
        "WUDFHost.exe",
        "unsecapp.exe",
        "wlanext.exe",
    ];

    #[test]
    fn builtin_catalogue_is_large_and_holds_the_rule_parents() {
        let catalogue = Catalogue::builtin();
        assert!(
            catalogue.entries().len() >= 80,
            "{}",
            catalogue.entries().len()
        );
        for parent in RULE_PARENTS {
            let entry = catalogue
                .get(parent)
                .unwrap_or_else(|| panic!("{parent} missing"));
            assert!(!entry.original_file_name.is_empty(), "{parent}");
            assert!(entry.size > 0, "{parent}");
        }
    }

    #[test]
    fn lookups_ignore_case_and_directories() {
        let catalogue = Catalogue::builtin();
        let cmd = catalogue
            .get(r"C:\WINDOWS\SYSTEM32\CMD.EXE")
            .expect("cmd.exe");
        assert_eq!(cmd.original_file_name, "Cmd.Exe");
        assert!(catalogue.get("no-such-binary.exe").is_none());
    }

    #[test]
    fn digests_are_well_formed_and_distinct() {
        let catalogue = Catalogue::builtin();
        let cmd = catalogue.binary("cmd.exe").unwrap();
        let whoami = catalogue.binary("whoami.exe").unwrap();
        assert_eq!(cmd.md5.len(), 32);
        assert_eq!(cmd.sha1.len(), 40);
        assert_eq!(cmd.sha256.len(), 64);
        assert!(
            cmd.sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(cmd.sha256, whoami.sha256);
        let implant = unknown_binary(r"C:\Users\Public\o.exe");
        assert_eq!(implant.signer_kind, SignerKind::Unsigned);
        assert_eq!(implant.sha256.len(), 64);
    }

    #[test]
    fn duplicate_names_are_refused() {
        let one = "- {name: a.exe, path: 'C:\\a.exe', original_file_name: a.exe, internal_name: a, \
                   description: A, product: P, company: C, file_version: '1', product_version: '1', \
                   size: 1, signer: '', signer_kind: unsigned, account: user, integrity: medium, \
                   command_line: a.exe, role: other}\n";
        let error =
            Catalogue::parse(&format!("{one}{}", one.replace("a.exe,", "A.EXE,"))).unwrap_err();
        assert_eq!(error, "duplicate catalogue entry `A.EXE`");
    }
}
