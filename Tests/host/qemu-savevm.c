/*
 * The stream of qemu-savevm.h. Framing as QEMU's savevm.c writes a full
 * section (QEMU_VM_SECTION_FULL, section id, idstr, instance id, version,
 * body, QEMU_VM_SECTION_FOOTER, section id), with the body's length before
 * the body; QEMU_VM_EOF at the end.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "qemu-savevm.h"

#define QEMU_VM_FILE_MAGIC     0x5145564d
#define QEMU_VM_FILE_VERSION   0x00000003
#define QEMU_VM_EOF            0x00
#define QEMU_VM_SECTION_FULL   0x04
#define QEMU_VM_SECTION_FOOTER 0x7e

typedef struct SaveStateEntry {
    const char *idstr;          /* the description's name */
    uint32_t instance_id;
    const VMStateDescription *vmsd;
    void *opaque;
} SaveStateEntry;

static GPtrArray *savevm_state;    /* of SaveStateEntry, in registration order */

int vmstate_register(void *obj, uint32_t instance_id,
                     const VMStateDescription *vmsd, void *opaque)
{
    SaveStateEntry *se = g_new(SaveStateEntry, 1);

    se->idstr = vmsd->name;
    se->instance_id = instance_id;
    se->vmsd = vmsd;
    se->opaque = opaque;
    if (!savevm_state) {
        savevm_state = g_ptr_array_new();
    }
    g_ptr_array_add(savevm_state, se);
    return 0;
}

void vmstate_unregister(void *obj, const VMStateDescription *vmsd,
                        void *opaque)
{
    for (guint i = 0; savevm_state && i < savevm_state->len; i++) {
        SaveStateEntry *se = g_ptr_array_index(savevm_state, i);

        if (se->opaque == opaque && se->vmsd == vmsd) {
            g_ptr_array_remove_index(savevm_state, i);
            g_free(se);
            return;
        }
    }
}

/* Appends se's body to out; < 0 with errp set if it refuses. */
static int save_body(SaveStateEntry *se, GByteArray *out, Error **errp)
{
    QEMUFile *f = qemu_file_new_output(out);
    int ret = vmstate_save_state(f, se->vmsd, se->opaque, errp);

    qemu_fclose(f);
    return ret;
}

static void put_be32(GByteArray *f, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    g_byte_array_append(f, (const guint8 *)&v, sizeof(v));
}

static void put_byte(GByteArray *f, uint8_t v)
{
    g_byte_array_append(f, &v, 1);
}

GByteArray *qemu_savevm_state(Error **errp)
{
    GByteArray *f = g_byte_array_new();

    put_be32(f, QEMU_VM_FILE_MAGIC);
    put_be32(f, QEMU_VM_FILE_VERSION);
    for (guint i = 0; savevm_state && i < savevm_state->len; i++) {
        SaveStateEntry *se = g_ptr_array_index(savevm_state, i);
        size_t len = strlen(se->idstr);
        uint32_t body_len;
        guint at;

        put_byte(f, QEMU_VM_SECTION_FULL);
        put_be32(f, i);
        put_byte(f, len);
        g_byte_array_append(f, (const guint8 *)se->idstr, len);
        put_be32(f, se->instance_id);
        put_be32(f, se->vmsd->version_id);
        at = f->len;
        put_be32(f, 0);
        if (save_body(se, f, errp) < 0) {
            g_byte_array_free(f, TRUE);
            return NULL;
        }
        body_len = GUINT32_TO_BE(f->len - at - 4);
        memcpy(f->data + at, &body_len, sizeof(body_len));
        put_byte(f, QEMU_VM_SECTION_FOOTER);
        put_be32(f, i);
    }
    put_byte(f, QEMU_VM_EOF);
    return f;
}

/* Big-endian reads that fail once the stream runs out. */
typedef struct LoadCursor {
    const uint8_t *buf;
    size_t len, pos;
} LoadCursor;

static bool get_bytes(LoadCursor *c, size_t n, const uint8_t **p)
{
    if (c->len - c->pos < n) {
        return false;
    }
    *p = c->buf + c->pos;
    c->pos += n;
    return true;
}

