/*
 * The printer's stepper axes as a plant (simulator and host port): X, Y,
 * Z (plate depth, positive down) and the recoater.  Each tick the board
 * emits a signed number of steps per axis, which move the stator field;
 * the rotor follows while the motor has the torque: its rate may not exceed
 * the pull-out rate nor change faster than the torque margin allows (both
 * divided by the axis load factor, 1 = nominal; a jam raises it).  Lagging
 * the field by more than two full steps it slips, and those steps are lost
 * (missed steps).  A limit switch at position 0 of each axis reads
 * pressed at or below 0; a hard stop at -stop_steps ends travel there.
 * docs/printer.md section 7.
 */
#ifndef ROVER_PLANT_GANTRY_H
#define ROVER_PLANT_GANTRY_H

#include <stdint.h>

/* cffi:begin */
struct gantry_params {
	double pullout_steps_per_ms[4];   /* step rate the motor can follow */
	double slew_steps_per_ms2[4];     /* rate change it can follow per ms */
	double stop_steps[4];             /* hard stop this far below the switch */
	double start_pos[4];              /* true position at power-up */
};

struct gantry {
	double pos[4];                    /* true rotor position, steps */
	double field[4];                  /* where the steps put the field, steps */
	double rate[4];                   /* true step rate, steps per ms */
	double load[4];                   /* fault injection: 1 nominal, > 1 overloaded */
	int64_t lost[4];                  /* steps commanded but not followed */
};
/* cffi:end */

/* The printer's axes (docs/printer.md section 7): pull-out 8 steps/ms on
 * X, Y, recoater (100 mm/s at 80 steps/mm), 4 on Z (10 mm/s at 400
 * steps/mm); torque margin for 0.2 (Z 0.1) steps/ms per ms; hard stops
 * 3 mm below the switches; power-up 40 mm (Z 5 mm) from them. */
void gantry_default_params(struct gantry_params *p);
void gantry_init(struct gantry *g, const struct gantry_params *p);
/* One ms with the board's signed steps per axis. */
void gantry_step(struct gantry *g, const struct gantry_params *p, const int32_t *steps);
/* Bit i = switch i pressed. */
uint8_t gantry_switches(const struct gantry *g);

#endif
