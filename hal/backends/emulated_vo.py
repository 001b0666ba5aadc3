"""vo_truth=: visual odometry for an emulated board bench, a plugin of the
board backend reached through hal's registry (hal.registry.open_vo_source),
as sim:// is: the board backend itself never imports the simulated hardware,
and a bench without ``vo_truth`` has no VO device (wheel-only, docs/hil.md
section 13).

The emulated mobility board streams its plant's true pose
(``--truth-socket``); sim_hw.truth_tap.NavCamera makes VO frames of it with
the simulator's error model and seed stream.  The device reads OK while the
stream is connected, OFFLINE once it closed, FAULT when the stream is not on
the camera's period.
"""
from __future__ import annotations

import math

from hal.errors import HalError, HalUrlError
from hal.interfaces import DeviceStatus, VisualOdometry, VoFrame

PARAMS = ("seed", "noise_frac", "scale_sigma_frac", "yaw_noise_mdeg")


class TruthVo(VisualOdometry):
    def __init__(self, camera):
        self.name = "vo"
        self._cam = camera
        self._frame: VoFrame | None = None

    def poll(self) -> None:
        """Once per read(): take every truth record that arrived."""
        f = self._cam.poll()
        if f is not None and (self._frame is None or self._frame.seq != f[0]):
            self._frame = VoFrame(*f)

    @property
    def status(self) -> DeviceStatus:
        if self._cam.fault is not None:
            return DeviceStatus.FAULT
        return DeviceStatus.OK if self._cam.reader.connected else DeviceStatus.OFFLINE

    @property
    def status_reason(self) -> str | None:
        return self._cam.fault or self._cam.reader.closed_reason

    @property
    def frame(self) -> VoFrame | None:
        return self._frame if self._cam.fault is None else None

    @property
    def truth_pose(self) -> dict | None:
        """The newest true pose the board streamed (what the camera saw): for
        bench checks and reports, never for the flight software."""
        r = self._cam.last
        if r is None:
            return None
        return dict(t_ms=r.t_ms, x_m=r.x_m, y_m=r.y_m, z_m=r.z_m, yaw_rad=r.yaw_rad,
                    pitch_rad=r.pitch_rad, roll_rad=r.roll_rad)

    def stats(self) -> dict:
        r = self._cam.reader
        return dict(records=r.records, gaps=r.gaps, connected=r.connected,
                    frames=self._frame.seq if self._frame else 0, scale=self._cam.model.scale,
                    closed_reason=r.closed_reason, fault=self._cam.fault)

    def close(self) -> None:
        self._cam.close()


def _value(where, key, raw, kind, lo, hi):
    try:
        v = kind(raw)
    except (TypeError, ValueError):
        raise HalUrlError(f"{where}: vo {key}={raw!r} is not a number") from None
    if isinstance(raw, bool) or (isinstance(v, float) and not math.isfinite(v)) or not lo <= v <= hi:
        raise HalUrlError(f"{where}: vo {key}={raw!r} must be in {lo:g}..{hi:g}")
    return v


def open_truth_vo(socket_path: str, params: dict, where: str) -> TruthVo:
    """params: seed (default 0, as sim://), and the error model's noise_frac,
    scale_sigma_frac, yaw_noise_mdeg (default: the simulator's, sim_hw/params.py)."""
    from sim_hw.knobs import KNOBS
    from sim_hw.params import RoverParams
    from sim_hw.truth_tap import NavCamera, TruthTapError

    bad = sorted(set(params) - set(PARAMS))
    if bad:
        raise HalUrlError(f"{where}: unknown vo parameter(s) {', '.join(bad)}; known: "
                          f"{', '.join(PARAMS)}")
    seed = _value(where, "seed", params.get("seed", 0), int, 0, 2**63 - 1)
    model = {}
    defaults = RoverParams()
    for k in PARAMS[1:]:
        knob = KNOBS[f"vo_{k}"]
        model[k] = (_value(where, k, params[k], float, knob.lo, knob.hi) if k in params
                    else float(getattr(defaults, f"vo_{k}")))
    try:
        cam = NavCamera(socket_path, seed, model["noise_frac"], model["scale_sigma_frac"],
                        model["yaw_noise_mdeg"], where=f"{where}: nav camera")
    except TruthTapError as e:
        raise HalError(str(e)) from None
    return TruthVo(cam)
