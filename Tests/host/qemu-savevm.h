/*
 * Migration as QEMU's migration/savevm.c frames it, reduced to whole
 * sections in memory: a device registers its VMStateDescription (QEMU's
 * vmstate_register; idstr is its name, the version its version_id), a save
 * is every section in registration order, a load hands each body to the
 * vmstate core (qemu-vmstate.h).
 *
 * QEMU's sections end where their fields end; this stream puts the body's
 * length before it, so that a body can be taken out and handed back alone.
 */
#ifndef QEMU_SAVEVM_H
#define QEMU_SAVEVM_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "qemu-error.h"
#include "qemu-vmstate.h"

/* obj is QEMU's VMStateIf, unused here. */
int vmstate_register(void *obj, uint32_t instance_id,
                     const VMStateDescription *vmsd, void *opaque);
void vmstate_unregister(void *obj, const VMStateDescription *vmsd,
                        void *opaque);

/* One section's body alone; NULL with errp set: no such section, or refused. */
GByteArray *qemu_savevm_section(const char *idstr, uint32_t instance_id,
                                Error **errp);
/* Hands a body to its section's loader; < 0 with errp set if refused. */
int qemu_loadvm_section(const char *idstr, uint32_t instance_id,
                        uint32_t version_id, const uint8_t *buf, size_t len,
                        Error **errp);

/*
 * The whole machine's state: QEMU's magic, version, then every section;
 * NULL with errp set when a section refuses to be saved.
 */
GByteArray *qemu_savevm_state(Error **errp);
/* < 0 with errp set at the first section refused (earlier ones are in). */
int qemu_loadvm_state(const uint8_t *buf, size_t len, Error **errp);

#endif /* QEMU_SAVEVM_H */
