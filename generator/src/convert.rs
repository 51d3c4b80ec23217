//! The golden model of the FP32 (or bfloat16) to HBFP block converter, `hbfp_convert`: B floats in,
//! one block out. The rules are those of `docs/numerics.md` ("Converting floats to a block").

use crate::error::{Error, Result};
use crate::format::BlockFormat;
use crate::fp::{Exact, FpFormat};
use crate::model::Block;
use serde::{Deserialize, Serialize};

/// The floating-point format of the converter's inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// IEEE binary32, 32 bits per lane.
    Fp32,
    /// bfloat16, 16 bits per lane (the top half of a binary32).
    Bf16,
}

impl InputFormat {
    /// The floating-point format.
    pub fn format(self) -> FpFormat {
        match self {
            InputFormat::Fp32 => FpFormat::FP32,
            InputFormat::Bf16 => FpFormat::BF16,
        }
    }
}

/// How an element is rounded to its M-bit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Rounding {
    /// To nearest, ties to even.
    NearestEven,
    /// Stochastic: q = floor(t + r / 2^bits), r the lane's `bits` random bits.
    Stochastic {
        /// Random bits per lane, R: 1 to 32.
        bits: u32,
    },
    /// Toward zero (truncation of the magnitude).
    TowardZero,
}

/// How the shared exponent is chosen from the largest magnitude.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExponentRule {
    /// X = floor(log2 max|x|) + 1: every element fits, and the largest uses the top code's binade.
    #[default]
    Exact,
    /// HBFPEmulator's X = ceil(log2 max|x|). It differs from `Exact` only when max|x| is a power of
    /// two, where the largest element then saturates one code low.
    EmulatorCompat,
}

/// A converter: the block format it produces and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Converter {
    /// The block format of the output.
    pub format: BlockFormat,
    /// The float format of the inputs.
    pub input: InputFormat,
    /// The rounding of the elements.
    pub rounding: Rounding,
    /// The choice of the shared exponent.
    pub rule: ExponentRule,
    /// Flush subnormal inputs to zero before anything else.
    pub ftz: bool,
}

/// floor(±mag * 2^s), for any s (a result beyond ±2^100 is returned as ±2^100: the caller clamps).
fn floor_scaled(neg: bool, mag: u128, s: i64) -> i128 {
    const CAP: i128 = 1 << 100;
    if mag == 0 {
        return 0;
    }
    let magnitude_floor_and_exact = |m: u128, s: i64| -> (i128, bool) {
        if s >= 0 {
            let bits = 128 - m.leading_zeros() as i64;
            if bits + s > 100 {
                (CAP, true)
            } else {
                ((m << s) as i128, true)
            }
        } else if -s >= 128 {
            (0, false)
        } else {
            let f = (-s) as u32;
            ((m >> f) as i128, m & ((1u128 << f) - 1) == 0)
        }
    };
    let (fl, exact) = magnitude_floor_and_exact(mag, s);
    if neg {
        -(fl + i128::from(!exact))
    } else {
        fl
    }
}

impl Converter {
    /// Converts one block. `lanes` holds the B input bit patterns (lane 0 first); `random` holds
    /// the R random bits of each lane for stochastic rounding and is ignored otherwise.
    pub fn convert(&self, lanes: &[u64], random: &[u64]) -> Result<Block> {
        let b = self.format.block as usize;
        let fmt = self.input.format();
        if lanes.len() != b {
            return Err(Error::Operand(format!(
                "{} lanes given, the block has {b}",
                lanes.len()
            )));
        }
        if let Some((i, p)) = lanes
            .iter()
            .enumerate()
            .find(|(_, p)| **p >> fmt.bits() != 0)
        {
            return Err(Error::Operand(format!(
                "lane {i}: {p:#x} is wider than {} bits",
                fmt.bits()
            )));
        }
        if let Rounding::Stochastic { bits } = self.rounding {
            crate::format::check_range("rounding bits", bits, 1, 32)?;
            if random.len() != b || random.iter().any(|r| r >> bits != 0) {
                return Err(Error::Operand(format!(
                    "stochastic rounding needs {b} random values of {bits} bits"
                )));
            }
        }
        let mut xs = Vec::with_capacity(b);
        for &p in lanes {
            let v = fmt.decode(p);
            let x = match v.exact() {
                None => return Ok(Block::nan(self.format)),
                Some(x) => x,
            };
            let subnormal = p >> fmt.man_bits() & ((1u64 << fmt.exp_bits()) - 1) == 0;
            xs.push(if self.ftz && subnormal {
                Exact { mag: 0, ..x }
            } else {
                x
            });
        }
        let log2_floor = |x: &Exact| (127 - x.mag.leading_zeros() as i64) + i64::from(x.exp);
        let Some(max) = xs
            .iter()
            .filter(|x| x.mag != 0)
            .max_by_key(|x| log2_floor(x))
        else {
            return Ok(Block::zero(self.format));
        };
        // every lane of the largest binade has the same floor(log2); the rule needs the largest value
        let top = log2_floor(max);
        let power_of_two = xs
            .iter()
            .filter(|x| x.mag != 0 && log2_floor(x) == top)
            .all(|x| x.mag.is_power_of_two());
        let x_exp = match self.rule {
            ExponentRule::Exact => top + 1,
            ExponentRule::EmulatorCompat if power_of_two => top,
            ExponentRule::EmulatorCompat => top + 1,
        };
        let scale = self.format.scale;
        let x_exp = x_exp.clamp(scale.zero_exp(), scale.nan_exp() - 1);
        let mb = i64::from(self.format.element.bits());
        let k = (mb - 1) - x_exp;
        let qmax = (1i128 << (mb - 1)) - 1;
        let man = xs
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let s = i64::from(x.exp) + k;
                let q = match self.rounding {
                    Rounding::TowardZero => {
                        let f = floor_scaled(false, x.mag, s);
                        if x.neg {
                            -f
                        } else {
                            f
                        }
                    }
                    Rounding::NearestEven => {
                        // floor(|t| + 1/2), then back to even on an exact tie
                        let twice = floor_scaled(false, x.mag, s + 1);
                        let f = floor_scaled(false, x.mag, s);
                        let tie = twice & 1 == 1 && floor_scaled(true, x.mag, s + 1) == -twice;
                        let r = if twice & 1 == 1 && !(tie && f & 1 == 0) {
                            f + 1
                        } else {
                            f
                        };
                        if x.neg {
                            -r
                        } else {
                            r
                        }
                    }
                    Rounding::Stochastic { bits } => {
                        let t = floor_scaled(x.neg, x.mag, s + i64::from(bits));
                        (t + i128::from(random[i] as u32)).div_euclid(1i128 << bits)
                    }
                };
                q.clamp(-qmax, qmax) as i64
            })
            .collect();
        Ok(Block { exp: x_exp, man })
    }
}
