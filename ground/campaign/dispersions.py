"""The dispersions file (TOML): what varies across a campaign's runs and how.

    [campaign]
    seed = 7                  # campaign seed: run i's draws depend on (seed, i) only
    site = "mons-mouton"      # sim:// site
    max_sim_s = 900           # a run that is not done after this much simulated time failed

    [params]                  # sim:// parameters: a number (fixed) or a distribution
    soil_phi_deg = { dist = "normal", mean = 34, sd = 2, min = 28, max = 40 }
    soil_c_pa    = { dist = "uniform", min = 100, max = 600 }
    yaw          = { dist = "uniform", min = -20, max = 20 }
    site_seed    = { dist = "seed" }          # a fresh site every run
    sun_start_h  = { dist = "uniform", min = 0, max = 708 }

    [[correlation]]           # Gaussian copula: rho between the latent normals
    params = ["soil_c_pa", "soil_phi_deg"]
    rho = -0.5

    [faults.lock_wheel]       # injected at a drawn simulated time, with a probability
    probability = 0.05
    at_s = [40, 150]
    wheel = "any"

Every error names the file and line and what is wrong, before any run starts:
an unknown parameter (listing the known ones), a distribution whose support
leaves the parameter's physical range, a correlation matrix that is not
positive definite, a fault window outside the run.  docs/campaigns.md lists
the parameters, distributions and fault kinds.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np

from ground.campaign import CampaignError
from ground.campaign.seeds import (SEED_MAX, STREAM_FAULT, STREAM_PARAM, check_campaign_seed,
                                   sim_seed, stream_rng)

DEFAULT_SEED = 1
DEFAULT_SITE = "mons-mouton"
DEFAULT_SITE_SEED = 1          # the demo's site (`rover run --seed 1`) unless dispersed
DEFAULT_MAX_SIM_S = 3600.0
_STD = NormalDist()
_U_EPS = 1e-15                 # keep inverse-CDF arguments inside (0, 1)


# ----------------------------------------------------------------- parameters
@dataclass(frozen=True)
class ParamRange:
    """A dispersible sim:// parameter and its physical range."""

    name: str
    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False
    doc: str = ""

    def text(self) -> str:
        return f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"

    def holds(self, lo: float, hi: float) -> bool:
        """True if the interval [lo, hi] lies inside the range."""
        lo_ok = lo > self.lo if self.lo_open else lo >= self.lo
        hi_ok = hi < self.hi if self.hi_open else hi <= self.hi
        return lo_ok and hi_ok


def _start_ranges(site: str) -> dict[str, ParamRange]:
    """The start pose, start time and site seed (hal/backends/sim.py URL keys)."""
    from sim_hw.site import SiteParams
    from sim_hw.sun import SYNODIC_MONTH_S

    # open_sim refuses a start within 2 m of the map edge; the site's size is
    # that of SiteParams (every known site shares it).
    half = SiteParams(name=site).size_m / 2.0 - 2.0
    return {r.name: r for r in (
        ParamRange("x", -half, half, doc="start x (east), m"),
        ParamRange("y", -half, half, doc="start y (north), m"),
        ParamRange("yaw", -180.0, 180.0, doc="start heading, deg CCW from east"),
        ParamRange("sun_start_h", 0.0, SYNODIC_MONTH_S / 3600.0, hi_open=True,
                   doc="start time, hours after local noon (one synodic month)"),
        ParamRange("site_seed", 0, SEED_MAX, integer=True, doc="terrain seed"),
    )}


def _model_knob_ranges() -> dict[str, ParamRange]:
    """The plant, soil, sensor and site knobs of sim_hw.knobs (docs/plant.md) and
    the simulated line's of sim_hw.sim_link (link_drop, link_corrupt, link_burst)."""
    from sim_hw.knobs import KNOBS
    from sim_hw.sim_link import LINK_KNOBS
    return {k.name: ParamRange(k.name, k.lo, k.hi, k.lo_open, k.hi_open, k.integer, k.doc)
            for k in (*KNOBS.values(), *LINK_KNOBS.values())}


def dispersible(site: str = DEFAULT_SITE) -> dict[str, ParamRange]:
    """Every parameter a dispersions file may name, with its physical range."""
    table = _model_knob_ranges()
    table.update(_start_ranges(site))
    return table


