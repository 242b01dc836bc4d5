/*
 * The vmstate core of qemu-vmstate.h.
 */
#include <errno.h>
#include <string.h>

#include "qemu-vmstate.h"

/* ---- The base types -------------------------------------------------- */

static int get_bool(QEMUFile *f, void *pv, size_t size,
                    const VMStateField *field)
{
    /* QEMU takes any byte: non-zero is true. */
    *(bool *)pv = qemu_get_byte(f);
    return 0;
}

static int put_bool(QEMUFile *f, void *pv, size_t size,
                    const VMStateField *field, JSONWriter *vmdesc)
{
    qemu_put_byte(f, *(bool *)pv);
    return 0;
}

const VMStateInfo vmstate_info_bool = {
    .name = "bool", .get = get_bool, .put = put_bool,
};

static int get_uint32(QEMUFile *f, void *pv, size_t size,
                      const VMStateField *field)
{
    *(uint32_t *)pv = qemu_get_be32(f);
    return 0;
}

static int put_uint32(QEMUFile *f, void *pv, size_t size,
                      const VMStateField *field, JSONWriter *vmdesc)
{
    qemu_put_be32(f, *(uint32_t *)pv);
    return 0;
}

const VMStateInfo vmstate_info_uint32 = {
    .name = "uint32", .get = get_uint32, .put = put_uint32,
};

static int get_uint32_equal(QEMUFile *f, void *pv, size_t size,
                            const VMStateField *field)
{
    uint32_t v = qemu_get_be32(f);

    if (qemu_file_get_error(f) || v == *(uint32_t *)pv) {
        return 0;
    }
    {
        Error *err = NULL;

        error_setg(&err, "%s: 0x%x in the stream, 0x%x here%s%s",
                   field->name, v, *(uint32_t *)pv,
                   field->err_hint ? ": " : "",
                   field->err_hint ? field->err_hint : "");
        qemu_file_set_error_obj(f, -EINVAL, err);
    }
    return -EINVAL;
}

const VMStateInfo vmstate_info_uint32_equal = {
    .name = "uint32 equal", .get = get_uint32_equal, .put = put_uint32,
};

static int get_uint64(QEMUFile *f, void *pv, size_t size,
                      const VMStateField *field)
{
    *(uint64_t *)pv = qemu_get_be64(f);
    return 0;
}

static int put_uint64(QEMUFile *f, void *pv, size_t size,
                      const VMStateField *field, JSONWriter *vmdesc)
{
    qemu_put_be64(f, *(uint64_t *)pv);
    return 0;
}

const VMStateInfo vmstate_info_uint64 = {
    .name = "uint64", .get = get_uint64, .put = put_uint64,
};

/* ---- Fields ------------------------------------------------------------ */

/* QEMU counts in an int: a uint32_t count of 2^31 or more is negative. */
static int n_elems(void *opaque, const VMStateField *field)
{
    if (field->flags & VMS_VARRAY_UINT32) {
        return (int)*(uint32_t *)((char *)opaque + field->num_offset);
    }
    return 1;
}

/* A refusal with no message of its own gets one naming the field. */
static int field_failed(QEMUFile *f, int ret, const VMStateDescription *vmsd,
                        const VMStateField *field, const char *what)
{
    Error *err = NULL;

    error_setg(&err, "%s of %s:%s failed: %s", what, vmsd->name, field->name,
               ret == -EIO ? "the stream ends early" : g_strerror(-ret));
    qemu_file_set_error_obj(f, ret, err);
    return ret;
}

static bool field_in(const VMStateField *field, int version_id)
{
    return field->version_id <= version_id;
}

/* ---- Save -------------------------------------------------------------- */

static int save_fields(QEMUFile *f, const VMStateDescription *vmsd,
                       void *opaque);

static int save_subsections(QEMUFile *f, const VMStateDescription *vmsd,
                            void *opaque)
{
    const VMStateDescription **sub;

    for (sub = vmsd->subsections; sub && *sub; sub++) {
        size_t len = strlen((*sub)->name);
        int ret;

        if ((*sub)->needed && !(*sub)->needed(opaque)) {
            continue;
        }
        qemu_put_byte(f, QEMU_VM_SUBSECTION);
        qemu_put_byte(f, len);
        qemu_put_buffer(f, (const uint8_t *)(*sub)->name, len);
        qemu_put_be32(f, (*sub)->version_id);
        ret = save_fields(f, *sub, opaque);
        if (ret) {
            return ret;
        }
    }
    return 0;
}

