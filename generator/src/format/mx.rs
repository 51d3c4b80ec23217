//! The element formats of OCP Microscaling (MX) v1.0: FP8 E4M3 and E5M2, FP6 E2M3 and E3M2, FP4
//! E2M1, and INT8. Each decodes to a fixed-point view, value = (-1)^neg * fixed * 2^-frac_bits,
//! exact for every finite code; the rules and the choices the spec leaves open are in
//! `docs/numerics.md` ("OCP MX formats").

use serde::{Deserialize, Serialize};

/// An OCP MX element format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum MxElement {
    /// FP8 E4M3: bias 7, no infinities, NaN = S.1111.111 only, largest 448.
    #[serde(rename = "fp8-e4m3")]
    Fp8E4M3,
    /// FP8 E5M2: bias 15, IEEE-style infinities and NaNs, largest 57344.
    #[serde(rename = "fp8-e5m2")]
    Fp8E5M2,
    /// FP6 E2M3: bias 1, no Inf or NaN, largest 7.5.
    #[serde(rename = "fp6-e2m3")]
    Fp6E2M3,
    /// FP6 E3M2: bias 3, no Inf or NaN, largest 28.
    #[serde(rename = "fp6-e3m2")]
    Fp6E3M2,
    /// FP4 E2M1: bias 1, no Inf or NaN, largest 6.
    #[serde(rename = "fp4")]
    Fp4E2M1,
    /// INT8: two's complement scaled by 2^-6 (1.6 fixed point), -128/64 to 127/64.
    #[serde(rename = "int8")]
    Int8,
}

/// What one element code holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MxValue {
    /// (-1)^neg * fixed * 2^-frac_bits (a zero has fixed = 0 and keeps its sign bit).
    Finite {
        /// The sign bit.
        neg: bool,
        /// The magnitude in units of 2^-frac_bits.
        fixed: u64,
    },
    /// An infinity (E5M2 only).
    Inf {
        /// The sign.
        neg: bool,
    },
    /// Not a number (E4M3 and E5M2).
    NaN,
}

impl MxElement {
    /// Every element format, in the order the help lists them.
    pub const ALL: [MxElement; 6] = [
        MxElement::Fp4E2M1,
        MxElement::Fp6E2M3,
        MxElement::Fp6E3M2,
        MxElement::Fp8E4M3,
        MxElement::Fp8E5M2,
        MxElement::Int8,
    ];

