/* vtlb.c - the exact guest TLB (placeholder until it lands). */
#include "sh_int.h"

int vtlb_init(struct vm *vm, const struct pw_config *geom)
{
    (void)vm;
    (void)geom;
    return -1;
}

void vtlb_free(struct sh_vm *s)
{
    (void)s;
}

void vtlb_fault(struct vmm *vmm, struct vm *vm, uint32_t va, int access, int user, int store, int fetch)
{
    (void)vmm; (void)vm; (void)va; (void)access; (void)user; (void)store; (void)fetch;
}

void vtlb_invlpg(struct vmm *vmm, struct vm *vm, uint32_t va)
{
    (void)vmm; (void)vm; (void)va;
}

void vtlb_flush(struct vmm *vmm, struct vm *vm, int keep_global)
{
    (void)vmm; (void)vm; (void)keep_global;
}

unsigned vtlb_audit(struct vmm *vmm, struct vm *vm, const char *where)
{
    (void)vmm; (void)vm; (void)where;
    return 0;
}
