//! The RTL matrix: every configuration listed in `rtl_matrix.toml`, of every unit, reached through
//! the unit registry. Each passes `verilator --lint-only -Wall` with no waivers, Yosys 0.23
//! `read_verilog -sv; hierarchy -check; proc; check -assert`, and its self-checking testbench under
//! Icarus on vectors from the golden model; then the testbench must report exactly one failure,
//! and exit non-zero, when one expected bit is flipped (in a short prefix of the file). The testbench also runs under
//! Verilator, with the same two checks, for every sixty-fourth configuration of each unit (its first,
//! sixty-fifth, ...): the testbench's build under Verilator is most of a configuration's time, and the
//! Verilated RTL of every unit is checked against the golden model by the co-simulation matrix
//! (`verif/matrix.toml`) anyway. `RTL_MATRIX_VERILATOR=all` runs it for every configuration.
//!
//! The configurations run `RTL_JOBS` at a time (default: the number of cores) and print a progress
//! line to the terminal as each finishes. `RTL_MATRIX_FILTER=text` runs only the configurations
//! whose module name contains `text`.
//!
//! These tests need verilator, iverilog and yosys (`make setup`), so they are `#[ignore]`d in a plain
//! `cargo test`; `make test` runs them.

use hbfpgen::unit::AnyUnit;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

mod common;
use common::check_generated;

/// The testbench runs under Verilator too for every this many configurations of each unit.
const VERILATOR_EVERY: usize = 64;

/// The seed of every matrix's vectors.
const SEED: u64 = 0x5eed;

/// One configuration of the matrix: the unit and how to draw its vectors.
struct Case {
    unit: Box<dyn AnyUnit>,
    /// `None`: the unit's exhaustive set.
    vectors: Option<usize>,
    /// Whether its testbench runs under Verilator too.
    verilator: bool,
}

/// The configurations of `rtl_matrix.toml`, in file order.
fn cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rtl_matrix.toml");
    let all = std::env::var("RTL_MATRIX_VERILATOR").is_ok_and(|v| v == "all");
    let mut per_kind = std::collections::HashMap::<&str, usize>::new();
    let soak = hbfpgen::matrix::soak_requested();
    hbfpgen::matrix::read(&path, &["vectors", "exhaustive"])
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|e| soak || !e.soak)
        .map(|e| {
            let seen = per_kind.entry(e.unit.kind()).or_insert(0);
            let verilator = all || *seen % VERILATOR_EVERY == 0;
            *seen += 1;
            let exhaustive = e
                .extra
                .get("exhaustive")
                .is_some_and(|v| v.as_bool() == Some(true));
            let vectors = e
                .extra
                .get("vectors")
                .map(|v| v.as_integer().expect("`vectors` is a count") as usize);
            assert!(
                exhaustive != vectors.is_some(),
                "{}: a set has either `vectors` or `exhaustive = true`",
                e.unit.name()
            );
            Case {
                unit: e.unit,
                vectors,
                verilator,
            }
        })
        .collect()
}

/// The results that the words of vector text `text` produce (the words whose result flag is set,
/// or every word).
fn results(unit: &dyn AnyUnit, text: &str) -> usize {
    let words = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty());
    let Some(flag) = unit.result_flag() else {
        return words.count();
    };
    let layout = unit.layout();
    let f = layout.field(flag).expect("the flag is a field");
    words
        .filter(|l| {
            let hex: String = l.chars().filter(|&c| c != '_').collect();
            let digit = (layout.word_bits - f.offset) / 4 - 1;
            let nibble = hex.as_bytes()[digit as usize] as char;
            (nibble.to_digit(16).unwrap() >> (f.offset % 4)) & 1 == 1
        })
        .count()
}

fn check(case: &Case) {
    let u = case.unit.as_ref();
    let (_, text) = u
        .vectors(case.vectors.unwrap_or(0), SEED, case.vectors.is_none())
        .unwrap();
    let count = |t: &str| results(u, t);
    check_generated(
        "rtl-matrix",
        u.name(),
        &u.files(true).unwrap(),
        &text,
        &count,
        case.verilator,
    );
}

#[test]
#[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
fn rtl_matrix() {
    let filter = std::env::var("RTL_MATRIX_FILTER").unwrap_or_default();
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.unit.name().contains(&filter))
        .collect();
    let names: Vec<&str> = cases.iter().map(|c| c.unit.name()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        names.len(),
        "two configurations share a module name"
    );
    let jobs = std::env::var("RTL_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let start = Instant::now();
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let failures = Mutex::new(Vec::new());
    let running = Mutex::new(Vec::<String>::new());
    let total = cases.len();
    // progress goes straight to the terminal: the test harness captures only print!/eprint!
    let say = |line: String| {
        let _ = writeln!(std::io::stderr(), "rtl matrix: {line}");
    };
    say(format!("{total} configurations, {jobs} at a time"));
    std::thread::scope(|s| {
        let heartbeat = s.spawn(|| {
            let mut last = Instant::now();
            while done.load(Ordering::Relaxed) < total {
                std::thread::sleep(std::time::Duration::from_millis(250));
                if last.elapsed().as_secs() >= 20 {
                    last = Instant::now();
                    say(format!(
                        "{}/{total} after {} s; running {}",
                        done.load(Ordering::Relaxed),
                        start.elapsed().as_secs(),
                        running.lock().unwrap().join(", ")
                    ));
                }
            }
        });
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let name = case.unit.name().to_owned();
                running.lock().unwrap().push(name.clone());
                let t = Instant::now();
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case)));
                running.lock().unwrap().retain(|n| *n != name);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                let verdict = match outcome {
                    Ok(()) => "ok".to_owned(),
                    Err(e) => {
                        let message = e
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        failures.lock().unwrap().push(format!("{name}: {message}"));
                        "FAILED".to_owned()
                    }
                };
                say(format!(
                    "{n}/{total} {name} {verdict} ({:.1} s; {} s in all)",
                    t.elapsed().as_secs_f64(),
                    start.elapsed().as_secs()
                ));
            });
        }
        heartbeat.join().unwrap();
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {total} configurations failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_matrix_covers_every_unit_with_a_testbench_and_lists_each_configuration_once() {
    let cases = cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.unit.name()).collect();
    names.sort();
    let twice: Vec<&&str> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| &w[0])
        .collect();
    assert!(
        twice.is_empty(),
        "rtl_matrix.toml lists these configurations twice: {twice:?}"
    );

    for kind in hbfpgen::units::REGISTRY {
        if kind.has_testbench() {
            assert!(
                cases.iter().any(|c| c.unit.kind() == kind.kind()),
                "rtl_matrix.toml has no configuration of {}",
                kind.kind()
            );
        }
    }
}
