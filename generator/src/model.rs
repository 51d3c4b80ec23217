//! The bit-exact golden model of the HBFP units. The rules it implements are those of
//! `docs/numerics.md`; the RTL must agree with it bit for bit.

use crate::error::{Error, Result};
use crate::format::BlockFormat;
use serde::Serialize;

pub mod mls;
pub mod mx;
pub mod s2fp8;

/// One HBFP block: element codes and a shared exponent code, as signed integers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Block {
    /// Shared exponent code X.
    pub exp: i64,
    /// Element codes q_i, lane 0 first.
    pub man: Vec<i64>,
}

impl Block {
    /// The canonical zero block of `format`: the most negative exponent and all-zero elements.
    pub fn zero(format: BlockFormat) -> Self {
        Block {
            exp: format.scale.zero_exp(),
            man: vec![0; format.block as usize],
        }
    }

    /// A NaN block of `format`: the most positive exponent (elements are don't-care; zero here).
    pub fn nan(format: BlockFormat) -> Self {
        Block {
            exp: format.scale.nan_exp(),
            man: vec![0; format.block as usize],
        }
    }

    /// Checks that the block has `format.block` elements and every code is in range.
    pub fn check(&self, format: BlockFormat) -> Result<()> {
        if self.man.len() != format.block as usize {
            return Err(Error::Operand(format!(
                "block has {} elements, the format has {}",
                self.man.len(),
                format.block
            )));
        }
        let (lo, hi) = (format.element.min_code(), format.element.max_code());
        if let Some((i, q)) = self
            .man
            .iter()
            .enumerate()
            .find(|(_, q)| !(lo..=hi).contains(*q))
        {
            return Err(Error::Operand(format!(
                "element {i} is {q}, outside {lo} to {hi}"
            )));
        }
        let (lo, hi) = (format.scale.min_exp(), format.scale.max_exp());
        if !(lo..=hi).contains(&self.exp) {
            return Err(Error::Operand(format!(
                "exponent {} is outside {lo} to {hi}",
                self.exp
            )));
        }
        Ok(())
    }

    /// Whether this is a NaN block.
    pub fn is_nan(&self, format: BlockFormat) -> bool {
        format.scale.is_nan(self.exp)
    }

    /// The real value of element `i`, `q_i * 2^(X - frac_bits)`, when it is not a NaN block.
    pub fn value(&self, format: BlockFormat, i: usize) -> f64 {
        self.man[i] as f64 * pow2(self.exp - i64::from(format.element.frac_bits()))
    }
}

/// The output of one block dot product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DotResult {
    /// The exact integer sum S of the element products.
    pub sum: i64,
    /// The exponent of the sum's integer, `X_a + X_b` (the value is `S * 2^(exp - 2 * frac_bits)`).
    pub exp: i64,
    /// Set when either operand is a NaN block; `sum` and `exp` are then still `S` and `X_a + X_b`.
    pub nan: bool,
}

impl DotResult {
    /// The real value of the result, `S * 2^(X_a + X_b - 2(M - 1))`, or NaN.
    pub fn value(&self, format: BlockFormat) -> f64 {
        if self.nan {
            f64::NAN
        } else {
            self.sum as f64 * pow2(self.exp - 2 * i64::from(format.element.frac_bits()))
        }
    }
}

/// The exact dot product of two blocks already known to fit `format`.
pub fn dot_unchecked(format: BlockFormat, a: &Block, b: &Block) -> DotResult {
    let sum = a.man.iter().zip(&b.man).map(|(x, y)| x * y).sum();
    DotResult {
        sum,
        exp: a.exp + b.exp,
        nan: a.is_nan(format) || b.is_nan(format),
    }
}

/// `2^e` as an f64 (exact for the exponents HBFP formats reach).
fn pow2(e: i64) -> f64 {
    2f64.powi(e as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::dot::{DotSpec, DotUnit, Stages};

    fn unit(m: u32, b: u32) -> DotUnit {
        DotSpec {
            mantissa: Some(m),
            block: Some(b),
            stages: Some(Stages::Count(0)),
            ..Default::default()
        }
        .resolve()
        .unwrap()
    }

    #[test]
    fn worked_example_from_the_docs() {
        // docs/numerics.md, "Worked example": HBFP4, B = 3.
        let u = unit(4, 3);
        let a = Block {
            exp: 2,
            man: vec![7, -8, 3],
        };
        let b = Block {
            exp: -1,
            man: vec![-8, -8, 5],
        };
        let r = u.dot(&a, &b).unwrap();
        assert_eq!(
            r,
            DotResult {
                sum: -56 + 64 + 15,
                exp: 1,
                nan: false
            }
        );
        // value check against the element values: sum of products of reals
        let direct: f64 = (0..3)
            .map(|i| a.value(u.format, i) * b.value(u.format, i))
            .sum();
        assert_eq!(r.value(u.format), direct);
    }

    #[test]
    fn operands_out_of_range_are_rejected() {
        let u = unit(4, 2);
        let ok = Block {
            exp: 0,
            man: vec![0, 0],
        };
        for bad in [
            Block {
                exp: 0,
                man: vec![8, 0],
            },
            Block {
                exp: 0,
                man: vec![0, -9],
            },
            Block {
                exp: 512,
                man: vec![0, 0],
            },
            Block {
                exp: -513,
                man: vec![0, 0],
            },
            Block {
                exp: 0,
                man: vec![0],
            },
        ] {
            assert!(u.dot(&bad, &ok).is_err(), "{bad:?}");
            assert!(u.dot(&ok, &bad).is_err(), "{bad:?}");
        }
    }
}
