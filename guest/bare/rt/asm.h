/* asm.h - register names and struct frame offsets for the runtime's .S files
 * (and bench/guest's): all in guest/common/frame.h. */
#ifndef RT_ASM_H
#define RT_ASM_H

#include "frame.h"

#endif