static bool get_byte(LoadCursor *c, uint8_t *v)
{
    const uint8_t *p;

    if (!get_bytes(c, 1, &p)) {
        return false;
    }
    *v = *p;
    return true;
}

static bool get_be32(LoadCursor *c, uint32_t *v)
{
    const uint8_t *p;

    if (!get_bytes(c, 4, &p)) {
        return false;
    }
    *v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return true;
}

static SaveStateEntry *find_se(const char *idstr, uint32_t instance_id)
{
    for (guint i = 0; savevm_state && i < savevm_state->len; i++) {
        SaveStateEntry *se = g_ptr_array_index(savevm_state, i);

        if (se->instance_id == instance_id && strcmp(se->idstr, idstr) == 0) {
            return se;
        }
    }
    return NULL;
}

GByteArray *qemu_savevm_section(const char *idstr, uint32_t instance_id,
                                Error **errp)
{
    SaveStateEntry *se = find_se(idstr, instance_id);
    GByteArray *f;

    if (!se) {
        error_setg(errp, "unknown section %s, instance 0x%x", idstr,
                   instance_id);
        return NULL;
    }
    f = g_byte_array_new();
    if (save_body(se, f, errp) < 0) {
        g_byte_array_free(f, TRUE);
        return NULL;
    }
    return f;
}

int qemu_loadvm_section(const char *idstr, uint32_t instance_id,
                        uint32_t version_id, const uint8_t *buf, size_t len,
                        Error **errp)
{
    SaveStateEntry *se = find_se(idstr, instance_id);
    QEMUFile *f;
    int ret;

    if (!se) {
        error_setg(errp, "unknown section %s, instance 0x%x", idstr,
                   instance_id);
        return -EINVAL;
    }
    f = qemu_file_new_input(buf, len);
    ret = vmstate_load_state(f, se->vmsd, se->opaque, version_id, errp);
    qemu_fclose(f);
    return ret;
}

/* One section after its QEMU_VM_SECTION_FULL byte. */
static int load_section(LoadCursor *c, Error **errp)
{
    uint32_t section_id, instance_id, version_id, body_len, footer_id;
    const uint8_t *idstr, *body;
    uint8_t idlen, footer;
    char name[256];

    if (!get_be32(c, &section_id) || !get_byte(c, &idlen) ||
        !get_bytes(c, idlen, &idstr) || !get_be32(c, &instance_id) ||
        !get_be32(c, &version_id) || !get_be32(c, &body_len) ||
        !get_bytes(c, body_len, &body) || !get_byte(c, &footer) ||
        !get_be32(c, &footer_id)) {
        error_setg(errp, "truncated section at byte %zu", c->pos);
        return -EINVAL;
    }
    if (footer != QEMU_VM_SECTION_FOOTER || footer_id != section_id) {
        error_setg(errp, "section %u: bad footer", section_id);
        return -EINVAL;
    }
    memcpy(name, idstr, idlen);
    name[idlen] = '\0';
    return qemu_loadvm_section(name, instance_id, version_id, body, body_len,
                               errp);
}

int qemu_loadvm_state(const uint8_t *buf, size_t len, Error **errp)
{
    LoadCursor c = { buf, len, 0 };
    uint32_t magic, version;
    uint8_t type;

    if (!get_be32(&c, &magic) || !get_be32(&c, &version) ||
        magic != QEMU_VM_FILE_MAGIC || version != QEMU_VM_FILE_VERSION) {
        error_setg(errp, "not a migration stream");
        return -EINVAL;
    }
    for (;;) {
        int ret;

        if (!get_byte(&c, &type)) {
            error_setg(errp, "stream ends before QEMU_VM_EOF");
            return -EINVAL;
        }
        if (type != QEMU_VM_SECTION_FULL) {
            break;
        }
        ret = load_section(&c, errp);
        if (ret < 0) {
            return ret;
        }
    }
    if (type != QEMU_VM_EOF || c.pos != c.len) {
        error_setg(errp, "byte %zu: 0x%02x, not a section or QEMU_VM_EOF",
                   c.pos - 1, type);
        return -EINVAL;
    }
    return 0;
}
