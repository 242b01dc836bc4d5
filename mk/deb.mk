# Debian packages (debian/): make deb builds them into build/deb/ with
# dpkg-buildpackage (scripts/build-deb.sh); make check-deb installs them on
# this machine, builds and runs programs against them with pkg-config only,
# and removes them (Tests/deb-check.sh, as root). Both install dpkg-dev,
# debhelper and lintian first when they are missing.
#
# Not part of make check: the package build is a whole build from a clean
# copy of the tree (several minutes), and check-deb changes the machine.
# make check holds the packaging's version and symbols to the tree instead
# (Tests/deb-files-check.sh).

# dpkg-buildpackage's; make check runs the tests on its own.
DEB_BUILD_OPTIONS ?= nocheck
# The example programs check-deb builds against the installed packages: every
# .c file of each directory (and, when it has a meson.build, with meson too).
DEB_HOST_EXAMPLE       ?= examples/host-emulator
DEB_STANDALONE_EXAMPLE ?= meson-glue/example

.PHONY: deb deb-deps check-deb
deb-deps:
	@scripts/ensure-deps.sh deb

deb: deb-deps
	@DEB_BUILD_OPTIONS='$(DEB_BUILD_OPTIONS)' scripts/build-deb.sh

check-deb: deb deps
	HOST_EXAMPLE='$(DEB_HOST_EXAMPLE)' STANDALONE_EXAMPLE='$(DEB_STANDALONE_EXAMPLE)' \
	    prove --exec '' $(PROVE_FLAGS) Tests/deb-check.sh

# debian/changelog's version and the symbols file, against the tree.
CHECK_SCRIPTS += Tests/deb-files-check.sh
