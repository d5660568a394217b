/* dev_i8259.h - the two cascaded Intel 8259A programmable interrupt controllers of the
 * PIIX4 south bridge (ISA ports 0x20/0x21 master, 0xA0/0xA1 slave, ELCR at 0x4D0/0x4D1).
 *
 * Behaviour follows the 8259A data sheet (ICW1-4, OCW1-3, fully nested priority with
 * rotation, special mask mode, poll command, automatic EOI, cascade on master IR2) and the
 * PIIX4's edge/level control registers; where the data sheet leaves a choice, QEMU 7.2's
 * i8259 is followed (docs/linux.md, "i8259"):
 *   - edge mode: IRR is set by a rising edge and stays set until acknowledged, even if the
 *     request goes away first (the real part would make that a spurious IR7);
 *   - an acknowledge with nothing pending returns IR7's vector without setting ISR.
 * Linux's Malta code acknowledges through the GT-64120's PCI interrupt-acknowledge register
 * (i8259_pair_iack) and polls with OCW3 P=1 elsewhere. */
#ifndef TLBVISOR_DEV_I8259_H
#define TLBVISOR_DEV_I8259_H

#include <stdint.h>

struct i8259 {
    uint8_t irr, isr, imr;         /* request, in-service and mask registers */
    uint8_t level;                 /* current level of the 8 request inputs */
    uint8_t elcr, elcr_mask;       /* PIIX4 ELCR: 1 = level-triggered (writable bits) */
    uint8_t vector_base;           /* ICW2 & 0xF8 */
    uint8_t icw3;                  /* master: IRs with a slave; slave: its id */
    uint8_t init_step;             /* 0: operational; 2..4: expecting ICW2..ICW4 */
    uint8_t single, icw4_needed, level_triggered; /* ICW1 SNGL, IC4, LTIM */
    uint8_t auto_eoi, rotate_on_aeoi, special_mask, special_fully_nested;
    uint8_t read_isr;              /* OCW3 RR/RIS: the command port reads ISR (else IRR) */
    uint8_t poll;                  /* OCW3 P: the next command-port read is a poll */
    uint8_t lowest;                /* the IR with the lowest priority (7 after ICW1) */
};

/* The pair; int_out is the master's INT output (the CPU's interrupt line on Malta). */
struct i8259_pair {
    struct i8259 pic[2];           /* master, slave */
    int int_out;
    void (*int_changed)(void *ctx, int level);  /* called when int_out changes */
    void *ctx;
    struct {
        uint64_t acks;             /* interrupt acknowledges (INTA cycles and polls) */
        uint64_t spurious;         /* acknowledges with nothing pending (IR7 returned) */
    } n;
};

void i8259_pair_init(struct i8259_pair *p, void (*int_changed)(void *ctx, int level), void *ctx);
/* Drives ISA interrupt request irq (0..15) to level. */
void i8259_pair_set_irq(struct i8259_pair *p, unsigned irq, int level);
/* An interrupt acknowledge cycle: returns the vector of the highest-priority request (the
 * slave's when it comes through the cascade) and puts it in service, as the CPU's INTA
 * would; with nothing pending, IR7's vector (spurious). */
uint8_t i8259_pair_iack(struct i8259_pair *p);
/* Port accesses, port relative to the controller: which = 0 master, 1 slave; reg = 0
 * (command) or 1 (data). */
uint8_t i8259_pair_read(struct i8259_pair *p, int which, unsigned reg);
void i8259_pair_write(struct i8259_pair *p, int which, unsigned reg, uint8_t val);
/* ELCR of controller which (PIIX4 ports 0x4D0, 0x4D1). */
uint8_t i8259_pair_elcr_read(struct i8259_pair *p, int which);
void i8259_pair_elcr_write(struct i8259_pair *p, int which, uint8_t val);

#endif
