/*
 * QEMU's QEMUFile (migration/qemu-file.h), reduced to one section's body in
 * memory: a save appends to a GByteArray, a load reads a buffer. As in QEMU,
 * a read past the end returns 0 and sets the file's error, which sticks:
 * the vmstate core checks it after each field. A field's handler that fails
 * leaves its Error with the file (qemu_file_set_error_obj), for the loader
 * to hand on.
 */
#ifndef QEMU_FILE_H
#define QEMU_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "qemu-error.h"

typedef struct QEMUFile QEMUFile;

/* A file that appends to out (which stays the caller's). */
QEMUFile *qemu_file_new_output(GByteArray *out);
/* A file that reads buf[0..len) (which must outlive it). */
QEMUFile *qemu_file_new_input(const uint8_t *buf, size_t len);
/* Frees the file and any Error it holds. */
void qemu_fclose(QEMUFile *f);

void qemu_put_byte(QEMUFile *f, uint8_t v);
void qemu_put_be32(QEMUFile *f, uint32_t v);
void qemu_put_be64(QEMUFile *f, uint64_t v);
void qemu_put_buffer(QEMUFile *f, const uint8_t *buf, size_t len);

uint8_t qemu_get_byte(QEMUFile *f);
uint32_t qemu_get_be32(QEMUFile *f);
uint64_t qemu_get_be64(QEMUFile *f);
/* Reads len bytes; fewer (and the file's error set) at the end. */
size_t qemu_get_buffer(QEMUFile *f, uint8_t *buf, size_t len);
/* The byte offset bytes ahead, not consumed; 0 past the end. */
uint8_t qemu_peek_byte(QEMUFile *f, size_t offset);
/* Bytes a load has not read yet. */
size_t qemu_file_remaining(QEMUFile *f);

/* 0, or the first error (a negative errno). */
int qemu_file_get_error(QEMUFile *f);
void qemu_file_set_error(QEMUFile *f, int ret);
/* The error (if the first) and a message for the file's error (if it has
 * none yet); err is the file's, freed if not kept. */
void qemu_file_set_error_obj(QEMUFile *f, int ret, Error *err);
/* The error, its message moved to errp (a generic one if it has none). */
int qemu_file_get_error_obj(QEMUFile *f, Error **errp);

#endif /* QEMU_FILE_H */
