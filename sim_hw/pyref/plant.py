"""Pure-Python reference of the per-millisecond 6-wheel rover plant.

Same models and equations as csrc/plant (see docs/plant.md): brushed DC motor
+ gearbox + wheel, Bekker sinkage with dig-in, grousers, Janosi-Hanamoto shear
integrated over the contact patch with a shear-state contact, load transfer
from the CG height, planar body on a constant slope, and A/B edges from the
motor shaft.  Nominal soil (no patches), no belly contact.  Plain floats, no
numpy, math.exp instead of the C lookup table, so results agree closely with
the C plant but not bit for bit.  Used by the C-vs-Python
agreement test and as the Python side of the loops benchmark.

The terrain is a plane: the rover heads straight up a slope of ``slope_deg``
(negative: downhill).  The bus voltage is a constant.
"""
from __future__ import annotations

import math

from sim_hw.params import RoverParams

DT_S = 0.001
LOAD_PERIOD_MS = 10  # sinkage/contact refresh, as the C board period
STEERED = (0, 1, -1, -1, 2, 3)  # wheel -> steer index, -1 for the middle wheels


def gray_ab(pos: int) -> int:
    """A/B levels (A << 1) | B for shaft position ``pos`` in counts."""
    b1 = (pos >> 1) & 1
    return (b1 << 1) | (b1 ^ (pos & 1))