# -------------------------------------------------------------- distributions
@dataclass(frozen=True)
class Dist:
    """A distribution; continuous ones map u in (0, 1) to a value (inverse CDF),
    so correlated groups can share a Gaussian copula."""

    kind: str
    args: dict

    continuous = property(lambda self: self.kind in CONTINUOUS)

    def support(self) -> tuple[float, float]:
        a = self.args
        if self.kind == "constant":
            return a["value"], a["value"]
        if self.kind in ("uniform", "triangular", "integers"):
            return a["min"], a["max"]
        if self.kind == "normal":
            return a.get("min", -math.inf), a.get("max", math.inf)
        if self.kind == "lognormal":
            return a.get("min", 0.0), a.get("max", math.inf)
        if self.kind == "choice":
            return min(a["values"]), max(a["values"])
        if self.kind == "seed":
            return 0, SEED_MAX
        raise AssertionError(self.kind)

    def ppf(self, u: float) -> float:
        """Inverse CDF of a continuous distribution (truncated where bounded)."""
        a = self.args
        u = min(max(u, _U_EPS), 1.0 - _U_EPS)
        if self.kind == "uniform":
            return a["min"] + u * (a["max"] - a["min"])
        if self.kind == "triangular":
            lo, mode, hi = a["min"], a["mode"], a["max"]
            f = (mode - lo) / (hi - lo) if hi > lo else 0.5
            if u < f:
                return lo + math.sqrt(u * (hi - lo) * (mode - lo))
            return hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
        if self.kind in ("normal", "lognormal"):
            if self.kind == "normal":
                mu, sd = a["mean"], a["sd"]
                to_z = lambda x: (x - mu) / sd                       # noqa: E731
                lo, hi = a.get("min", -math.inf), a.get("max", math.inf)
            else:
                mu, sd = math.log(a["median"]), a["sigma"]
                to_z = lambda x: (math.log(x) - mu) / sd if x > 0 else -math.inf   # noqa: E731
                lo, hi = a.get("min", 0.0), a.get("max", math.inf)
            c_lo = _STD.cdf(to_z(lo)) if math.isfinite(to_z(lo)) else 0.0
            c_hi = _STD.cdf(to_z(hi)) if math.isfinite(to_z(hi)) else 1.0
            p = min(max(c_lo + u * (c_hi - c_lo), _U_EPS), 1.0 - _U_EPS)
            z = mu + sd * _STD.inv_cdf(p)
            x = z if self.kind == "normal" else math.exp(z)
            return min(max(x, lo), hi)
        raise AssertionError(f"{self.kind} has no inverse CDF")

    def draw(self, rng: np.random.Generator):
        """One independent draw (discrete kinds, and continuous ones via u)."""
        a = self.args
        if self.kind == "constant":
            return a["value"]
        if self.kind == "integers":
            return int(rng.integers(a["min"], a["max"], endpoint=True))
        if self.kind == "choice":
            w = a.get("weights")
            p = None if w is None else np.asarray(w, dtype=float) / float(sum(w))
            return a["values"][int(rng.choice(len(a["values"]), p=p))]
        if self.kind == "seed":
            return int(rng.integers(0, SEED_MAX, endpoint=True))
        return self.ppf(float(rng.random()))


CONTINUOUS = ("uniform", "normal", "lognormal", "triangular")
# kind -> (required keys, optional keys)
DIST_KEYS = {
    "constant": (("value",), ()),
    "uniform": (("min", "max"), ()),
    "normal": (("mean", "sd"), ("min", "max")),
    "lognormal": (("median", "sigma"), ("min", "max")),
    "triangular": (("min", "mode", "max"), ()),
    "integers": (("min", "max"), ()),
    "choice": (("values",), ("weights",)),
    "seed": ((), ()),
}
INTEGER_KINDS = ("constant", "integers", "choice", "seed")


# ------------------------------------------------------------------ faults
@dataclass(frozen=True)
class FaultKind:
    name: str
    value_key: str | None = None        # the drawn magnitude, e.g. soc_pct
    value_range: tuple[float, float] | None = None
    wheel: bool = False
    doc: str = ""