    /// The name on the command line and in module names (`fp8-e4m3`).
    pub fn name(self) -> &'static str {
        match self {
            MxElement::Fp8E4M3 => "fp8-e4m3",
            MxElement::Fp8E5M2 => "fp8-e5m2",
            MxElement::Fp6E2M3 => "fp6-e2m3",
            MxElement::Fp6E3M2 => "fp6-e3m2",
            MxElement::Fp4E2M1 => "fp4",
            MxElement::Int8 => "int8",
        }
    }

    /// A short tag for identifiers (`e4m3`, `int8`).
    pub fn tag(self) -> &'static str {
        match self {
            MxElement::Fp8E4M3 => "e4m3",
            MxElement::Fp8E5M2 => "e5m2",
            MxElement::Fp6E2M3 => "e2m3",
            MxElement::Fp6E3M2 => "e3m2",
            MxElement::Fp4E2M1 => "e2m1",
            MxElement::Int8 => "int8",
        }
    }

    /// The OCP name of the block format with this element (`MXFP8 E4M3`).
    pub fn label(self) -> &'static str {
        match self {
            MxElement::Fp8E4M3 => "MXFP8-E4M3",
            MxElement::Fp8E5M2 => "MXFP8-E5M2",
            MxElement::Fp6E2M3 => "MXFP6-E2M3",
            MxElement::Fp6E3M2 => "MXFP6-E3M2",
            MxElement::Fp4E2M1 => "MXFP4",
            MxElement::Int8 => "MXINT8",
        }
    }

    /// Width of a code in bits.
    pub fn bits(self) -> u32 {
        match self {
            MxElement::Fp8E4M3 | MxElement::Fp8E5M2 | MxElement::Int8 => 8,
            MxElement::Fp6E2M3 | MxElement::Fp6E3M2 => 6,
            MxElement::Fp4E2M1 => 4,
        }
    }

    /// Exponent-field bits (0 for INT8).
    pub fn exp_bits(self) -> u32 {
        match self {
            MxElement::Fp8E4M3 => 4,
            MxElement::Fp8E5M2 => 5,
            MxElement::Fp6E2M3 | MxElement::Fp4E2M1 => 2,
            MxElement::Fp6E3M2 => 3,
            MxElement::Int8 => 0,
        }
    }

    /// Fraction (mantissa) bits: for INT8, the bits below the sign.
    pub fn man_bits(self) -> u32 {
        match self {
            MxElement::Fp8E4M3 | MxElement::Fp6E2M3 => 3,
            MxElement::Fp8E5M2 | MxElement::Fp6E3M2 => 2,
            MxElement::Fp4E2M1 => 1,
            MxElement::Int8 => 7,
        }
    }

    /// Whether the format is a float (not INT8).
    pub fn is_float(self) -> bool {
        self != MxElement::Int8
    }

    /// The exponent bias (floats; 0 for INT8).
    pub fn bias(self) -> i64 {
        match self.exp_bits() {
            0 => 0,
            e => (1 << (e - 1)) - 1,
        }
    }

    /// emax: floor(log2) of the largest finite magnitude (OCP's emax_elem; 0 for INT8).
    pub fn emax(self) -> i64 {
        match self {
            MxElement::Fp8E4M3 => 8,
            MxElement::Fp8E5M2 => 15,
            MxElement::Fp6E2M3 | MxElement::Fp4E2M1 => 2,
            MxElement::Fp6E3M2 => 4,
            MxElement::Int8 => 0,
        }
    }

    /// The fixed point's fraction bits: a code's value is fixed * 2^-frac_bits. For a float,
    /// the smallest subnormal's exponent, bias - 1 + man_bits; for INT8, 6.
    pub fn frac_bits(self) -> u32 {
        match self {
            MxElement::Int8 => 6,
            f => (f.bias() - 1) as u32 + f.man_bits(),
        }
    }

    /// The largest finite magnitude in fixed point (INT8: 128, the magnitude of -128).
    pub fn max_fixed(self) -> u64 {
        match self {
            MxElement::Int8 => 128,
            // the top finite code: E4M3's all-ones exponent with fraction 110, E5M2's exponent
            // 11110, the others' all-ones code
            f => {
                let (e_top, m_top) = match f {
                    MxElement::Fp8E4M3 => (15, 6),
                    MxElement::Fp8E5M2 => (30, 3),
                    f => ((1 << f.exp_bits()) - 1, (1 << f.man_bits()) - 1),
                };
                (m_top + (1 << f.man_bits())) << (e_top - 1)
            }
        }
    }

    /// The bits of the fixed-point magnitude, max_fixed included.
    pub fn fixed_bits(self) -> u32 {
        64 - self.max_fixed().leading_zeros()
    }

    /// The largest finite magnitude as an f64.
    pub fn max_normal(self) -> f64 {
        match self {
            MxElement::Int8 => 127.0 / 64.0,
            f => f.max_fixed() as f64 * 2f64.powi(-(f.frac_bits() as i32)),
        }
    }

    /// Whether the format has infinities (E5M2 only).
    pub fn has_inf(self) -> bool {
        self == MxElement::Fp8E5M2
    }

    /// Whether the format has NaN codes (E4M3 and E5M2).
    pub fn has_nan(self) -> bool {
        matches!(self, MxElement::Fp8E4M3 | MxElement::Fp8E5M2)
    }

    /// What the code `pattern` (the low `bits()` bits) holds.
    pub fn decode(self, pattern: u64) -> MxValue {
        let w = self.bits();
        let pattern = pattern & ((1 << w) - 1);
        if self == MxElement::Int8 {
            let v = super::sign_extend(pattern, 8);
            return MxValue::Finite {
                neg: v < 0,
                fixed: v.unsigned_abs(),
            };
        }
        let neg = pattern >> (w - 1) == 1;
        let (eb, mb) = (self.exp_bits(), self.man_bits());
        let e = (pattern >> mb) & ((1 << eb) - 1);
        let m = pattern & ((1 << mb) - 1);
        let e_ones = (1 << eb) - 1;
        match self {
            MxElement::Fp8E4M3 if e == e_ones && m == (1 << mb) - 1 => return MxValue::NaN,
            MxElement::Fp8E5M2 if e == e_ones && m == 0 => return MxValue::Inf { neg },
            MxElement::Fp8E5M2 if e == e_ones => return MxValue::NaN,
            _ => {}
        }
        // subnormal: m * 2^(1 - bias - mb); normal: (2^mb + m) * 2^(e - bias - mb)
        let fixed = if e == 0 {
            m
        } else {
            (m + (1 << mb)) << (e - 1)
        };
        MxValue::Finite { neg, fixed }
    }
}

