"""The emulated boards run the simulator's plant with the simulator's numbers:
csrc/generated/sim_params_default.h is generated from sim_hw/params.py."""
import subprocess

from sim_hw import params_c
from sim_hw.params import RoverParams


def test_committed_params_header_is_current():
    committed = params_c.HEADER.read_text()
    assert committed == params_c.render(), (
        "csrc/generated/sim_params_default.h is stale; regenerate with "
        "python -m sim_hw.params_c -o csrc/generated/sim_params_default.h")


def test_header_carries_the_parameters_and_compiles(tmp_path):
    text = params_c.render()
    p = RoverParams()
    assert f"p->body.mass_kg = {float(p.mass_kg)!r};" in text
    assert f"p->motor.gear_ratio = {float(p.gear_ratio)!r};" in text
    src = tmp_path / "t.c"
    src.write_text('#include "sim_params_default.h"\nint main(void){struct sim_params p;'
                   'sim_params_default(&p);return p.body.mass_kg > 0 ? 0 : 1;}\n')
    csrc = params_c.HEADER.parent.parent
    r = subprocess.run(["gcc", "-std=c99", "-fsyntax-only", "-Wall", f"-I{csrc}",
                        f"-I{csrc / 'generated'}", str(src)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