# What sim_hw.faults.FaultInjector can do to the plant (ranges are its own checks).
FAULT_KINDS = {f.name: f for f in (
    FaultKind("lock_wheel", wheel=True, doc="the wheel cannot turn (rock jam, seized gearbox)"),
    FaultKind("kill_encoder", wheel=True, doc="the wheel's encoder stops producing edges"),
    FaultKind("battery_soc", "soc_pct", (0.0, 100.0), doc="pack drained to soc_pct %"),
    FaultKind("ebox_temp", "temp_c", (-200.0, 150.0), doc="electronics box at temp_c C"),
)}
WHEELS = ("fl", "fr", "ml", "mr", "rl", "rr")   # common.vehicle.WHEEL_NAMES order


@dataclass(frozen=True)
class FaultSpec:
    kind: FaultKind
    probability: float
    at_s: tuple[float, float]
    wheel: str = "any"
    value: tuple[float, float] | None = None


# ------------------------------------------------------------------ the file
@dataclass
class Dispersions:
    path: Path
    text: str
    seed: int
    site: str
    max_sim_s: float
    params: dict[str, Dist]
    groups: list[tuple[tuple[str, ...], np.ndarray]]   # correlated names, Cholesky factor
    faults: dict[str, FaultSpec]
    canonical: dict = field(repr=False, default_factory=dict)

    @property
    def sha256(self) -> str:
        """Of the parsed content (formatting and comments do not count)."""
        blob = json.dumps(self.canonical, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def dispersed(self) -> list[str]:
        """Names of the parameters that vary (not constants), sorted."""
        return sorted(n for n, d in self.params.items() if d.kind != "constant")

    def input_columns(self) -> dict[str, str]:
        """Results-table column -> type ("float", "int", "str", "bool") of the drawn inputs."""
        cols = {}
        for n, d in sorted(self.params.items()):
            if d.kind in ("integers", "seed") or (d.kind in ("constant", "choice")
                                                   and _all_int(d)):
                cols[f"in.{n}"] = "int"
            else:
                cols[f"in.{n}"] = "float"
        for n, f in sorted(self.faults.items()):
            cols[f"fault.{n}"] = "bool"
            cols[f"fault.{n}.at_s"] = "float"
            if f.kind.wheel:
                cols[f"fault.{n}.wheel"] = "str"
            if f.kind.value_key:
                cols[f"fault.{n}.{f.kind.value_key}"] = "float"
        return cols

    def draw(self, run: int) -> "RunInputs":
        """Run ``run``'s inputs: a function of (campaign seed, run) only."""
        values: dict[str, object] = {}
        grouped = {n for names, _ in self.groups for n in names}
        for name in sorted(self.params):
            if name in grouped:
                continue
            values[name] = self.params[name].draw(stream_rng(self.seed, run, STREAM_PARAM, name))
        for names, chol in self.groups:
            rng = stream_rng(self.seed, run, STREAM_PARAM, "+".join(names))
            z = chol @ rng.standard_normal(len(names))
            for name, zi in zip(names, z):
                values[name] = self.params[name].ppf(_STD.cdf(float(zi)))
        injections = []
        inputs: dict[str, object] = {f"in.{n}": values[n] for n in sorted(values)}
        for name in sorted(self.faults):
            f = self.faults[name]
            rng = stream_rng(self.seed, run, STREAM_FAULT, name)
            # fixed draw order, whether or not the fault happens
            happens = bool(rng.random() < f.probability)
            at_s = float(f.at_s[0] + rng.random() * (f.at_s[1] - f.at_s[0]))
            wheel = WHEELS[int(rng.integers(0, 6))] if f.wheel == "any" else f.wheel
            value = (float(f.value[0] + rng.random() * (f.value[1] - f.value[0]))
                     if f.value is not None else None)
            inputs[f"fault.{name}"] = happens
            inputs[f"fault.{name}.at_s"] = at_s if happens else None
            if f.kind.wheel:
                inputs[f"fault.{name}.wheel"] = wheel if happens else None
            if f.kind.value_key:
                inputs[f"fault.{name}.{f.kind.value_key}"] = value if happens else None
            if happens:
                injections.append(Injection(at_s, name, wheel if f.kind.wheel else None, value))
        injections.sort(key=lambda j: (j.at_s, j.kind))
        return RunInputs(run, sim_seed(self.seed, run), values, tuple(injections), inputs)

    def hal_url(self, inputs: "RunInputs") -> str:
        parts = [f"seed={inputs.sim_seed}", f"site={self.site}"]
        values = dict(inputs.values)
        values.setdefault("site_seed", DEFAULT_SITE_SEED)
        for name in sorted(values):
            v = values[name]
            parts.append(f"{name}={v!r}" if isinstance(v, float) else f"{name}={v}")
        return "sim://?" + "&".join(parts)


@dataclass(frozen=True)
class Injection:
    at_s: float
    kind: str
    wheel: str | None
    value: float | None


@dataclass(frozen=True)
class RunInputs:
    run: int
    sim_seed: int
    values: dict
    injections: tuple
    inputs: dict          # flat, for the results table


def _all_int(d: Dist) -> bool:
    vals = [d.args["value"]] if d.kind == "constant" else list(d.args["values"])
    return all(isinstance(v, int) and not isinstance(v, bool) for v in vals)


# ------------------------------------------------------------------ parsing
class _Where:
    """file:line for a key, found in the text (tomllib keeps no positions)."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines = path, text.splitlines()

    def line(self, *keys: str) -> int:
        for key in keys:
            pat = re.compile(r"^\s*(\[+\s*)?([\w.\"-]*\.)?\"?" + re.escape(key) + r"\"?\s*[=\].]")
            for i, ln in enumerate(self.lines, 1):
                if pat.search(ln):
                    return i
        return 1

    def error(self, message: str, *keys: str) -> CampaignError:
        return CampaignError(f"{self.path}:{self.line(*keys)}: {message}")


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _parse_dist(name: str, raw, rng: ParamRange, where: _Where) -> Dist:
    if _num(raw) or isinstance(raw, str):
        raw = {"dist": "constant", "value": raw}
    if not isinstance(raw, dict):
        raise where.error(f"params.{name}: expected a number or a table with dist = ..., "
                          f"got {raw!r}", name)
    raw = dict(raw)
    kind = raw.pop("dist", None)
    if kind is None and "value" in raw:
        kind = "constant"
    if kind not in DIST_KEYS:
        raise where.error(f"params.{name}: unknown distribution {kind!r}; known: "
                          f"{', '.join(DIST_KEYS)}", name)
    required, optional = DIST_KEYS[kind]
    missing = [k for k in required if k not in raw]
    extra = sorted(set(raw) - set(required) - set(optional))
    if missing:
        raise where.error(f"params.{name}: {kind} needs {', '.join(missing)}", name)
    if extra:
        raise where.error(f"params.{name}: {kind} takes {', '.join(required + optional) or 'nothing'}"
                          f", not {', '.join(extra)}", name)
    if kind == "choice":
        vals = raw["values"]
        if not isinstance(vals, list) or not vals or not all(_num(v) for v in vals):
            raise where.error(f"params.{name}: choice values must be a non-empty list of numbers", name)
        w = raw.get("weights")
        if w is not None and (not isinstance(w, list) or len(w) != len(vals)
                              or not all(_num(x) and x >= 0 for x in w) or sum(w) <= 0):
            raise where.error(f"params.{name}: weights must be {len(vals)} non-negative numbers "
                              "with a positive sum", name)
    else:
        for k, v in raw.items():
            if not _num(v):
                raise where.error(f"params.{name}: {k} must be a finite number, got {v!r}", name)
    d = Dist(kind, raw)
    a = raw
    if kind in ("uniform", "integers", "triangular", "normal", "lognormal") and \
            "min" in a and "max" in a and not a["min"] < a["max"]:
        raise where.error(f"params.{name}: min {a['min']} must be below max {a['max']}", name)
    if kind == "triangular" and not a["min"] <= a["mode"] <= a["max"]:
        raise where.error(f"params.{name}: mode {a['mode']} must lie in [min, max]", name)
    if kind == "normal" and not a["sd"] > 0:
        raise where.error(f"params.{name}: sd must be > 0, got {a['sd']}", name)
    if kind == "lognormal" and not (a["median"] > 0 and a["sigma"] > 0):
        raise where.error(f"params.{name}: lognormal median and sigma must be > 0", name)
    if rng.integer:
        if kind not in INTEGER_KINDS or (kind in ("constant", "choice") and not _all_int(d)) or \
                (kind == "integers" and not all(isinstance(a[k], int) for k in ("min", "max"))):
            raise where.error(f"params.{name} is an integer parameter: use an integer constant, "
                              "integers, choice of integers or seed", name)
    elif kind in ("integers", "seed"):
        raise where.error(f"params.{name} is not an integer parameter; {kind} is for integers", name)
    lo, hi = d.support()
    if not rng.holds(lo, hi):
        what = (f"{kind} has unbounded support: give min and max"
                if not (math.isfinite(lo) and math.isfinite(hi))
                else f"value {lo:g} is" if kind == "constant" else f"{kind} has support [{lo:g}, {hi:g}]")
        raise where.error(f"params.{name}: {what} outside the physical range "
                          f"{rng.text()}{' (' + rng.doc + ')' if rng.doc else ''}", name)
    return d


def _parse_correlations(raw, params: dict[str, Dist], where: _Where):
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise where.error("correlation must be an array of tables [[correlation]]", "correlation")
    pairs: dict[tuple[str, str], float] = {}
    for entry in raw:
        names = entry.get("params") if isinstance(entry, dict) else None
        rho = entry.get("rho") if isinstance(entry, dict) else None
        if (not isinstance(names, list) or len(names) != 2 or not all(isinstance(n, str) for n in names)
                or names[0] == names[1]):
            raise where.error("each [[correlation]] needs params = [two different names] and rho",
                              "correlation")
        for n in names:
            if n not in params:
                raise where.error(f"correlation names {n!r}, which is not in [params]", "correlation")
            if not params[n].continuous:
                raise where.error(f"correlation: {n} has a {params[n].kind} distribution; only "
                                  f"{', '.join(CONTINUOUS)} can be correlated", "correlation")
        if not _num(rho) or not -1.0 < rho < 1.0:
            raise where.error(f"correlation {names[0]}~{names[1]}: rho must be in (-1, 1), got {rho!r}",
                              "rho")
        key = tuple(sorted(names))
        if key in pairs:
            raise where.error(f"correlation {key[0]}~{key[1]} given twice", "correlation")
        pairs[key] = float(rho)
    # connected groups, each a correlation matrix with its Cholesky factor
    parent = {n: n for pair in pairs for n in pair}

    def root(n):
        while parent[n] != n:
            n = parent[n]
        return n
    for a, b in pairs:
        parent[root(a)] = root(b)
    groups = {}
    for n in parent:
        groups.setdefault(root(n), []).append(n)
    out = []
    for names in sorted(tuple(sorted(g)) for g in groups.values()):
        k = len(names)
        m = np.eye(k)
        for (a, b), rho in pairs.items():
            if a in names:
                i, j = names.index(a), names.index(b)
                m[i, j] = m[j, i] = rho
        try:
            chol = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            raise where.error(f"correlation among {', '.join(names)} is not positive definite "
                              "(no joint distribution has these correlations)", "correlation") from None
        out.append((names, chol))
    return out


def _window(name, key, raw, lo, hi, where) -> tuple[float, float]:
    if _num(raw):
        raw = [raw, raw]
    if not (isinstance(raw, list) and len(raw) == 2 and all(_num(v) for v in raw) and raw[0] <= raw[1]):
        raise where.error(f"faults.{name}.{key}: expected a number or [min, max], got {raw!r}", key, name)
    if raw[0] < lo or raw[1] > hi:
        raise where.error(f"faults.{name}.{key}: [{raw[0]:g}, {raw[1]:g}] is outside [{lo:g}, {hi:g}]",
                          key, name)
    return float(raw[0]), float(raw[1])


def _parse_faults(raw, max_sim_s: float, where: _Where) -> dict[str, FaultSpec]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise where.error("faults must be a table of [faults.KIND] tables", "faults")
    out = {}
    for name, spec in raw.items():
        kind = FAULT_KINDS.get(name)
        if kind is None:
            raise where.error(f"unknown fault kind {name!r}; known: {', '.join(FAULT_KINDS)}", name)
        if not isinstance(spec, dict):
            raise where.error(f"faults.{name} must be a table", name)
        allowed = {"probability", "at_s"} | ({"wheel"} if kind.wheel else set()) | \
                  ({kind.value_key} if kind.value_key else set())
        extra = sorted(set(spec) - allowed)
        if extra:
            raise where.error(f"faults.{name} takes {', '.join(sorted(allowed))}, not {', '.join(extra)}",
                              extra[0], name)
        p = spec.get("probability")
        if not _num(p) or not 0.0 <= p <= 1.0:
            raise where.error(f"faults.{name}.probability must be in [0, 1], got {p!r}", "probability", name)
        if "at_s" not in spec:
            raise where.error(f"faults.{name} needs at_s (a simulated time or [min, max] window)", name)
        at_s = _window(name, "at_s", spec["at_s"], 0.0, max_sim_s, where)
        wheel = spec.get("wheel", "any")
        if kind.wheel and wheel != "any" and wheel not in WHEELS:
            raise where.error(f"faults.{name}.wheel must be \"any\" or one of {', '.join(WHEELS)}, "
                              f"got {wheel!r}", "wheel", name)
        value = None
        if kind.value_key:
            if kind.value_key not in spec:
                raise where.error(f"faults.{name} needs {kind.value_key}", name)
            value = _window(name, kind.value_key, spec[kind.value_key], *kind.value_range, where)
        out[name] = FaultSpec(kind, float(p), at_s, wheel, value)
    return out


LINK_NOTE = ("the link is dispersed through [params]: link_drop, link_corrupt and link_burst "
             "(sim:// parameters of the simulated line, docs/campaigns.md)")


def load_dispersions(path, seed_override: int | None = None) -> Dispersions:
    """Parse and check a dispersions file; CampaignError names file:line on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CampaignError(f"{path}: dispersions file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CampaignError(f"{path}: cannot read dispersions file: {e}") from None
    return parse_dispersions(text, path, seed_override)


def parse_dispersions(text: str, path="<dispersions>", seed_override: int | None = None) -> Dispersions:
    path = Path(path)
    where = _Where(path, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CampaignError(f"{path}: not valid TOML: {e}") from None
    unknown = sorted(set(doc) - {"campaign", "params", "correlation", "faults", "link"})
    if unknown:
        raise where.error(f"unknown section(s) {', '.join(unknown)}; known: campaign, params, "
                          "correlation, faults", unknown[0])
    if "link" in doc:
        raise where.error(LINK_NOTE, "link")
    camp = doc.get("campaign", {})
    if not isinstance(camp, dict):
        raise where.error("campaign must be a table", "campaign")
    extra = sorted(set(camp) - {"seed", "site", "max_sim_s"})
    if extra:
        raise where.error(f"campaign takes seed, site, max_sim_s, not {', '.join(extra)}", extra[0])
    seed = camp.get("seed", DEFAULT_SEED) if seed_override is None else seed_override
    try:
        seed = check_campaign_seed(seed)
    except ValueError as e:
        raise where.error(str(e), "seed") from None
    from sim_hw.site import KNOWN_SITES
    site = camp.get("site", DEFAULT_SITE)
    if site not in KNOWN_SITES:
        raise where.error(f"unknown site {site!r}; known sites: {', '.join(KNOWN_SITES)}", "site")
    max_sim_s = camp.get("max_sim_s", DEFAULT_MAX_SIM_S)
    if not _num(max_sim_s) or max_sim_s <= 0:
        raise where.error(f"campaign.max_sim_s must be a positive number, got {max_sim_s!r}", "max_sim_s")
    table = dispersible(site)
    raw_params = doc.get("params", {})
    if not isinstance(raw_params, dict):
        raise where.error("params must be a table", "params")
    params = {}
    for name, raw in raw_params.items():
        rng = table.get(name)
        if rng is None:
            if name in ("seed", "site"):
                msg = (f"params.{name}: the simulator seed is derived from (campaign seed, run)"
                       if name == "seed" else "params.site: set the site in [campaign]")
                raise where.error(msg, name)
            raise where.error(f"unknown parameter {name!r}; dispersible: {', '.join(sorted(table))}",
                              name)
        params[name] = _parse_dist(name, raw, rng, where)
    groups = _parse_correlations(doc.get("correlation"), params, where)
    faults = _parse_faults(doc.get("faults"), float(max_sim_s), where)
    canonical = {"seed": seed, "site": site, "max_sim_s": float(max_sim_s),
                 "params": {n: {"dist": d.kind, **d.args} for n, d in params.items()},
                 "correlation": doc.get("correlation", []), "faults": doc.get("faults", {})}
    return Dispersions(path, text, seed, site, float(max_sim_s), params, groups, faults, canonical)
