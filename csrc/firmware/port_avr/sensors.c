/*
 * Inputs: the ADC scan, quadrature encoder pin changes, and the SPI sensors
 * (ATmega2560 datasheet sections 15 External Interrupts, 21 SPI, 26 ADC).
 *
 * ADC: AVcc reference, prescaler 128 (125 kHz ADC clock, 13 clocks a
 * conversion = 104 us); a scan of ADC0..7 starts every 10 ms from the main
 * loop, and the interrupt stores each result and starts the next channel
 * (0.83 ms a scan, no CPU waiting).  The other five analogue inputs are on
 * an MCP3008 on the SPI bus (Microchip DS21295): ADC8..15 sit on port K,
 * which the encoders and chip selects need, and simavr 1.6 models only
 * eight ADC inputs.
 *
 * Encoders 0..3: every A/B line is on an external interrupt set to fire on
 * both edges; encoders 4 and 5 are sampled at 10 kHz from the timer
 * interrupt.  Either way the pair is read and, when it changed, decoded at
 * once with csrc/core's quadrature step table into a net step count; before
 * each tick the main loop takes the six step counts (interrupts off) and
 * hands them to fw_encoder_steps().  (An edge costs one short interrupt and
 * nothing in the tick; the firmware counts what quad_update() would.)
 *
 * SPI (master, fosc/8 = 2 MHz): the 10 ms sensor round runs from the main
 * loop, polling each byte (64 cycles, cheaper than an interrupt per byte),
 * about 2 900 cycles for the mobility board's 39 bytes.
 */
#include <avr/io.h>
#include <avr/interrupt.h>
#include "port_avr.h"

/* --- ADC ------------------------------------------------------------------ */
static void adc_start(uint8_t ch)
{
	ADMUX = (uint8_t)(_BV(REFS0) | (ch & 7u));
	if (ch & 8u)
		ADCSRB |= _BV(MUX5);
	else
		ADCSRB &= (uint8_t)~_BV(MUX5);
	ADCSRA |= _BV(ADSC);
}

ISR(ADC_vect)
{
	struct port *p = &avr_port;
	uint8_t ch = p->adc_ch;

	p->adc_raw[ch] = ADC;
	ch = (uint8_t)(ch + 1u);
	if (ch >= AVR_NADC) {
		p->adc_ch = 0;
		p->adc_busy = 0;
		return;
	}
	p->adc_ch = ch;
	adc_start(ch);
}

void avr_adc_scan_start(struct port *p)
{
	if (p->adc_busy)
		return;
	p->adc_busy = 1;
	p->adc_ch = 0;
	adc_start(0);
}

/* --- encoders ---------------------------------------------------------------- */
static inline __attribute__((always_inline)) uint8_t enc_pins(uint8_t ch)
{
	uint8_t v;

	switch (ch) {
	case 0: v = PIND; break;                    /* PD0 A, PD1 B */
	case 1: v = (uint8_t)(PIND >> 2); break;    /* PD2, PD3 */
	case 2: v = (uint8_t)(PINE >> 4); break;    /* PE4, PE5 */
	case 3: v = (uint8_t)(PINE >> 6); break;    /* PE6, PE7 */
	case 4: v = PINJ; break;                    /* PJ0, PJ1 */
	default: v = (uint8_t)(PINK >> 6); break;   /* PK6, PK7 */
	}
	return (uint8_t)(((v & 1u) << 1) | ((v >> 1) & 1u));   /* (A << 1) | B */
}

/* Decode a change of encoder ch here (the main loop takes the steps
 * before each tick).  Inlined into each handler with ch a constant: the
 * pin read is one register and no call, so a handler saves only the
 * registers it uses. */
static inline __attribute__((always_inline)) void enc_poll(uint8_t ch)
{
	struct avr_enc *e = &avr_port.enc_isr[ch];
	uint8_t ab = enc_pins(ch);

	if (ab != e->ab)
		avr_enc_change(e, ab);
}

ISR(INT0_vect) { enc_poll(0); }
ISR(INT1_vect, ISR_ALIASOF(INT0_vect));
ISR(INT2_vect) { enc_poll(1); }
ISR(INT3_vect, ISR_ALIASOF(INT2_vect));
ISR(INT4_vect) { enc_poll(2); }
ISR(INT5_vect, ISR_ALIASOF(INT4_vect));
ISR(INT6_vect) { enc_poll(3); }
ISR(INT7_vect, ISR_ALIASOF(INT6_vect));

/* --- SPI --------------------------------------------------------------------- */
/* A job's bytes, polled: at SCK = fosc/8 a byte is 64 cycles, less than an
 * interrupt's entry, handler and exit would cost.  The next byte goes out
 * as soon as the last one is in (datasheet 21.2: SPIF is cleared by reading
 * SPSR with it set, then SPDR), and the bookkeeping runs while it shifts. */
