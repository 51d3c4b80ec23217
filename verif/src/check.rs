//! Runs a property over one model with proptest and, when it fails, saves the shrunk case, replays
//! it with a waveform, and names the command that reproduces it.

use crate::dut::Dut;
use crate::harness::{run, Case, Failure};
use crate::ModelInfo;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A failing case as saved on disk: the model, the property and the case.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Saved {
    /// The model's name (see [`crate::MODELS`]).
    pub model: String,
    /// The property that failed.
    pub property: String,
    /// The shrunk case.
    pub case: Case,
}

/// A property that failed, with where its evidence is.
#[derive(Debug)]
pub struct Failed {
    /// The model's name.
    pub model: String,
    /// The property.
    pub property: String,
    /// The broken law, in the shrunk case.
    pub reason: String,
    /// Operations in the shrunk case.
    pub ops: usize,
    /// The saved case.
    pub case_file: PathBuf,
    /// The waveform of the shrunk case.
    pub waveform: PathBuf,
    /// The one-line command that replays the case.
    pub command: String,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: property `{}` fails: {}\n  shrunk case: {} operation(s), saved in {}\n  waveform:    {}\n  reproduce:   {}",
            self.model,
            self.property,
            self.reason,
            self.ops,
            self.case_file.display(),
            self.waveform.display(),
            self.command
        )
    }
}

/// Number of cases per model and property: `PROPTEST_CASES` if set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where failing cases and their waveforms go: `$VERIF_FAILURES`, else `target/verif-failures` of
/// the workspace.
pub fn failure_dir() -> PathBuf {
    std::env::var_os("VERIF_FAILURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
                .join("verif-failures")
        })
}

/// Runs `case` on a fresh instance of `info` with a VCD waveform written to `vcd`.
pub fn replay(info: &'static ModelInfo, case: &Case, vcd: &Path) -> Result<(), String> {
    let mut dut = Dut::new(info);
    dut.trace(vcd)?;
    run(&mut dut, case).map(|_| ()).map_err(|f| f.to_string())
}

/// Saves a failing `case` of `property` on `info` and replays it with a waveform.
pub fn record(info: &'static ModelInfo, property: &str, case: &Case, reason: String) -> Failed {
    let dir = failure_dir();
    let _ = std::fs::create_dir_all(&dir);
    let stem = format!(
        "{}-{}",
        info.name,
        property.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let case_file = dir.join(format!("{stem}.json"));
    let waveform = dir.join(format!("{stem}.vcd"));
    let saved = Saved {
        model: info.name.to_owned(),
        property: property.to_owned(),
        case: case.clone(),
    };
    let json = serde_json::to_string_pretty(&saved).expect("a case serialises");
    let mut reason = reason;
    if let Err(e) = std::fs::write(&case_file, json) {
        reason.push_str(&format!(" (and the case could not be saved: {e})"));
    }
    if let Err(e) = replay(info, case, &waveform) {
        if !waveform.is_file() {
            reason.push_str(&format!(" (and no waveform: {e})"));
        }
    }
    let case_file = case_file.canonicalize().unwrap_or(case_file);
    let waveform = waveform.canonicalize().unwrap_or(waveform);
    Failed {
        model: info.name.to_owned(),
        property: property.to_owned(),
        reason,
        ops: case.ops.len(),
        command: format!(
            "cargo run -p hbfp-verif --bin verif-replay -- {}",
            case_file.display()
        ),
        case_file,
        waveform,
    }
}

/// Checks `property` on `info`: `cases` cases drawn from `strategy`, each run on a fresh instance
/// by [`run`]. On a failure the case is shrunk, saved and replayed with a waveform.
pub fn check<S>(
    info: &'static ModelInfo,
    property: &str,
    strategy: S,
    cases: u32,
) -> Result<(), Box<Failed>>
where
    S: Strategy<Value = Case>,
{
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    });
    let result = runner.run(&strategy, |case| {
        let mut dut = Dut::new(info);
        run(&mut dut, &case)
            .map(|_| ())
            .map_err(|f: Failure| TestCaseError::fail(f.to_string()))
    });
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, case)) => {
            Err(Box::new(record(info, property, &case, reason.to_string())))
        }
        Err(TestError::Abort(reason)) => Err(Box::new(Failed {
            model: info.name.to_owned(),
            property: property.to_owned(),
            reason: format!("proptest aborted: {reason}"),
            ops: 0,
            case_file: PathBuf::new(),
            waveform: PathBuf::new(),
            command: String::new(),
        })),
    }
}
