//! Replays a failing co-simulation case saved by the test suite, with a waveform.
//!
//! Usage: verif-replay CASE.json [--vcd FILE]
//! Exit status: 1 if the case still fails, 0 if it passes now, 2 on bad input.

use hbfp_verif::check::{replay, Saved};
use hbfp_verif::ModelInfo;
use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: verif-replay CASE.json [--vcd FILE]\n\nReplays a case that the co-simulation tests saved (target/verif-failures/*.json) on the\nsame Verilated model, writes a VCD waveform (default: beside the case), and reports the law it breaks.");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (file, vcd) = match args.as_slice() {
        [f] if !f.starts_with('-') => (PathBuf::from(f), None),
        [f, flag, v] if flag == "--vcd" => (PathBuf::from(f), Some(PathBuf::from(v))),
        _ => return usage(),
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let saved: Saved = match serde_json::from_str(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {} is not a saved case: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let Some(info) = ModelInfo::by_name(&saved.model) else {
        eprintln!(
            "error: no model `{}` is compiled into this build (see verif/build.rs)",
            saved.model
        );
        return ExitCode::from(2);
    };
    let vcd = vcd.unwrap_or_else(|| file.with_extension("vcd"));
    let result = replay(info, &saved.case, &vcd);
    println!(
        "{}: property `{}`, {} operation(s); waveform {}",
        saved.model,
        saved.property,
        saved.case.ops.len(),
        vcd.display()
    );
    match result {
        Ok(()) => {
            println!("passes");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("fails: {e}");
            ExitCode::from(1)
        }
    }
}