static int save_fields(QEMUFile *f, const VMStateDescription *vmsd,
                       void *opaque)
{
    const VMStateField *field;
    int ret;

    if (vmsd->pre_save_errp) {
        Error *err = NULL;

        ret = vmsd->pre_save_errp(opaque, &err);
        if (ret) {
            if (!err) {
                error_setg(&err, "pre-save failed: %s", vmsd->name);
            }
            qemu_file_set_error_obj(f, ret, err);
            return ret;
        }
    }
    if (vmsd->pre_save) {
        ret = vmsd->pre_save(opaque);
        if (ret) {
            Error *err = NULL;

            error_setg(&err, "pre-save failed: %s", vmsd->name);
            qemu_file_set_error_obj(f, ret, err);
            return ret;
        }
    }
    for (field = vmsd->fields; field->name; field++) {
        void *elem = (char *)opaque + field->offset;
        int i, n = n_elems(opaque, field);

        if (!field_in(field, vmsd->version_id)) {
            continue;
        }
        for (i = 0; i < n; i++) {
            ret = field->info->put(f, (char *)elem + field->size * i,
                                   field->size, field, NULL);
            if (ret) {
                return field_failed(f, ret, vmsd, field, "save");
            }
        }
    }
    return save_subsections(f, vmsd, opaque);
}

int vmstate_save_state(QEMUFile *f, const VMStateDescription *vmsd,
                       void *opaque, Error **errp)
{
    int ret = save_fields(f, vmsd, opaque);

    return ret ? qemu_file_get_error_obj(f, errp) : 0;
}

/* ---- Load -------------------------------------------------------------- */

static int load_fields(QEMUFile *f, const VMStateDescription *vmsd,
                       void *opaque, int version_id, bool whole,
                       Error **errp);

static const VMStateDescription *find_subsection(
    const VMStateDescription *vmsd, const char *name)
{
    const VMStateDescription **sub;

    for (sub = vmsd->subsections; sub && *sub; sub++) {
        if (strcmp((*sub)->name, name) == 0) {
            return *sub;
        }
    }
    return NULL;
}

static int load_subsections(QEMUFile *f, const VMStateDescription *vmsd,
                            void *opaque, Error **errp)
{
    while (qemu_file_remaining(f) &&
           qemu_peek_byte(f, 0) == QEMU_VM_SUBSECTION) {
        const VMStateDescription *sub;
        char name[256];
        uint8_t len;
        int ret;

        qemu_get_byte(f);
        len = qemu_get_byte(f);
        qemu_get_buffer(f, (uint8_t *)name, len);
        name[len] = '\0';
        if (qemu_file_get_error(f)) {
            error_setg(errp, "%s: the stream ends in a subsection's name",
                       vmsd->name);
            return qemu_file_get_error(f);
        }
        sub = find_subsection(vmsd, name);
        if (!sub) {
            error_setg(errp, "%s: unknown subsection \"%s\"", vmsd->name,
                       name);
            return -ENOENT;
        }
        ret = load_fields(f, sub, opaque, qemu_get_be32(f), false, errp);
        if (ret) {
            return ret;
        }
    }
    return 0;
}

/* whole: f is the section's body, which must end with the subsections. */
static int load_fields(QEMUFile *f, const VMStateDescription *vmsd,
                       void *opaque, int version_id, bool whole,
                       Error **errp)
{
    const VMStateField *field;
    int ret;

    if (qemu_file_get_error(f)) {
        return qemu_file_get_error_obj(f, errp);
    }
    if (version_id > vmsd->version_id || version_id < vmsd->minimum_version_id) {
        error_setg(errp, "%s: version %d, this machine takes %d to %d",
                   vmsd->name, version_id, vmsd->minimum_version_id,
                   vmsd->version_id);
        return -EINVAL;
    }
    if (vmsd->pre_load) {
        ret = vmsd->pre_load(opaque);
        if (ret) {
            error_setg(errp, "%s: pre_load failed", vmsd->name);
            return ret;
        }
    }
    for (field = vmsd->fields; field->name; field++) {
        void *elem = (char *)opaque + field->offset;
        int i, n = n_elems(opaque, field);

        if (!field_in(field, version_id)) {
            continue;
        }
        for (i = 0; i < n; i++) {
            ret = field->info->get(f, (char *)elem + field->size * i,
                                   field->size, field);
            if (ret >= 0) {
                ret = qemu_file_get_error(f);
            }
            if (ret < 0) {
                field_failed(f, ret, vmsd, field, "load");
                return qemu_file_get_error_obj(f, errp);
            }
        }
    }
    ret = load_subsections(f, vmsd, opaque, errp);
    if (ret) {
        return ret;
    }
    /*
     * QEMU finds a stray byte at the section's footer, after post_load;
     * the body's length is known here, so it is refused before anything
     * is applied.
     */
    if (whole && qemu_file_remaining(f)) {
        error_setg(errp, "%s: %zu bytes after the section's fields",
                   vmsd->name, qemu_file_remaining(f));
        return -EINVAL;
    }
    if (vmsd->post_load_errp) {
        return vmsd->post_load_errp(opaque, version_id, errp);
    }
    if (vmsd->post_load) {
        ret = vmsd->post_load(opaque, version_id);
        if (ret) {
            error_setg(errp, "%s: post_load failed", vmsd->name);
        }
    }
    return ret;
}

int vmstate_load_state(QEMUFile *f, const VMStateDescription *vmsd,
                       void *opaque, int version_id, Error **errp)
{
    return load_fields(f, vmsd, opaque, version_id, true, errp);
}
