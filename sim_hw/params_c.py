"""The simulated rover's parameters for C code outside the extension.

The emulated boards (csrc/firmware/port_host) run the same C plant as the
simulator and must use the same numbers.  Rather than copying
sim_hw/params.py by hand, this renders ``csrc/generated/sim_params_default.h``
from it: the ``struct sim_params`` that ``simulator.fill_params`` builds,
written out field by field.  tests/test_params_header.py fails when the
committed header is stale.

    python -m sim_hw.params_c -o csrc/generated/sim_params_default.h
"""
from __future__ import annotations

import argparse
from pathlib import Path

HEADER = Path(__file__).resolve().parent.parent / "csrc" / "generated" / "sim_params_default.h"


def _assignments(ffi, cdata, prefix: str, out: list[str]) -> None:
    t = ffi.typeof(cdata)
    for name, field in t.fields:
        value = getattr(cdata, name)
        path = f"{prefix}{name}"
        kind = field.type.kind
        if kind == "struct":
            _assignments(ffi, value, path + ".", out)
        elif kind == "array":
            for i in range(field.type.length):
                out.append(f"\tp->{path}[{i}] = {_c_literal(value[i], field.type.item.cname)};")
        else:
            out.append(f"\tp->{path} = {_c_literal(value, field.type.cname)};")


def _c_literal(v, cname: str) -> str:
    if cname in ("double", "float"):
        return repr(float(v))      # repr round-trips the double exactly
    return str(int(v))


def render(params=None) -> str:
    from sim_hw.params import RoverParams
    from sim_hw.simulator import fill_params, native

    ffi, _ = native()
    p = fill_params(ffi, params or RoverParams())
    lines: list[str] = []
    _assignments(ffi, p[0], "", lines)
    body = "\n".join(lines)
    return f"""/*
 * GENERATED from sim_hw/params.py (RoverParams defaults) - do not edit.
 * Regenerate with: python -m sim_hw.params_c -o csrc/generated/sim_params_default.h
 *
 * The simulated rover's plant parameters for C outside the Python extension
 * (the emulated boards' host port), so both run the same plant.
 */
#ifndef ROVER_SIM_PARAMS_DEFAULT_H
#define ROVER_SIM_PARAMS_DEFAULT_H

#include "sim/sim.h"

static inline void sim_params_default(struct sim_params *p)
{{
{body}
}}

#endif
"""


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(HEADER))
    a = ap.parse_args(argv)
    Path(a.output).write_text(render())
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
