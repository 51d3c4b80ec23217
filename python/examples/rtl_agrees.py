# The RTL's outputs (rtl.txt, written by the generated testbench with +outputs=) against hbfpgen's
# model of the same unit, from the same inputs (conv.vec): hbfpgen gen convert --mantissa 4 --block 16.
import numpy as np, hbfpgen
words = [line.split("_") for line in open("conv.vec") if line[0] == "1"]
lanes = [[int(w[1][i:i + 8], 16) for i in range(120, -8, -8)] for w in words]  # lane 0 lowest
man, exp = hbfpgen.hbfp_convert(np.array(lanes, dtype=np.uint32).view(np.float32), mantissa=4, block=16)
rtl = [line.split() for line in open("rtl.txt")]
for (rtl_man, rtl_exp), m, e in zip(rtl, man[:, 0], exp[:, 0]):
    assert rtl_man == "".join("%x" % (v & 0xF) for v in m[::-1]) and int(rtl_exp, 16) == e & 0x3FF
assert len(rtl) == len(words) > 0
print(len(rtl), "results: the RTL and hbfpgen.hbfp_convert agree bit for bit")
