/* Loading and checking SwiftTCE (swifttce_api.h). */
#ifdef HOST_EMULATOR_DLOPEN
#define _GNU_SOURCE           /* dlvsym */
#include <dlfcn.h>
#endif
#include <stdio.h>

#include "swifttce_api.h"

/* The version the library says, against the header's (see the .h). */
static int check_version(const char *loaded)
{
    unsigned major, minor;

    printf("SwiftTCE %s (built against %s)\n", loaded ? loaded : "?",
           SWIFTTCE_VERSION);
    if (!loaded || sscanf(loaded, "%u.%u", &major, &minor) != 2 ||
        major != SWIFTTCE_VERSION_MAJOR || minor < SWIFTTCE_VERSION_MINOR) {
        fprintf(stderr, "SwiftTCE %s cannot stand in for %s\n",
                loaded ? loaded : "(no version)", SWIFTTCE_VERSION);
        return -1;
    }
    return 0;
}

#ifndef HOST_EMULATOR_DLOPEN

int swifttce_api_open(const char *path)
{
    (void)path;               /* linked: the loader found it already */
    return check_version(swifttce_version());
}

#else

#define SWIFTTCE_API_DEFINE(f) __typeof__(&f) f##_dl;
SWIFTTCE_API_FUNCTIONS(SWIFTTCE_API_DEFINE)

/* Each name in the version node it was released in (README: ABI). */
#define SWIFTTCE_API_RESOLVE(f)                                            \
    if (!(f##_dl = (__typeof__(f##_dl))dlvsym(lib, #f, "SWIFTTCE_0.3"))) { \
        fprintf(stderr, "%s: no %s@SWIFTTCE_0.3\n", path, #f);            \
        return -1;                                                         \
    }

int swifttce_api_open(const char *path)
{
    /* Never closed: a Swift runtime is not meant to be unloaded. */
    void *lib = dlopen(path ? path : "libswifttce-host.so.0", RTLD_NOW | RTLD_LOCAL);

    if (!lib) {
        fprintf(stderr, "%s\n", dlerror());
        return -1;
    }
    if (!path) {
        path = "libswifttce-host.so.0";
    }
    /* The version first: nothing else is looked up in a library too old. */
    SWIFTTCE_API_RESOLVE(swifttce_version)
    if (check_version(swifttce_version()) < 0) {
        return -1;
    }
    SWIFTTCE_API_FUNCTIONS(SWIFTTCE_API_RESOLVE)
    return 0;
}

#endif
