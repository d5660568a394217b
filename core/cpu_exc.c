/* cpu_exc.c - exception entry. Every exception goes through cpu_raise, which counts it and
 * calls the machine's configured entry point: cpu_exception_native takes the architectural
 * vector; a VMM installs its own handler instead. */
#include <stdio.h>

#include "cpu.h"

/* Exceptions in a row that dispatch no instruction (e.g. a vector with nothing behind it),
 * or exceptions taken at EXL=1 with no eret between them, before the machine is declared
 * stuck in an exception loop. */
#define EXC_LOOP_LIMIT 1000

void cpu_raise(struct cpu *cpu, const struct cpu_exc *e)
{
    if (cpu->icount == cpu->last_exc_icount) {
        if (++cpu->exc_no_progress >= EXC_LOOP_LIMIT)
            cpu_request_stop(cpu, CPU_STOP_FAULT_LOOP, 0);
    } else {
        cpu->exc_no_progress = 0;
        cpu->last_exc_icount = cpu->icount;
    }
    cpu->n.exceptions[e->code & (EXC_COUNT - 1)]++;
    if (cpu->trace_exceptions)
        fprintf(stderr, "[exc] %-4s pc 0x%08x%s badvaddr 0x%08x insn %llu\n", cpu_exc_name(e->code),
                cpu->pc, cpu->pc == cpu->ds_pc ? " (delay slot)" : "", e->badvaddr,
                (unsigned long long)cpu->icount);
    cpu->exception(cpu, e);
    cpu->ds_pc = 1;                  /* no instruction address matches: not in a delay slot */
}

void cpu_raise_code(struct cpu *cpu, int code)
{
    struct cpu_exc e = { .code = code };
    cpu_raise(cpu, &e);
}

/* Architectural exception entry (MIPS32 PRA 6.2): sets EPC and Cause.BD unless Status.EXL is
 * already set, Cause.ExcCode (and CE for CpU), BadVAddr, Context.BadVPN2 and EntryHi.VPN2 for
 * TLB exceptions, Status.EXL; continues at the vector chosen by BEV, EBase, refill and IV. */
void cpu_exception_native(struct cpu *cpu, const struct cpu_exc *e)
{
    struct cp0 *c = &cpu->cp0;
    int exl = (c->status & ST_EXL) != 0;
    uint32_t off;

    /* An exception handler that keeps faulting before it ever returns is stuck. */
    if (exl && ++cpu->nested_exceptions >= EXC_LOOP_LIMIT)
        cpu_request_stop(cpu, CPU_STOP_FAULT_LOOP, 0);

    if (!exl) {
        int bd = cpu->pc == cpu->ds_pc;
        c->epc = bd ? cpu->pc - 4 : cpu->pc;
        c->cause = bd ? (c->cause | CA_BD) : (c->cause & ~CA_BD);
    }
    c->cause = (c->cause & ~CA_EXC_MASK) | ((uint32_t)e->code << CA_EXC_SHIFT);
    if (e->code == EXC_CPU)
        c->cause = (c->cause & ~(3u << CA_CE_SHIFT)) | ((uint32_t)e->ce << CA_CE_SHIFT);
    if (e->has_badvaddr)
        c->badvaddr = e->badvaddr;
    if (e->tlb_context) {
        c->context = (c->context & 0xFF80000Fu) | ((e->badvaddr >> 9) & 0x007FFFF0u);
        c->entryhi = (c->entryhi & 0xFFu) | (e->badvaddr & 0xFFFFE000u);
    }
    if (e->refill && !exl)
        off = 0x000;
    else if (e->code == EXC_INT && (c->cause & CA_IV))
        off = 0x200;
    else
        off = 0x180;
    c->status |= ST_EXL;
    if (c->status & ST_BEV)
        cpu->pc = 0xBFC00200u + off;
    else
        cpu->pc = 0x80000000u + (c->ebase & 0x3FFFF000u) + off;
    cpu->npc = cpu->pc + 4;
    cpu_update_mode(cpu);
}