static void spi_run_job(const struct avr_spi_job *j)
{
	const uint8_t n = (uint8_t)(j->skip + j->n), skip = j->skip, ntx = j->ntx;
	uint8_t *dest = j->dest;
	uint8_t i, b, next;

	if (!n)
		return;
	*j->cs_port &= (uint8_t)~j->cs_mask;       /* select */
	SPDR = ntx ? j->tx[0] : 0;
	for (i = 0; i < n; i++) {
		next = (uint8_t)(i + 1u) < ntx ? j->tx[i + 1u] : 0;
		while (!(SPSR & _BV(SPIF)))
			;
		b = SPDR;
		if ((uint8_t)(i + 1u) < n)
			SPDR = next;
		if (i >= skip)
			dest[i - skip] = b;
	}
	*j->cs_port |= j->cs_mask;                  /* deselect, latch */
}

/* The sensor round, every job in turn, from the main loop (the readers run
 * there too, so a round is never seen half written). */
void avr_spi_round(struct port *p)
{
	uint8_t k;

	for (k = 0; k < p->njobs; k++)
		spi_run_job(&p->jobs[k]);
}

static void spi_job(struct port *p, volatile uint8_t *cs_port, uint8_t cs_mask, const uint8_t *tx,
		    uint8_t ntx, uint8_t skip, uint8_t n, uint8_t *dest)
{
	struct avr_spi_job *j = &p->jobs[p->njobs++];
	uint8_t i;

	j->cs_port = cs_port;
	j->cs_mask = cs_mask;
	for (i = 0; i < ntx && i < sizeof j->tx; i++)
		j->tx[i] = tx[i];
	j->ntx = ntx;
	j->skip = skip;
	j->n = n;
	j->dest = dest;
}

void avr_io_init(struct port *p)
{
	uint8_t i;

	/* ADC: AVcc, /128, interrupt-driven scan; digital inputs off on ADC pins */
	DIDR0 = 0xFF;
	ADCSRA = _BV(ADEN) | _BV(ADIE) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
	avr_adc_scan_start(p);
	/* encoders: inputs with pull-ups, any-edge interrupts */
	DDRD &= (uint8_t)~0x0Fu;
	PORTD |= 0x0Fu;
	DDRE &= (uint8_t)~0xF0u;
	PORTE |= 0xF0u;
	DDRJ &= (uint8_t)~0x03u;
	PORTJ |= 0x03u;
	DDRK &= (uint8_t)~0xC0u;
	PORTK |= 0xC0u;
	if (p->role == ROVER_BOARD_MOBILITY) {
		EICRA = 0x55;                       /* ISCn0: any logical change */
		EICRB = 0x55;
		EIFR = 0xFF;
		EIMSK = 0xFF;
		for (i = 0; i < 6; i++) {
			p->enc_isr[i].ab = enc_pins(i);
			p->enc_isr[i].steps = 0;
			p->enc_isr[i].illegal = 0;
		}
	}
	/* SPI master: chip selects PB0, PB4, PL0 high; SCK PB1, MOSI PB2 */
	PORTB |= _BV(PB0) | _BV(PB4);
	DDRB |= _BV(PB0) | _BV(PB1) | _BV(PB2) | _BV(PB4);
	PORTL |= _BV(PL0);
	DDRL |= _BV(PL0);
	/* fosc/8 = 2 MHz (SPR0 with SPI2X): inside the MCP3008's 3.6 MHz at
	 * 5 V (DS21295), the MAX31855's 5 MHz and the MPU-6000's 20 MHz for
	 * sensor registers (PS-MPU-6000A, SPI timing); polled, no interrupt */
	SPCR = _BV(SPE) | _BV(MSTR) | _BV(SPR0);
	SPSR = _BV(SPI2X);
	p->njobs = 0;
	if (p->role == ROVER_BOARD_MOBILITY) {
		static const uint8_t imu_cmd[1] = { AVR_IMU_READ_CMD }, pwr_cmd[1] = { AVR_PWR_READ_CMD };

		spi_job(p, &PORTB, _BV(PB0), imu_cmd, 1, 1, AVR_IMU_BYTES, p->imu);
		spi_job(p, &PORTB, _BV(PB4), pwr_cmd, 1, 1, AVR_PWR_BYTES, p->pwr);
		for (i = 0; i < AVR_NEXT_ADC; i++) {
			/* MCP3008 single-ended read: start bit, SGL | channel, then
			 * B9 B8 come in the second reply byte and B7..B0 in the third */
			uint8_t cmd[3] = { 0x01, (uint8_t)(0x80u | (i << 4)), 0x00 };

			spi_job(p, &PORTL, _BV(PL0), cmd, 3, 1, 2, &p->ext_adc[2 * i]);
		}
	} else {
		spi_job(p, &PORTB, _BV(PB0), 0, 0, 0, AVR_TC_BYTES, p->tc);
		avr_steppers_init(p);           /* the printer's STEP/DIR and switches */
	}
}

