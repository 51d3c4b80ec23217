"""hbfpgen: the bit-exact golden models of the generator's block floating-point units.

Every function calls the Rust model of a generated unit (the same code that ``hbfpgen vectors``
and ``hbfpgen cosim`` check the RTL against), over NumPy arrays. Parameters are the generator's
flags as keyword arguments (``mantissa=4, block=64``); an invalid one raises ``ValueError`` with
the generator's message. See docs/python.md.

>>> import numpy as np, hbfpgen
>>> x = np.array([[0.3, -1.7, 2.5, 0.01]], dtype=np.float32)
>>> hbfpgen.hbfp_quantize(x, mantissa=4, block=4)
array([[ 0.5, -1.5,  2.5,  0. ]])
"""

from ._hbfpgen import *  # noqa: F401,F403
from ._hbfpgen import __all__, __version__  # noqa: F401
