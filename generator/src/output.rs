//! Writing generated files all-or-nothing: every file is rendered first, written under a temporary
//! name, and renamed into place only when all writes succeeded. On any failure nothing is left behind
//! (nor the output directory, when this call created it).

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Writes `files` (name, contents) into `dir`, creating it if needed, all or nothing.
pub fn write_all(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>> {
    let created = create_dir(dir)?;
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (name, contents) in files {
            let finalp = dir.join(name);
            let temp = dir.join(format!(".{name}.hbfpgen-tmp"));
            std::fs::write(&temp, contents).map_err(|source| Error::Write {
                path: finalp.clone(),
                source,
            })?;
            temps.push((temp, finalp));
        }
        for (temp, finalp) in &temps {
            std::fs::rename(temp, finalp).map_err(|source| Error::Write {
                path: finalp.clone(),
                source,
            })?;
        }
        Ok(temps.iter().map(|(_, f)| f.clone()).collect())
    })();
    if result.is_err() {
        for (temp, _) in &temps {
            let _ = std::fs::remove_file(temp);
        }
        if let Some(d) = created {
            let _ = std::fs::remove_dir_all(d);
        }
    }
    result
}

/// Writes one file all or nothing (a temporary file renamed into place).
pub fn write_one(path: &Path, contents: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Write {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
        })?
        .to_string_lossy()
        .into_owned();
    write_all(&dir, &[(name, contents.to_owned())]).map(|_| ())
}

/// Creates `dir` (and missing parents); returns the topmost directory it created, if any.
fn create_dir(dir: &Path) -> Result<Option<PathBuf>> {
    if dir.is_dir() {
        return Ok(None);
    }
    let mut top = dir.to_owned();
    while let Some(p) = top.parent() {
        if p.as_os_str().is_empty() || p.exists() {
            break;
        }
        top = p.to_owned();
    }
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })?;
    Ok(Some(top))
}

/// Reads a text file; the error names the file.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// A TOML parse error as a message that names the line and key at fault, and lists `keys`, the keys
/// the file may hold, when the key is unknown.
pub(crate) fn toml_message(text: &str, e: &toml::de::Error, keys: &str) -> String {
    let mut m = e.message().to_string();
    if let Some(span) = e.span() {
        let line_no = text[..span.start].matches('\n').count() + 1;
        let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
        m = format!("line {line_no} (`{line}`): {m}");
    }
    if m.contains("unknown field") {
        m.push_str(&format!(" (keys: {keys})"));
    }
    m
}
