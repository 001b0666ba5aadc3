"""Visual-odometry stand-in: true horizontal motion between frames plus an error model.

A stereo VO tracker (as on MER: Maimone, Cheng & Matthies 2007, J. Field
Robotics 24(3):169-186, position error within ~2 % of distance) reports, each
frame, the displacement and yaw change since the previous frame.  We do not
render images; each frame is the simulator's true motion with:

- a per-run scale error, N(0, vo_scale_sigma_frac) (calibration of the stereo
  baseline and focal length), fixed for the run;
- per-frame white noise on each displacement axis, N(0, vo_noise_frac * step),
  and on yaw, N(0, vo_yaw_noise_mdeg) per frame;
- a frame every period, also at standstill (then a zero displacement).

All draws come from the run seed on a stream of their own.  Frame period:
VO_PERIOD_MS (1 s, i.e. every 0.05-0.2 m at our speeds; assumption: MER took
a VO frame every ~0.6 m, our small rover needs overlap at shorter steps).
"""
from __future__ import annotations

import math

import numpy as np

VO_PERIOD_MS = 1000
VO_STREAM = 0x7015


class VoModel:
    def __init__(self, seed: int, noise_frac: float, scale_sigma_frac: float, yaw_noise_mdeg: float):
        self._rng = np.random.default_rng([int(seed), VO_STREAM])
        self.scale = 1.0 + float(self._rng.normal(0.0, scale_sigma_frac)) if scale_sigma_frac > 0 else 1.0
        self.noise_frac = noise_frac
        self.yaw_sigma_rad = math.radians(yaw_noise_mdeg * 1e-3)
        self.seq = 0
        self.frame = None            # (seq, t_ms, dx_m, dy_m, dyaw_rad)
        self._ref = None

    def update(self, t_ms: int, x_m: float, y_m: float, yaw_rad: float) -> None:
        """Called every VO_PERIOD_MS with the true pose."""
        if self._ref is None:
            self._ref = (x_m, y_m, yaw_rad)
            return
        x0, y0, yaw0 = self._ref
        dx, dy = x_m - x0, y_m - y0
        step = math.hypot(dx, dy)
        c, s = math.cos(yaw0), math.sin(yaw0)
        bx, by = c * dx + s * dy, -s * dx + c * dy
        n = self._rng.normal(0.0, 1.0, size=3)
        sig = self.noise_frac * step
        dyaw = math.atan2(math.sin(yaw_rad - yaw0), math.cos(yaw_rad - yaw0))
        self.seq += 1
        self.frame = (self.seq, int(t_ms), bx * self.scale + sig * n[0], by * self.scale + sig * n[1],
                      dyaw + self.yaw_sigma_rad * n[2])
        self._ref = (x_m, y_m, yaw_rad)
