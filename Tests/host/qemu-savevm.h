/*
 * Migration as QEMU's migration/savevm.c frames it, reduced to whole
 * sections in memory: a device registers a section (idstr, instance_id,
 * version) and handlers that write and read its body; a save is every
 * section in registration order, a load hands each body to its handler.
 *
 * QEMU's handlers read their fields from a QEMUFile as they parse them; an
 * engine that parses a body itself wants it whole, so this stream puts the
 * body's length before it (QEMU's own section has no length field).
 */
#ifndef QEMU_SAVEVM_H
#define QEMU_SAVEVM_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "qemu-error.h"

typedef struct SaveVMHandlers {
    /* Appends the section's body to f. */
    void (*save_state)(GByteArray *f, void *opaque);
    /* Takes a whole body; < 0 with errp set refuses it. */
    int (*load_state)(const uint8_t *buf, size_t len, void *opaque,
                      int version_id, Error **errp);
} SaveVMHandlers;

int register_savevm_live(const char *idstr, uint32_t instance_id,
                         int version_id, const SaveVMHandlers *ops,
                         void *opaque);
void unregister_savevm(const char *idstr, void *opaque);

/* One section's body alone (NULL: no such section). */
GByteArray *qemu_savevm_section(const char *idstr, uint32_t instance_id);
/* Hands a body to its section's load_state; < 0 with errp set if refused. */
int qemu_loadvm_section(const char *idstr, uint32_t instance_id,
                        uint32_t version_id, const uint8_t *buf, size_t len,
                        Error **errp);

/* The whole machine's state: QEMU's magic, version, then every section. */
GByteArray *qemu_savevm_state(void);
/* < 0 with errp set at the first section refused (earlier ones are in). */
int qemu_loadvm_state(const uint8_t *buf, size_t len, Error **errp);

#endif /* QEMU_SAVEVM_H */
