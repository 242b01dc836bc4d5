/*
 * QEMU's vmstate core (migration/vmstate.h, vmstate.c), reduced to what the
 * sPAPR TCE table's section uses: a description's fields, each read and
 * written through its VMStateInfo's get and put, once per element; fields
 * that exist from a version on; a variable array counted by a uint32_t
 * field; subsections sent when needed(); pre_save, pre_load, post_load.
 * QEMU's semantics where a stream can tell: the element count is an int (a
 * count of 2^31 or more sends and takes no element), a bool is any byte,
 * an unknown subsection is refused. Two additions that a later QEMU has:
 * pre_save_errp and post_load_errp, so that the caller gets a refusal's
 * message (QEMU 7.2's hooks report it with error_report).
 */
#ifndef QEMU_VMSTATE_H
#define QEMU_VMSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qemu-error.h"
#include "qemu-file.h"

#define QEMU_VM_SUBSECTION 0x05

typedef struct JSONWriter JSONWriter;   /* QEMU's stream description: none */
typedef struct VMStateField VMStateField;

typedef struct VMStateInfo {
    const char *name;
    int (*get)(QEMUFile *f, void *pv, size_t size, const VMStateField *field);
    int (*put)(QEMUFile *f, void *pv, size_t size, const VMStateField *field,
               JSONWriter *vmdesc);
} VMStateInfo;

enum VMStateFlags {
    VMS_SINGLE = 0x001,
    VMS_VARRAY_UINT32 = 0x800,  /* n_elems: the uint32_t at num_offset */
};

struct VMStateField {
    const char *name;
    const char *err_hint;
    size_t offset;
    size_t size;
    size_t num_offset;
    const VMStateInfo *info;
    enum VMStateFlags flags;
    int version_id;             /* the field is in streams of this version on */
};

typedef struct VMStateDescription VMStateDescription;
struct VMStateDescription {
    const char *name;
    int version_id;
    int minimum_version_id;
    int (*pre_load)(void *opaque);
    int (*post_load)(void *opaque, int version_id);
    int (*post_load_errp)(void *opaque, int version_id, Error **errp);
    int (*pre_save)(void *opaque);
    int (*pre_save_errp)(void *opaque, Error **errp);
    bool (*needed)(void *opaque);
    const VMStateField *fields;
    const VMStateDescription **subsections;
};

extern const VMStateInfo vmstate_info_bool;
extern const VMStateInfo vmstate_info_uint32;
extern const VMStateInfo vmstate_info_uint32_equal;
extern const VMStateInfo vmstate_info_uint64;

#define VMSTATE_UINT32_EQUAL(_field, _state, _err_hint) {                   \
    .name = #_field,                                                        \
    .err_hint = (_err_hint),                                                \
    .size = sizeof(uint32_t),                                               \
    .info = &vmstate_info_uint32_equal,                                     \
    .flags = VMS_SINGLE,                                                    \
    .offset = offsetof(_state, _field),                                     \
}
#define VMSTATE_END_OF_LIST() { 0 }

/* The section's body: pre_save, the fields, the subsections needed. */
int vmstate_save_state(QEMUFile *f, const VMStateDescription *vmsd,
                       void *opaque, Error **errp);
/*
 * Reads a whole body of version_id: pre_load, the fields of that version,
 * the subsections there are, then (if the body ends there) post_load. < 0
 * with errp set when refused; what was read before the refusal stays in
 * opaque's fields, as in QEMU.
 */
int vmstate_load_state(QEMUFile *f, const VMStateDescription *vmsd,
                       void *opaque, int version_id, Error **errp);

#endif /* QEMU_VMSTATE_H */
