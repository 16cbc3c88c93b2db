//! Output plumbing shared by the commands: files that appear only when complete, and progress
//! bars that show only on a terminal.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

/// A file written under a temporary name and renamed into place by [`AtomicFile::commit`], so
/// that an interrupted or failed run never leaves a partial file under the real name.
pub struct AtomicFile {
    path: PathBuf,
    temporary: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("output");
        let temporary = path.with_file_name(format!(".{name}.partial"));
        let file = File::create(&temporary)
            .with_context(|| format!("cannot create `{}`", temporary.display()))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            temporary,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("not yet committed")
    }

    /// Flushes and moves the file to its real name.
    pub fn commit(mut self) -> Result<PathBuf> {
        let writer = self.writer.take().expect("committed once");
        let file = writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write `{}`", self.temporary.display()))?;
        file.sync_all().ok();
        std::fs::rename(&self.temporary, &self.path)
            .with_context(|| format!("cannot move `{}` into place", self.path.display()))?;
        Ok(self.path.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// A progress bar on stderr, or a hidden one when stderr is not a terminal or `--quiet` is set.
pub fn progress(total: Option<u64>, quiet: bool, message: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {human_pos}/{human_len} events ({per_sec}, {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {msg} {human_pos} events ({per_sec})")
                .expect("valid template"),
        ),
    };
    bar.set_message(message.to_string());
    bar
}

/// Writes one line to stdout, treating a closed pipe as the end of output.
pub fn write_line(out: &mut impl Write, line: &[u8]) -> std::io::Result<()> {
    out.write_all(line)?;
    out.write_all(b"\n")
}
