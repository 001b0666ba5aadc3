"""Dispersions files: parsing, bad input named by file:line, draws that depend
on (campaign seed, run) only, correlation through the Gaussian copula."""
import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ground.campaign import CampaignError
from ground.campaign.dispersions import Dist, parse_dispersions
from ground.campaign.seeds import derived_seed, sim_seed

GOOD = """\
[campaign]
seed = 11
site = "flat"
max_sim_s = 300

[params]
yaw = { dist = "uniform", min = -30, max = 30 }
x = { dist = "normal", mean = 0, sd = 1, min = -2, max = 2 }
y = { dist = "triangular", min = -1, mode = 0.5, max = 1 }
sun_start_h = 12.5
site_seed = { dist = "seed" }

[[correlation]]
params = ["yaw", "x"]
rho = 0.7

[faults.lock_wheel]
probability = 0.5
at_s = [40, 80]
wheel = "any"

[faults.battery_soc]
probability = 1.0
at_s = 50
soc_pct = [10, 20]
"""


def test_a_good_file_parses_and_draws_inside_every_range():
    d = parse_dispersions(GOOD, "good.toml")
    assert d.seed == 11 and d.site == "flat" and d.max_sim_s == 300
    assert d.dispersed() == ["site_seed", "x", "y", "yaw"]
    for i in range(200):
        r = d.draw(i)
        v = r.values
        assert -30 <= v["yaw"] <= 30 and -2 <= v["x"] <= 2 and -1 <= v["y"] <= 1
        assert v["sun_start_h"] == 12.5
        assert isinstance(v["site_seed"], int) and 0 <= v["site_seed"] < 2**32
        soc = [j for j in r.injections if j.kind == "battery_soc"]
        assert len(soc) == 1 and soc[0].at_s == 50 and 10 <= soc[0].value <= 20
        for j in r.injections:
            if j.kind == "lock_wheel":
                assert 40 <= j.at_s <= 80 and j.wheel in ("fl", "fr", "ml", "mr", "rl", "rr")
        assert r.inputs["fault.lock_wheel"] == any(j.kind == "lock_wheel" for j in r.injections)
    url = d.hal_url(d.draw(3))
    assert url.startswith(f"sim://?seed={sim_seed(11, 3)}&site=flat&site_seed=")


def test_draws_depend_on_seed_and_run_only():
    d = parse_dispersions(GOOD, "good.toml")
    forward = [d.draw(i) for i in range(20)]
    backward = [d.draw(i) for i in reversed(range(20))][::-1]
    assert forward == backward
    assert d.draw(5) != d.draw(6)
    other = parse_dispersions(GOOD.replace("seed = 11", "seed = 12"), "good.toml")
    assert other.draw(5).values["yaw"] != d.draw(5).values["yaw"]
    assert parse_dispersions(GOOD, "good.toml", seed_override=12).draw(5) == other.draw(5)


def test_adding_a_parameter_leaves_the_others_draws_alone():
    base = parse_dispersions(GOOD, "a.toml")
    more = parse_dispersions(GOOD.replace("[[correlation]]",
                                          'yaw_unused = 1\n[[correlation]]').replace(
        "yaw_unused = 1\n", 'sun_start_h = { dist = "uniform", min = 0, max = 100 }\n', 1)
        .replace("sun_start_h = 12.5\n", ""), "b.toml")
    for i in range(10):
        a, b = base.draw(i).values, more.draw(i).values
        assert (a["yaw"], a["x"], a["y"], a["site_seed"]) == (b["yaw"], b["x"], b["y"], b["site_seed"])


def test_correlated_pair_has_the_asked_latent_correlation():
    d = parse_dispersions(GOOD.replace('x = { dist = "normal", mean = 0, sd = 1, min = -2, max = 2 }',
                                       'x = { dist = "uniform", min = -2, max = 2 }'), "c.toml")
    n = NormalDist()
    z = np.array([[n.inv_cdf((r.values["yaw"] + 30) / 60), n.inv_cdf((r.values["x"] + 2) / 4)]
                  for r in (d.draw(i) for i in range(3000))])
    rho = np.corrcoef(z.T)[0, 1]
    assert abs(rho - 0.7) < 0.05           # 3000 samples: standard error ~0.009


