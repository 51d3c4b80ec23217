//! Helpers shared by the tests that run the external tools.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The path of `name` on PATH; panics with the fix when it is missing.
pub fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .find(|f| f.is_file())
        })
        .unwrap_or(None);
    found.unwrap_or_else(|| panic!("{name} is not installed: run `make setup`"))
}

/// Runs `program` (on PATH, or relative to `dir` when it contains a `/`) in `dir`; panics with its
/// output when it fails, else returns the output.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let exe = if program.contains('/') {
        dir.join(program)
    } else {
        tool(program)
    };
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "`{program} {}` failed in {}:\n{text}",
        args.join(" "),
        dir.display()
    );
    text
}
