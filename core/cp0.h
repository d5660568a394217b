/* cp0.h - MIPS32r2 coprocessor 0: register numbers, field layouts, exception codes.
 * Architectural names follow the MIPS32 PRA (EntryHi -> entryhi, BadVAddr -> badvaddr). */
#ifndef TLBVISOR_CP0_H
#define TLBVISOR_CP0_H

#include <stdint.h>

/* Exception codes (Cause.ExcCode). */
enum {
    EXC_INT = 0, EXC_MOD = 1, EXC_TLBL = 2, EXC_TLBS = 3, EXC_ADEL = 4, EXC_ADES = 5,
    EXC_IBE = 6, EXC_DBE = 7, EXC_SYS = 8, EXC_BP = 9, EXC_RI = 10, EXC_CPU = 11,
    EXC_OV = 12, EXC_TR = 13, EXC_COUNT = 32
};

/* Status fields. */
#define ST_IE   (1u << 0)
#define ST_EXL  (1u << 1)
#define ST_ERL  (1u << 2)
#define ST_KSU_SHIFT 3
#define ST_KSU  (3u << 3)
#define ST_UM   (1u << 4)
#define ST_IM_SHIFT 8
#define ST_NMI  (1u << 19)
#define ST_SR   (1u << 20)
#define ST_TS   (1u << 21)
#define ST_BEV  (1u << 22)
#define ST_RE   (1u << 25)
#define ST_FR   (1u << 26)
#define ST_RP   (1u << 27)
#define ST_CU0  (1u << 28)
#define ST_CU1  (1u << 29)
/* Bits software may write (24Kc-compatible, no FPU, no MX, no RE). */
#define ST_WRITABLE 0x1278FF1Fu /* as QEMU 24Kc: CU0, RE, BEV, TS, SR, NMI, IM, KSU, ERL, EXL, IE */

/* Cause fields. */
#define CA_EXC_SHIFT 2
#define CA_EXC_MASK  (0x1Fu << 2)
#define CA_IP_SHIFT  8
#define CA_IP_SW     (3u << 8)     /* IP1..IP0, software writable */
#define CA_IP7       (1u << 15)
#define CA_IP_HW     (0x1Fu << 10)  /* IP2..IP6: device interrupt lines */
#define CA_IV        (1u << 23)
#define CA_DC        (1u << 27)
#define CA_CE_SHIFT  28
#define CA_TI        (1u << 30)
#define CA_BD        (1u << 31)
#define CA_WRITABLE  (CA_IP_SW | CA_IV | CA_DC)

/* Segmentation Control field layout (one 16-bit CFG per segment). */
#define SC_C_MASK   0x7u
#define SC_EU       (1u << 3)
#define SC_AM_SHIFT 4
#define SC_AM_MASK  0x7u
#define SC_PA_SHIFT 9
#define SC_PA_MASK  0x7Fu
enum { SC_AM_UK = 0, SC_AM_MK = 1, SC_AM_MSK = 2, SC_AM_MUSK = 3, SC_AM_MUSUK = 4,
       SC_AM_USK = 5, SC_AM_RSVD = 6, SC_AM_UUSK = 7 };
#define SEGCTL0_RESET 0x00200010u  /* kseg3 MK, sseg MSK */
#define SEGCTL1_RESET 0x00030002u  /* kseg1 UK C=2, kseg0 UK C=3 */
#define SEGCTL2_RESET 0x003A043Au  /* useg MUSK, EU=1, PA=2 / PA=0 */
#define SEGCTL_MASK   0xFE7FFE7Fu  /* PA, AM, EU, C of both halves */

/* Processor identification and configuration, as QEMU's 24Kc except where DESIGN §2 says
 * otherwise (TLB size, Config3.SC). */
#define CP0_PRID    0x00019300u
#define CP0_CONFIG0 0x80000482u    /* M, BE=0, AT=0 (MIPS32), AR=1 (R2), MT=1 (TLB), K0=2 */
#define CP0_CONFIG2 0x80000000u
#define CP0_CONFIG3 (1u << 25)     /* SC: Segmentation Control present */
/* Config1 without MMUSize: IL=3 IA=1 DL=3 DA=1 CA EP, FP=0 (24Kc caches, no FPU). */
#define CP0_CONFIG1_BASE 0x80190C86u
#define CP0_SYNCI_STEP 32
#define CP0_CCRES 2

/* CP0 register numbers. */
enum {
    CP0_INDEX = 0, CP0_RANDOM = 1, CP0_ENTRYLO0 = 2, CP0_ENTRYLO1 = 3, CP0_CONTEXT = 4,
    CP0_PAGEMASK = 5, CP0_WIRED = 6, CP0_HWRENA = 7, CP0_BADVADDR = 8, CP0_COUNT = 9,
    CP0_ENTRYHI = 10, CP0_COMPARE = 11, CP0_STATUS = 12, CP0_CAUSE = 13, CP0_EPC = 14,
    CP0_PRID_REG = 15, CP0_CONFIG = 16, CP0_LLADDR = 17, CP0_PW = 22, CP0_ERROREPC = 30
};

#endif