def test_content_hash_ignores_comments_and_layout():
    a = parse_dispersions(GOOD, "a.toml")
    b = parse_dispersions("# a comment\n" + GOOD.replace(" = ", "=").replace("\n\n", "\n"), "b.toml")
    assert a.sha256 == b.sha256
    assert a.sha256 != parse_dispersions(GOOD.replace("rho = 0.7", "rho = 0.6"), "c.toml").sha256


@pytest.mark.parametrize("edit, line, message", [
    (('yaw = {', 'soil_wetness = 3\nyaw = {'), 7, "unknown parameter 'soil_wetness'; dispersible: "),
    (('min = -30, max = 30', 'min = -300, max = 30'), 7,
     r"params.yaw: uniform has support \[-300, 30\] outside the physical range \[-180, 180\]"),
    (('mean = 0, sd = 1, min = -2, max = 2', 'mean = 0, sd = 1'), 8,
     "params.x: normal has unbounded support: give min and max outside the physical range"),
    (('sun_start_h = 12.5', 'sun_start_h = 800'), 10,
     r"params.sun_start_h: value 800 is outside the physical range \[0, 708.7"),
    (('site_seed = { dist = "seed" }', 'site_seed = { dist = "uniform", min = 0, max = 9 }'), 11,
     "site_seed is an integer parameter"),
    (('yaw = { dist = "uniform"', 'yaw = { dist = "gaussian"'), 7, "unknown distribution 'gaussian'"),
    (('rho = 0.7', 'rho = 1.0'), 15, r"rho must be in \(-1, 1\)"),
    (('at_s = [40, 80]', 'at_s = [40, 900]'), 19, r"at_s: \[40, 900\] is outside \[0, 300\]"),
    (('[faults.lock_wheel]', '[faults.melt_wheel]'), 17, "unknown fault kind 'melt_wheel'"),
    (('wheel = "any"', 'wheel = "fifth"'), 20, "wheel must be"),
    (('soc_pct = [10, 20]', 'soc_pct = [10, 120]'), 25, r"outside \[0, 100\]"),
    (('probability = 0.5', 'probability = 1.5'), 18, r"probability must be in \[0, 1\]"),
    (('seed = 11', 'seed = -1'), 2, "campaign seed must be an integer"),
    (('site = "flat"', 'site = "atlantis"'), 3, "unknown site 'atlantis'"),
    (('max_sim_s = 300', 'max_sim_s = 300\nlink_drop = 0.1'), 5, "campaign takes seed, site, max_sim_s"),
])
def test_bad_input_names_file_line_and_problem(edit, line, message):
    text = GOOD.replace(*edit)
    assert text != GOOD
    with pytest.raises(CampaignError, match=rf"^bad\.toml:{line}: (.*[ .])?{message}"):
        parse_dispersions(text, "bad.toml")


def test_a_link_section_points_to_the_link_parameters():
    with pytest.raises(CampaignError, match=r"bad\.toml:\d+: the link is dispersed through "
                                            r"\[params\]: link_drop, link_corrupt and link_burst"):
        parse_dispersions(GOOD + "\n[link]\np_drop = 0.01\n", "bad.toml")


def test_correlations_without_a_joint_distribution_are_refused():
    text = GOOD.replace('sun_start_h = 12.5', 'sun_start_h = { dist = "uniform", min = 0, max = 9 }') + """
[[correlation]]
params = ["x", "sun_start_h"]
rho = 0.9

[[correlation]]
params = ["yaw", "sun_start_h"]
rho = -0.9
"""
    with pytest.raises(CampaignError, match="not positive definite"):
        parse_dispersions(text, "bad.toml")


def test_bad_toml_says_where():
    with pytest.raises(CampaignError, match=r"bad\.toml: not valid TOML: .*line 2"):
        parse_dispersions("[campaign]\nseed = = 3\n", "bad.toml")


