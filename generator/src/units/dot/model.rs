//! The golden model of `hbfp_dot`: the exact dot product of two blocks (docs/numerics.md).

use super::DotUnit;
use crate::error::Result;
use crate::model::{dot_unchecked, Block, DotResult};

impl DotUnit {
    /// The exact block dot product of `a` and `b`, as the unit computes it.
    pub fn dot(&self, a: &Block, b: &Block) -> Result<DotResult> {
        a.check(self.format)?;
        b.check(self.format)?;
        Ok(dot_unchecked(self.format, a, b))
    }
}
