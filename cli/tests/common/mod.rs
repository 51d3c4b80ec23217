//! Helpers shared by the tests that run the external tools.
#![allow(dead_code)] // each test crate uses some of them

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Whether `name` is on PATH.
pub fn which(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

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
    let mut cmd = Command::new(exe);
    cmd.args(args).current_dir(dir);
    // Verilator's runtime is the same for every testbench: ccache compiles it once
    if program == "verilator" && which("ccache") {
        cmd.env("OBJCACHE", "ccache");
    }
    let out = cmd
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

/// Runs `program` (relative to `dir` when it contains a `/`) in `dir`, expecting it to fail:
/// panics when it exits 0, else returns its output.
pub fn run_failing(dir: &Path, program: &str, args: &[&str]) -> String {
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
        !out.status.success(),
        "`{program} {}` exited 0 in {}, but it must fail:\n{text}",
        args.join(" "),
        dir.display()
    );
    text
}

/// The closing line of a testbench run, as (passed, failed).
pub fn summary(log: &str) -> (usize, usize) {
    let line = log
        .lines()
        .rev()
        .find(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no `N passed, N failed` line in:\n{log}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (n[0], n[1])
}

/// Checks the generated unit `name` in `dir` (NAME.sv, NAME_tb.sv and the vector file `vec_name`)
/// with every tool: `verilator --lint-only -Wall`, Yosys 0.23 `hierarchy -check; proc; check
/// -assert`, and the testbench under Icarus and (with `verilator`) under Verilator, which must
/// pass every vector; `results` counts the results that a vector text produces. Then the testbench
/// must catch one corrupted expected bit, in each simulator it ran in.
pub fn check_rtl(
    dir: &Path,
    name: &str,
    vec_name: &str,
    results: &dyn Fn(&str) -> usize,
    verilator: bool,
) {
    let sv = format!("{name}.sv");
    let tb = format!("{name}_tb.sv");
    let top = format!("{name}_tb");
    let plus = format!("+vectors={vec_name}");
    let text = std::fs::read_to_string(dir.join(vec_name)).unwrap();
    let count = results(&text);

    run(dir, "verilator", &["--lint-only", "-Wall", &sv]);
    let script =
        format!("read_verilog -sv {sv}; hierarchy -check -top {name}; proc; check -assert");
    run(dir, "yosys", &["-q", "-p", &script]);

    run(dir, "iverilog", &["-g2012", "-o", "tb.vvp", &tb, &sv]);
    let log = run(dir, "vvp", &["-n", "tb.vvp", &plus]);
    assert_eq!(summary(&log), (count, 0), "Icarus, {name}:\n{log}");

    if verilator {
        run(
            dir,
            "verilator",
            &[
                "--binary",
                // the testbench runs for a fraction of a second: compile its C++ unoptimised
                "-MAKEFLAGS",
                "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0",
                "--top-module",
                &top,
                "-Mdir",
                "obj_dir",
                "-o",
                "tb",
                &tb,
                &sv,
            ],
        );
        let log = run(dir, "obj_dir/tb", &["+seed=7", &plus]);
        assert_eq!(summary(&log), (count, 0), "Verilator, {name}:\n{log}");
    }

    // The testbench can fail: one corrupted expected bit is one failure, in both simulators, and
    // the simulator exits non-zero. The corrupted file is a prefix of the vectors (so that the
    // second run is short) ending in a word that produces a result, its last digit flipped.
    let (bad, bad_count) = corrupted(&text, results);
    std::fs::write(dir.join("bad.vec"), bad).unwrap();
    let log = run_failing(dir, "vvp", &["-n", "tb.vvp", "+vectors=bad.vec"]);
    assert_eq!(
        summary(&log),
        (bad_count - 1, 1),
        "Icarus must catch it:\n{log}"
    );
    if verilator {
        let log = run_failing(dir, "obj_dir/tb", &["+vectors=bad.vec"]);
        assert_eq!(
            summary(&log),
            (bad_count - 1, 1),
            "Verilator must catch it:\n{log}"
        );
    }
}

/// Words a corrupted vector file keeps at least (more when the word that ends them produces no
/// result).
const CORRUPTED_WORDS: usize = 16;

/// A vector file `text` cut after its first [`CORRUPTED_WORDS`] words, or after the first word
/// beyond them that produces a result (`results` counts them), the last digit of that word
/// flipped; and how many results the cut file produces.
fn corrupted(text: &str, results: &dyn Fn(&str) -> usize) -> (String, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let words: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].starts_with("//") && !lines[i].trim().is_empty())
        .collect();
    let upto = |n: usize| lines[..=words[n - 1]].join("\n") + "\n";
    // whether the n-th word (from 1) produces a result
    let produces = |n: usize| results(&upto(n)) > if n > 1 { results(&upto(n - 1)) } else { 0 };
    let mut n = CORRUPTED_WORDS.min(words.len());
    while n < words.len() && !produces(n) {
        n += 1;
    }
    let mut cut: Vec<String> = lines[..=words[n - 1]]
        .iter()
        .map(|l| l.to_string())
        .collect();
    let last = cut.last_mut().unwrap();
    let digit = last.pop().unwrap();
    last.push(if digit == '0' { '1' } else { '0' });
    let count = results(&upto(n));
    (cut.join("\n") + "\n", count)
}

/// Runs the `hbfpgen` binary of this package with `args`.
pub fn hbfpgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hbfpgen"))
        .args(args)
        .output()
        .unwrap()
}

/// The standard error of a run, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The sorted names in `dir` (none when it does not exist).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Writes `files` and the vector file `vec_text` (`results` counts its results) of the unit `name` into a fresh
/// directory `group/name` of the test's scratch space, checks them with [`check_rtl`] (the
/// testbench under Verilator too with `verilator`), and removes the directory when every check
/// passed.
pub fn check_generated(
    group: &str,
    name: &str,
    files: &[(String, String)],
    vec_text: &str,
    results: &dyn Fn(&str) -> usize,
    verilator: bool,
) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    hbfpgen::output::write_all(&dir, files).unwrap();
    let vec_name = format!("{name}.vec");
    hbfpgen::output::write_one(&dir.join(&vec_name), vec_text).unwrap();
    check_rtl(&dir, name, &vec_name, results, verilator);
    let _ = std::fs::remove_dir_all(&dir);
}
