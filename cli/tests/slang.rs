//! A third SystemVerilog front-end: every unit of both matrix files (`cli/tests/rtl_matrix.toml`
//! and `verif/matrix.toml`) and every testbench of the RTL matrix compiles under slang (pyslang,
//! which `make setup` installs into `.venv`) with no error and no warning (`slang -Werror`, its
//! default warnings), besides Verilator, Icarus and Yosys.
//!
//! It needs pyslang in the workspace's `.venv` (`make setup`), so it is `#[ignore]`d in a plain
//! `cargo test`; `make test` runs it.

use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "needs pyslang in .venv (make setup): run by `make test`"]
fn every_matrix_unit_compiles_under_slang_without_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `make setup`",
        python.display()
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slang");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (matrix, extra, testbench) in [
        (
            root.join("cli/tests/rtl_matrix.toml"),
            &["vectors", "exhaustive"][..],
            true,
        ),
        (root.join("verif/matrix.toml"), &["cases"][..], false),
    ] {
        for e in hbfpgen::matrix::read(&matrix, extra).unwrap_or_else(|e| panic!("{e}")) {
            let u = e.unit;
            let sub = dir.join(u.name());
            if sub.exists() {
                continue;
            }
            std::fs::create_dir_all(&sub).unwrap();
            for (name, text) in u.files(testbench && u.testbench().is_some()).unwrap() {
                if name.ends_with(".sv") {
                    let path = sub.join(&name);
                    std::fs::write(&path, text).unwrap();
                    if name.ends_with("_tb.sv") {
                        // the testbench with its unit, as one design
                        files.push(format!(
                            "{} {}",
                            path.display(),
                            sub.join(format!("{}.sv", u.name())).display()
                        ));
                    } else {
                        files.push(path.display().to_string());
                    }
                }
            }
        }
    }
    assert!(files.len() > 300, "{} designs", files.len());
    let out = Command::new(&python)
        .arg(root.join("tools/slang-check.py"))
        .args(&files)
        .output()
        .expect("run slang-check");
    let log = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = log.lines().filter(|l| l.starts_with("FAIL")).collect();
    eprintln!("slang: {} designs, {} fail", files.len(), failed.len());
    assert!(
        out.status.success() && failed.is_empty(),
        "{} of {} designs fail under slang:\n{}\n{}",
        failed.len(),
        files.len(),
        failed.join("\n"),
        log.chars().take(20000).collect::<String>()
    );
}
