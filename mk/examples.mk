# examples/host-emulator: the host-mode example an emulator author copies.
# make check builds it three ways (meson with SwiftTCE as a subproject,
# pkg-config swifttce-host-static against a DESTDIR install, dlopen of the
# installed shared object) and runs each under env -i
# (Tests/host-emulator-check.sh); make check-deb builds it against the
# installed packages (mk/deb.mk's DEB_HOST_EXAMPLE).
CHECK_SCRIPTS += Tests/host-emulator-check.sh
CHECK_DEPS    += $(HOST_STATIC_LIB) $(HOST_SHARED_LIB) $(STATIC_LIB) $(SHARED_LIB)