bounded = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(mean=bounded, sd=st.floats(1e-3, 1e4), a=bounded, w=st.floats(1e-3, 1e5),
       u=st.floats(0.0, 1.0))
def test_truncated_normal_inverse_cdf_stays_in_its_bounds(mean, sd, a, w, u):
    d = Dist("normal", {"mean": mean, "sd": sd, "min": a, "max": a + w})
    x = d.ppf(u)
    assert a <= x <= a + w


@settings(max_examples=200, deadline=None)
@given(lo=bounded, w=st.floats(1e-3, 1e5), f=st.floats(0, 1), u1=st.floats(0, 1),
       u2=st.floats(0, 1), kind=st.sampled_from(["uniform", "triangular", "normal", "lognormal"]))
def test_inverse_cdfs_are_monotone(lo, w, f, u1, u2, kind):
    if kind == "uniform":
        d = Dist(kind, {"min": lo, "max": lo + w})
    elif kind == "triangular":
        d = Dist(kind, {"min": lo, "mode": lo + f * w, "max": lo + w})
    elif kind == "normal":
        d = Dist(kind, {"mean": lo, "sd": w, "min": lo - w, "max": lo + 2 * w})
    else:
        d = Dist(kind, {"median": abs(lo) + 1, "sigma": 0.5, "max": abs(lo) + 1 + w})
    a, b = sorted((u1, u2))
    assert d.ppf(a) <= d.ppf(b)
    s_lo, s_hi = d.support()
    assert s_lo <= d.ppf(a) <= s_hi


@given(seed=st.integers(0, 2**63 - 1), run=st.integers(0, 10**6))
def test_derived_seeds_fit_the_simulators_32_bits(seed, run):
    a, b = derived_seed(seed, run, 0), derived_seed(seed, run, 1)
    assert 0 <= a < 2**32 and 0 <= b < 2**32
    assert a == sim_seed(seed, run)


def test_lognormal_median_is_its_middle():
    d = Dist("lognormal", {"median": 100.0, "sigma": 0.3})
    assert math.isclose(d.ppf(0.5), 100.0, rel_tol=1e-9)


def test_model_knobs_reach_the_simulator_as_drawn():
    from hal import open_hal
    d = parse_dispersions("""
[campaign]
site = "flat"
[params]
soil_phi_deg = { dist = "normal", mean = 34, sd = 3, min = 25, max = 45 }
soil_c_pa = { dist = "lognormal", median = 300, sigma = 0.5, max = 3000 }
gyro_bias_mdps = { dist = "uniform", min = 50, max = 300 }
[[correlation]]
params = ["soil_c_pa", "soil_phi_deg"]
rho = 0.5
""", "soil.toml")
    for i in range(3):
        r = d.draw(i)
        h = open_hal(d.hal_url(r))
        try:
            p = h.sim.params
            assert p.soil_phi_deg == r.values["soil_phi_deg"] and p.soil_c_pa == r.values["soil_c_pa"]
            assert p.gyro_bias_mdps == r.values["gyro_bias_mdps"] and h.seed == r.sim_seed
        finally:
            h.close()


def test_a_knob_range_from_the_simulator_is_enforced():
    with pytest.raises(CampaignError, match=r"params.soil_phi_deg: uniform has support \[10, 95\] "
                                            r"outside the physical range \[0, 90\)"):
        parse_dispersions('[params]\nsoil_phi_deg = { dist = "uniform", min = 10, max = 95 }\n', "k.toml")


def test_the_shipped_example_parses_and_every_draw_opens_a_simulator_url():
    from pathlib import Path

    from ground.campaign.dispersions import load_dispersions
    from hal.registry import parse_hal_url
    path = Path(__file__).resolve().parent.parent / "missions" / "campaigns" / "short_drive.toml"
    d = load_dispersions(path)
    assert "soil_phi_deg" in d.dispersed() and d.groups and set(d.faults) == {"lock_wheel", "battery_soc"}
    for i in range(50):
        scheme, _, params = parse_hal_url(d.hal_url(d.draw(i)))
        assert scheme == "sim" and float(params["soil_c_pa"]) >= 50
