/* mono.h - the monotonic clock and sleeping, for every program. */
#ifndef LIB_MONO_H
#define LIB_MONO_H

/* Milliseconds and microseconds of CLOCK_MONOTONIC: for deadlines and
 * intervals, never for what a person reads (see log.h for that). */
long long mono_ms(void);
long long mono_us(void);

/* Sleep ms milliseconds, the whole time even when a signal interrupts. */
void sleep_ms(int ms);

#endif