class PlantRef:
    """Six wheels + body; call :meth:`step` once per 1 ms with the six efforts (Q15)."""

    def __init__(self, params: RoverParams | None = None, slope_deg: float = 0.0,
                 bus_v: float = 32.0):
        p = params if params is not None else RoverParams()
        p.validate()
        if not (isinstance(slope_deg, (int, float)) and -60.0 < slope_deg < 60.0):
            raise ValueError(f"PlantRef: slope_deg must be in (-60, 60), got {slope_deg!r}")
        if not (isinstance(bus_v, (int, float)) and bus_v > 0.0):
            raise ValueError(f"PlantRef: bus_v must be > 0, got {bus_v!r}")
        self.p = p
        self.bus_v = float(bus_v)
        n = p.gear_ratio
        self.j_eff = p.wheel_j_kgm2 + p.rotor_j_kgm2 * n * n
        self.i_a_coef = 1.0 / (1.0 + DT_S * p.motor_r_ohm / p.motor_l_h)
        self.i_b_coef = DT_S / p.motor_l_h * self.i_a_coef
        self.kt_wheel = p.motor_ke_vs_rad * n * p.gear_eff
        self.ke_wheel = p.motor_ke_vs_rad * n
        self.counts_per_rad = p.counts_per_motor_rev * n / (2.0 * math.pi)
        self.tan_phi = math.tan(math.radians(p.soil_phi_deg))
        self.pitch_rad = math.atan(math.tan(math.radians(slope_deg)))
        self.steer_rad = [0.0] * 4
        # state
        self.i_a = [0.0] * 6
        self.w_radps = [0.0] * 6
        self.j_m = [0.0] * 6
        self.jt_m = [0.0] * 6
        self.slip = [0.0] * 6
        self.pos_counts = [0.0] * 6
        self.edge_pos = [0] * 6
        self.vx_mps = 0.0
        self.vy_mps = 0.0
        self.wz_radps = 0.0
        self.x_m = 0.0
        self.t_ms = 0
        self.load_n = [0.0] * 6
        self.len_m = [1.0] * 6
        self.fmax_n = [0.0] * 6
        self.rc_n = [0.0] * 6
        self.dig_m = [0.0] * 6
        self.fx_sum = 0.0
        self.fy_sum = 0.0
        self.inv_k = 1.0 / p.soil_k_m
        self._set_loads(0.0)

    def _set_loads(self, dt_s: float) -> None:
        p = self.p
        r = p.wheel_radius_m
        w_tot = p.mass_kg * p.g_mps2 * math.cos(self.pitch_rad)
        mean = w_tot / 6.0
        sx2 = sum(x * x for x in p.wheel_x_m)
        sy2 = sum(y * y for y in p.wheel_y_m)
        a = -p.cg_height_m * self.fx_sum / (mean * sx2)
        b = -p.cg_height_m * self.fy_sum / (mean * sy2)
        loads = [max(0.0, mean * (1.0 + a * p.wheel_x_m[i] + b * p.wheel_y_m[i])) for i in range(6)]
        total = sum(loads)
        loads = [w * w_tot / total for w in loads]
        n = p.soil_n
        k = p.soil_kc_n_m2 + p.wheel_width_m * p.soil_kphi_n_m3
        hg = p.grouser_h_m
        rg = r + hg
        for i in range(6):
            w = loads[i]
            zs = (3.0 * w / ((3.0 - n) * k * math.sqrt(2.0 * r))) ** (2.0 / (2.0 * n + 1.0))
            dig = self.dig_m[i]
            if dt_s > 0.0 and w > 0.0:
                ul = self._u(i)
                dig += dt_s * (p.dig_gain * abs(self.w_radps[i] * r - ul)
                               - abs(ul) / self.len_m[i] * dig)
                dig = max(dig, 0.0)
            if zs + dig > r:
                dig = max(r - zs, 0.0)
            self.dig_m[i] = dig
            z = min(zs + dig, r)
            length = max(rg * math.acos(1.0 - min((z + hg) / rg, 2.0)), 1e-4)
            self.len_m[i] = length
            self.fmax_n[i] = p.soil_c_pa * p.wheel_width_m * length + w * self.tan_phi
            self.rc_n[i] = k * z ** (n + 1.0) / (n + 1.0)
        self.load_n = loads

    def _u(self, i: int) -> float:
        p = self.p
        k = STEERED[i]
        cd, sd = (1.0, 0.0) if k < 0 else (math.cos(self.steer_rad[k]), math.sin(self.steer_rad[k]))
        ux = self.vx_mps - self.wz_radps * p.wheel_y_m[i]
        uy = self.vy_mps + self.wz_radps * p.wheel_x_m[i]
        return ux * cd + uy * sd

    def _shear(self, fmax: float, j: float) -> float:
        """Janosi-Hanamoto shear integrated over the patch (Wong): j is the rear displacement."""
        x = abs(j) * self.inv_k
        g = 1.0 - (1.0 - math.exp(-x)) / x if x > 1e-12 else 0.5 * x
        return math.copysign(fmax * g, j)

    def step(self, effort_q15, on_edge=None, locked=(0,) * 6) -> None:
        """Advance 1 ms.  on_edge(i, ab) receives each encoder edge of wheel i."""
        p = self.p
        r = p.wheel_radius_m
        fxs = [0.0] * 6
        fys = [0.0] * 6
        for i in range(6):
            k = STEERED[i]
            cd, sd = (1.0, 0.0) if k < 0 else (math.cos(self.steer_rad[k]), math.sin(self.steer_rad[k]))
            ux = self.vx_mps - self.wz_radps * p.wheel_y_m[i]
            uy = self.vy_mps + self.wz_radps * p.wheel_x_m[i]
            ul = ux * cd + uy * sd
            ut = -ux * sd + uy * cd
            # soil
            v_roll = self.w_radps[i] * r
            v_ref = max(abs(v_roll), abs(ul), p.soil_v_min_mps)
            relax = v_ref / self.len_m[i]
            dj = (v_roll - ul) - relax * self.j_m[i]
            djt = -ut - relax * self.jt_m[i]
            self.j_m[i] += DT_S * dj
            self.jt_m[i] += DT_S * djt
            self.slip[i] = math.copysign(1.0, self.w_radps[i] or 1.0) * self.j_m[i] / self.len_m[i]
            fmax = self.fmax_n[i]
            f = max(-fmax, min(fmax, self._shear(fmax, self.j_m[i]) + p.soil_damp_n_s_m * dj))
            ft = max(-fmax, min(fmax, self._shear(fmax, self.jt_m[i]) + p.soil_damp_n_s_m * djt))
            fl = f - self.rc_n[i] * max(-1.0, min(1.0, ul / p.rr_eps_mps))
            fxs[i] = fl * cd - ft * sd
            fys[i] = fl * sd + ft * cd
            # motor, gearbox, wheel
            v = effort_q15[i] * self.bus_v / 32767.0
            ia = self.i_a_coef * self.i_a[i] + self.i_b_coef * (v - self.ke_wheel * self.w_radps[i])
            ia = max(-p.current_limit_a, min(p.current_limit_a, ia))
            self.i_a[i] = ia
            if locked[i]:
                self.w_radps[i] = 0.0
            else:
                x = max(-1.0, min(1.0, self.w_radps[i] / p.gear_friction_eps_radps))
                torque = self.kt_wheel * ia - p.gear_friction_nm * x - f * r
                self.w_radps[i] += DT_S * torque / self.j_eff
            # encoder edges
            self.pos_counts[i] += self.w_radps[i] * DT_S * self.counts_per_rad
            target = math.floor(self.pos_counts[i])
            pos = self.edge_pos[i]
            step = 1 if target > pos else -1
            while pos != target:
                pos += step
                if on_edge is not None:
                    on_edge(i, gray_ab(pos))
            self.edge_pos[i] = pos
        # body
        fx = sum(fxs)
        fy = sum(fys)
        self.fx_sum += 0.1 * (fx - self.fx_sum)
        self.fy_sum += 0.1 * (fy - self.fy_sum)
        mz = sum(p.wheel_x_m[i] * fys[i] - p.wheel_y_m[i] * fxs[i] for i in range(6))
        ax = fx / p.mass_kg - p.g_mps2 * math.sin(self.pitch_rad)
        ay = fy / p.mass_kg
        vx, vy = self.vx_mps, self.vy_mps
        self.vx_mps = vx + DT_S * (ax + self.wz_radps * vy)
        self.vy_mps = vy + DT_S * (ay - self.wz_radps * vx)
        self.wz_radps += DT_S * mz / p.izz_kgm2
        self.x_m += DT_S * self.vx_mps * math.cos(self.pitch_rad)
        self.t_ms += 1
        if self.t_ms % LOAD_PERIOD_MS == 0:
            self._set_loads(LOAD_PERIOD_MS * DT_S)
