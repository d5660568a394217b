/* dev_fpga.h - the Malta board's system FPGA registers (physical 0x1F000000, 1 MiB; the
 * CBUS UART at 0x1F000900 is dev_uart) and the boot ROM's board revision word.
 *
 * Registers (Malta User's Manual, checked against QEMU 7.2): SWITCH 0x200, STATUS 0x208
 * (0x10: little-endian), JMPRS 0x210, LEDBAR 0x408, ASCIIWORD 0x410, ASCIIPOS0-7
 * 0x418-0x450 (the 8-character display; kept, shown in no window), SOFTRES 0x500 (writing
 * 0x42 resets the board: tlbvisor powers off, exit status 0), BRKRES 0x508, GPOUT 0xA00,
 * GPINP 0xA08, and the I2C lines I2CINP/I2COE/I2COUT/I2CSEL 0xB00-0xB18 (no EEPROM on the
 * bus: an undriven line reads high). Any other offset is not a register (unmodelled).
 * Boot ROM: 0x1FC00000 (4 MiB) reads zero except REVISION at 0x1FC00010 = 0x00000420
 * (Malta with a CoreLV card, the GT-64120 system controller). */
#ifndef TLBVISOR_DEV_FPGA_H
#define TLBVISOR_DEV_FPGA_H

#include <stdint.h>

#define MALTA_FPGA_BASE 0x1F000000u
#define MALTA_FPGA_BYTES 0x100000u
#define MALTA_FPGA_UART 0x900u          /* CBUS UART: 8 registers 8 bytes apart */
#define MALTA_SOFTRES 0x1F000500u
#define MALTA_SOFTRES_OFF 0x42u
#define MALTA_ROM_BASE 0x1FC00000u
#define MALTA_ROM_BYTES 0x400000u
#define MALTA_REVISION 0x00000420u      /* at MALTA_ROM_BASE + 0x10 */

struct malta_fpga {
    uint8_t leds, brk, gpout, i2coe, i2cout, i2csel;
    char display[9];                /* ASCIIPOS0..7 */
    void (*softres)(void *ctx);
    void *ctx;
};

void fpga_init(struct malta_fpga *f, void (*softres)(void *ctx), void *ctx);
/* Register at offset off (not the UART's). Return 0, or -1 if no register is there. */
int fpga_read(struct malta_fpga *f, uint32_t off, uint32_t *val);
int fpga_write(struct malta_fpga *f, uint32_t off, uint32_t val);

#endif
