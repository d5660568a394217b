/* dev_fpga.c - Malta FPGA registers (dev_fpga.h). */
#include <stdio.h>
#include <string.h>

#include "dev_fpga.h"

void fpga_init(struct malta_fpga *f, void (*softres)(void *ctx), void *ctx)
{
    memset(f, 0, sizeof(*f));
    f->brk = 0x0A;
    f->i2cout = 0x03;
    f->i2csel = 0x01;
    memset(f->display, ' ', 8);
    f->softres = softres;
    f->ctx = ctx;
}

int fpga_read(struct malta_fpga *f, uint32_t off, uint32_t *val)
{
    switch (off) {
    case 0x200: *val = 0; break;                      /* SWITCH */
    case 0x208: *val = 0x10; break;                   /* STATUS: little-endian */
    case 0x210: *val = 0; break;                      /* JMPRS */
    case 0x408: *val = f->leds; break;
    case 0x508: *val = f->brk; break;
    case 0xA00: *val = f->gpout; break;
    case 0xA08: *val = f->i2csel ? f->i2cout : 0; break;          /* GPINP */
    case 0xB00:                                       /* I2CINP: SCL bit 1, SDA bit 0 */
        *val = (f->i2coe & 2 ? f->i2cout & 2 : 2) | (f->i2coe & 1 ? f->i2cout & 1 : 1);
        break;
    case 0xB08: *val = f->i2coe; break;
    case 0xB10: *val = f->i2cout; break;
    case 0xB18: *val = f->i2csel; break;
    default: return -1;
    }
    return 0;
}

int fpga_write(struct malta_fpga *f, uint32_t off, uint32_t val)
{
    switch (off) {
    case 0x200: case 0x210: break;                    /* read-only */
    case 0x408: f->leds = (uint8_t)val; break;
    case 0x410: {                                     /* ASCIIWORD: eight hex digits */
        char buf[16];
        snprintf(buf, sizeof(buf), "%08X", val);
        memcpy(f->display, buf, 8);
        break;
    }
    case 0x418: case 0x420: case 0x428: case 0x430:
    case 0x438: case 0x440: case 0x448: case 0x450:
        f->display[(off - 0x418) >> 3] = (char)val;
        break;
    case 0x500:
        if (val == MALTA_SOFTRES_OFF)
            f->softres(f->ctx);
        break;
    case 0x508: f->brk = (uint8_t)val; break;
    case 0xA00: f->gpout = (uint8_t)val; break;
    case 0xB08: f->i2coe = val & 3; break;
    case 0xB10: f->i2cout = val & 3; break;
    case 0xB18: f->i2csel = val & 1; break;
    default: return -1;
    }
    return 0;
}
