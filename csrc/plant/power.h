/*
 * Battery (open-circuit voltage vs state of charge + internal resistance)
 * and a body-mounted vertical solar panel.
 */
#ifndef ROVER_PLANT_POWER_H
#define ROVER_PLANT_POWER_H

#include <stdint.h>

/* cffi:begin */
struct battery_params {
	double capacity_j;          /* usable energy at the open-circuit voltage */
	double r_int_ohm;           /* pack internal resistance */
	double ocv_v[11];           /* pack OCV at SOC 0, 10, ..., 100 % */
	double soc_init;            /* 0..1 */
};

struct battery {
	double soc;                 /* 0..1 */
	double v_term;
	double i_a;                 /* positive discharging */
	double energy_used_j;       /* energy delivered to loads (not net of solar) */
};

struct solar_params {
	double area_m2;
	double efficiency;
	double irradiance_w_m2;     /* solar constant at 1 AU */
	double normal_body_rad;     /* panel normal azimuth in the body frame (CCW from +x) */
};
/* cffi:end */

void battery_init(struct battery *b, const struct battery_params *p);
double battery_ocv(const struct battery_params *p, double soc);
/* Advance by dt with the mean load and solar power over the step. */
void battery_step(struct battery *b, const struct battery_params *p, double load_w,
		  double solar_w, double dt_s);
/* Panel power (W) for a vertical panel: cos(incidence) = cos(el) cos(az_sun - az_n). */
double solar_power(const struct solar_params *p, double yaw_rad, double sun_az_rad,
		   double sun_el_rad, int sunlit);

#endif