impl std::fmt::Display for MxElement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for MxElement {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.to_ascii_lowercase();
        let found = match s.as_str() {
            "fp4" | "fp4-e2m1" | "e2m1" => Some(MxElement::Fp4E2M1),
            "fp6-e2m3" | "e2m3" => Some(MxElement::Fp6E2M3),
            "fp6-e3m2" | "e3m2" => Some(MxElement::Fp6E3M2),
            "fp8-e4m3" | "e4m3" => Some(MxElement::Fp8E4M3),
            "fp8-e5m2" | "e5m2" => Some(MxElement::Fp8E5M2),
            "int8" => Some(MxElement::Int8),
            _ => None,
        };
        found.ok_or_else(|| {
            format!(
                "{s:?} is not an MX element format; use {}",
                MxElement::ALL.map(MxElement::name).join(", ")
            )
        })
    }
}

/// E8M0, the MX scale: an unsigned 8-bit biased exponent, 2^(code - 127) for codes 0 to 254; 255 is
/// NaN. As an exponent, code c is c - 127, and the NaN code is exponent 128.
pub const E8M0_BIAS: i64 = 127;
/// The E8M0 NaN code.
pub const E8M0_NAN: u64 = 0xff;

#[cfg(test)]
mod tests {
    use super::*;

    /// An independent decoding in f64 from the OCP v1.0 tables: sign, exponent, mantissa fields;
    /// subnormals 2^(1-bias) * m/2^mb; normals 2^(e-bias) * (1 + m/2^mb); the special codes.
    fn f64_of(f: MxElement, p: u64) -> Option<f64> {
        let w = f.bits();
        if f == MxElement::Int8 {
            return Some(((p as u8) as i8) as f64 / 64.0);
        }
        let (eb, mb) = (f.exp_bits() as i32, f.man_bits() as i32);
        let s = if p >> (w - 1) & 1 == 1 { -1.0 } else { 1.0 };
        let e = ((p >> mb) & ((1 << eb) - 1)) as i32;
        let m = (p & ((1 << mb) - 1)) as f64;
        let bias = (1 << (eb - 1)) - 1;
        match f {
            MxElement::Fp8E4M3 if e == 15 && m == 7.0 => return None,
            MxElement::Fp8E5M2 if e == 31 && m == 0.0 => return Some(s * f64::INFINITY),
            MxElement::Fp8E5M2 if e == 31 => return None,
            _ => {}
        }
        Some(if e == 0 {
            s * 2f64.powi(1 - bias) * m / 2f64.powi(mb)
        } else {
            s * 2f64.powi(e - bias) * (1.0 + m / 2f64.powi(mb))
        })
    }

    #[test]
    fn every_code_of_every_format_decodes_as_the_f64_reference() {
        for f in MxElement::ALL {
            let mut finite = 0;
            for p in 0..1u64 << f.bits() {
                let want = f64_of(f, p);
                match (f.decode(p), want) {
                    (MxValue::NaN, None) => {}
                    (MxValue::Inf { neg }, Some(w)) if w.is_infinite() => {
                        assert_eq!(neg, w < 0.0, "{f} {p:#x}")
                    }
                    (MxValue::Finite { neg, fixed }, Some(w)) => {
                        let v = fixed as f64 * 2f64.powi(-(f.frac_bits() as i32));
                        let v = if neg { -v } else { v };
                        assert_eq!(v, w, "{f} {p:#x}");
                        assert!(fixed <= f.max_fixed(), "{f} {p:#x}");
                        finite += 1;
                    }
                    (got, want) => panic!("{f} {p:#x}: {got:?} against {want:?}"),
                }
            }
            let specials = match f {
                MxElement::Fp8E4M3 => 2,
                MxElement::Fp8E5M2 => 8,
                _ => 0,
            };
            assert_eq!(finite + specials, 1 << f.bits(), "{f}");
        }
    }

    #[test]
    fn the_spec_s_largest_values_and_emax() {
        let want = [
            (MxElement::Fp8E4M3, 448.0, 8),
            (MxElement::Fp8E5M2, 57344.0, 15),
            (MxElement::Fp6E2M3, 7.5, 2),
            (MxElement::Fp6E3M2, 28.0, 4),
            (MxElement::Fp4E2M1, 6.0, 2),
            (MxElement::Int8, 127.0 / 64.0, 0),
        ];
        for (f, max, emax) in want {
            assert_eq!(f.max_normal(), max, "{f}");
            assert_eq!(f.emax(), emax, "{f}");
            assert_eq!(f.max_normal().log2().floor() as i64, emax, "{f}");
        }
    }

    #[test]
    fn names_parse_back() {
        for f in MxElement::ALL {
            assert_eq!(f.name().parse::<MxElement>(), Ok(f));
        }
        let e = "fp5".parse::<MxElement>().unwrap_err();
        assert!(e.contains("fp4, fp6-e2m3"), "{e}");
    }
}
