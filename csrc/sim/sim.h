/*
 * The simulated rover's plant in one struct: motors, soil, body, encoders,
 * servos, IMU, battery, solar panel, electronics-box thermal.  The board
 * firmware is not here: it runs on this plant through the simulator port
 * (csrc/sim/boards.h), exactly as on a dev board, and drives it through the
 * inputs below (PWM efforts, servo targets, heater duty).
 *
 * Per 1 ms step: soil at each contact, motor and wheel, encoder shaft
 * position, body, servos.  Every plant_period_ms (10 ms): terrain plane fit
 * and wheel loads, IMU sample, solar power and battery.  Every
 * thermal_period_ms: electronics-box thermal model.
 *
 * Wheel order: 0 FL, 1 FR, 2 ML, 3 MR, 4 RL, 5 RR; steer 0..3 -> wheels 0,1,4,5.
 */
#ifndef ROVER_SIM_SIM_H
#define ROVER_SIM_SIM_H

#include <stdint.h>
#include "plant/rng.h"
#include "plant/motor.h"
#include "plant/terra.h"
#include "plant/soilmap.h"
#include "plant/encoder.h"
#include "plant/servo.h"
#include "plant/power.h"
#include "plant/thermal.h"
#include "plant/terrain.h"
#include "plant/body.h"
#include "plant/imu.h"

/* cffi:begin */
enum sim_status {
	SIM_OK = 0,
	SIM_ERR_OFF_MAP = 1,        /* a wheel contact left the heightmap */
	SIM_ERR_PARAMS = 2          /* sim_init: inconsistent parameters */
};

struct sim_params {
	struct motor_params motor;
	struct soil_params soil;
	struct body_params body;
	struct servo_params servo;
	struct imu_params imu;
	struct battery_params batt;
	struct solar_params solar;
	struct ebox_params ebox;
	double wheel_radius_m;
	double wheel_width_m;
	double cg_height_m;         /* centre of gravity above the contact plane (load transfer) */
	double belly_clearance_m;   /* belly above the ground with the wheels on the surface */
	double belly_area_m2;       /* belly footprint when it touches the soil */
	double avionics_w;          /* base electrical load, dissipated in the e-box */
	double embed_slip;          /* slip above this ... */
	uint32_t embed_ms;          /* ... for this long -> embedded */
	uint32_t counts_per_motor_rev;
	uint16_t plant_period_ms;   /* terrain/IMU/battery period */
	uint16_t thermal_period_ms; /* e-box thermal step */
};

struct sim_inputs {
	int16_t effort_cmd[6];      /* motor PWM, Q15 (the mobility board's outputs) */
	int16_t steer_target_mrad[4];   /* servo position commands */
	int16_t ebox_heater_q15;    /* e-box heater PWM, Q15 */
	uint8_t wheel_locked[6];    /* fault: wheel cannot turn */
	uint8_t encoder_dead[6];    /* fault: encoder lines stuck */
	double sun_az_rad;          /* environment, refreshed from Python */
	double sun_el_rad;
	uint8_t sunlit;
	double env_temp_k;
};

struct sim_outputs {
	int32_t wheel_current_ma[6];
	int16_t steer_angle_mrad[4];
	double battery_v;
	double battery_a;
	double soc;
	double solar_w;
	double energy_used_j;
	double ebox_temp_c;
	uint8_t off_map;
};

struct sim_truth {
	double slip[6];
	double load_n[6];           /* wheel normal loads */
	double sink_m[6];           /* wheel sinkage (static + dig-in) */
	double belly_load_n;        /* normal load carried by the belly */
	uint8_t embedded[6];
	uint32_t high_slip_ms[6];
	double wheel_radps[6];
	double load_w;              /* mean electrical load over the last period */
};

struct sim {
	struct sim_params p;
	uint64_t t_ms;
	struct sim_inputs inp;
	struct sim_outputs out;
	struct sim_truth truth;
	struct rng rng;
	struct terra_tab tab;
	struct terrain terrain;
	struct soil_map soil_map;
	double f_sink[6];           /* soil patch factors under each wheel */
	double f_shear[6];
	double belly_drag_n;        /* belly soil shear limit (refreshed with the loads) */
	double fx_sum_n, fy_sum_n;  /* last total wheel force (body frame) for load transfer */
	struct plane_fit fit;
	struct body body;
	struct motor motor[6];
	struct wheel_contact contact[6];
	struct enc_gen enc[6];
	struct servo servo[4];
	struct imu imu;
	struct battery batt;
	struct ebox ebox;
	double counts_per_rad;      /* encoder counts per wheel radian */
	double energy_acc_j;        /* electrical energy since the last battery step */
	uint32_t period_acc_ms;
	uint32_t thermal_acc_ms;
};

/* Returns SIM_OK or SIM_ERR_PARAMS.  Flat unbounded ground until a terrain
 * is bound; pose (0, 0, yaw 0). */
int sim_init(struct sim *s, const struct sim_params *p, uint64_t seed);
/* Bind a float32 heightmap [ny][nx] (not copied; keep it alive). */
int sim_bind_terrain(struct sim *s, const float *height_m, int32_t nx, int32_t ny,
		     double cell_m, double origin_x_m, double origin_y_m);
/* Bind soil patch factor grids (float32 [ny][nx], not copied), cell centres
 * at origin + cell * (i, j). */
int sim_bind_soil(struct sim *s, const float *sink, const float *shear, int32_t nx, int32_t ny,
		  double cell_m, double origin_x_m, double origin_y_m);
/* Place the rover at rest; SIM_ERR_OFF_MAP if a contact is off the map. */
int sim_place(struct sim *s, double x_m, double y_m, double yaw_rad);
/* Advance the plant alone by n_ms with the present inputs.  Returns SIM_OK,
 * or SIM_ERR_OFF_MAP (out.off_map set; the state then stays frozen). */
int sim_step(struct sim *s, uint32_t n_ms);
/* The plant as the mobility board's pins see it: enum port_adc channel ->
 * engineering units (motor mA, steering mrad, battery mV/mA, SOC permille,
 * energy J, solar 0.1 W, e-box deci-C). */
int32_t sim_adc(const struct sim *s, uint8_t ch);
/* cffi:end */

/* One millisecond of plant (the board scheduler's step). */
int sim_step_ms(struct sim *s);

#endif