/* --- port.h: sensors in engineering units ---------------------------------------- */
static uint16_t adc(struct port *p, uint8_t i)
{
	uint16_t v;
	uint8_t s = SREG;

	cli();
	v = p->adc_raw[i];
	SREG = s;
	return v;
}

/* analogue channel k: 0..7 on-chip, 8..12 the MCP3008's channels 0..4 */
static uint16_t ain(struct port *p, uint8_t k)
{
	if (k < AVR_NADC)
		return adc(p, k);
	k = (uint8_t)(2u * (k - AVR_NADC));
	return (uint16_t)(((uint16_t)(p->ext_adc[k] & 3u) << 8) | p->ext_adc[k + 1]);
}

static int32_t centred(uint16_t raw, int32_t per_count)
{
	return ((int32_t)raw - 512) * per_count;
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static int32_t thermocouple_dc(struct port *p)
{
	/* MAX31855 frame, MSB first: D31..D18 14-bit signed 0.25 C, D16 fault */
	uint32_t f = ((uint32_t)p->tc[0] << 24) | ((uint32_t)p->tc[1] << 16) |
		     ((uint32_t)p->tc[2] << 8) | p->tc[3];
	int16_t t;

	if (f & 0x00010000UL)
		return AVR_SENSOR_OPEN_DC;
	t = (int16_t)(uint16_t)(f >> 16);          /* 14 bits in the top, sign kept */
	t = (int16_t)(t / 4);                      /* low two bits are flags: exact */
	return ((int32_t)t * 5) / 2;               /* 0.25 C counts -> deci-C */
}

int32_t port_adc_read(struct port *p, uint8_t ch)
{
	uint16_t raw;

	if (p->role == ROVER_BOARD_PAYLOAD) {
		if (ch == PORT_ADC_HEATER0_DC)
			return thermocouple_dc(p);
		if (ch == PORT_ADC_HOPPER_PCT)
			return ((int32_t)adc(p, 0) * 100) / 1023;
		return 0;
	}
	if (ch < PORT_ADC_MOTOR_MA0 + 6)
		return centred(ain(p, ch), AVR_MA_PER_COUNT);
	if (ch < PORT_ADC_STEER_MRAD0 + 4)
		return centred(ain(p, ch), AVR_STEER_MRAD_PER_COUNT);
	switch (ch) {
	case PORT_ADC_BATT_MV:
		return (int32_t)ain(p, 10) * AVR_BATT_MV_PER_COUNT;
	case PORT_ADC_BATT_MA:
		return centred(ain(p, 11), AVR_MA_PER_COUNT);
	case PORT_ADC_HEATER0_DC:
		raw = ain(p, 12);
		if (raw == 0 || raw >= 1023)
			return AVR_SENSOR_OPEN_DC;
		return ((int32_t)raw - AVR_TEMP_DC_ZERO_COUNT) * AVR_TEMP_DC_PER_COUNT;
	case PORT_ADC_SOC_PERMILLE:
		return (int32_t)((uint16_t)p->pwr[0] | ((uint16_t)p->pwr[1] << 8));
	case PORT_ADC_ENERGY_J:
		return (int32_t)le32(&p->pwr[2]);
	case PORT_ADC_SOLAR_DW:
		return (int32_t)((uint16_t)p->pwr[6] | ((uint16_t)p->pwr[7] << 8));
	default:
		return 0;
	}
}

void port_imu_read(struct port *p, int16_t accel_mg[3], int32_t gyro_mdps[3])
{
	/* MPU-6000 burst from ACCEL_XOUT_H: ax ay az temp gx gy gz, big-endian;
	 * +-2 g (16384 counts/g) and +-250 deg/s (131 counts per deg/s) */
	uint8_t i;
	int16_t raw[7];

	for (i = 0; i < 7; i++)
		raw[i] = (int16_t)(((uint16_t)p->imu[2 * i] << 8) | p->imu[2 * i + 1]);
	for (i = 0; i < 3; i++) {
		int32_t a = (int32_t)raw[i] * 1000;

		accel_mg[i] = (int16_t)((a + (a >= 0 ? 8192 : -8192)) / 16384);
		/* * 1000 / 131 as * 62535 / 2^13 (7.63367 for 7.63359: 1e-5,
		 * far inside the gyro's own scale tolerance), no division */
		gyro_mdps[i] = (int32_t)raw[4 + i] * 62535 / 8192;
	}
}

uint16_t port_fault_flags(struct port *p)
{
	(void)p;
	return 0;
}
